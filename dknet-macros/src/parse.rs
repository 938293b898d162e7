//! Phase 1: the attribute's arguments and the annotated item, as syntax.
//!
//! Only what cannot be parsed at all fails here; whether the parts make sense
//! is for [`lower`](crate::lower). An impl item that does
//! not parse is reported here, naming it, and left out.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Expr, Ident, ImplItem, Item, ItemImpl, Token};

use crate::ctxt::Errors;
use crate::table::Protocol;
use crate::tokens::first_and_last;

/// One `key = value` argument of the attribute.
pub(crate) struct Arg {
    /// The key; keywords such as `crate` are accepted.
    pub(crate) key: Ident,
    /// The value, whatever expression was written (lowering wants a string).
    pub(crate) value: Expr,
}

/// Parses `key = value, ...`.
pub(crate) fn args(protocol: &Protocol, tokens: TokenStream) -> syn::Result<Vec<Arg>> {
    let parser = |input: ParseStream| {
        let mut args = Vec::new();
        while !input.is_empty() {
            let key = Ident::parse_any(input)?;
            if !input.peek(Token![=]) {
                return Err(syn::Error::new(
                    key.span(),
                    format!(
                        "expected `{key} = \"...\"`: `#[{}]` arguments are `key = \"value\"` pairs",
                        protocol.attribute
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

/// The annotated impl block, as far as it parses.
pub(crate) struct ImplBlock {
    /// The header and every item that parses, method bodies emptied: only
    /// signatures matter to the macro, and a syntax error in a body is
    /// rustc's to report, on the author's unchanged tokens.
    pub(crate) item: ItemImpl,
    /// The author's tokens without the items that do not parse (each
    /// already has its error), for the expansion to emit.
    pub(crate) tokens: TokenStream,
}

/// Parses the annotated item, which must be an inherent `impl` block. An
/// item of it that does not parse gets an error naming it and is left out;
/// `Err` when there is no impl to work with at all.
pub(crate) fn item(
    protocol: &Protocol,
    tokens: TokenStream,
    errors: &mut Errors,
) -> syn::Result<ImplBlock> {
    let mut header = header(protocol, tokens.clone())?;
    let mut trees: Vec<TokenTree> = tokens.into_iter().collect();
    let Some(TokenTree::Group(body)) = trees.last_mut() else {
        return Ok(ImplBlock {
            item: header,
            tokens: trees.into_iter().collect(),
        });
    };
    let mut kept = TokenStream::new();
    for chunk in items(body.stream()) {
        match syn::parse2::<ImplItem>(empty_bodies(chunk.clone())) {
            Ok(item) => {
                header.items.push(item);
                kept.extend(chunk);
            }
            Err(error) => {
                // syn's list of every token it expected says less than the span.
                let message = error.to_string();
                let reason = message
                    .split(", expected one of")
                    .next()
                    .unwrap_or_default();
                errors.at(
                    error.span(),
                    format!(
                        "`#[{}]` cannot read {}: {reason}",
                        protocol.attribute,
                        item_name(&chunk)
                    ),
                );
            }
        }
    }
    let mut rebuilt = Group::new(Delimiter::Brace, kept);
    rebuilt.set_span(body.span());
    *body = rebuilt;
    Ok(ImplBlock {
        item: header,
        tokens: trees.into_iter().collect(),
    })
}

/// Parses only the header (`impl<...> Type where ...`), with no items.
pub(crate) fn header(protocol: &Protocol, tokens: TokenStream) -> syn::Result<ItemImpl> {
    parse_item(protocol, map_last_group(tokens, |_| TokenStream::new()))
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

/// An impl body split into its items: each ends with a `;` or with a
/// `{ ... }` that no `;` follows.
fn items(body: TokenStream) -> Vec<TokenStream> {
    let mut items = Vec::new();
    let mut current: Vec<TokenTree> = Vec::new();
    let mut trees = body.into_iter().peekable();
    while let Some(tree) = trees.next() {
        let ends = match &tree {
            TokenTree::Punct(punct) => punct.as_char() == ';',
            TokenTree::Group(group) => {
                group.delimiter() == Delimiter::Brace
                    && !matches!(trees.peek(), Some(TokenTree::Punct(next)) if next.as_char() == ';')
            }
            _ => false,
        };
        current.push(tree);
        if ends {
            items.push(current.drain(..).collect());
        }
    }
    if !current.is_empty() {
        items.push(current.into_iter().collect());
    }
    items
}

/// What an item is called in an error: "the signature of `name`" for a
/// method, "this item" otherwise.
fn item_name(item: &TokenStream) -> String {
    let mut trees = item.clone().into_iter();
    while let Some(tree) = trees.next() {
        if matches!(&tree, TokenTree::Ident(ident) if ident == "fn") {
            if let Some(TokenTree::Ident(name)) = trees.next() {
                return format!("the signature of `{name}`");
            }
        }
    }
    "this item".to_owned()
}

/// An impl item with every `{ ... }` at its top level (a method's body, a
/// `const` block, a braced macro call) emptied to `{}`, which still parses.
fn empty_bodies(item: TokenStream) -> TokenStream {
    item.into_iter()
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

fn parse_item(protocol: &Protocol, tokens: TokenStream) -> syn::Result<ItemImpl> {
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
            protocol.attribute
        ),
    ))
}
