//! External connectivity of a container's gateway endpoint:
//! `ProgramExternalConnectivity` and `RevokeExternalConnectivity`.
//!
//! dockerd treats a 404 from either as success, which is what a driver that
//! does not write these methods answers.

use serde::{Deserialize, Serialize};

use crate::wire::{nullable, Options};

/// `/NetworkDriver.ProgramExternalConnectivity`: the endpoint became the
/// container's gateway (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct ProgramExternalConnectivityRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "nullable::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "nullable::deserialize")]
    pub endpoint_id: String,
    /// Sandbox options (port bindings, exposed ports).
    #[serde(rename = "Options")]
    pub options: Options,
}

/// `/NetworkDriver.RevokeExternalConnectivity`: the endpoint stopped being
/// the container's gateway (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RevokeExternalConnectivityRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "nullable::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "nullable::deserialize")]
    pub endpoint_id: String,
}
