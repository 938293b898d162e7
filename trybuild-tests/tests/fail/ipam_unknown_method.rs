use dknet::ipam::*;

struct Typo;

#[dknet::ipam_driver]
impl Typo {
    fn request_pool(&self, _request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_adress(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) {}
}

fn main() {}
