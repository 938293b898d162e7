//! The driver: dockerd's calls turned into VXLAN ids, bridges, VXLAN devices and veths.
//!
//! - `GetCapabilities`: `Scope` and `ConnectivityScope` `global`, so that in swarm mode the
//!   manager allocates the network and every node is told about the others.
//! - `AllocateNetwork` (manager only): a VXLAN id unique among this driver's networks
//!   (see [`vni`]), answered in `Options`; `FreeNetwork` releases it.
//! - `DiscoverNew`/`DiscoverDelete`: this node's own address (`Self: true`) and its peers,
//!   recorded, and the peers' flooding entries added to or removed from every network.
//! - `CreateNetwork` (each node, before its first container on the network): a bridge
//!   `dko-<id>` and a VXLAN device `dkx-<id>` on it with the allocated id, MTU the
//!   underlay's minus 50 (or `-o mtu=N`), and one flooding entry per known peer.
//! - `CreateEndpoint`/`Join`/`DeleteEndpoint`: a veth pair on the bridge, as the bridge
//!   example does, but `Join` gives no gateway: dockerd then adds the container to
//!   `docker_gwbridge` for the outside world, as with Docker's own overlay.
//! - `DeleteNetwork`: the VXLAN device, the bridge and its firewall rules go.
//!
//! The handlers never call the Docker API and read what they need from the state.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use dknet::network::{
    AllocateNetworkRequest, AllocateNetworkResponse, CreateEndpointRequest, CreateEndpointResponse,
    CreateNetworkRequest, DeleteEndpointRequest, DeleteNetworkRequest, DiscoverDeleteRequest,
    DiscoverNewRequest, EndpointInterface, FreeNetworkRequest, GetCapabilitiesResponse,
    InterfaceName, JoinRequest, JoinResponse, MacAddress, NodeDiscoveryData, Scope,
};
use dknet::store::Store;

use super::options::OverlayOptions;
use super::state::{dir_of, NodeState, OverlayNetwork, NODE_KEY};
use super::vni::{self, VniRange};
use super::vxlan::{Vxlan, VxlanSpec, VXLAN_OVERHEAD};
use super::Error;
use crate::linux::endpoint::EndpointState;
use crate::linux::endpoint::Endpoints;
use crate::linux::netlink::Netlink;
use crate::linux::reconcile::{reconcile, restore_network, BridgeSetup};
use crate::linux::{self, firewall, names};
use crate::migrate;

/// The one state file of earlier versions.
#[derive(serde::Deserialize)]
struct OldState {
    #[serde(default)]
    allocations: BTreeMap<String, u32>,
    #[serde(default)]
    local_address: Option<IpAddr>,
    #[serde(default)]
    peers: std::collections::BTreeSet<IpAddr>,
    #[serde(default)]
    networks: BTreeMap<String, OverlayNetwork>,
    #[serde(default)]
    endpoints: BTreeMap<String, EndpointState>,
}

/// The MTU assumed for the underlay when this node's address is not known yet.
const DEFAULT_UNDERLAY_MTU: u32 = 1500;

/// The overlay network driver.
#[derive(Debug)]
pub struct OverlayDriver {
    netlink: Netlink,
    vxlan: Vxlan,
    /// On a manager: the VXLAN id of each network it allocated, by network id.
    allocations: Store<u32>,
    /// This node's address and its peers, under [`NODE_KEY`].
    node: Store<NodeState>,
    /// The networks made on this node, by network id.
    networks: Store<OverlayNetwork>,
    endpoints: Endpoints,
    range: VniRange,
}

#[dknet::network_driver]
impl OverlayDriver {
    fn get_capabilities(&self) -> GetCapabilitiesResponse {
        GetCapabilitiesResponse {
            scope: Scope::Global,
            connectivity_scope: Some(Scope::Global),
            gw_alloc_checker: false,
        }
    }

    async fn allocate_network(
        &self,
        request: AllocateNetworkRequest,
    ) -> Result<AllocateNetworkResponse, Error> {
        let mut options = OverlayOptions::parse(&request.options)?;
        let range = self.range;
        let vni = self
            .allocations
            .update(|allocations| {
                let mut ids: BTreeMap<String, u32> = allocations.entries().clone();
                let vni = vni::allocate(&mut ids, &request.network_id, options.vni, range)?;
                allocations.insert(request.network_id.clone(), vni);
                Ok::<_, Error>(vni)
            })
            .await??;
        options.vni = Some(vni);
        tracing::info!(network = %request.network_id, vni, "VXLAN id allocated");
        Ok(AllocateNetworkResponse {
            options: options.to_map(),
        })
    }

