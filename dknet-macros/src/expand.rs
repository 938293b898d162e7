//! Phase 4: the generated code, one function per generated item. Codegen
//! cannot fail: everything was checked before.
//!
//! Tokens that can end up in a type error carry the author's spans
//! (`located_at`), so rustc points at the author's return type or method name,
//! while keeping the macro's hygiene, so lints treat them as generated code.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned, ToTokens};
use syn::visit::Visit;
use syn::Type;

use crate::lower::{Driver, Method};
use crate::table::{CapabilityArg, KeyKind};
use crate::tokens::first_and_last;

/// The author's impl block as written, with the clippy lints that the
/// protocol's fixed signatures would trip allowed: a method must take `&self`
/// and its request by value, and an `async fn` without `.await` is a fine
/// choice (it runs inline, where a plain `fn` would go to the blocking pool).
pub(crate) fn author_impl(item: TokenStream) -> TokenStream {
    quote! {
        #[allow(clippy::unused_self, clippy::unused_async, clippy::needless_pass_by_value)]
        #item
    }
}

/// `impl Trait for Type { ... }`: the author's methods, and `get_capabilities`
/// from the attribute unless the author wrote it.
pub(crate) fn driver_impl(driver: &Driver<'_>) -> TokenStream {
    let header = impl_header(driver);
    let capabilities =
        (!driver.wrote(driver.sub.capabilities.method)).then(|| capabilities_fn(driver));
    let methods = driver
        .methods
        .iter()
        .map(|method| method_fn(driver, method));
    quote! {
        #header {
            #capabilities
            #(#methods)*
        }
    }
}

