//! Swarm node discovery notifications: `DiscoverNew` and `DiscoverDelete`.
//! Sent only in swarm mode, to drivers whose connectivity scope is `global`.

use serde::{Deserialize, Serialize};

use crate::wire::nullable;

/// A node that joined or left the swarm (discovery type 1).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NodeDiscoveryData {
    /// The node's address.
    #[serde(rename = "Address", deserialize_with = "nullable::deserialize")]
    pub address: String,
    /// The node's bind address.
    #[serde(rename = "BindAddress", deserialize_with = "nullable::deserialize")]
    pub bind_address: String,
    /// True when the notification is about this node.
    #[serde(rename = "Self")]
    pub is_self: bool,
}

/// `/NetworkDriver.DiscoverNew`: a node joined (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DiscoverNewRequest {
    /// The kind of notification; dockerd forwards only 1 (node discovery).
    #[serde(rename = "DiscoveryType")]
    pub discovery_type: u32,
    /// The node.
    #[serde(rename = "DiscoveryData", deserialize_with = "nullable::deserialize")]
    pub discovery_data: NodeDiscoveryData,
}

/// `/NetworkDriver.DiscoverDelete`: a node left (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct DiscoverDeleteRequest {
    /// The kind of notification; dockerd forwards only 1 (node discovery).
    #[serde(rename = "DiscoveryType")]
    pub discovery_type: u32,
    /// The node.
    #[serde(rename = "DiscoveryData", deserialize_with = "nullable::deserialize")]
    pub discovery_data: NodeDiscoveryData,
}
