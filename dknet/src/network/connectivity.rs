//! External connectivity of a container's gateway endpoint:
//! `ProgramExternalConnectivity` and `RevokeExternalConnectivity`.
//!
//! dockerd treats a 404 from either as success, which is what a driver that
//! does not write these methods answers.

use serde::{Deserialize, Serialize};

use crate::wire::{id, Options};

/// `/NetworkDriver.ProgramExternalConnectivity`: the endpoint became the
/// container's gateway (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProgramExternalConnectivityRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
    /// Sandbox options (port bindings, exposed ports).
    #[serde(rename = "Options", default)]
    pub options: Options,
}

impl ProgramExternalConnectivityRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
            ..Self::default()
        }
    }
}

/// `/NetworkDriver.RevokeExternalConnectivity`: the endpoint stopped being
/// the container's gateway (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RevokeExternalConnectivityRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
}

impl RevokeExternalConnectivityRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
            ..Self::default()
        }
    }
}
