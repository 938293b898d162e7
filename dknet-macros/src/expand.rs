//! Phase 4: the generated code, one function per generated item. Codegen
//! cannot fail: everything was checked before.
//!
//! Tokens that can end up in a type error carry the author's spans
//! (`located_at`), so rustc points at the author's return type or method name,
//! while keeping the macro's hygiene, so lints treat them as generated code.

use proc_macro2::{Delimiter, Group, Ident, Span, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::Type;

use crate::lower::{Driver, Implemented, Value};
use crate::table::{Key, KeyKind, Scope};
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

/// `impl Trait for Type { ... }`: the author's methods, and the capabilities
/// method from the attribute unless the author wrote it.
pub(crate) fn driver_impl(driver: &Driver<'_>) -> TokenStream {
    let header = impl_header(driver);
    let capabilities =
        (!driver.wrote(driver.protocol.capabilities().name)).then(|| capabilities_fn(driver));
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
    let protocol = driver.protocol;
    let trait_path = driver.path(span, &[protocol.module, protocol.trait_name]);
    quote_spanned!(span=> impl #impl_generics #trait_path for #self_ty #where_clause)
}

/// The capabilities method, answering the response struct with a field per
/// attribute key and per method that advertises itself
/// ([`Method::advertised_by`](crate::table::Method::advertised_by)).
fn capabilities_fn(driver: &Driver<'_>) -> TokenStream {
    let span = Span::call_site();
    let protocol = driver.protocol;
    let method = protocol.capabilities();
    let keys = protocol.keys.iter().map(|key| {
        let field = Ident::new(key.name, span);
        let value = key_value(driver, key);
        quote!(#field: #value)
    });
    let advertised = protocol.methods.iter().filter_map(|advertiser| {
        let field = Ident::new(advertiser.advertised_by?, span);
        let written = written_flag(driver, advertiser.name);
        Some(quote!(#field: #written))
    });
    let response = response_type(driver, method.response, span);
    let signature = signature(driver, method.name, None, method.response, span);
    quote! {
        #signature {
            ::core::future::ready(::core::result::Result::Ok(#response {
                #(#keys,)*
                #(#advertised,)*
            }))
        }
    }
}

/// A capability key's value: the attribute's, or the key's default.
fn key_value(driver: &Driver<'_>, key: &'static Key) -> TokenStream {
    let span = Span::call_site();
    let given = driver
        .keys
        .iter()
        .find(|given| std::ptr::eq(given.key, key))
        .map(|given| given.value);
    let scope = |scope: Scope| {
        driver.path(
            span,
            &[driver.protocol.module, Scope::TYPE, scope.variant()],
        )
    };
    match (key.kind, given) {
        (KeyKind::Bool { .. }, Some(Value::Bool(flag))) | (KeyKind::Bool { default: flag }, _) => {
            quote!(#flag)
        }
        (KeyKind::Scope { default: Some(_) }, Some(Value::Scope(given))) => scope(given),
        (
            KeyKind::Scope {
                default: Some(default),
            },
            _,
        ) => scope(default),
        (KeyKind::Scope { default: None }, Some(Value::Scope(given))) => {
            let path = scope(given);
            quote!(::core::option::Option::Some(#path))
        }
        (KeyKind::Scope { default: None }, _) => quote!(::core::option::Option::None),
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
/// A plain `fn` runs on the blocking pool, its conversion too (its error
/// type need not be `Send`).
fn method_fn(driver: &Driver<'_>, method: &Implemented) -> TokenStream {
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
    let answer = answer(driver, method, first, &call);
    let body = if shape.asyncness {
        quote_spanned!(span=> async move { #answer })
    } else {
        let run_blocking = driver.path(span, &["__private", "run_blocking"]);
        quote_spanned!(span=> #run_blocking(move || #answer))
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

/// What the author's method returned (`call`), as the trait's
/// `Result<Response, DriverError>`. Written out in the expansion, with no
/// helper function whose bounds rustc would quote: a success value of the
/// wrong type is a type mismatch at the author's type, an error without
/// `Display` an error at the author's error type.
fn answer(
    driver: &Driver<'_>,
    method: &Implemented,
    at_return: Span,
    call: &TokenStream,
) -> TokenStream {
    let returns = &method.shape.returns;
    let response = response_type(driver, method.written.spec.response, at_return);
    let success_at = returns
        .success
        .as_ref()
        .map_or(at_return, |success| at(first_and_last(success).0));
    let value = quote_spanned!(success_at=> __dknet_value);
    // `()` answers the response's `Default` (the checks refused it where
    // there is none); anything else must be the response type itself.
    let success = if returns.success.as_ref().is_none_or(is_unit) {
        match method.written.spec.response {
            None => quote_spanned!(success_at=> #value),
            Some(_) => quote_spanned! {success_at=>
                {
                    let () = #value;
                    <#response as ::core::default::Default>::default()
                }
            },
        }
    } else {
        quote_spanned!(success_at=> { let #value: #response = #value; #value })
    };
    let error_type = driver.path(at_return, &["DriverError"]);
    if returns.fallible {
        let error_at = returns
            .error
            .as_ref()
            .map_or(at_return, |error| at(first_and_last(error).0));
        let error = quote_spanned!(error_at=> __dknet_error);
        quote_spanned! {at_return=>
            match #call {
                ::core::result::Result::Ok(#value) => ::core::result::Result::Ok(#success),
                ::core::result::Result::Err(#error) => ::core::result::Result::Err(
                    #error_type::new(::core::format_args!("{}", #error)),
                ),
            }
        }
    } else {
        quote_spanned! {at_return=>
            {
                let #value = #call;
                ::core::result::Result::<_, #error_type>::Ok(#success)
            }
        }
    }
}

/// `()`.
fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

/// The trait method's signature: `fn name(self: Arc<Self>, [request,] context) -> impl Future<...> + Send`.
fn signature(
    driver: &Driver<'_>,
    name: &str,
    request: Option<&str>,
    response: Option<&str>,
    span: Span,
) -> TokenStream {
    let module = driver.protocol.module;
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

/// A response type: `::dknet::network::JoinResponse`, or `()`.
fn response_type(driver: &Driver<'_>, response: Option<&str>, span: Span) -> TokenStream {
    match response {
        Some(response) => driver.path(span, &[driver.protocol.module, response]),
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
