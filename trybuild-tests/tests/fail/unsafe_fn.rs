use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    unsafe fn leave(&self, _request: LeaveRequest) {}
}

fn main() {}
