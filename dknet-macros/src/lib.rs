//! Procedural macros for dknet. Use them through `dknet`'s re-exports
//! (`#[dknet::network_driver]`), which carry the documentation.
//!
//! The macro runs in phases, each in its own module: `parse` the attribute
//! and the impl block, `lower` them into a typed model (collecting every
//! error, `signature` doing one method), `check` rules across methods,
//! then `expand`. What the protocol looks like is data, in `table`.

mod check;
mod expand;
mod lower;
mod parse;
mod signature;
mod suggest;
mod table;
mod tokens;

use proc_macro2::TokenStream;
use quote::quote;

use crate::table::Subsystem;

/// *Implemented in the `dknet-macros` crate: depend on `dknet` and write
/// `#[dknet::network_driver]`.*
#[proc_macro_attribute]
pub fn network_driver(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let expanded = expand(args.into(), item.into());
    if std::env::var_os("DKNET_MACROS_DEBUG").is_some_and(|value| value == "1") {
        eprintln!("#[network_driver] expansion:\n{expanded}");
    }
    expanded.into()
}

/// *Implemented in the `dknet-macros` crate: depend on `dknet` and write
/// `#[dknet::ipam_driver]`.*
#[proc_macro_attribute]
pub fn ipam_driver(
    args: proc_macro::TokenStream,
    item: proc_macro::TokenStream,
) -> proc_macro::TokenStream {
    let expanded = expand_ipam(args.into(), item.into());
    if std::env::var_os("DKNET_MACROS_DEBUG").is_some_and(|value| value == "1") {
        eprintln!("#[ipam_driver] expansion:\n{expanded}");
    }
    expanded.into()
}

/// `#[ipam_driver(args)] item`, expanded.
pub(crate) fn expand_ipam(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_subsystem(&table::IPAM, args, item)
}

/// `#[network_driver(args)] item`, expanded.
pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    expand_subsystem(&table::NETWORK, args, item)
}

/// The attribute of `sub` on `item`: the item unchanged, plus either the
/// trait impl or every error found (and an impl with only defaults, so that
/// no second wave of errors follows where the type is used).
fn expand_subsystem(sub: &'static Subsystem, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = lower::Errors::default();
    let args = parse::args(sub, args).unwrap_or_else(|error| {
        errors.push(error);
        Vec::new()
    });
    let impl_block = match parse::item(sub, item.clone()) {
        Ok(impl_block) => impl_block,
        Err(error) => {
            // A signature that does not parse. When the header does, rustc
            // reports the syntax error on the author's tokens by itself, and
            // an impl with only defaults keeps the type usable as a driver.
            return match parse::header(sub, item.clone()) {
                Ok(header) => {
                    let driver = lower::driver(sub, &args, &header, &mut lower::Errors::default());
                    let fallback = expand::fallback_impl(&driver);
                    quote!(#fallback #item)
                }
                Err(_) => {
                    let error = error.to_compile_error();
                    quote!(#item #error)
                }
            };
        }
    };
    let driver = lower::driver(sub, &args, &impl_block, &mut errors);
    check::driver(&driver, &mut errors);
    // The generated impl comes first: it is whole even when the author's
    // tokens hold a syntax error in a body, which rustc reports by itself.
    match errors.combined() {
        None => {
            let item = expand::author_impl(item);
            let generated = expand::driver_impl(&driver);
            quote!(#generated #item)
        }
        Some(error) => {
            let error = error.to_compile_error();
            let fallback = expand::fallback_impl(&driver);
            quote!(#fallback #item #error)
        }
    }
}

#[cfg(test)]
mod tests;
