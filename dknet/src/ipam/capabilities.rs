//! `GetCapabilities` and `GetDefaultAddressSpaces`: what the IPAM driver
//! tells dockerd about itself.

use serde::{Deserialize, Serialize};

use crate::wire::nullable;

/// The address space dockerd's own IPAM calls local.
pub const LOCAL_DEFAULT: &str = "LocalDefault";
/// The address space dockerd's own IPAM calls global.
pub const GLOBAL_DEFAULT: &str = "GlobalDefault";

/// Answer to `/IpamDriver.GetCapabilities`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetCapabilitiesResponse {
    /// dockerd generates the endpoint's MAC address before asking for its
    /// address and passes it in `RequestAddress` options
    /// ([`IpamOptions::mac_address`](super::IpamOptions::mac_address)).
    #[serde(rename = "RequiresMACAddress", default)]
    pub requires_mac_address: bool,
    /// dockerd replays every stored pool and address request at start-up,
    /// so the driver need not persist its allocations.
    #[serde(rename = "RequiresRequestReplay", default)]
    pub requires_request_replay: bool,
}

/// Answer to `/IpamDriver.GetDefaultAddressSpaces`: the names of the local
/// and global address spaces (default `LocalDefault` / `GlobalDefault`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetDefaultAddressSpacesResponse {
    /// The address space of local-scope networks.
    #[serde(
        rename = "LocalDefaultAddressSpace",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub local_default_address_space: String,
    /// The address space of global-scope (swarm) networks.
    #[serde(
        rename = "GlobalDefaultAddressSpace",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub global_default_address_space: String,
}

impl Default for GetDefaultAddressSpacesResponse {
    fn default() -> Self {
        Self {
            local_default_address_space: LOCAL_DEFAULT.to_owned(),
            global_default_address_space: GLOBAL_DEFAULT.to_owned(),
        }
    }
}
