//! The IPAM protocol's runtime code: the [`IpamDriver`] trait, the router
//! and the testing client's typed methods, generated from the protocol
//! table (see `crate::protocol`).

use super::*;

dknet_macros::__protocol!(ipam => crate::protocol::define {
    /// A Docker IPAM driver (libnetwork's remote IPAM protocol): hands
    /// out address pools to networks and addresses inside them.
    ///
    /// Normally implemented by [`#[dknet::ipam_driver]`](crate::ipam_driver)
    /// on an `impl` block. By hand, the four pool and address methods
    /// need writing (their defaults answer 404 "not supported"):
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dknet::ipam::{IpamDriver, RequestPoolRequest, RequestPoolResponse};
    /// use dknet::{Context, DriverError};
    ///
    /// struct OnePool;
    ///
    /// impl IpamDriver for OnePool {
    ///     async fn request_pool(
    ///         self: Arc<Self>,
    ///         _request: RequestPoolRequest,
    ///         _context: Context,
    ///     ) -> Result<RequestPoolResponse, DriverError> {
    ///         Ok(RequestPoolResponse::new("only", "10.9.0.0/24".parse().unwrap()))
    ///     }
    /// }
    /// ```
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a Docker IPAM driver",
        label = "this type has no `#[dknet::ipam_driver]` impl",
        note = "add `#[dknet::ipam_driver]` to an `impl {Self} {{ ... }}` block with the pool and address methods"
    )]
    trait;
    client: crate::testing::IpamClient<'_>;
});