/// The trait impl emitted next to errors: every method at its default, so
/// that passing the type to `serve_unix` adds no error of its own.
pub(crate) fn fallback_impl(driver: &Driver<'_>) -> TokenStream {
    let header = impl_header(driver);
    quote!(#header {})
}

/// `impl<generics> ::dknet::network::NetworkDriver for Type where ...`, with
/// the trait spanned at the author's type, where a missing `Send` shows.
fn impl_header(driver: &Driver<'_>) -> TokenStream {
    let item = driver.item;
    let (impl_generics, _, where_clause) = item.generics.split_for_impl();
    let self_ty = &item.self_ty;
    let span = at(first_and_last(self_ty).0);
    let trait_path = driver.path(span, &[driver.sub.module, driver.sub.trait_name]);
    quote_spanned!(span=> impl #impl_generics #trait_path for #self_ty #where_clause)
}

/// `get_capabilities` answered from the attribute's arguments.
fn capabilities_fn(driver: &Driver<'_>) -> TokenStream {
    let span = Span::call_site();
    let sub = driver.sub;
    let args = sub.capabilities.args.iter().map(|arg| match arg {
        CapabilityArg::Key(key) => {
            let given = driver
                .keys
                .iter()
                .find(|given| std::ptr::eq(given.key, key));
            let value = given
                .map(|given| given.value)
                .or_else(|| key.value(key.default?));
            let path = value.map(|value| match key.kind {
                KeyKind::Bool => {
                    let flag = value == "true";
                    quote!(#flag)
                }
                KeyKind::Str => {
                    let segments: Vec<&str> = std::iter::once(sub.module)
                        .chain(value.split("::"))
                        .collect();
                    driver.path(span, &segments)
                }
            });
            match (key.default, path) {
                (Some(_), Some(path)) => path,
                (_, Some(path)) => quote!(::core::option::Option::Some(#path)),
                (_, None) => quote!(::core::option::Option::None),
            }
        }
        CapabilityArg::Written(method) => written_flag(driver, method),
    });
    let builder = Ident::new(sub.capabilities.builder, span);
    let private = driver.path(span, &["__private"]);
    let response = sub
        .method(sub.capabilities.method)
        .and_then(|method| method.response);
    let signature = signature(driver, sub.capabilities.method, None, response, span);
    quote! {
        #signature {
            ::core::future::ready(::core::result::Result::Ok(#private::#builder(#(#args),*)))
        }
    }
}

/// `true` when `method` is written unconditionally; `cfg!(...)` when it is
/// written only under `#[cfg]`s; `false` when it is not written.
fn written_flag(driver: &Driver<'_>, method: &str) -> TokenStream {
    let copies: Vec<_> = driver
        .written
        .iter()
        .filter(|written| written.spec.name == method)
        .collect();
    if copies.is_empty() {
        return quote!(false);
    }
    if copies.iter().any(|copy| copy.cfgs.is_empty()) {
        return quote!(true);
    }
    let conditions = copies.iter().map(|copy| {
        let predicates = copy.cfgs.iter().filter_map(|cfg| match &cfg.meta {
            syn::Meta::List(list) => Some(list.tokens.clone()),
            _ => None,
        });
        quote!(all(#(#predicates),*))
    });
    quote!(::core::cfg!(any(#(#conditions),*)))
}

/// One author's method, called through the trait: decode has happened, so
/// call it with the request (and context), then convert what it returns.
fn method_fn(driver: &Driver<'_>, method: &Method) -> TokenStream {
    let written = &method.written;
    let spec = written.spec;
    let span = at(written.ident.span());
    let shape = &method.shape;
    let returns = &shape.returns;
    let (first, last) = match &returns.whole {
        None => (span, span),
        Some(whole) => {
            let (first, last) = first_and_last(whole);
            (at(first), at(last))
        }
    };

    // The arguments sit at the author's parameter types: a same-named type
    // of the author's own (`JoinRequest`, `Context`) mismatches there.
    let request = shape
        .request
        .map(|at_type| quote_spanned!(at(at_type)=> __dknet_request,));
    let context = shape
        .context
        .map(|at_type| quote_spanned!(at(at_type)=> __dknet_context));
    let user_method = &written.ident;
    let arguments = group(quote_spanned!(span=> &*self, #request #context), last);
    let mut call = quote_spanned!(first=> Self::#user_method #arguments);
    if shape.asyncness {
        call = quote_spanned!(last=> #call.await);
    }
    // The conversion names every type: the response, and the author's own
    // success and error types (their tokens, so rustc's `Reply` and
    // `Display` errors underline exactly the type at fault).
    let response = response_type(driver, spec.response, span);
    let success = returns.success.as_ref().map_or_else(
        || quote_spanned!(span=> ()),
        |success| author_type(success, first),
    );
    let convert = if returns.fallible {
        let path = driver.path(first, &["__private", "from_result"]);
        let error = returns.error.as_ref().map_or_else(
            || quote_spanned!(first=> _),
            |error| author_type(error, first),
        );
        quote_spanned!(first=> #path::<#response, #success, #error>)
    } else {
        let path = driver.path(first, &["__private", "from_value"]);
        quote_spanned!(first=> #path::<#response, #success>)
    };
    let call = group(call, last);
    let converted = quote!(#convert #call);
    let body = if shape.asyncness {
        quote_spanned!(span=> async move { #converted })
    } else {
        let run_blocking = driver.path(span, &["__private", "run_blocking"]);
        quote_spanned!(span=> #run_blocking(move || #converted))
    };
    let signature = signature(driver, spec.name, spec.request, spec.response, span);
    let cfgs = &written.cfgs;
    quote_spanned! {span=>
        #(#cfgs)*
        #signature {
            #body
        }
    }
}

/// The trait method's signature: `fn name(self: Arc<Self>, [request,] context) -> impl Future<...> + Send`.
fn signature(
    driver: &Driver<'_>,
    name: &str,
    request: Option<&str>,
    response: Option<&str>,
    span: Span,
) -> TokenStream {
    let module = driver.sub.module;
    let name = Ident::new(name, span);
    let request = request.map(|request| {
        let request = driver.path(span, &[module, request]);
        quote_spanned!(span=> __dknet_request: #request,)
    });
    let response = response_type(driver, response, span);
    let context = driver.path(span, &["Context"]);
    let error = driver.path(span, &["DriverError"]);
    quote_spanned! {span=>
        fn #name(
            self: ::std::sync::Arc<Self>,
            #request
            __dknet_context: #context,
        ) -> impl ::core::future::Future<
            Output = ::core::result::Result<#response, #error>,
        > + ::core::marker::Send
    }
}

/// The author's type `ty` where generated code names it, or `_` (at
/// `span`) when it cannot be named there (`impl Trait`).
fn author_type(ty: &Type, span: Span) -> TokenStream {
    struct FindImpl(bool);
    impl<'ast> Visit<'ast> for FindImpl {
        fn visit_type_impl_trait(&mut self, _: &'ast syn::TypeImplTrait) {
            self.0 = true;
        }
    }
    let mut find = FindImpl(false);
    find.visit_type(ty);
    if find.0 {
        quote_spanned!(span=> _)
    } else {
        ty.to_token_stream()
    }
}

/// A response type: `::dknet::network::JoinResponse`, or `()`.
fn response_type(driver: &Driver<'_>, response: Option<&str>, span: Span) -> TokenStream {
    match response {
        Some(response) => driver.path(span, &[driver.sub.module, response]),
        None => quote_spanned!(span=> ()),
    }
}

impl Driver<'_> {
    /// `::dknet::a::b` (or the `crate = "..."` path), every token at `span`.
    fn path(&self, span: Span, segments: &[&str]) -> TokenStream {
        let krate = respan(self.krate.clone(), span);
        let segments = segments.iter().map(|segment| Ident::new(segment, span));
        quote_spanned!(span=> #krate #(:: #segments)*)
    }
}

/// A span that reports at `user`'s place but resolves like the macro's own
/// tokens (and so is seen as generated code by lints).
fn at(user: Span) -> Span {
    Span::call_site().located_at(user)
}

/// `( tokens )` with the parentheses at `span`.
fn group(tokens: TokenStream, span: Span) -> TokenTree {
    let mut group = Group::new(Delimiter::Parenthesis, tokens);
    group.set_span(span);
    TokenTree::Group(group)
}

/// `tokens` with every span set to `span`.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Group(group) => {
                let mut new = Group::new(group.delimiter(), respan(group.stream(), span));
                new.set_span(span);
                TokenTree::Group(new)
            }
            mut other => {
                other.set_span(span);
                other
            }
        })
        .collect()
}
