use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    fn create_network(_request: CreateNetworkRequest) {}
}

fn main() {}
