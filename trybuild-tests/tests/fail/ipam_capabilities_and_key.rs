use dknet::ipam::*;

struct Both;

#[dknet::ipam_driver(requires_request_replay = true)]
impl Both {
    fn get_capabilities(&self) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }
    fn request_pool(&self, _request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) {}
}

fn main() {}
