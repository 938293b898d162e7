use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    fn leave(&self, _request: LeaveRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

fn main() {}