    async fn free_network(&self, request: FreeNetworkRequest) -> Result<(), Error> {
        let freed = self
            .allocations
            .update(|allocations| allocations.remove(&request.network_id))
            .await?;
        if let Some(vni) = freed {
            tracing::info!(network = %request.network_id, vni, "VXLAN id freed");
        }
        Ok(())
    }

    async fn discover_new(&self, request: DiscoverNewRequest) -> Result<(), Error> {
        let Some(address) = node_address(request.discovery_type, &request.discovery_data) else {
            return Ok(());
        };
        if request.discovery_data.is_self {
            self.change_node(|node| node.local_address = Some(address))
                .await?;
            tracing::info!(%address, "this node's address");
            return Ok(());
        }
        self.change_node(|node| {
            node.peers.insert(address);
        })
        .await?;
        for network in self.networks.snapshot().await.values() {
            if let Some(index) = self.vxlan.index(&network.vxlan).await? {
                self.vxlan.add_peer(index, address).await?;
            }
        }
        tracing::info!(peer = %address, "peer added");
        Ok(())
    }

    async fn discover_delete(&self, request: DiscoverDeleteRequest) -> Result<(), Error> {
        let Some(address) = node_address(request.discovery_type, &request.discovery_data) else {
            return Ok(());
        };
        self.change_node(|node| {
            node.peers.remove(&address);
        })
        .await?;
        for network in self.networks.snapshot().await.values() {
            if let Some(index) = self.vxlan.index(&network.vxlan).await? {
                self.vxlan.remove_peer(index, address).await?;
            }
        }
        tracing::info!(peer = %address, "peer removed");
        Ok(())
    }

    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
        // Device names are derived from the id: only Docker's kind of id may reach the kernel.
        names::check_id("network", &request.network_id).map_err(linux::Error::InvalidId)?;
        let options = OverlayOptions::parse(&request.options.generic_map())?;
        let vni = options
            .vni
            .ok_or_else(|| Error::NoVni(request.network_id.clone()))?;
        let local = self.node().await.local_address;
        let mtu = match options.mtu {
            Some(mtu) => mtu,
            None => self.underlay_mtu(local).await? - VXLAN_OVERHEAD,
        };
        let network = OverlayNetwork {
            id: request.network_id.clone(),
            vni,
            bridge: names::with_prefix("dko-", &request.network_id),
            vxlan: names::with_prefix("dkx-", &request.network_id),
            mtu,
        };
        let fresh = self
            .networks
            .update(|networks| {
                let fresh = is_new(networks.entries(), &network)?;
                if fresh {
                    networks.insert(network.id.clone(), network.clone());
                }
                Ok::<_, Error>(fresh)
            })
            .await??;
        if let Err(e) = self.build(&network).await {
            if fresh {
                if let Err(cleanup) = self.remove_network(&network).await {
                    tracing::warn!(network = %network.id, %cleanup, "could not undo a failed network");
                }
            }
            return Err(e);
        }
        tracing::info!(network = %network.id, vni, bridge = %network.bridge, "network created");
        Ok(())
    }

    async fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), Error> {
        let Some(network) = self.networks.get(&request.network_id).await else {
            return Ok(());
        };
        self.remove_network(&network).await?;
        tracing::info!(network = %network.id, "network deleted");
        Ok(())
    }

    async fn create_endpoint(
        &self,
        request: CreateEndpointRequest,
    ) -> Result<CreateEndpointResponse, Error> {
        names::check_id("endpoint", &request.endpoint_id).map_err(linux::Error::InvalidId)?;
        let network = self
            .networks
            .get(&request.network_id)
            .await
            .ok_or_else(|| Error::UnknownNetwork(request.network_id.clone()))?;
        // The overlay publishes no ports: containers reach out through docker_gwbridge.
        let endpoint = self.endpoints.create(&request, &network.link()).await?;
        Ok(endpoint_response(
            request.interface.mac_address,
            endpoint.mac,
        ))
    }

    async fn join(&self, request: JoinRequest) -> Result<JoinResponse, Error> {
        if self.networks.get(&request.network_id).await.is_none() {
            return Err(Error::UnknownNetwork(request.network_id));
        }
        let endpoint = self
            .endpoints
            .get(&request.endpoint_id)
            .await
            .ok_or_else(|| Error::UnknownEndpoint(request.endpoint_id.clone()))?;
        Ok(JoinResponse {
            interface_name: Some(InterfaceName::new(&endpoint.container_veth, "eth")),
            // No gateway and the gateway service left on: dockerd connects the container
            // to docker_gwbridge for the outside world, as it does for its own overlay.
            disable_gateway_service: false,
            ..JoinResponse::default()
        })
    }

    async fn delete_endpoint(&self, request: DeleteEndpointRequest) -> Result<(), Error> {
        self.endpoints.delete(&request.endpoint_id).await?;
        Ok(())
    }
}

