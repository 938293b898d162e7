use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    async fn create_endpoint(&self, _request: CreateEndpointRequest) -> Result<String, String> {
        Ok(String::from("10.0.0.2/24"))
    }
}

fn main() {}
