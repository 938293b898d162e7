use dknet::ipam::*;

struct Flags;

#[dknet::ipam_driver(requires_mac_address = "yes", requires_request_replay = 1)]
impl Flags {
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
