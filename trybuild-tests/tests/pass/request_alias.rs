//! A type alias for a request type is the request type (rustc checks it).

use dknet::network::JoinRequest;

type Req = JoinRequest;
type Delete = dknet::network::DeleteNetworkRequest;

struct Aliased;

#[dknet::network_driver]
impl Aliased {
    fn join(&self, _request: Req) {}
    async fn delete_network(&self, _request: Delete) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}
