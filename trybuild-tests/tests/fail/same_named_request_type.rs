use dknet::network::JoinResponse;

/// The author's own type, named like dknet's.
pub struct JoinRequest;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

fn main() {}
