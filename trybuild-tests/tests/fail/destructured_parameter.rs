use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn delete_network(&self, DeleteNetworkRequest { network_id, .. }: DeleteNetworkRequest) {
        let _ = network_id;
    }
}

fn main() {}
