//! The network-driver protocol's runtime code: the [`NetworkDriver`] trait,
//! the router and the testing client's typed methods, generated from the
//! protocol table (see `crate::protocol`).

use super::*;

dknet_macros::__protocol!(network => crate::protocol::define {
    #[doc = include_str!("driver.md")]
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a Docker network driver",
        label = "this type has no `#[dknet::network_driver]` impl",
        note = "add `#[dknet::network_driver]` to an `impl {Self} {{ ... }}` block (it may be empty)"
    )]
    trait;
    client: crate::testing::Client;
});
