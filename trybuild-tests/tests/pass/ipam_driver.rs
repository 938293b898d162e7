//! An IPAM driver beside a network driver on one plugin: capabilities from
//! the attribute, sync and async methods, a `Context`, the default address
//! spaces, answers through the testing client.

use std::sync::atomic::{AtomicU8, Ordering};

use dknet::ipam::*;
use dknet::testing::Client;
use dknet::{Context, Plugin};

#[derive(Default)]
struct Counter {
    next: AtomicU8,
}

#[dknet::ipam_driver(requires_mac_address = true, requires_request_replay = false)]
impl Counter {
    async fn request_pool(&self, request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        let pool = request.pool.unwrap_or_else(|| "10.1.0.0/24".parse().unwrap());
        Ok(RequestPoolResponse::new(pool.to_string(), pool))
    }

    fn release_pool(&self, _request: ReleasePoolRequest, _context: Context) {}

    fn request_address(&self, request: RequestAddressRequest) -> std::io::Result<RequestAddressResponse> {
        let host = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let pool: dknet::ipnet::Ipv4Net = request.pool_id.parse().map_err(std::io::Error::other)?;
        let address = std::net::Ipv4Addr::from(u32::from(pool.network()) + u32::from(host));
        Ok(RequestAddressResponse::new(dknet::ipnet::IpNet::new(address.into(), 24).unwrap()))
    }

    async fn release_address(&self, _request: ReleaseAddressRequest) -> Result<(), String> {
        Ok(())
    }
}

struct Wires;

#[dknet::network_driver]
impl Wires {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Client::in_process(Plugin::new().network_driver(Wires).ipam_driver(Counter::default()));
    let activated = client.activate().await.unwrap();
    assert_eq!(activated.implements, ["NetworkDriver", "IpamDriver"]);
    let ipam = client.ipam();
    assert!(ipam.get_capabilities().await.unwrap().requires_mac_address);
    let spaces = ipam.get_default_address_spaces().await.unwrap();
    assert_eq!(spaces.local_default_address_space, "LocalDefault");
    let pool = ipam.request_pool(&RequestPoolRequest::new("LocalDefault", false)).await.unwrap();
    let address = ipam.request_address(&RequestAddressRequest::new(&pool.pool_id)).await.unwrap();
    assert_eq!(address.address.to_string(), "10.1.0.1/24");
    ipam.release_pool(&ReleasePoolRequest::new(&pool.pool_id)).await.unwrap();
}
