use std::task::Context;

use dknet::network::LeaveRequest;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn leave(&self, _request: LeaveRequest, _context: Context<'_>) {}
}

fn main() {}
