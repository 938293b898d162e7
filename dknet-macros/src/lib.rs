//! Procedural macros for dknet. Use them through `dknet`'s re-exports.

use proc_macro::TokenStream;

/// Turns an inherent `impl` block into a Docker network driver. See `dknet::network_driver`.
#[proc_macro_attribute]
pub fn network_driver(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
