use dknet::network::*;

struct Bridge;

#[dknet::network_driver(scope = "global")]
impl Bridge {
    fn get_capabilities(&self) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }
}

fn main() {}
