use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }

    fn helper(&self) -> u32 {
        7
    }
}

fn main() {}
