use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn join(&self, _request: JoinRequest) {}
}

fn main() {}
