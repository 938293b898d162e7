//! Procedural macros for dknet. Use them through `dknet`'s re-exports
//! (`#[dknet::network_driver]`), which carry the documentation.
//!
//! What the protocol looks like is data, in `table`: the one definition of
//! every method, which the attributes read and which `runtime` hands to
//! `dknet` to generate its trait, router and client from.
//!
//! An attribute runs one pipeline, `try_expand`, in phases, each in its own
//! module: `parse` the attribute and the impl block, `lower` them into a
//! typed model (`signature` doing one method), `check` rules across methods,
//! then `expand`. Every phase records its errors in one `ctxt::Errors`,
//! checked once before anything is generated; the only way out with errors
//! is `fallback`: the author's tokens, the errors, and a trait impl with
//! only defaults, so that no second wave of errors follows where the type is
//! served.

mod check;
mod ctxt;
mod expand;
mod lower;
mod parse;
mod runtime;
mod signature;
mod suggest;
mod table;
mod tokens;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Errors;
use crate::table::Protocol;

/// *Implemented in the `dknet-macros` crate: depend on `dknet` and write
/// `#[dknet::network_driver]`.*
#[proc_macro_attribute]
pub fn network_driver(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    debug("network_driver", expand(args.into(), item.into())).into()
}

/// *Implemented in the `dknet-macros` crate: depend on `dknet` and write
/// `#[dknet::ipam_driver]`.*
#[proc_macro_attribute]
pub fn ipam_driver(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    debug("ipam_driver", expand_ipam(args.into(), item.into())).into()
}

/// Not an API: `dknet`'s own use of the protocol table (see `runtime.rs`).
#[doc(hidden)]
#[proc_macro]
pub fn __protocol(input: proc_macro::TokenStream) -> proc_macro::TokenStream {
    match syn::parse::<runtime::Input>(input) {
        Ok(input) => runtime::expand(input).into(),
        Err(error) => error.to_compile_error().into(),
    }
}

/// `expanded`, printed to stderr too when `DKNET_MACROS_DEBUG=1`.
fn debug(attribute: &str, expanded: TokenStream) -> TokenStream {
    if std::env::var_os("DKNET_MACROS_DEBUG").is_some_and(|value| value == "1") {
        eprintln!("#[{attribute}] expansion:\n{expanded}");
    }
    expanded
}

/// `#[ipam_driver(args)] item`, expanded.
pub(crate) fn expand_ipam(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_protocol(&table::IPAM, args, item)
}

/// `#[network_driver(args)] item`, expanded.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_protocol(&table::NETWORK, args, item)
}

/// The attribute of `protocol` on `item`: the pipeline's output, or, when it
/// found mistakes, the fallback.
fn expand_protocol(
    protocol: &'static Protocol,
    args: TokenStream,
    item: TokenStream,
) -> TokenStream {
    try_expand(protocol, args.clone(), item.clone())
        .unwrap_or_else(|error| fallback(protocol, args, item, &error))
}

/// Parses, lowers, checks and expands; `Err` with every mistake found.
fn try_expand(
    protocol: &'static Protocol,
    args: TokenStream,
    item: TokenStream,
) -> syn::Result<TokenStream> {
    let mut errors = Errors::new();
    let args = parse::args(protocol, args).unwrap_or_else(|error| {
        errors.push(error);
        Vec::new()
    });
    let block = match parse::item(protocol, item, &mut errors) {
        Ok(block) => block,
        Err(error) => {
            errors.push(error);
            return Err(errors.check().expect_err("an error was recorded"));
        }
    };
    let driver = lower::driver(protocol, &args, &block.item, &mut errors);
    check::driver(&driver, &mut errors);
    errors.check()?;
    // The generated impl comes first: it is whole even when the author's
    // tokens hold a syntax error in a body, which rustc reports by itself.
    let item = expand::author_impl(block.tokens);
    let generated = expand::driver_impl(&driver);
    Ok(quote!(#generated #item))
}

/// The one exit with errors: the errors, the author's tokens (without the
/// items that do not parse: each has its error already, and rustc would
/// report it a second time), and a trait impl with every method at its
/// default, so that serving the type adds no error of its own.
fn fallback(
    protocol: &'static Protocol,
    args: TokenStream,
    item: TokenStream,
    error: &syn::Error,
) -> TokenStream {
    let error = error.to_compile_error();
    // Errors were reported already: collect nothing more.
    let mut ignored = Errors::new();
    let block = parse::item(protocol, item.clone(), &mut ignored);
    let _ = ignored.check();
    let Ok(block) = block else {
        return quote!(#item #error);
    };
    let krate = parse::args(protocol, args)
        .ok()
        .and_then(|args| lower::given_crate_path(&args));
    let driver = lower::Driver::without_methods(protocol, &block.item, krate);
    let fallback = expand::fallback_impl(&driver);
    let tokens = block.tokens;
    quote!(#fallback #tokens #error)
}

#[cfg(test)]
mod tests;
