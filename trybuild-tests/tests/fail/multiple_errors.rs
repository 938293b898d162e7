use dknet::network::*;

struct Bridge;

#[dknet::network_driver(scope = "planet", flavour = "vanilla")]
impl Bridge {
    async fn create_netwrok(&self, _request: CreateNetworkRequest) {}

    fn join(&mut self, _request: LeaveRequest) -> CreateEndpointResponse {
        CreateEndpointResponse::default()
    }

    async fn leave<T>(&self, _request: LeaveRequest, _extra: T) {}

    const LIMIT: usize = 3;
}

// No second wave: the type still implements `NetworkDriver`.
#[tokio::main]
async fn main() -> Result<(), dknet::Error> {
    dknet::serve_unix(Bridge, "bridge").await
}
