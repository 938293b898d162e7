use std::rc::Rc;

use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn create_network(&self, request: CreateNetworkRequest) {
        let id = Rc::new(request.network_id);
        tokio::task::yield_now().await;
        drop(id);
    }
}

fn main() {}
