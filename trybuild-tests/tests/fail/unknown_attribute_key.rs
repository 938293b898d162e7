use dknet::network::*;

struct Bridge;

#[dknet::network_driver(scoop = "local")]
impl Bridge {
    async fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
