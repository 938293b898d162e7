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

use std::net::IpAddr;
use std::path::PathBuf;

use dknet::network::{
    AllocateNetworkRequest, AllocateNetworkResponse, CreateEndpointRequest, CreateEndpointResponse,
    CreateNetworkRequest, DeleteEndpointRequest, DeleteNetworkRequest, DiscoverDeleteRequest,
    DiscoverNewRequest, EndpointInterface, FreeNetworkRequest, GetCapabilitiesResponse,
    InterfaceName, JoinRequest, JoinResponse, MacAddress, NodeDiscoveryData, Scope,
};

use super::options::OverlayOptions;
use super::state::{OverlayNetwork, OverlayState, Store};
use super::vni::{self, VniRange};
use super::vxlan::{Vxlan, VxlanSpec, VXLAN_OVERHEAD};
use super::Error;
use crate::bridge;
use crate::bridge::reconcile::{reconcile, restore_network};
use crate::bridge::state::EndpointState;
use crate::linux::netlink::{Netlink, VethPair};
use crate::linux::{firewall, names};

/// The MTU assumed for the underlay when this node's address is not known yet.
const DEFAULT_UNDERLAY_MTU: u32 = 1500;

/// The overlay network driver.
#[derive(Debug)]
pub struct OverlayDriver {
    netlink: Netlink,
    vxlan: Vxlan,
    store: Store,
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
            .store
            .update(|state| {
                vni::allocate(
                    &mut state.allocations,
                    &request.network_id,
                    options.vni,
                    range,
                )
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
            .store
            .update(|state| state.allocations.remove(&request.network_id))
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
            self.store
                .update(|state| state.local_address = Some(address))
                .await?;
            tracing::info!(%address, "this node's address");
            return Ok(());
        }
        let state = self
            .store
            .update(|state| {
                state.peers.insert(address);
                state.clone()
            })
            .await?;
        for network in state.networks.values() {
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
        let state = self
            .store
            .update(|state| {
                state.peers.remove(&address);
                state.clone()
            })
            .await?;
        for network in state.networks.values() {
            if let Some(index) = self.vxlan.index(&network.vxlan).await? {
                self.vxlan.remove_peer(index, address).await?;
            }
        }
        tracing::info!(peer = %address, "peer removed");
        Ok(())
    }

    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
        // Device names are derived from the id: only Docker's kind of id may reach the kernel.
        names::check_id("network", &request.network_id).map_err(bridge::Error::InvalidId)?;
        let options = OverlayOptions::parse(&request.options.generic_map())?;
        let vni = options
            .vni
            .ok_or_else(|| Error::NoVni(request.network_id.clone()))?;
        let local = self.store.snapshot().await.local_address;
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
        let (fresh, state) = self
            .store
            .update(|state| reserve(state, &network).map(|fresh| (fresh, state.clone())))
            .await??;
        if let Err(e) = self.build(&network, &state).await {
            if fresh {
                if let Err(cleanup) = self.remove_network(&network, &state).await {
                    tracing::warn!(network = %network.id, %cleanup, "could not undo a failed network");
                }
            }
            return Err(e);
        }
        tracing::info!(network = %network.id, vni, bridge = %network.bridge, "network created");
        Ok(())
    }

    async fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), Error> {
        let state = self.store.snapshot().await;
        let Some(network) = state.networks.get(&request.network_id) else {
            return Ok(());
        };
        self.remove_network(network, &state).await?;
        tracing::info!(network = %network.id, "network deleted");
        Ok(())
    }

    async fn create_endpoint(
        &self,
        request: CreateEndpointRequest,
    ) -> Result<CreateEndpointResponse, Error> {
        names::check_id("endpoint", &request.endpoint_id).map_err(bridge::Error::InvalidId)?;
        let requested_mac = request.interface.mac_address;
        let state = self.store.snapshot().await;
        if let Some(endpoint) = state.endpoints.get(&request.endpoint_id) {
            return Ok(endpoint_response(requested_mac, endpoint.mac));
        }
        let network = known_network(&state, &request.network_id)?;
        let host = names::host_veth_name(&request.endpoint_id);
        let container = names::container_veth_name(&request.endpoint_id);
        let pair = VethPair {
            host: &host,
            peer: &container,
            bridge: &network.bridge,
            mtu: Some(network.mtu),
            peer_mac: requested_mac.map(|mac| mac.octets()),
        };
        self.netlink.create_veth(&pair).await?;
        let recorded = self.record_endpoint(&request, network, &pair).await;
        if recorded.is_err() {
            if let Err(cleanup) = self.netlink.delete_link(&host).await {
                tracing::warn!(%cleanup, "could not remove the veth of a failed endpoint");
            }
        }
        let endpoint = recorded?;
        Ok(endpoint_response(requested_mac, endpoint.mac))
    }

    async fn join(&self, request: JoinRequest) -> Result<JoinResponse, Error> {
        let state = self.store.snapshot().await;
        known_network(&state, &request.network_id)?;
        let endpoint = state
            .endpoints
            .get(&request.endpoint_id)
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
        let state = self.store.snapshot().await;
        let host = state.endpoints.get(&request.endpoint_id).map_or_else(
            || names::host_veth_name(&request.endpoint_id),
            |e| e.host_veth.clone(),
        );
        self.netlink.delete_link(&host).await?;
        self.store
            .update(|state| state.endpoints.remove(&request.endpoint_id))
            .await?;
        Ok(())
    }
}

