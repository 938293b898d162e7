//! A hand-written `get_capabilities` replaces the attribute's answer.

use std::sync::Arc;

use dknet::network::{GetCapabilitiesResponse, NetworkDriver, Scope};
use dknet::Context;

struct Swarm {
    global: bool,
}

#[dknet::network_driver]
impl Swarm {
    async fn get_capabilities(&self) -> Result<GetCapabilitiesResponse, String> {
        Ok(GetCapabilitiesResponse {
            scope: if self.global {
                Scope::Global
            } else {
                Scope::Local
            },
            connectivity_scope: Some(Scope::Global),
            gw_alloc_checker: false,
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Swarm { global: true });
    let capabilities = driver.get_capabilities(Context::new()).await.unwrap();
    assert_eq!(capabilities.scope, Scope::Global);
    assert_eq!(capabilities.connectivity_scope, Some(Scope::Global));
}
