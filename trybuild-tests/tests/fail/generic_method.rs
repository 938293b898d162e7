use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn join<T: Default>(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

fn main() {}
