//! THE definition of the network-driver protocol: every method, its request
//! and response types, and its default. The trait ([`NetworkDriver`](super::NetworkDriver)),
//! the router and the testing client's methods are generated from it (see
//! `crate::protocol`); `dknet-macros/src/table.rs` and the documentation's
//! method tables are tied to it by tests.

/// Hands the network protocol's table to `$callback`.
macro_rules! network_protocol {
    ($callback:ident) => {
        $callback! {
            subsystem: "NetworkDriver";
            /// A Docker network driver (libnetwork's "remote" driver protocol).
            ///
            /// You normally do not implement this by hand: put
            /// [`#[dknet::network_driver]`](crate::network_driver) on an `impl` block with
            /// the methods you need and the macro implements it, filling in the rest.
            /// Implementing it by hand works too (every method has a default):
            ///
            /// ```
            /// use std::sync::Arc;
            /// use dknet::network::{CreateNetworkRequest, NetworkDriver};
            /// use dknet::{Context, DriverError};
            ///
            /// struct Logger;
            ///
            /// impl NetworkDriver for Logger {
            ///     async fn create_network(
            ///         self: Arc<Self>,
            ///         request: CreateNetworkRequest,
            ///         _context: Context,
            ///     ) -> Result<(), DriverError> {
            ///         println!("network {} created", request.network_id);
            ///         Ok(())
            ///     }
            /// }
            /// ```
            ///
            /// Methods take `self: Arc<Self>` so that their futures own what they use and
            /// blocking work can move to another thread.
            #[diagnostic::on_unimplemented(
                message = "`{Self}` is not a Docker network driver",
                label = "this type has no `#[dknet::network_driver]` impl",
                note = "add `#[dknet::network_driver]` to an `impl {Self} {{ ... }}` block (it may be empty)"
            )]
            trait NetworkDriver;
            routes NetworkRoutes;
            client [Client];

            /// `GetCapabilities`. Default: `Scope: local`, no gateway-allocation check.
            get_capabilities() -> GetCapabilitiesResponse = "GetCapabilities",
                default: Ok(GetCapabilitiesResponse::default());
            /// `GwAllocCheck` (dockerd 28+). Default: 404, not supported.
            gw_alloc_check(GwAllocCheckRequest) -> GwAllocCheckResponse = "GwAllocCheck",
                default: Err(DriverError::not_supported("GwAllocCheck"));
            /// `CreateNetwork`. Default: success.
            create_network(CreateNetworkRequest) -> () = "CreateNetwork",
                default: Ok(());
            /// `DeleteNetwork`. Default: success.
            delete_network(DeleteNetworkRequest) -> () = "DeleteNetwork",
                default: Ok(());
            /// `AllocateNetwork` (swarm managers, global scope). Default: success, no state.
            allocate_network(AllocateNetworkRequest) -> AllocateNetworkResponse = "AllocateNetwork",
                default: Ok(AllocateNetworkResponse::default());
            /// `FreeNetwork` (swarm managers, global scope). Default: success.
            free_network(FreeNetworkRequest) -> () = "FreeNetwork",
                default: Ok(());
            /// `CreateEndpoint`. Default: success, leaving dockerd's addresses alone.
            create_endpoint(CreateEndpointRequest) -> CreateEndpointResponse = "CreateEndpoint",
                default: Ok(CreateEndpointResponse::default());
            /// `EndpointOperInfo`. Default: `{"Value": {}}`.
            endpoint_oper_info(EndpointOperInfoRequest) -> EndpointOperInfoResponse = "EndpointOperInfo",
                default: Ok(EndpointOperInfoResponse::default());
            /// `DeleteEndpoint`. Default: success.
            delete_endpoint(DeleteEndpointRequest) -> () = "DeleteEndpoint",
                default: Ok(());
            /// `Join`. Default: success with no interface.
            join(JoinRequest) -> JoinResponse = "Join",
                default: Ok(JoinResponse::default());
            /// `Leave`. Default: success.
            leave(LeaveRequest) -> () = "Leave",
                default: Ok(());
            /// `DiscoverNew` (swarm). Default: success.
            discover_new(DiscoverNewRequest) -> () = "DiscoverNew",
                default: Ok(());
            /// `DiscoverDelete` (swarm). Default: success.
            discover_delete(DiscoverDeleteRequest) -> () = "DiscoverDelete",
                default: Ok(());
            /// `ProgramExternalConnectivity`. Default: 404, which dockerd reads as
            /// "nothing to program".
            program_external_connectivity(ProgramExternalConnectivityRequest) -> () = "ProgramExternalConnectivity",
                default: Err(DriverError::not_supported("ProgramExternalConnectivity"));
            /// `RevokeExternalConnectivity`. Default: 404, which dockerd reads as
            /// "nothing to revoke".
            revoke_external_connectivity(RevokeExternalConnectivityRequest) -> () = "RevokeExternalConnectivity",
                default: Err(DriverError::not_supported("RevokeExternalConnectivity"));
        }
    };
}

pub(crate) use network_protocol;
