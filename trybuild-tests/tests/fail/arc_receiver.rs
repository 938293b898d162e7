use std::sync::Arc;

use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn create_network(self: Arc<Self>, _request: CreateNetworkRequest) {}
}

fn main() {}
