use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn delete_network(&self, _request: DeleteNetworkRequest, _force: bool) {}
}

fn main() {}
