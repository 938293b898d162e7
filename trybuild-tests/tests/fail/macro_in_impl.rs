use dknet::network::*;

macro_rules! leave {
    () => {
        async fn leave(&self, _request: LeaveRequest) {}
    };
}

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    leave!();
}

fn main() {}