impl OverlayDriver {
    /// A driver keeping its state in `state_dir` and allocating VXLAN ids from `range`,
    /// talking to the kernel of the calling thread's network namespace (inside a tokio
    /// runtime).
    pub async fn open(state_dir: impl Into<PathBuf>, range: VniRange) -> Result<Self, Error> {
        let state_dir = state_dir.into();
        let netlink = Netlink::connect().map_err(linux::Error::from)?;
        let vxlan = Vxlan::connect()
            .map_err(|e| Error::Vxlan(super::vxlan::Error::new("opening a netlink socket", e)))?;
        let allocations = Store::open(dir_of(&state_dir, "allocations")).await?;
        let node = Store::open(dir_of(&state_dir, "node")).await?;
        let networks = Store::open(dir_of(&state_dir, "networks")).await?;
        let endpoints = Endpoints::open(dir_of(&state_dir, "endpoints"), netlink.clone()).await?;
        if let Some(old) = migrate::old_state::<OldState>(&state_dir)? {
            allocations
                .update(|entries| {
                    for (id, vni) in old.allocations {
                        entries.insert(id, vni);
                    }
                })
                .await?;
            let known = NodeState {
                local_address: old.local_address,
                peers: old.peers,
            };
            node.update(|entries| entries.insert(NODE_KEY, known))
                .await?;
            migrate::insert_all(&networks, old.networks).await?;
            migrate::insert_all(endpoints.store(), old.endpoints).await?;
            migrate::retire(&state_dir)?;
        }
        let driver = Self {
            netlink,
            vxlan,
            allocations,
            node,
            networks,
            endpoints,
            range,
        };
        tracing::info!(
            path = %state_dir.display(),
            networks = driver.networks.len().await,
            peers = driver.node().await.peers.len(),
            allocations = driver.allocations.len().await,
            "state loaded"
        );
        Ok(driver)
    }

    /// Makes the kernel match the persisted state: bridges, veths and firewall rules (the
    /// shared [`reconcile`](crate::linux::reconcile)), then each network's VXLAN device
    /// and flooding entries. Returns what could not be restored. Run it once at start-up.
    pub async fn reconcile(&self) -> Vec<Error> {
        let networks = self.networks.snapshot().await;
        let setups: Vec<BridgeSetup> = networks.values().map(OverlayNetwork::setup).collect();
        let endpoints = self.endpoints.store().snapshot().await;
        let mut failures: Vec<Error> = reconcile(&self.netlink, &setups, &endpoints)
            .await
            .into_iter()
            .map(Error::Linux)
            .collect();
        for network in networks.values() {
            if let Err(e) = self.build(network).await {
                failures.push(e);
            }
        }
        failures
    }

    /// What this node knows of the swarm.
    async fn node(&self) -> NodeState {
        self.node.get(NODE_KEY).await.unwrap_or_default()
    }

    /// Applies `change` to what this node knows and records it.
    async fn change_node(&self, change: impl FnOnce(&mut NodeState)) -> Result<(), Error> {
        self.node
            .update(|entries| {
                let mut node = entries.get(NODE_KEY).cloned().unwrap_or_default();
                change(&mut node);
                entries.insert(NODE_KEY, node);
            })
            .await?;
        Ok(())
    }

    /// Creates or repairs a network's bridge, firewall rules, VXLAN device and flooding
    /// entries.
    async fn build(&self, network: &OverlayNetwork) -> Result<(), Error> {
        restore_network(&self.netlink, &network.setup()).await?;
        let node = self.node().await;
        let bridge = self
            .vxlan
            .index(&network.bridge)
            .await?
            .ok_or_else(|| Error::UnknownNetwork(network.id.clone()))?;
        let spec = VxlanSpec {
            name: &network.vxlan,
            vni: network.vni,
            local: node.local_address,
            mtu: network.mtu,
            bridge,
        };
        self.vxlan.ensure(spec).await?;
        let index = self
            .vxlan
            .index(&network.vxlan)
            .await?
            .ok_or_else(|| Error::UnknownNetwork(network.id.clone()))?;
        for peer in &node.peers {
            self.vxlan.add_peer(index, *peer).await?;
        }
        Ok(())
    }

