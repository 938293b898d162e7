use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    fn create_network(&mut self, _request: CreateNetworkRequest) {}
}

fn main() {}
