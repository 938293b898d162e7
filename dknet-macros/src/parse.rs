//! Phase 1: the attribute's arguments and the annotated item, as syntax.
//!
//! Only what cannot be parsed at all fails here; whether the parts make sense
//! is for [`lower`](crate::lower).

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, Item, ItemImpl, Token};

use crate::table::Subsystem;
use crate::tokens::first_and_last;

/// One `key = value` argument of the attribute.
pub(crate) struct Arg {
    /// The key; keywords such as `crate` are accepted.
    pub(crate) key: Ident,
    /// The value, whatever expression was written (lowering wants a string).
    pub(crate) value: Expr,
}

/// Parses `key = value, ...`.
pub(crate) fn args(sub: &Subsystem, tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    let parser = |input: ParseStream| {
        let mut args = Vec::new();
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "expected `{key} = \"...\"`: `#[{}]` arguments are `key = \"value\"` pairs",
                        sub.attribute
                    ),
                ));
            }
            input.parse::<Token![=]>()?;
            let value = input.parse()?;
            args.push(Arg { key, value });
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    };
    parser.parse2(tokens)
}

/// Parses the annotated item, which must be an inherent `impl` block, with
/// its method bodies left unparsed (emptied): only signatures matter here, and
/// a syntax error in a body is rustc's to report, on the author's unchanged
/// tokens.
pub(crate) fn item(sub: &Subsystem, tokens: TokenStream) -> syn::Result<ItemImpl> {
    parse_item(sub, map_last_group(tokens, empty_bodies))
}

/// Parses only the header (`impl<...> Type where ...`) of an item whose
/// items do not parse, so that the fallback impl can still be emitted.
pub(crate) fn header(sub: &Subsystem, tokens: TokenStream) -> syn::Result<ItemImpl> {
    parse_item(sub, map_last_group(tokens, |_| TokenStream::new()))
}

/// `tokens` with the content of its last `{ ... }` group (an impl's body)
/// passed through `map`.
fn map_last_group(
    tokens: TokenStream,
    map: impl FnOnce(TokenStream) -> TokenStream,
) -> TokenStream {
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    if let Some(TokenTree::Group(body)) = trees.last_mut() {
        if body.delimiter() == Delimiter::Brace {
            let mut mapped = Group::new(Delimiter::Brace, map(body.stream()));
            mapped.set_span(body.span());
            *body = mapped;
        }
    }
    trees.into_iter().collect()
}

/// An impl body with every `{ ... }` at its top level (method bodies,
/// `const` blocks, braced macro calls) emptied to `{}`, which still parses.
fn empty_bodies(body: TokenStream) -> TokenStream {
    body.into_iter()
        .map(|tree| match tree {
            TokenTree::Group(group) if group.delimiter() == Delimiter::Brace => {
                let mut empty = Group::new(Delimiter::Brace, TokenStream::new());
                empty.set_span(group.span());
                TokenTree::Group(empty)
            }
            other => other,
        })
        .collect()
}

fn parse_item(sub: &Subsystem, tokens: TokenStream) -> syn::Result<ItemImpl> {
    let item: Item = syn::parse2(tokens)?;
    let (span, what) = match item {
        Item::Impl(item) => match &item.trait_ {
            None => return Ok(item),
            Some((_, path, _)) => (path.span(), "a trait impl"),
        },
        Item::Struct(item) => (item.struct_token.span, "a struct"),
        Item::Enum(item) => (item.enum_token.span, "an enum"),
        Item::Union(item) => (item.union_token.span, "a union"),
        Item::Fn(item) => (item.sig.fn_token.span, "a function"),
        Item::Trait(item) => (item.trait_token.span, "a trait"),
        Item::Mod(item) => (item.mod_token.span, "a module"),
        Item::Type(item) => (item.type_token.span, "a type alias"),
        Item::Const(item) => (item.const_token.span, "a constant"),
        Item::Static(item) => (item.static_token.span, "a static"),
        other => (first_and_last(&other).0, "this item"),
    };
    Err(syn::Error::new(
        span,
        format!(
            "`#[{}]` goes on an inherent `impl` block, not on {what}\n\
             help: write the driver's protocol methods in `impl YourDriver {{ ... }}` \
             and put the attribute there",
            sub.attribute
        ),
    ))
}
