//! The driver: dockerd's calls turned into bridges, veths, firewall rules and state.
//!
//! - `CreateNetwork` makes a Linux bridge (`dkb-<id>` or `-o bridge_name=...`, MTU from
//!   `-o mtu=N`) with the IPAM gateways on it, installs the firewall rules and records the
//!   network.
//! - `CreateEndpoint` makes a veth pair: the host end on the bridge, the container end
//!   waiting for `Join`. The answer carries a MAC only when dockerd did not choose one.
//! - `Join` hands the container end to libnetwork (`SrcName`, renamed `ethN` inside) with
//!   the gateways as bare addresses, so the container gets exactly one interface and a
//!   default route through the bridge.
//! - `ProgramExternalConnectivity` publishes the container's ports (`docker run -p`) on
//!   the host with DNAT rules (see [`ports`]); it comes for the container's
//!   gateway endpoint, with or without ports, and `RevokeExternalConnectivity` removes
//!   them again (so do `DeleteEndpoint` and `DeleteNetwork`, for whatever is left).
//! - `Leave` is not written: libnetwork moves the veth back by itself, and dknet answers
//!   success for omitted methods. `DeleteEndpoint` deletes the veth pair, `DeleteNetwork`
//!   the bridge, its rules and its state; both succeed when there is nothing left to delete.
//!
//! The handlers never call the Docker API (dockerd may be waiting on this very call) and
//! read everything they need from the state written by earlier calls.

use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, CreateNetworkRequest, DeleteEndpointRequest,
    DeleteNetworkRequest, EndpointInterface, InterfaceName, JoinRequest, JoinResponse, MacAddress,
    PortBinding, ProgramExternalConnectivityRequest, RevokeExternalConnectivityRequest,
};

use super::netlink::{Netlink, VethPair};
use super::options::BridgeOptions;
use super::reconcile::{reconcile, restore_network};
use super::state::{EndpointState, NetworkState, State, Store};
use super::{firewall, names, ports, Error};

/// The bridge network driver.
#[derive(Debug)]
pub struct BridgeDriver {
    netlink: Netlink,
    store: Store,
}

