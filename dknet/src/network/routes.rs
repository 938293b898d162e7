//! Routes `/NetworkDriver.<Method>` calls to a [`NetworkDriver`].

use super::protocol::network_protocol;
use super::*;
use crate::dispatch::RequestIds;
use crate::protocol::routes;

network_protocol!(routes);

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