impl OverlayDriver {
    /// A driver keeping its state in `state_dir` and allocating VXLAN ids from `range`,
    /// talking to the kernel of the calling thread's network namespace (inside a tokio
    /// runtime).
    pub async fn open(state_dir: impl Into<PathBuf>, range: VniRange) -> Result<Self, Error> {
        let store = Store::open(state_dir).await?;
        let state = store.snapshot().await;
        tracing::info!(
            path = %store.path().display(),
            networks = state.networks.len(),
            peers = state.peers.len(),
            allocations = state.allocations.len(),
            "state loaded"
        );
        let netlink = Netlink::connect()?;
        let vxlan = Vxlan::connect().map_err(|e| {
            Error::Vxlan(super::vxlan::Error::from_io("opening a netlink socket", e))
        })?;
        Ok(Self {
            netlink,
            vxlan,
            store,
            range,
        })
    }

    /// Makes the kernel match the persisted state: bridges, veths and firewall rules (the
    /// bridge example's reconcile), then each network's VXLAN device and flooding entries.
    /// Returns what could not be restored. Run it once at start-up.
    pub async fn reconcile(&self) -> Vec<Error> {
        let state = self.store.snapshot().await;
        let mut failures: Vec<Error> = reconcile(&self.netlink, &state.as_bridge())
            .await
            .into_iter()
            .map(Error::Bridge)
            .collect();
        for network in state.networks.values() {
            if let Err(e) = self.build(network, &state).await {
                failures.push(e);
            }
        }
        failures
    }

    /// Creates or repairs a network's bridge, firewall rules, VXLAN device and flooding
    /// entries.
    async fn build(&self, network: &OverlayNetwork, state: &OverlayState) -> Result<(), Error> {
        restore_network(&self.netlink, &network.as_bridge()).await?;
        let bridge = self
            .vxlan
            .index(&network.bridge)
            .await?
            .ok_or_else(|| Error::UnknownNetwork(network.id.clone()))?;
        let spec = VxlanSpec {
            name: &network.vxlan,
            vni: network.vni,
            local: state.local_address,
            mtu: network.mtu,
            bridge,
        };
        self.vxlan.ensure(spec).await?;
        let index = self
            .vxlan
            .index(&network.vxlan)
            .await?
            .ok_or_else(|| Error::UnknownNetwork(network.id.clone()))?;
        for peer in &state.peers {
            self.vxlan.add_peer(index, *peer).await?;
        }
        Ok(())
    }

    /// Deletes a network's veths, firewall rules, VXLAN device and bridge, and forgets it.
    async fn remove_network(
        &self,
        network: &OverlayNetwork,
        state: &OverlayState,
    ) -> Result<(), Error> {
        for endpoint in state.endpoints.values() {
            if endpoint.network_id == network.id {
                self.netlink.delete_link(&endpoint.host_veth).await?;
            }
        }
        firewall::remove(&network.as_bridge().firewall_rules()).await?;
        self.netlink.delete_link(&network.vxlan).await?;
        self.netlink.delete_link(&network.bridge).await?;
        self.store
            .update(|state| {
                state.networks.remove(&network.id);
                state.endpoints.retain(|_, e| e.network_id != network.id);
            })
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

    /// Records the endpoint whose veth pair was just created, with the MAC it ended up with.
    async fn record_endpoint(
        &self,
        request: &CreateEndpointRequest,
        network: &OverlayNetwork,
        pair: &VethPair<'_>,
    ) -> Result<EndpointState, Error> {
        // The overlay publishes no ports: containers reach out through docker_gwbridge.
        let mac = MacAddress(self.netlink.link_mac(pair.peer).await?);
        let endpoint = EndpointState::created(request, &network.id, pair.host, pair.peer, mac);
        self.store
            .update(|state| {
                state
                    .endpoints
                    .insert(endpoint.id.clone(), endpoint.clone())
            })
            .await?;
        Ok(endpoint)
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

/// Records `network` unless it is known with other settings; returns whether it is new.
fn reserve(state: &mut OverlayState, network: &OverlayNetwork) -> Result<bool, Error> {
    match state.networks.get(&network.id) {
        Some(existing) if existing == network => Ok(false),
        Some(_) => Err(Error::NetworkExists(network.id.clone())),
        None => {
            state.networks.insert(network.id.clone(), network.clone());
            Ok(true)
        }
    }
}

fn known_network<'a>(state: &'a OverlayState, id: &str) -> Result<&'a OverlayNetwork, Error> {
    state
        .networks
        .get(id)
        .ok_or_else(|| Error::UnknownNetwork(id.to_owned()))
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
        let mut state = OverlayState::default();
        let network = OverlayNetwork {
            id: "n1".into(),
            vni: 4096,
            bridge: "dko-n1".into(),
            vxlan: "dkx-n1".into(),
            mtu: 1450,
        };
        assert!(reserve(&mut state, &network).unwrap());
        assert!(!reserve(&mut state, &network).unwrap());
        let mut other = network.clone();
        other.vni = 4097;
        assert!(matches!(
            reserve(&mut state, &other),
            Err(Error::NetworkExists(_))
        ));
    }
}
