use dknet::ipam::*;

struct NoRelease;

#[dknet::ipam_driver]
impl NoRelease {
    fn request_pool(&self, _request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
}

#[tokio::main]
async fn main() {
    // No second error here: the type still implements `IpamDriver`.
    let _ = dknet::Plugin::new().ipam_driver(NoRelease);
}
