use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    const MTU: u32 = 1500;

    async fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
