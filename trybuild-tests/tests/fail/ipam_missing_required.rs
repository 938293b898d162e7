use dknet::ipam::ReleasePoolRequest;

struct Incomplete;

#[dknet::ipam_driver]
impl Incomplete {
    fn release_pool(&self, _request: ReleasePoolRequest) {}
}

fn main() {}
