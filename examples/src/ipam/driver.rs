//! [`IpamAllocator`]: the allocator served as a Docker IPAM driver.

use std::path::PathBuf;

use dknet::ipam::{
    ReleaseAddressRequest, ReleasePoolRequest, RequestAddressRequest, RequestAddressResponse,
    RequestPoolRequest, RequestPoolResponse,
};

use super::allocator::PoolRanges;
use super::store::{Store, StoreError};

/// A Docker IPAM driver handing out pools and addresses from a persisted
/// [`Allocator`](super::allocator::Allocator).
#[derive(Debug)]
pub struct IpamAllocator {
    store: Store,
}

impl IpamAllocator {
    /// Opens the allocations kept in `state_dir`.
    pub async fn open(
        state_dir: impl Into<PathBuf>,
        ranges: PoolRanges,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            store: Store::open(state_dir, ranges).await?,
        })
    }
}

#[dknet::ipam_driver]
impl IpamAllocator {
    async fn request_pool(
        &self,
        request: RequestPoolRequest,
    ) -> Result<RequestPoolResponse, StoreError> {
        let (id, pool) = self
            .store
            .request_pool(request.pool, request.sub_pool, request.v6)
            .await?;
        tracing::info!(%pool, "pool handed out");
        Ok(RequestPoolResponse::new(id, pool))
    }

    async fn release_pool(&self, request: ReleasePoolRequest) -> Result<(), StoreError> {
        self.store.release_pool(&request.pool_id).await?;
        tracing::info!(pool = %request.pool_id, "pool released");
        Ok(())
    }

    async fn request_address(
        &self,
        request: RequestAddressRequest,
    ) -> Result<RequestAddressResponse, StoreError> {
        let address = self
            .store
            .request_address(&request.pool_id, request.address)
            .await?;
        let what = if request.options.is_gateway_request() {
            "gateway"
        } else {
            request.options.endpoint_name().unwrap_or("address")
        };
        tracing::debug!(%address, what, "address handed out");
        Ok(RequestAddressResponse::new(address))
    }

    async fn release_address(&self, request: ReleaseAddressRequest) -> Result<(), StoreError> {
        self.store
            .release_address(&request.pool_id, request.address)
            .await
    }
}