#[dknet::network_driver]
impl BridgeDriver {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
        let network = network_from(&request)?;
        let fresh = self
            .store
            .update(|state| reserve(state, &network))
            .await??;
        if fresh && self.netlink.link_exists(&network.bridge).await? {
            self.forget_network_logged(&network.id).await;
            return Err(Error::LinkExists(network.bridge));
        }
        if let Err(e) = restore_network(&self.netlink, &network).await {
            if fresh {
                self.undo_network(&network).await;
            }
            return Err(e);
        }
        tracing::info!(network = %network.id, bridge = %network.bridge, "network created");
        Ok(())
    }

    async fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), Error> {
        let state = self.store.snapshot().await;
        let Some(network) = state.networks.get(&request.network_id) else {
            return Ok(());
        };
        // dockerd deletes endpoints first; veths (and published ports) of any left behind
        // go with the bridge.
        for endpoint in state.endpoints_of(&network.id) {
            firewall::remove(&published_rules(network, endpoint)).await?;
            self.netlink.delete_link(&endpoint.host_veth).await?;
        }
        firewall::remove(&network.firewall_rules()).await?;
        self.netlink.delete_link(&network.bridge).await?;
        self.forget_network(&network.id).await?;
        tracing::info!(network = %network.id, bridge = %network.bridge, "network deleted");
        Ok(())
    }

    async fn create_endpoint(
        &self,
        request: CreateEndpointRequest,
    ) -> Result<CreateEndpointResponse, Error> {
        names::check_id("endpoint", &request.endpoint_id).map_err(Error::InvalidId)?;
        let _claim = self.store.claim(&request.endpoint_id).await;
        let requested_mac = request.interface.mac_address;
        let state = self.store.snapshot().await;
        if let Some(endpoint) = state.endpoints.get(&request.endpoint_id) {
            // A repeated request: answer as the first time.
            return Ok(endpoint_response(requested_mac, endpoint.mac));
        }
        let network = known_network(&state, &request.network_id)?;
        let host = names::host_veth_name(&request.endpoint_id);
        let container = names::container_veth_name(&request.endpoint_id);
        let pair = VethPair {
            host: &host,
            peer: &container,
            bridge: &network.bridge,
            mtu: network.mtu,
            peer_mac: requested_mac.map(|mac| mac.octets()),
        };
        if let Some(other) = state
            .endpoints
            .values()
            .find(|e| e.host_veth == host || e.container_veth == container)
        {
            return Err(Error::NameInUse {
                name: host,
                endpoint: other.id.clone(),
            });
        }
        match self.netlink.create_veth(&pair).await {
            // No endpoint records the name: the pair of an earlier attempt, cut short by a
            // crash before it was recorded. dockerd retries; replace it.
            Err(e) if e.already_exists() => {
                tracing::info!(veth = %host, "replacing the veth pair of an unfinished attempt");
                self.netlink.replace_veth(&pair).await?;
            }
            created => created?,
        }
        let recorded = self.record_endpoint(&request, network, pair).await;
        if recorded.is_err() {
            if let Err(cleanup) = self.netlink.delete_link(&host).await {
                tracing::warn!(%cleanup, "could not remove the veth of a failed endpoint");
            }
        }
        let endpoint = recorded?;
        tracing::info!(endpoint = %endpoint.id, veth = %endpoint.host_veth, "endpoint created");
        Ok(endpoint_response(requested_mac, endpoint.mac))
    }

    async fn join(&self, request: JoinRequest) -> Result<JoinResponse, Error> {
        let state = self.store.snapshot().await;
        let network = known_network(&state, &request.network_id)?;
        let endpoint = known_endpoint(&state, &request.endpoint_id)?;
        // An internal network has no way out, so its containers get no default route.
        let gateway = |v4: bool| -> Option<IpAddr> {
            if network.internal {
                return None;
            }
            network
                .gateways
                .iter()
                .map(IpNet::addr)
                .find(|addr| addr.is_ipv4() == v4)
        };
        Ok(JoinResponse {
            interface_name: Some(InterfaceName::new(&endpoint.container_veth, "eth")),
            gateway: gateway(true),
            gateway_ipv6: gateway(false),
            // The bridge is the container's only way out (or there is none, for internal
            // networks): never let dockerd add a second interface on docker_gwbridge.
            disable_gateway_service: true,
            ..JoinResponse::default()
        })
    }

    async fn program_external_connectivity(
        &self,
        request: ProgramExternalConnectivityRequest,
    ) -> Result<(), Error> {
        let bindings = request.options.port_bindings()?;
        let state = self.store.snapshot().await;
        let network = known_network(&state, &request.network_id)?;
        let endpoint = known_endpoint(&state, &request.endpoint_id)?;
        if network.internal {
            // Not sent for internal networks (`Join` gives them no gateway); if it came,
            // there would be no way in to publish.
            return Ok(());
        }
        let rules = ports::rules(&network.bridge, &endpoint.addresses, &bindings)?;
        if let Some((binding, other)) = port_in_use(&state, &endpoint.id, &bindings) {
            return Err(Error::PortInUse {
                port: binding.host_port,
                endpoint: other.to_owned(),
            });
        }
        // A repeated call replaces what the endpoint published before. The bindings are
        // recorded before their rules go in, so whatever gets installed can be removed.
        firewall::remove(&published_rules(network, endpoint)).await?;
        self.set_published(&endpoint.id, bindings.clone()).await?;
        if let Err(e) = firewall::install(&rules).await {
            if let Err(cleanup) = firewall::remove(&rules).await {
                tracing::warn!(%cleanup, "could not remove the rules of a failed publication");
            }
            if let Err(cleanup) = self.set_published(&endpoint.id, Vec::new()).await {
                tracing::warn!(%cleanup, "could not forget a failed publication");
            }
            return Err(e.into());
        }
        tracing::info!(endpoint = %endpoint.id, ports = bindings.len(), "external connectivity programmed");
        Ok(())
    }

    async fn revoke_external_connectivity(
        &self,
        request: RevokeExternalConnectivityRequest,
    ) -> Result<(), Error> {
        let state = self.store.snapshot().await;
        let Some(endpoint) = state.endpoints.get(&request.endpoint_id) else {
            return Ok(()); // nothing published, or already deleted
        };
        let network = known_network(&state, &endpoint.network_id)?;
        firewall::remove(&published_rules(network, endpoint)).await?;
        self.set_published(&endpoint.id, Vec::new()).await?;
        tracing::info!(endpoint = %endpoint.id, "external connectivity revoked");
        Ok(())
    }

    async fn delete_endpoint(&self, request: DeleteEndpointRequest) -> Result<(), Error> {
        let _claim = self.store.claim(&request.endpoint_id).await;
        let state = self.store.snapshot().await;
        if let Some(endpoint) = state.endpoints.get(&request.endpoint_id) {
            if let Ok(network) = known_network(&state, &endpoint.network_id) {
                firewall::remove(&published_rules(network, endpoint)).await?;
            }
        }
        // Names follow from the id, so even an endpoint whose creation failed half-way (and
        // was never recorded) is cleaned up. No name follows from an invalid id, and no
        // endpoint can have one: there is nothing to delete.
        let host = match state.endpoints.get(&request.endpoint_id) {
            Some(endpoint) => endpoint.host_veth.clone(),
            None if names::check_id("endpoint", &request.endpoint_id).is_err() => return Ok(()),
            None => names::host_veth_name(&request.endpoint_id),
        };
        self.netlink.delete_link(&host).await?;
        self.store
            .update(|state| state.endpoints.remove(&request.endpoint_id))
            .await?;
        Ok(())
    }
}

