//! Endpoint lifecycle: `CreateEndpoint`, `EndpointOperInfo`, `DeleteEndpoint`.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::wire::{id, nullable, text, MacAddress, Options};

/// An endpoint's addresses: in a request, what dockerd (IPAM) already chose;
/// in a response, what the driver fills in.
///
/// dockerd refuses a response that sets a field it had already set, even to
/// the same value: answer only the fields that were `None` in the request.
/// `None` fields are left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointInterface {
    /// IPv4 address in CIDR form.
    #[serde(
        rename = "Address",
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<IpNet>,
    /// IPv6 address in CIDR form.
    #[serde(
        rename = "AddressIPv6",
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub address_ipv6: Option<IpNet>,
    /// MAC address.
    #[serde(
        rename = "MacAddress",
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub mac_address: Option<MacAddress>,
}

/// `/NetworkDriver.CreateEndpoint`: a container is being attached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateEndpointRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id (new on every container start).
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
    /// The addresses IPAM assigned; fields are `None` when unassigned.
    #[serde(
        rename = "Interface",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub interface: EndpointInterface,
    /// Endpoint options: `--driver-opt` values, exposed ports, port bindings,
    /// the requested MAC (see [`Options`]).
    #[serde(rename = "Options", default)]
    pub options: Options,
}

impl CreateEndpointRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
            ..Self::default()
        }
    }
}

/// Answer to `CreateEndpoint`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateEndpointResponse {
    /// Addresses the driver chose; `None` leaves dockerd's choice alone.
    #[serde(rename = "Interface", default, skip_serializing_if = "Option::is_none")]
    pub interface: Option<EndpointInterface>,
}

/// `/NetworkDriver.EndpointOperInfo`: dockerd asks for an endpoint's
/// operational data (it ignores errors here).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EndpointOperInfoRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
}

impl EndpointOperInfoRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
            ..Self::default()
        }
    }
}

/// Answer to `EndpointOperInfo`: free-form data shown by `docker inspect`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EndpointOperInfoResponse {
    /// The data; `{}` when there is nothing to say.
    #[serde(rename = "Value", default, deserialize_with = "nullable::deserialize")]
    pub value: BTreeMap<String, Value>,
}

/// `/NetworkDriver.DeleteEndpoint`: remove an endpoint (answer `()`). Also
/// sent for rollbacks and stale endpoints at daemon start: make it idempotent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteEndpointRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The endpoint id.
    #[serde(rename = "EndpointID", deserialize_with = "id::deserialize")]
    pub endpoint_id: String,
}

impl DeleteEndpointRequest {
    /// A request for endpoint `endpoint_id` on network `network_id`.
    pub fn new(network_id: impl Into<String>, endpoint_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            endpoint_id: endpoint_id.into(),
        }
    }
}
