//! Attributes on methods stay; `#[cfg]` ones apply to the generated
//! dispatch too, so a method may exist in some builds only.
#![deny(warnings)]

use std::sync::Arc;

use dknet::network::{
    GwAllocCheckRequest, GwAllocCheckResponse, JoinRequest, JoinResponse, NetworkDriver,
};
use dknet::Context;

struct Attributed;

#[dknet::network_driver]
impl Attributed {
    /// Joins, documented.
    #[inline]
    #[allow(clippy::unused_async)]
    #[must_use]
    async fn join(&self, #[allow(unused_variables)] request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }

    #[cfg(any())]
    fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: true,
            skip_ipv6: true,
        }
    }

    #[cfg(not(any()))]
    fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: false,
            skip_ipv6: true,
        }
    }
}

struct Conditional;

#[dknet::network_driver]
impl Conditional {
    #[cfg(any())]
    fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse::default()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Attributed);
    let check = driver
        .clone()
        .gw_alloc_check(Default::default(), Context::new())
        .await
        .unwrap();
    assert!(!check.skip_ipv4 && check.skip_ipv6);
    let capabilities = driver.get_capabilities(Context::new()).await.unwrap();
    assert!(capabilities.gw_alloc_checker);
    let capabilities = Arc::new(Conditional)
        .get_capabilities(Context::new())
        .await
        .unwrap();
    assert!(
        !capabilities.gw_alloc_checker,
        "the cfg'd-out method is not advertised"
    );
}
