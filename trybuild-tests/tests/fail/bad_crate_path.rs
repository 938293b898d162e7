use dknet::network::*;

struct Bridge;

#[dknet::network_driver(crate = "my dknet")]
impl Bridge {
    async fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
