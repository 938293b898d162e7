use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn create_netwrok(&self, _request: CreateNetworkRequest) {}
}

fn main() {}
