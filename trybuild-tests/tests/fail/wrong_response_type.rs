use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn join(&self, _request: JoinRequest) -> Result<CreateEndpointResponse, String> {
        Ok(CreateEndpointResponse::default())
    }
}

fn main() {}
