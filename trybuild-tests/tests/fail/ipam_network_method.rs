use dknet::ipam::*;
use dknet::network::{JoinRequest, JoinResponse};

struct Mixed;

#[dknet::ipam_driver]
impl Mixed {
    fn request_pool(&self, _request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        Err("none".into())
    }
    fn release_pool(&self, _request: ReleasePoolRequest) {}
    fn request_address(&self, _request: RequestAddressRequest) -> Result<RequestAddressResponse, String> {
        Err("none".into())
    }
    fn release_address(&self, _request: ReleaseAddressRequest) {}
    fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

fn main() {}