    /// Deletes a network's veths, firewall rules, VXLAN device and bridge, and forgets it.
    async fn remove_network(&self, network: &OverlayNetwork) -> Result<(), Error> {
        self.endpoints.delete_all_of(&network.id).await?;
        firewall::remove(&network.setup().rules)
            .await
            .map_err(linux::Error::from)?;
        self.netlink
            .delete_link(&network.vxlan)
            .await
            .map_err(linux::Error::from)?;
        self.netlink
            .delete_link(&network.bridge)
            .await
            .map_err(linux::Error::from)?;
        self.networks
            .update(|networks| networks.remove(&network.id))
            .await?;
        Ok(())
    }

    /// The MTU of the interface holding `local`, or 1500 when unknown.
    async fn underlay_mtu(&self, local: Option<IpAddr>) -> Result<u32, Error> {
        let Some(local) = local else {
            return Ok(DEFAULT_UNDERLAY_MTU);
        };
        Ok(self
            .vxlan
            .mtu_of_address(local)
            .await?
            .unwrap_or(DEFAULT_UNDERLAY_MTU))
    }
}

/// The address a node discovery names (its bind address when it has one), or `None` for
/// other discovery types and unreadable addresses (logged).
fn node_address(discovery_type: u32, data: &NodeDiscoveryData) -> Option<IpAddr> {
    if discovery_type != 1 {
        return None;
    }
    let text = match data.bind_address.as_str() {
        "" | "0.0.0.0" | "::" => data.address.as_str(),
        bind => bind,
    };
    match text.parse() {
        Ok(address) => Some(address),
        Err(_) => {
            tracing::warn!(address = %text, "ignoring a node discovery with an unreadable address");
            None
        }
    }
}

/// Whether `network` is new among `networks`: `false` for a repeated request, an error
/// when it is known with other settings.
fn is_new(
    networks: &BTreeMap<String, OverlayNetwork>,
    network: &OverlayNetwork,
) -> Result<bool, Error> {
    match networks.get(&network.id) {
        Some(existing) if existing == network => Ok(false),
        Some(_) => Err(Error::NetworkExists(network.id.clone())),
        None => Ok(true),
    }
}

/// The `CreateEndpoint` answer: the MAC only when dockerd had none.
fn endpoint_response(requested: Option<MacAddress>, actual: MacAddress) -> CreateEndpointResponse {
    CreateEndpointResponse {
        interface: requested.is_none().then(|| EndpointInterface {
            mac_address: Some(actual),
            ..EndpointInterface::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(address: &str, bind: &str) -> NodeDiscoveryData {
        NodeDiscoveryData {
            address: address.into(),
            bind_address: bind.into(),
            is_self: false,
        }
    }

    #[test]
    fn node_addresses_prefer_the_bind_address() {
        let a = |s: &str| Some(s.parse::<IpAddr>().unwrap());
        assert_eq!(
            node_address(1, &data("192.168.250.2", "")),
            a("192.168.250.2")
        );
        assert_eq!(
            node_address(1, &data("192.168.250.2", "192.168.250.9")),
            a("192.168.250.9")
        );
        assert_eq!(node_address(1, &data("10.0.0.1", "0.0.0.0")), a("10.0.0.1"));
        assert_eq!(node_address(2, &data("10.0.0.1", "")), None);
        assert_eq!(node_address(1, &data("not-an-ip", "")), None);
    }

    #[test]
    fn a_network_is_reserved_once_and_never_changed() {
        let mut networks = BTreeMap::new();
        let network = OverlayNetwork {
            id: "n1".into(),
            vni: 4096,
            bridge: "dko-n1".into(),
            vxlan: "dkx-n1".into(),
            mtu: 1450,
        };
        assert!(is_new(&networks, &network).unwrap());
        networks.insert(network.id.clone(), network.clone());
        assert!(!is_new(&networks, &network).unwrap());
        let mut other = network.clone();
        other.vni = 4097;
        assert!(matches!(
            is_new(&networks, &other),
            Err(Error::NetworkExists(_))
        ));
    }
}