impl BridgeDriver {
    /// A driver keeping its state in `state_dir`, talking to the kernel through a netlink
    /// socket in the calling thread's network namespace (inside a tokio runtime).
    pub async fn open(state_dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let store = Store::open(state_dir).await?;
        let state = store.snapshot().await;
        tracing::info!(
            path = %store.path().display(),
            networks = state.networks.len(),
            endpoints = state.endpoints.len(),
            "state loaded"
        );
        let netlink = Netlink::connect()?;
        Ok(Self { netlink, store })
    }

    /// Makes the kernel match the persisted state (see [`reconcile`](super::reconcile));
    /// returns what could not be restored. Run it once at start-up.
    pub async fn reconcile(&self) -> Vec<Error> {
        let state = self.store.snapshot().await;
        reconcile(&self.netlink, &state).await
    }

    /// Records the endpoint whose veth pair was just created, with the MAC it ended up with.
    async fn record_endpoint(
        &self,
        request: &CreateEndpointRequest,
        network: &NetworkState,
        pair: VethPair<'_>,
    ) -> Result<EndpointState, Error> {
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

    /// Records the ports published to an endpoint (if it still exists).
    async fn set_published(
        &self,
        endpoint_id: &str,
        bindings: Vec<PortBinding>,
    ) -> Result<(), Error> {
        self.store
            .update(|state| {
                if let Some(endpoint) = state.endpoints.get_mut(endpoint_id) {
                    endpoint.published = bindings;
                }
            })
            .await?;
        Ok(())
    }

    /// Removes a network and its endpoints from the state.
    async fn forget_network(&self, network_id: &str) -> Result<(), Error> {
        self.store
            .update(|state| {
                state.networks.remove(network_id);
                state
                    .endpoints
                    .retain(|_, endpoint| endpoint.network_id != network_id);
            })
            .await?;
        Ok(())
    }

    /// [`Self::forget_network`] where an error is already being reported: a failure is
    /// only logged.
    async fn forget_network_logged(&self, network_id: &str) {
        if let Err(e) = self.forget_network(network_id).await {
            tracing::warn!(network = %network_id, "could not forget the network: {e}");
        }
    }

    /// Best-effort removal of a network whose creation failed half-way.
    async fn undo_network(&self, network: &NetworkState) {
        if let Err(e) = firewall::remove(&network.firewall_rules()).await {
            tracing::warn!(network = %network.id, "could not remove the firewall rules: {e}");
        }
        if let Err(e) = self.netlink.delete_link(&network.bridge).await {
            tracing::warn!(network = %network.id, "could not remove the bridge: {e}");
        }
        self.forget_network_logged(&network.id).await;
    }
}

/// What to record for a `CreateNetwork` request: options parsed and checked.
fn network_from(request: &CreateNetworkRequest) -> Result<NetworkState, Error> {
    names::check_id("network", &request.network_id).map_err(Error::InvalidId)?;
    let options: BridgeOptions = request.options.generic()?;
    let ipv6 = request.options.enable_ipv6() == Some(true) || !request.ipv6_data.is_empty();
    let internal = request.options.internal();
    options.check(ipv6, internal)?;
    let bridge = options
        .bridge_name
        .unwrap_or_else(|| names::bridge_name(&request.network_id));
    let pools = request.ipv4_data.iter().chain(&request.ipv6_data);
    Ok(NetworkState {
        id: request.network_id.clone(),
        bridge,
        mtu: options.mtu,
        gateways: pools.filter_map(|pool| pool.gateway).collect(),
        internal,
        isolated: options.isolate.unwrap_or(true),
    })
}

/// Records `network` unless its bridge name is taken; returns whether it is new (`false`
/// for a repeated request).
fn reserve(state: &mut State, network: &NetworkState) -> Result<bool, Error> {
    if let Some(existing) = state.networks.get(&network.id) {
        return if existing == network {
            Ok(false)
        } else {
            Err(Error::NetworkExists(network.id.clone()))
        };
    }
    if let Some(other) = state
        .networks
        .values()
        .find(|other| other.bridge == network.bridge)
    {
        return Err(Error::BridgeInUse {
            bridge: network.bridge.clone(),
            network: other.id.clone(),
        });
    }
    state.networks.insert(network.id.clone(), network.clone());
    Ok(true)
}

fn known_network<'a>(state: &'a State, network_id: &str) -> Result<&'a NetworkState, Error> {
    state
        .networks
        .get(network_id)
        .ok_or_else(|| Error::UnknownNetwork(network_id.to_owned()))
}

