//! The networks the plugin made, kept on disk across restarts.
//!
//! dockerd never replays `CreateNetwork` after a plugin restart, so whatever later calls
//! need (the bridge's name, the gateways) must be persisted. Networks are kept by a
//! [`dknet::store::Store`] in `STATE_DIR/networks`, one file per network, and endpoints by
//! the shared [`Endpoints`](crate::linux::endpoint::Endpoints) in `STATE_DIR/endpoints`:
//! each change writes only the entry it changed, atomically.

use std::path::{Path, PathBuf};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use crate::linux::endpoint::BridgeLink;
use crate::linux::firewall;
use crate::linux::reconcile::BridgeSetup;

/// Where the bridge plugin keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-bridge";

/// Where the networks are kept in the state directory `state_dir`.
pub fn networks_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("networks")
}

/// Where the endpoints are kept in the state directory `state_dir`.
pub fn endpoints_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("endpoints")
}

/// One network: its bridge and what is configured on it.
///
/// Unknown keys are refused: a file that parses as JSON but was not written by this
/// plugin must be reported as corrupt, never read and then overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkState {
    /// Docker's network id.
    pub id: String,
    /// The Linux bridge's name.
    pub bridge: String,
    /// The MTU of the bridge and its veths (the kernel's default when `None`).
    pub mtu: Option<u32>,
    /// The gateway addresses on the bridge, IPv4 and IPv6, with the pools' prefix lengths.
    pub gateways: Vec<IpNet>,
    /// Whether the network was created with `--internal`.
    pub internal: bool,
    /// Whether the network is isolated from other networks (not `-o isolate=false`);
    /// networks recorded before the option existed are.
    #[serde(default = "isolated_by_default")]
    pub isolated: bool,
}

fn isolated_by_default() -> bool {
    true
}

impl NetworkState {
    /// The firewall rules this network needs.
    pub fn firewall_rules(&self) -> Vec<firewall::Rule> {
        firewall::rules(&self.bridge, self.internal, self.isolated, &self.gateways)
    }

    /// What the kernel must have for this network.
    pub fn setup(&self) -> BridgeSetup {
        BridgeSetup {
            id: self.id.clone(),
            bridge: self.bridge.clone(),
            mtu: self.mtu,
            gateways: self.gateways.clone(),
            rules: self.firewall_rules(),
        }
    }

    /// The bridge this network's endpoints go on.
    pub fn link(&self) -> BridgeLink<'_> {
        BridgeLink {
            network_id: &self.id,
            bridge: &self.bridge,
            mtu: self.mtu,
        }
    }
}
