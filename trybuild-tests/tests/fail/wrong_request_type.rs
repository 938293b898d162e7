use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn join(&self, _request: LeaveRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

fn main() {}
