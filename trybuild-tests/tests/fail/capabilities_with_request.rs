use dknet::network::*;

struct Bridge;

#[dknet::network_driver]
impl Bridge {
    fn get_capabilities(&self, _request: GwAllocCheckRequest) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }
}

fn main() {}
