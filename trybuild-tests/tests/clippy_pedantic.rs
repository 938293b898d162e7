//! Generated code under clippy's strictest groups: CI's `cargo clippy
//! --all-targets -D warnings` lints this file, so a lint the expansion trips
//! in an author's crate fails the build here first.
#![deny(clippy::all, clippy::pedantic, clippy::nursery)]

use std::sync::Arc;

use dknet::network::{
    CreateNetworkRequest, DeleteNetworkRequest, GetCapabilitiesResponse, GwAllocCheckRequest,
    GwAllocCheckResponse, JoinRequest, JoinResponse, LeaveRequest, NetworkDriver, Scope,
};
use dknet::Context;

struct Pedantic;

#[dknet::network_driver(scope = "global", connectivity_scope = "local")]
impl Pedantic {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
        if request.network_id.is_empty() {
            return Err("no network id".to_owned());
        }
        Ok(())
    }

    fn delete_network(
        &self,
        request: DeleteNetworkRequest,
        context: Context,
    ) -> std::io::Result<()> {
        if context.is_cancelled() {
            return Err(std::io::Error::other(request.network_id));
        }
        Ok(())
    }

    fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }

    async fn leave(&self, _request: LeaveRequest) {}

    async fn gw_alloc_check(&self, request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: request.options.internal(),
            skip_ipv6: false,
        }
    }
}

struct Capable<T>(T);

#[dknet::network_driver]
impl<T: Send + Sync + 'static> Capable<T> {
    fn get_capabilities(&self, _context: Context) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse::default()
    }
}

#[tokio::test]
async fn strictly_linted_drivers_answer() {
    let capabilities = Arc::new(Pedantic)
        .get_capabilities(Context::new())
        .await
        .unwrap();
    assert_eq!(capabilities.scope, Scope::Global);
    assert!(capabilities.gw_alloc_checker);
    let error = Arc::new(Pedantic)
        .create_network(CreateNetworkRequest::default(), Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.message(), "no network id");
    let capabilities = Arc::new(Capable(1_u8))
        .get_capabilities(Context::new())
        .await
        .unwrap();
    assert_eq!(capabilities.scope, Scope::Local);
}

struct PedanticIpam;

#[dknet::ipam_driver(requires_mac_address = true)]
impl PedanticIpam {
    async fn request_pool(
        &self,
        request: dknet::ipam::RequestPoolRequest,
    ) -> Result<dknet::ipam::RequestPoolResponse, String> {
        let pool = request.pool.ok_or("give --subnet")?;
        Ok(dknet::ipam::RequestPoolResponse::new(
            pool.to_string(),
            pool,
        ))
    }

    fn release_pool(&self, _request: dknet::ipam::ReleasePoolRequest) {}

    fn request_address(
        &self,
        _request: dknet::ipam::RequestAddressRequest,
        _context: Context,
    ) -> Result<dknet::ipam::RequestAddressResponse, String> {
        Err("full".to_owned())
    }

    async fn release_address(&self, _request: dknet::ipam::ReleaseAddressRequest) {}
}

#[tokio::test]
async fn strictly_linted_ipam_driver_answers() {
    use dknet::ipam::IpamDriver;
    let capabilities = Arc::new(PedanticIpam)
        .get_capabilities(Context::new())
        .await
        .unwrap();
    assert!(capabilities.requires_mac_address);
    let error = Arc::new(PedanticIpam)
        .request_pool(
            dknet::ipam::RequestPoolRequest::new("LocalDefault", false),
            Context::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.message(), "give --subnet");
}
