//! The `NetworkDriver` trait: one method per protocol call, each with the
//! answer dockerd expects when a driver has nothing to do there.

use std::future::Future;
use std::sync::Arc;

use super::*;
use crate::{Context, DriverError};

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
pub trait NetworkDriver: Send + Sync + 'static {
    /// `GetCapabilities`. Default: `Scope: local`, no gateway-allocation check.
    fn get_capabilities(
        self: Arc<Self>,
        context: Context,
    ) -> impl Future<Output = Result<GetCapabilitiesResponse, DriverError>> + Send {
        let _ = context;
        async { Ok(GetCapabilitiesResponse::default()) }
    }

    /// `GwAllocCheck` (dockerd 28+). Default: 404, not supported.
    fn gw_alloc_check(
        self: Arc<Self>,
        request: GwAllocCheckRequest,
        context: Context,
    ) -> impl Future<Output = Result<GwAllocCheckResponse, DriverError>> + Send {
        let _ = (request, context);
        async { Err(DriverError::not_supported("GwAllocCheck")) }
    }

    /// `CreateNetwork`. Default: success.
    fn create_network(
        self: Arc<Self>,
        request: CreateNetworkRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `DeleteNetwork`. Default: success.
    fn delete_network(
        self: Arc<Self>,
        request: DeleteNetworkRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `AllocateNetwork` (swarm managers, global scope). Default: success, no state.
    fn allocate_network(
        self: Arc<Self>,
        request: AllocateNetworkRequest,
        context: Context,
    ) -> impl Future<Output = Result<AllocateNetworkResponse, DriverError>> + Send {
        let _ = (request, context);
        async { Ok(AllocateNetworkResponse::default()) }
    }

    /// `FreeNetwork` (swarm managers, global scope). Default: success.
    fn free_network(
        self: Arc<Self>,
        request: FreeNetworkRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `CreateEndpoint`. Default: success, leaving dockerd's addresses alone.
    fn create_endpoint(
        self: Arc<Self>,
        request: CreateEndpointRequest,
        context: Context,
    ) -> impl Future<Output = Result<CreateEndpointResponse, DriverError>> + Send {
        let _ = (request, context);
        async { Ok(CreateEndpointResponse::default()) }
    }

    /// `EndpointOperInfo`. Default: `{"Value": {}}`.
    fn endpoint_oper_info(
        self: Arc<Self>,
        request: EndpointOperInfoRequest,
        context: Context,
    ) -> impl Future<Output = Result<EndpointOperInfoResponse, DriverError>> + Send {
        let _ = (request, context);
        async { Ok(EndpointOperInfoResponse::default()) }
    }

    /// `DeleteEndpoint`. Default: success.
    fn delete_endpoint(
        self: Arc<Self>,
        request: DeleteEndpointRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `Join`. Default: success with no interface.
    fn join(
        self: Arc<Self>,
        request: JoinRequest,
        context: Context,
    ) -> impl Future<Output = Result<JoinResponse, DriverError>> + Send {
        let _ = (request, context);
        async { Ok(JoinResponse::default()) }
    }

    /// `Leave`. Default: success.
    fn leave(
        self: Arc<Self>,
        request: LeaveRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `DiscoverNew` (swarm). Default: success.
    fn discover_new(
        self: Arc<Self>,
        request: DiscoverNewRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `DiscoverDelete` (swarm). Default: success.
    fn discover_delete(
        self: Arc<Self>,
        request: DiscoverDeleteRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Ok(()) }
    }

    /// `ProgramExternalConnectivity`. Default: 404, which dockerd reads as
    /// "nothing to program".
    fn program_external_connectivity(
        self: Arc<Self>,
        request: ProgramExternalConnectivityRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Err(DriverError::not_supported("ProgramExternalConnectivity")) }
    }

    /// `RevokeExternalConnectivity`. Default: 404, which dockerd reads as
    /// "nothing to revoke".
    fn revoke_external_connectivity(
        self: Arc<Self>,
        request: RevokeExternalConnectivityRequest,
        context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        let _ = (request, context);
        async { Err(DriverError::not_supported("RevokeExternalConnectivity")) }
    }
}
