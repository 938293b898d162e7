use dknet::ipam::*;

struct Consumed;

#[dknet::ipam_driver]
impl Consumed {
    fn request_pool(self, _request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) {}
}

fn main() {}
