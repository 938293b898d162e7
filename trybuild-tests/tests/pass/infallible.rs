//! Infallible methods: the response alone, `()`, or no return type.

use dknet::network::{
    CreateNetworkRequest, DeleteNetworkRequest, EndpointOperInfoRequest, EndpointOperInfoResponse,
    FreeNetworkRequest,
};

struct Infallible;

#[dknet::network_driver]
impl Infallible {
    fn create_network(&self, _request: CreateNetworkRequest) {}

    async fn delete_network(&self, _request: DeleteNetworkRequest) -> () {}

    fn free_network(&self, _request: FreeNetworkRequest) -> Result<(), std::convert::Infallible> {
        Ok(())
    }

    async fn endpoint_oper_info(
        &self,
        _request: EndpointOperInfoRequest,
    ) -> EndpointOperInfoResponse {
        EndpointOperInfoResponse::default()
    }
}

fn main() {}
