//! Joining and leaving a container's sandbox: `Join` and `Leave`.

use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::wire::{id, nullable, text, Options};

/// `/NetworkDriver.Join`: attach an endpoint to a container's sandbox.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct JoinRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
    /// Path of the container's network namespace (`/var/run/docker/netns/...`).
    #[serde(
        rename = "SandboxKey",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub sandbox_key: String,
    /// Sandbox (container) options: exposed ports, port bindings.
    #[serde(rename = "Options", default)]
    pub options: Options,
}

impl JoinRequest {
    /// A request joining endpoint `endpoint_id` of network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
            ..Self::default()
        }
    }
}

/// Which host interface dockerd moves into the container, and its name there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InterfaceName {
    /// The interface the driver created in the host namespace (a veth end).
    #[serde(rename = "SrcName", deserialize_with = "nullable::deserialize")]
    pub src_name: String,
    /// Name prefix inside the container: dockerd appends an index (`eth` -> `eth0`).
    ///
    /// (Go's struct also has `DstName`; dockerd ignores it for remote drivers.)
    #[serde(rename = "DstPrefix", deserialize_with = "nullable::deserialize")]
    pub dst_prefix: String,
}

impl InterfaceName {
    /// Move `src_name` into the container, named `dst_prefix` plus an index.
    pub fn new(src_name: impl Into<String>, dst_prefix: impl Into<String>) -> Self {
        Self {
            src_name: src_name.into(),
            dst_prefix: dst_prefix.into(),
        }
    }
}

/// How a static route reaches its destination.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum RouteType {
    /// Through `next_hop` (wire value 0).
    #[default]
    NextHop,
    /// Directly connected, no next hop (wire value 1).
    Connected,
}

impl From<RouteType> for u8 {
    fn from(route_type: RouteType) -> u8 {
        match route_type {
            RouteType::NextHop => 0,
            RouteType::Connected => 1,
        }
    }
}

impl TryFrom<u8> for RouteType {
    type Error = String;

    fn try_from(value: u8) -> Result<Self, Self::Error> {
        match value {
            0 => Ok(Self::NextHop),
            1 => Ok(Self::Connected),
            other => Err(format!("unknown route type {other} (expected 0 or 1)")),
        }
    }
}

/// A route dockerd installs in the container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaticRoute {
    /// The destination prefix.
    #[serde(rename = "Destination", with = "text::required")]
    pub destination: IpNet,
    /// Next-hop or connected.
    #[serde(rename = "RouteType", default)]
    pub route_type: RouteType,
    /// The next hop, a bare address (for [`RouteType::NextHop`]).
    #[serde(
        rename = "NextHop",
        default,
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub next_hop: Option<IpAddr>,
}

/// Answer to `Join`.
///
/// Give a gateway (or a `0.0.0.0/0` static route, or set
/// `disable_gateway_service`), otherwise dockerd adds a second interface on
/// `docker_gwbridge` to give the container a default route.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinResponse {
    /// The interface to move into the container; `None` adds none.
    #[serde(
        rename = "InterfaceName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub interface_name: Option<InterfaceName>,
    /// IPv4 default gateway, a bare address.
    #[serde(
        rename = "Gateway",
        default,
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub gateway: Option<IpAddr>,
    /// IPv6 default gateway, a bare address.
    #[serde(
        rename = "GatewayIPv6",
        default,
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub gateway_ipv6: Option<IpAddr>,
    /// Extra routes for the container.
    #[serde(
        rename = "StaticRoutes",
        default,
        deserialize_with = "nullable::deserialize",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub static_routes: Vec<StaticRoute>,
    /// Do not add the `docker_gwbridge` interface.
    #[serde(rename = "DisableGatewayService", default)]
    pub disable_gateway_service: bool,
}

/// `/NetworkDriver.Leave`: detach an endpoint from its sandbox (answer `()`).
/// The interface is still inside the container when this arrives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct LeaveRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
}

impl LeaveRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
        }
    }
}
