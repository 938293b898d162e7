//! A trailing `Context`, spelled in several ways, or none; parameters named
//! in every accepted way.

use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, CreateNetworkRequest, DeleteEndpointRequest,
    DeleteNetworkRequest, GetCapabilitiesResponse, JoinRequest, JoinResponse, LeaveRequest,
};
use dknet::Context;

struct WithContext;

#[dknet::network_driver]
impl WithContext {
    fn get_capabilities(&self, _context: Context) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }

    async fn create_network(&self, request: CreateNetworkRequest, context: dknet::Context) {
        let _ = (request, context.request_id());
    }

    async fn delete_network(&self, mut request: DeleteNetworkRequest, context: Context) {
        request.network_id.clear();
        context.cancelled().await;
    }

    fn create_endpoint(&self, _: CreateEndpointRequest, _: Context) -> CreateEndpointResponse {
        CreateEndpointResponse::default()
    }

    fn delete_endpoint(&self, _request: DeleteEndpointRequest) {}

    async fn join(self: &Self, request: JoinRequest, context: ::dknet::Context) -> JoinResponse {
        let _ = (request, context.is_cancelled());
        JoinResponse::default()
    }

    async fn leave(&'_ self, request: dknet::network::LeaveRequest) {
        let _ = request;
    }
}

fn main() {
    let _ = LeaveRequest::default();
}
