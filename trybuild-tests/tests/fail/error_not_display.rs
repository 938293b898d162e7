use dknet::network::*;

struct Bridge;

#[derive(Debug)]
enum MyError {
    Busy,
}

#[dknet::network_driver]
impl Bridge {
    async fn create_network(&self, _request: CreateNetworkRequest) -> Result<(), MyError> {
        Err(MyError::Busy)
    }
}

fn main() {}
