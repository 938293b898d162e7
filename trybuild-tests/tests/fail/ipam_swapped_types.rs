use dknet::ipam::*;

struct Swapped;

#[dknet::ipam_driver]
impl Swapped {
    fn request_pool(&self, _request: RequestAddressRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) -> RequestAddressResponse {
        unimplemented!()
    }
}

fn main() {}
