//! `GetCapabilities` and `GwAllocCheck`: what the driver tells dockerd about itself.

use serde::{Deserialize, Serialize};

use crate::wire::Options;

/// Where a network's allocation state lives (`Scope`, `ConnectivityScope`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// One host: the usual choice for a legacy plugin.
    #[default]
    Local,
    /// The whole swarm: dockerd calls `AllocateNetwork` on managers.
    Global,
}

/// Answer to `/NetworkDriver.GetCapabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetCapabilitiesResponse {
    /// Where allocation state lives. Must be `local` or `global`.
    #[serde(rename = "Scope")]
    pub scope: Scope,
    /// Where connectivity spans; `None` means the same as `scope`.
    #[serde(
        rename = "ConnectivityScope",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub connectivity_scope: Option<Scope>,
    /// True when the driver answers `GwAllocCheck` (dockerd 28 and later ask).
    #[serde(rename = "GwAllocChecker", default)]
    pub gw_alloc_checker: bool,
}

/// `/NetworkDriver.GwAllocCheck`: asked before IPAM allocation on network
/// create, only when the driver advertised `GwAllocChecker` (dockerd 28+).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct GwAllocCheckRequest {
    /// The same options `CreateNetwork` will carry.
    #[serde(rename = "Options")]
    pub options: Options,
}

/// Answer to `GwAllocCheck`: which gateway addresses IPAM should not reserve.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GwAllocCheckResponse {
    /// Do not reserve an IPv4 gateway address (unless the user gave one).
    #[serde(rename = "SkipIPv4", default)]
    pub skip_ipv4: bool,
    /// Do not reserve an IPv6 gateway address (unless the user gave one).
    #[serde(rename = "SkipIPv6", default)]
    pub skip_ipv6: bool,
}
