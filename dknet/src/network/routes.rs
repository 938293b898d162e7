//! Routes `/NetworkDriver.<Method>` calls to a [`NetworkDriver`].

use std::sync::Arc;

use bytes::Bytes;

use super::*;
use crate::dispatch::{call, call_without_body, CallFuture, RequestIds, Subsystem};
use crate::Context;

/// The subsystem name in `Plugin.Activate`'s `Implements` list and in paths.
pub(crate) const SUBSYSTEM: &str = "NetworkDriver";

/// A network driver as one subsystem of a plugin.
pub(crate) struct NetworkRoutes<D>(pub(crate) Arc<D>);

impl<D: NetworkDriver> Subsystem for NetworkRoutes<D> {
    fn name(&self) -> &'static str {
        SUBSYSTEM
    }

    fn route(&self, method: &str, body: Bytes, context: Context) -> Option<CallFuture> {
        let driver = Arc::clone(&self.0);
        let future = match method {
            "GetCapabilities" => call_without_body(driver.get_capabilities(context)),
            "GwAllocCheck" => call(method, &body, |r| driver.gw_alloc_check(r, context)),
            "CreateNetwork" => call(method, &body, |r| driver.create_network(r, context)),
            "DeleteNetwork" => call(method, &body, |r| driver.delete_network(r, context)),
            "AllocateNetwork" => call(method, &body, |r| driver.allocate_network(r, context)),
            "FreeNetwork" => call(method, &body, |r| driver.free_network(r, context)),
            "CreateEndpoint" => call(method, &body, |r| driver.create_endpoint(r, context)),
            "EndpointOperInfo" => call(method, &body, |r| driver.endpoint_oper_info(r, context)),
            "DeleteEndpoint" => call(method, &body, |r| driver.delete_endpoint(r, context)),
            "Join" => call(method, &body, |r| driver.join(r, context)),
            "Leave" => call(method, &body, |r| driver.leave(r, context)),
            "DiscoverNew" => call(method, &body, |r| driver.discover_new(r, context)),
            "DiscoverDelete" => call(method, &body, |r| driver.discover_delete(r, context)),
            "ProgramExternalConnectivity" => call(method, &body, |r| {
                driver.program_external_connectivity(r, context)
            }),
            "RevokeExternalConnectivity" => call(method, &body, |r| {
                driver.revoke_external_connectivity(r, context)
            }),
            _ => return None,
        };
        Some(future)
    }
}

/// Requests that name a network (and maybe an endpoint) by id.
macro_rules! ids {
    (network: $($network:ty),*; endpoint: $($endpoint:ty),*; none: $($none:ty),*) => {
        $(impl RequestIds for $network {
            fn network_id(&self) -> Option<&str> {
                Some(&self.network_id)
            }
        })*
        $(impl RequestIds for $endpoint {
            fn network_id(&self) -> Option<&str> {
                Some(&self.network_id)
            }
            fn endpoint_id(&self) -> Option<&str> {
                Some(&self.endpoint_id)
            }
        })*
        $(impl RequestIds for $none {})*
    };
}

ids! {
    network: CreateNetworkRequest, DeleteNetworkRequest, AllocateNetworkRequest, FreeNetworkRequest;
    endpoint: CreateEndpointRequest, EndpointOperInfoRequest, DeleteEndpointRequest, JoinRequest,
        LeaveRequest, ProgramExternalConnectivityRequest, RevokeExternalConnectivityRequest;
    none: GwAllocCheckRequest, DiscoverNewRequest, DiscoverDeleteRequest
}