fn known_endpoint<'a>(state: &'a State, endpoint_id: &str) -> Result<&'a EndpointState, Error> {
    state
        .endpoints
        .get(endpoint_id)
        .ok_or_else(|| Error::UnknownEndpoint(endpoint_id.to_owned()))
}

/// The rules of the ports `endpoint` publishes now. Its bindings were checked by
/// [`ports::rules`] before they were recorded, so they always make rules.
fn published_rules(network: &NetworkState, endpoint: &EndpointState) -> Vec<firewall::Rule> {
    ports::rules(&network.bridge, &endpoint.addresses, &endpoint.published).unwrap_or_default()
}

/// A binding of `bindings` whose host port another endpoint than `endpoint_id` already
/// publishes (same protocol, and the same host address or either on all addresses), with
/// that endpoint's id.
fn port_in_use<'a>(
    state: &'a State,
    endpoint_id: &str,
    bindings: &'a [PortBinding],
) -> Option<(&'a PortBinding, &'a str)> {
    let clash = |a: &PortBinding, b: &PortBinding| {
        a.proto == b.proto
            && a.host_port == b.host_port
            && (a.host_ip.is_none() || b.host_ip.is_none() || a.host_ip == b.host_ip)
    };
    bindings.iter().find_map(|binding| {
        state
            .endpoints
            .values()
            .filter(|other| other.id != endpoint_id)
            .find(|other| other.published.iter().any(|theirs| clash(binding, theirs)))
            .map(|other| (binding, other.id.as_str()))
    })
}

