use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    const fn leave(&self, request: LeaveRequest) {
        std::mem::forget(request);
    }
}

fn main() {}
