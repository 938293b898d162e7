//! THE definition of the IPAM protocol: every method, its request and
//! response types, and its default. The trait ([`IpamDriver`](super::IpamDriver)),
//! the router and the testing client's methods are generated from it (see
//! `crate::protocol`); `dknet-macros/src/table.rs` is tied to it by a test.

/// Hands the IPAM protocol's table to `$callback`.
macro_rules! ipam_protocol {
    ($callback:ident) => {
        $callback! {
            subsystem: "IpamDriver";
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
            trait IpamDriver;
            routes IpamRoutes;
            client [IpamClient<'_>];

            /// `GetCapabilities`. Default: no MAC address needed, no request replay.
            get_capabilities() -> GetCapabilitiesResponse = "GetCapabilities",
                default: Ok(GetCapabilitiesResponse::default());
            /// `GetDefaultAddressSpaces`. Default: `LocalDefault` and `GlobalDefault`.
            get_default_address_spaces() -> GetDefaultAddressSpacesResponse = "GetDefaultAddressSpaces",
                default: Ok(GetDefaultAddressSpacesResponse::default());
            /// `RequestPool`. Default: 404, not supported.
            request_pool(RequestPoolRequest) -> RequestPoolResponse = "RequestPool",
                default: Err(DriverError::not_supported("RequestPool"));
            /// `ReleasePool`. Default: 404, not supported.
            release_pool(ReleasePoolRequest) -> () = "ReleasePool",
                default: Err(DriverError::not_supported("ReleasePool"));
            /// `RequestAddress`. Default: 404, not supported.
            request_address(RequestAddressRequest) -> RequestAddressResponse = "RequestAddress",
                default: Err(DriverError::not_supported("RequestAddress"));
            /// `ReleaseAddress`. Default: 404, not supported.
            release_address(ReleaseAddressRequest) -> () = "ReleaseAddress",
                default: Err(DriverError::not_supported("ReleaseAddress"));
        }
    };
}

pub(crate) use ipam_protocol;
