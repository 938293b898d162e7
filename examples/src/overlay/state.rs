//! What each node's plugin records: the manager's VXLAN allocations, this node's address
//! and its peers, and the networks and endpoints it made. Kept in one `state.json` by the
//! bridge example's [`JsonStore`] (atomic replace, one
//! lock per change).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::bridge::state::{EndpointState, JsonStore, NetworkState};

/// Where the overlay plugin keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-overlay";

/// The overlay plugin's store.
pub type Store = JsonStore<OverlayState>;

/// Everything one node's plugin knows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlayState {
    /// On a manager: the VXLAN id of each network it allocated, by network id.
    #[serde(default)]
    pub allocations: BTreeMap<String, u32>,
    /// This node's address on the underlay (`DiscoverNew` with `Self: true`).
    #[serde(default)]
    pub local_address: Option<IpAddr>,
    /// The other nodes' addresses (`DiscoverNew`, `DiscoverDelete`).
    #[serde(default)]
    pub peers: BTreeSet<IpAddr>,
    /// The networks made on this node, by network id.
    #[serde(default)]
    pub networks: BTreeMap<String, OverlayNetwork>,
    /// The endpoints made on this node, by endpoint id.
    #[serde(default)]
    pub endpoints: BTreeMap<String, EndpointState>,
}

/// One network on this node: a bridge, and a VXLAN device on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
    /// The network as the bridge example sees it: a bridge with no address, whose
    /// firewall rules let its ports talk to each other and to nothing else (containers
    /// reach the world through `docker_gwbridge`, which dockerd adds).
    pub fn as_bridge(&self) -> NetworkState {
        NetworkState {
            id: self.id.clone(),
            bridge: self.bridge.clone(),
            mtu: Some(self.mtu),
            gateways: Vec::new(),
            internal: true,
            isolated: false,
        }
    }
}

impl OverlayState {
    /// The bridge example's view of the networks and endpoints, to restore them with its
    /// [`reconcile`](crate::bridge::reconcile::reconcile).
    pub fn as_bridge(&self) -> crate::bridge::state::State {
        crate::bridge::state::State {
            networks: self
                .networks
                .iter()
                .map(|(id, network)| (id.clone(), network.as_bridge()))
                .collect(),
            endpoints: self.endpoints.clone(),
        }
    }
}
