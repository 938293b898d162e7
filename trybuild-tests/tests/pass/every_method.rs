//! Every protocol method at once, alternating `async fn` and `fn`.

use std::sync::Arc;

use dknet::network::*;
use dknet::Context;

struct Everything;

#[dknet::network_driver(scope = "global", connectivity_scope = "local")]
impl Everything {
    async fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: true,
            skip_ipv6: false,
        }
    }
    fn create_network(&self, _request: CreateNetworkRequest) {}
    async fn delete_network(&self, _request: DeleteNetworkRequest) {}
    fn allocate_network(&self, request: AllocateNetworkRequest) -> AllocateNetworkResponse {
        AllocateNetworkResponse {
            options: request.options,
        }
    }
    async fn free_network(&self, _request: FreeNetworkRequest) {}
    fn create_endpoint(&self, _request: CreateEndpointRequest) -> CreateEndpointResponse {
        CreateEndpointResponse::default()
    }
    async fn endpoint_oper_info(
        &self,
        _request: EndpointOperInfoRequest,
    ) -> EndpointOperInfoResponse {
        EndpointOperInfoResponse::default()
    }
    fn delete_endpoint(&self, _request: DeleteEndpointRequest) {}
    async fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse {
            disable_gateway_service: true,
            ..JoinResponse::default()
        }
    }
    fn leave(&self, _request: LeaveRequest) {}
    async fn discover_new(&self, _request: DiscoverNewRequest) {}
    fn discover_delete(&self, _request: DiscoverDeleteRequest) {}
    async fn program_external_connectivity(&self, _request: ProgramExternalConnectivityRequest) {}
    fn revoke_external_connectivity(&self, _request: RevokeExternalConnectivityRequest) {}
}

#[tokio::main]
async fn main() {
    let driver = Arc::new(Everything);
    let context = Context::new;
    let capabilities = driver.clone().get_capabilities(context()).await.unwrap();
    assert_eq!(capabilities.scope, Scope::Global);
    assert_eq!(capabilities.connectivity_scope, Some(Scope::Local));
    assert!(capabilities.gw_alloc_checker);
    let check = driver
        .clone()
        .gw_alloc_check(Default::default(), context())
        .await
        .unwrap();
    assert!(check.skip_ipv4);
    let join = driver
        .clone()
        .join(Default::default(), context())
        .await
        .unwrap();
    assert!(join.disable_gateway_service);
    driver
        .clone()
        .program_external_connectivity(Default::default(), context())
        .await
        .unwrap();
    driver
        .revoke_external_connectivity(Default::default(), context())
        .await
        .unwrap();
}
