//! The driver: the protocol methods this plugin implements. Every method left out
//! answers as dockerd expects from a driver with nothing to do there; the list is in
//! the documentation of `#[dknet::network_driver]`.

use dknet::network::{CreateNetworkRequest, DeleteNetworkRequest};

/// The plugin's network driver.
#[derive(Debug, Default)]
pub struct Driver;

#[dknet::network_driver(scope = "local")]
impl Driver {
    /// `docker network create -d NAME`: refuse what this driver cannot serve.
    fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
        if request.ipv4_data.is_empty() {
            return Err("this driver needs an IPv4 subnet (--subnet)".to_owned());
        }
        tracing::info!(network = %request.network_id, "network created");
        Ok(())
    }

    /// `docker network rm`.
    fn delete_network(&self, request: DeleteNetworkRequest) {
        tracing::info!(network = %request.network_id, "network deleted");
    }
}
