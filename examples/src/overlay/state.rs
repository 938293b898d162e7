//! What each node's plugin records: the manager's VXLAN allocations, this node's address
//! and its peers, and the networks and endpoints it made. Each kind is a
//! [`dknet::store::Store`] in a directory of its own under the state directory (one file
//! per entry, replaced atomically); endpoints are the shared
//! [`Endpoints`](crate::linux::endpoint::Endpoints).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::linux::endpoint::BridgeLink;
use crate::linux::firewall;
use crate::linux::reconcile::BridgeSetup;

/// Where the overlay plugin keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-overlay";

/// The key of the one [`NodeState`] entry.
pub const NODE_KEY: &str = "node";

/// Where one kind of record (`allocations`, `node`, `networks`, `endpoints`) is kept in the
/// state directory `state_dir`.
pub fn dir_of(state_dir: &Path, kind: &str) -> PathBuf {
    state_dir.join(kind)
}

/// What this node knows of the swarm.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeState {
    /// This node's address on the underlay (`DiscoverNew` with `Self: true`).
    #[serde(default)]
    pub local_address: Option<IpAddr>,
    /// The other nodes' addresses (`DiscoverNew`, `DiscoverDelete`).
    #[serde(default)]
    pub peers: BTreeSet<IpAddr>,
}

/// One network on this node: a bridge, and a VXLAN device on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverlayNetwork {
    /// Docker's network id.
    pub id: String,
    /// The VXLAN id.
    pub vni: u32,
    /// The bridge's name.
    pub bridge: String,
    /// The VXLAN device's name.
    pub vxlan: String,
    /// The MTU of the bridge, the VXLAN device and the veths.
    pub mtu: u32,
}

impl OverlayNetwork {
    /// What the kernel must have for this network besides the VXLAN device: a bridge with
    /// no address, whose firewall rules let its ports talk to each other and to nothing
    /// else (containers reach the world through `docker_gwbridge`, which dockerd adds).
    pub fn setup(&self) -> BridgeSetup {
        BridgeSetup {
            id: self.id.clone(),
            bridge: self.bridge.clone(),
            mtu: Some(self.mtu),
            gateways: Vec::new(),
            rules: firewall::rules(&self.bridge, true, false, &[]),
        }
    }

    /// The bridge this network's endpoints go on.
    pub fn link(&self) -> BridgeLink<'_> {
        BridgeLink {
            network_id: &self.id,
            bridge: &self.bridge,
            mtu: Some(self.mtu),
        }
    }
}
