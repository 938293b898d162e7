//! An empty impl is a complete driver: every method answers its default.

use std::sync::Arc;

use dknet::network::{NetworkDriver, Scope};
use dknet::Context;

struct Quiet;

#[dknet::network_driver]
impl Quiet {}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Quiet);
    let capabilities = driver
        .clone()
        .get_capabilities(Context::new())
        .await
        .unwrap();
    assert_eq!(capabilities.scope, Scope::Local);
    assert_eq!(capabilities.connectivity_scope, None);
    assert!(!capabilities.gw_alloc_checker);
    let join = driver
        .clone()
        .join(Default::default(), Context::new())
        .await
        .unwrap();
    assert_eq!(join, Default::default());
    let error = driver
        .program_external_connectivity(Default::default(), Context::new())
        .await
        .unwrap_err();
    assert!(error.is_not_supported());
}
