use dknet::ipam::*;

struct NoPool;

#[dknet::ipam_driver]
impl NoPool {
    // `()` answers the default response, but a pool has no default.
    fn request_pool(&self, _request: RequestPoolRequest) {}
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) {}
}

fn main() {}
