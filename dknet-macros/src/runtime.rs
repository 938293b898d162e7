//! `__protocol!`: hands one subsystem's rows of [the table](crate::table) to a
//! `macro_rules!` macro of `dknet`, which generates the runtime's code from
//! them (the driver trait, the router, the testing client's methods...).
//!
//! `dknet` writes, in `network/protocol.rs`:
//!
//! ```text
//! dknet_macros::__protocol!(network => crate::protocol::define { <trait attributes>; client ...; });
//! ```
//!
//! and gets `crate::protocol::define! { <header> <trait attributes>; client ...; <rows> }`,
//! whose grammar `dknet/src/protocol.rs` documents. Only this module knows it.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::{braced, Token};

use crate::table::{Ids, Method, Omitted, Protocol, IPAM, NETWORK};

/// `subsystem => path::to::callback { passed through }`.
pub(crate) struct Input {
    protocol: &'static Protocol,
    callback: syn::Path,
    passed: TokenStream,
}

impl Parse for Input {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let name: Ident = input.parse()?;
        let protocol = match name.to_string().as_str() {
            "network" => &NETWORK,
            "ipam" => &IPAM,
            _ => return Err(syn::Error::new(name.span(), "expected `network` or `ipam`")),
        };
        input.parse::<Token![=>]>()?;
        let callback = input.parse()?;
        let content;
        braced!(content in input);
        let passed = content.parse()?;
        Ok(Self {
            protocol,
            callback,
            passed,
        })
    }
}

/// The call of the callback with the subsystem's header and rows.
pub(crate) fn expand(input: Input) -> TokenStream {
    let Input {
        protocol,
        callback,
        passed,
    } = input;
    let subsystem = protocol.subsystem;
    let trait_name = Ident::new(protocol.trait_name, Span::call_site());
    let rows = protocol.methods.iter().map(|method| row(protocol, method));
    quote! {
        #callback! {
            subsystem: #subsystem, trait: #trait_name;
            #passed
            #(#rows)*
        }
    }
}

/// One row: `#[doc] name = "Route" (Request) -> Response, ids: .., omitted: .., text: "..";`.
fn row(protocol: &Protocol, method: &Method) -> TokenStream {
    let span = Span::call_site();
    let name = Ident::new(method.name, span);
    let route = method.route;
    let request = method.request.map(|request| Ident::new(request, span));
    let response = match method.response {
        Some(response) => {
            let response = Ident::new(response, span);
            quote!(#response)
        }
        None => quote!(()),
    };
    let ids = Ident::new(
        match method.ids {
            Ids::None => "none",
            Ids::Network => "network",
            Ids::Endpoint => "endpoint",
        },
        span,
    );
    let omitted = Ident::new(
        match method.omitted {
            Omitted::Success => "success",
            Omitted::Default => "default",
            Omitted::NotSupported => "not_supported",
            Omitted::Capabilities => "capabilities",
            Omitted::Required => "required",
        },
        span,
    );
    let text = method.omitted_text;
    let doc = doc(protocol, method);
    quote! {
        #[doc = #doc]
        #name = #route (#request) -> #response, ids: #ids, omitted: #omitted, text: #text;
    }
}

/// The trait method's documentation.
fn doc(protocol: &Protocol, method: &Method) -> String {
    let call = format!("`{}.{}`", protocol.subsystem, method.route);
    let attribute = protocol.attribute;
    let text = method.omitted_text;
    match method.omitted {
        Omitted::Capabilities => {
            format!("{call}. Default: the response's `Default`; `#[{attribute}]` answers {text}.")
        }
        Omitted::Required => {
            format!("{call}. Default: 404 not supported; `#[{attribute}]` requires it.")
        }
        Omitted::Success | Omitted::Default | Omitted::NotSupported => {
            format!("{call}. Default: {text}.")
        }
    }
}
