//! The IPAM protocol's runtime code: the [`IpamDriver`] trait, the router
//! and the testing client's typed methods, generated from the protocol
//! table (see `crate::protocol`).

use super::*;

dknet_macros::__protocol!(ipam => crate::protocol::define {
    #[doc = include_str!("driver.md")]
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a Docker IPAM driver",
        label = "this type has no `#[dknet::ipam_driver]` impl",
        note = "add `#[dknet::ipam_driver]` to an `impl {Self} {{ ... }}` block with the pool and address methods"
    )]
    trait;
    client: crate::testing::IpamClient<'_>;
});
