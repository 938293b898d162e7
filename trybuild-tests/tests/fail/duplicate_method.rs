use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn leave(&self, _request: LeaveRequest) {}

    fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
