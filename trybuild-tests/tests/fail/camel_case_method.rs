use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    #[allow(non_snake_case)]
    async fn CreateNetwork(&self, _request: CreateNetworkRequest) {}
}

fn main() {}
