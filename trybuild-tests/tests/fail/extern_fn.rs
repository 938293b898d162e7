use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    extern "C" fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
