//! Network lifecycle: `CreateNetwork`, `DeleteNetwork`, and the swarm-manager
//! pair `AllocateNetwork` / `FreeNetwork`.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::wire::{id, nullable, text, Options};

/// One address pool of a network, as IPAM allocated it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamData {
    /// The IPAM address space (`LocalDefault` for Docker's built-in IPAM).
    #[serde(
        rename = "AddressSpace",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub address_space: String,
    /// The pool, e.g. `172.20.0.0/16`.
    #[serde(rename = "Pool", with = "text::required")]
    pub pool: IpNet,
    /// The gateway in CIDR form (`172.20.0.1/16`); `None` when IPAM allocated none.
    #[serde(
        rename = "Gateway",
        default,
        with = "text::optional",
        skip_serializing_if = "Option::is_none"
    )]
    pub gateway: Option<IpNet>,
    /// Reserved auxiliary addresses by name, in CIDR form (`--aux-address`).
    #[serde(
        rename = "AuxAddresses",
        default,
        with = "text::cidr_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub aux_addresses: BTreeMap<String, IpNet>,
}

impl IpamData {
    /// Pool data with no gateway and no aux addresses.
    pub fn new(pool: IpNet) -> Self {
        Self {
            address_space: String::new(),
            pool,
            gateway: None,
            aux_addresses: BTreeMap::new(),
        }
    }
}

/// `/NetworkDriver.CreateNetwork`: create a network (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CreateNetworkRequest {
    /// The network id: persist it, later calls carry only this.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// Network options: the user's `-o` under `com.docker.network.generic`,
    /// `enable_ipv4`/`enable_ipv6`, `internal` (see [`Options`]).
    #[serde(rename = "Options", default)]
    pub options: Options,
    /// IPv4 pools (empty when IPv4 is disabled).
    #[serde(
        rename = "IPv4Data",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub ipv4_data: Vec<IpamData>,
    /// IPv6 pools (empty unless `--ipv6`).
    #[serde(
        rename = "IPv6Data",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub ipv6_data: Vec<IpamData>,
}

impl CreateNetworkRequest {
    /// A request for network `network_id` with no options and no pools.
    pub fn new(network_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            ..Self::default()
        }
    }
}

/// `/NetworkDriver.DeleteNetwork`: remove a network (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeleteNetworkRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
}

impl DeleteNetworkRequest {
    /// A request for network `network_id`.
    pub fn new(network_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
        }
    }
}

/// `/NetworkDriver.AllocateNetwork`: sent on a swarm manager to `global`-scope
/// drivers when a swarm network is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AllocateNetworkRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
    /// The network's driver options plus any state returned earlier.
    #[serde(
        rename = "Options",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub options: BTreeMap<String, String>,
    /// IPv4 pools.
    #[serde(
        rename = "IPv4Data",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub ipv4_data: Vec<IpamData>,
    /// IPv6 pools.
    #[serde(
        rename = "IPv6Data",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub ipv6_data: Vec<IpamData>,
}

impl AllocateNetworkRequest {
    /// A request for network `network_id`.
    pub fn new(network_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            ..Self::default()
        }
    }
}

/// Answer to `AllocateNetwork`: driver state that workers later receive in
/// `CreateNetwork`'s generic options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllocateNetworkResponse {
    /// The state to store with the network.
    #[serde(
        rename = "Options",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub options: BTreeMap<String, String>,
}

/// `/NetworkDriver.FreeNetwork`: a swarm network allocated earlier is removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FreeNetworkRequest {
    /// The network id.
    #[serde(rename = "NetworkID", deserialize_with = "id::deserialize")]
    pub network_id: String,
}

impl FreeNetworkRequest {
    /// A request for network `network_id`.
    pub fn new(network_id: impl Into<String>) -> Self {
        Self {
            network_id: network_id.into(),
            ..Self::default()
        }
    }
}