/// The `CreateEndpoint` answer: the MAC only when dockerd had none (dockerd refuses an
/// answer that sets a field it already set, even to the same value).
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
    use dknet::network::IpamData;

    use super::*;

    const ID: &str = "2c994884d9571d414957c407cffa45d623a3586849875f81006d8bafff02fdf2";

    fn request(options: &[(&str, &str)]) -> CreateNetworkRequest {
        let mut request = CreateNetworkRequest::new(ID);
        for (key, value) in options {
            request.options.set_generic(*key, *value);
        }
        let mut v4 = IpamData::new("10.77.0.0/24".parse().unwrap());
        v4.gateway = Some("10.77.0.1/24".parse().unwrap());
        let mut v6 = IpamData::new("fd00:77::/64".parse().unwrap());
        v6.gateway = Some("fd00:77::1/64".parse().unwrap());
        request.ipv4_data = vec![v4];
        request.ipv6_data = vec![v6];
        request
    }

    #[test]
    fn a_network_records_its_bridge_mtu_gateways_and_internal_flag() {
        let mut request = request(&[("mtu", "1400")]);
        request.options.insert("com.docker.network.internal", true);
        let network = network_from(&request).unwrap();
        assert_eq!(network.bridge, "dkb-2c994884d95");
        assert_eq!(network.mtu, Some(1400));
        let gateways: Vec<String> = network.gateways.iter().map(ToString::to_string).collect();
        assert_eq!(gateways, ["10.77.0.1/24", "fd00:77::1/64"]);
        assert!(network.internal);
    }

    #[test]
    fn the_bridge_name_can_be_chosen_but_must_be_valid() {
        let network = network_from(&request(&[("bridge_name", "br-lab")])).unwrap();
        assert_eq!(network.bridge, "br-lab");
        let error = network_from(&request(&[("bridge_name", "a-name-far-too-long")])).unwrap_err();
        assert!(error.to_string().contains("bridge_name"), "{error}");
    }

    #[test]
    fn ids_and_option_values_are_checked_before_anything_is_made() {
        let mut odd = request(&[]);
        odd.network_id = "../x y".into();
        let error = network_from(&odd).unwrap_err();
        assert!(
            error.to_string().starts_with("invalid network id"),
            "{error}"
        );
        // The request has an IPv6 pool: 1280 is the least MTU.
        let error = network_from(&request(&[("mtu", "1000")])).unwrap_err();
        assert!(error.to_string().contains("1280 to 65535"), "{error}");
        let error = network_from(&request(&[("bridge_name", "eth+")])).unwrap_err();
        assert!(error.to_string().contains("wildcard"), "{error}");
    }

    #[test]
    fn a_bridge_name_serves_one_network_only() {
        let mut state = State::default();
        let first = network_from(&request(&[("bridge_name", "br-lab")])).unwrap();
        assert!(reserve(&mut state, &first).unwrap());
        assert!(
            !reserve(&mut state, &first).unwrap(),
            "a repeated request is not new"
        );

        let mut second = first.clone();
        second.id = "other".into();
        let error = reserve(&mut state, &second).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("bridge br-lab is already used by network {ID}")
        );

        let mut changed = first.clone();
        changed.mtu = Some(9000);
        assert!(matches!(
            reserve(&mut state, &changed),
            Err(Error::NetworkExists(_))
        ));
        assert_eq!(state.networks.len(), 1);
    }

    #[test]
    fn a_host_port_is_published_by_one_endpoint_at_a_time() {
        let published = |host_ip: Option<&str>, host_port| PortBinding {
            host_ip: host_ip.map(|ip| ip.parse().unwrap()),
            host_port,
            host_port_end: host_port,
            port: 80,
            ..PortBinding::default()
        };
        let mut state = State::default();
        state.endpoints.insert(
            "e1".into(),
            EndpointState {
                id: "e1".into(),
                network_id: ID.into(),
                host_veth: "dkv-e1".into(),
                container_veth: "dkc-e1".into(),
                addresses: vec!["10.77.0.2/24".parse().unwrap()],
                mac: MacAddress([2, 0, 0, 0, 0, 1]),
                published: vec![published(Some("192.0.2.1"), 8080)],
            },
        );
        let all = [published(None, 8080)];
        assert_eq!(port_in_use(&state, "e2", &all).map(|(_, e)| e), Some("e1"));
        let same = [published(Some("192.0.2.1"), 8080)];
        assert!(port_in_use(&state, "e2", &same).is_some());
        assert!(port_in_use(&state, "e1", &same).is_none(), "its own port");
        let other_address = [published(Some("192.0.2.2"), 8080)];
        assert!(port_in_use(&state, "e2", &other_address).is_none());
        let other_port = [published(None, 8081)];
        assert!(port_in_use(&state, "e2", &other_port).is_none());
        let mut udp = published(None, 8080);
        udp.proto = dknet::network::Protocol::Udp;
        assert!(port_in_use(&state, "e2", &[udp]).is_none());
    }

    #[test]
    fn the_mac_is_answered_only_when_dockerd_chose_none() {
        let mac = MacAddress([0x02, 0x42, 0x0a, 0x4d, 0x00, 0x02]);
        assert_eq!(
            endpoint_response(Some(mac), mac),
            CreateEndpointResponse::default()
        );
        let answer = endpoint_response(None, mac).interface.unwrap();
        assert_eq!(
            answer,
            EndpointInterface {
                mac_address: Some(mac),
                ..EndpointInterface::default()
            }
        );
    }
}
