//! A syntax error in a method body is the only error: the driver impl is
//! still generated, so serving the type adds nothing.
use dknet::network::CreateNetworkRequest;

struct Broken;

#[dknet::network_driver]
impl Broken {
    async fn create_network(&self, _request: CreateNetworkRequest) -> Result<(), String> {
        let x = ;
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    dknet::serve_unix(Broken, "broken").await.unwrap();
}
