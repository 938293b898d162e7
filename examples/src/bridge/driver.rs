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

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use ipnet::IpNet;

use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, CreateNetworkRequest, DeleteEndpointRequest,
    DeleteNetworkRequest, EndpointInterface, InterfaceName, JoinRequest, JoinResponse, MacAddress,
    PortBinding, ProgramExternalConnectivityRequest, RevokeExternalConnectivityRequest,
};
use dknet::store::Store;

use super::options::BridgeOptions;
use super::state::{endpoints_dir, networks_dir, NetworkState};
use super::{firewall, names, ports, Error};
use crate::linux::endpoint::{EndpointState, Endpoints};
use crate::linux::netlink::Netlink;
use crate::linux::reconcile::{reconcile, restore_network, BridgeSetup};
use crate::migrate;

/// The one state file of earlier versions.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct OldState {
    #[serde(default)]
    networks: BTreeMap<String, NetworkState>,
    #[serde(default)]
    endpoints: BTreeMap<String, EndpointState>,
}

/// The bridge network driver.
#[derive(Debug)]
pub struct BridgeDriver {
    netlink: Netlink,
    networks: Store<NetworkState>,
    endpoints: Endpoints,
}

#[dknet::network_driver]
impl BridgeDriver {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), Error> {
        let network = network_from(&request)?;
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
        if fresh && self.netlink.link_exists(&network.bridge).await? {
            self.forget_network_logged(&network.id).await;
            return Err(Error::LinkExists(network.bridge));
        }
        if let Err(e) = restore_network(&self.netlink, &network.setup()).await {
            if fresh {
                self.undo_network(&network).await;
            }
            return Err(e.into());
        }
        tracing::info!(network = %network.id, bridge = %network.bridge, "network created");
        Ok(())
    }

    async fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), Error> {
        let Some(network) = self.networks.get(&request.network_id).await else {
            return Ok(());
        };
        // dockerd deletes endpoints first; veths (and published ports) of any left behind
        // go with the bridge.
        let left: Vec<EndpointState> = self
            .endpoints
            .store()
            .read(|endpoints| {
                endpoints
                    .values()
                    .filter(|e| e.network_id == network.id)
                    .cloned()
                    .collect()
            })
            .await;
        for endpoint in &left {
            firewall::remove(&published_rules(&network, endpoint)).await?;
        }
        self.endpoints.delete_all_of(&network.id).await?;
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
        let network = self.known_network(&request.network_id).await?;
        let endpoint = self.endpoints.create(&request, &network.link()).await?;
        Ok(endpoint_response(
            request.interface.mac_address,
            endpoint.mac,
        ))
    }

    async fn join(&self, request: JoinRequest) -> Result<JoinResponse, Error> {
        let network = self.known_network(&request.network_id).await?;
        let endpoint = self.known_endpoint(&request.endpoint_id).await?;
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
        let network = self.known_network(&request.network_id).await?;
        let endpoint = self.known_endpoint(&request.endpoint_id).await?;
        if network.internal {
            // Not sent for internal networks (`Join` gives them no gateway); if it came,
            // there would be no way in to publish.
            return Ok(());
        }
        let rules = ports::rules(&network.bridge, &endpoint.addresses, &bindings)?;
        let clash = self
            .endpoints
            .store()
            .read(|endpoints| {
                port_in_use(endpoints, &endpoint.id, &bindings)
                    .map(|(binding, other)| (binding.host_port, other.to_owned()))
            })
            .await;
        if let Some((port, other)) = clash {
            return Err(Error::PortInUse {
                port,
                endpoint: other,
            });
        }
        // A repeated call replaces what the endpoint published before. The bindings are
        // recorded before their rules go in, so whatever gets installed can be removed.
        firewall::remove(&published_rules(&network, &endpoint)).await?;
        self.endpoints
            .set_published(&endpoint.id, bindings.clone())
            .await?;
        if let Err(e) = firewall::install(&rules).await {
            if let Err(cleanup) = firewall::remove(&rules).await {
                tracing::warn!(%cleanup, "could not remove the rules of a failed publication");
            }
            if let Err(cleanup) = self.endpoints.set_published(&endpoint.id, Vec::new()).await {
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
        let Some(endpoint) = self.endpoints.get(&request.endpoint_id).await else {
            return Ok(()); // nothing published, or already deleted
        };
        let network = self.known_network(&endpoint.network_id).await?;
        firewall::remove(&published_rules(&network, &endpoint)).await?;
        self.endpoints
            .set_published(&endpoint.id, Vec::new())
            .await?;
        tracing::info!(endpoint = %endpoint.id, "external connectivity revoked");
        Ok(())
    }

    async fn delete_endpoint(&self, request: DeleteEndpointRequest) -> Result<(), Error> {
        if let Some(endpoint) = self.endpoints.get(&request.endpoint_id).await {
            if let Some(network) = self.networks.get(&endpoint.network_id).await {
                firewall::remove(&published_rules(&network, &endpoint)).await?;
            }
        }
        self.endpoints.delete(&request.endpoint_id).await?;
        Ok(())
    }
}

impl BridgeDriver {
    /// A driver keeping its state in `state_dir`, talking to the kernel through a netlink
    /// socket in the calling thread's network namespace (inside a tokio runtime).
    pub async fn open(state_dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let state_dir = state_dir.into();
        let netlink = Netlink::connect()?;
        let networks = Store::open(networks_dir(&state_dir)).await?;
        let endpoints = Endpoints::open(endpoints_dir(&state_dir), netlink.clone()).await?;
        if let Some(old) = migrate::old_state::<OldState>(&state_dir)? {
            migrate::insert_all(&networks, old.networks).await?;
            migrate::insert_all(endpoints.store(), old.endpoints).await?;
            migrate::retire(&state_dir)?;
        }
        tracing::info!(
            path = %state_dir.display(),
            networks = networks.len().await,
            endpoints = endpoints.store().len().await,
            "state loaded"
        );
        Ok(Self {
            netlink,
            networks,
            endpoints,
        })
    }

    /// Makes the kernel match the persisted state (see
    /// [`reconcile`](crate::linux::reconcile)); returns what could not be restored. Run it
    /// once at start-up.
    pub async fn reconcile(&self) -> Vec<Error> {
        let networks: Vec<BridgeSetup> = self
            .networks
            .read(|networks| networks.values().map(NetworkState::setup).collect())
            .await;
        let endpoints = self.endpoints.store().snapshot().await;
        reconcile(&self.netlink, &networks, &endpoints)
            .await
            .into_iter()
            .map(Error::from)
            .collect()
    }

    /// The network `network_id`, which must be known.
    async fn known_network(&self, network_id: &str) -> Result<NetworkState, Error> {
        self.networks
            .get(network_id)
            .await
            .ok_or_else(|| Error::UnknownNetwork(network_id.to_owned()))
    }

    /// The endpoint `endpoint_id`, which must be known.
    async fn known_endpoint(&self, endpoint_id: &str) -> Result<EndpointState, Error> {
        self.endpoints
            .get(endpoint_id)
            .await
            .ok_or_else(|| Error::UnknownEndpoint(endpoint_id.to_owned()))
    }

    /// Removes a network from the state (its endpoints are forgotten first).
    async fn forget_network(&self, network_id: &str) -> Result<(), Error> {
        self.networks
            .update(|networks| networks.remove(network_id))
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

/// Whether `network` is new among `networks`: `false` for a repeated request, an error
/// when the id is known with other settings or the bridge name is taken.
fn is_new(
    networks: &BTreeMap<String, NetworkState>,
    network: &NetworkState,
) -> Result<bool, Error> {
    if let Some(existing) = networks.get(&network.id) {
        return if existing == network {
            Ok(false)
        } else {
            Err(Error::NetworkExists(network.id.clone()))
        };
    }
    if let Some(other) = networks
        .values()
        .find(|other| other.bridge == network.bridge)
    {
        return Err(Error::BridgeInUse {
            bridge: network.bridge.clone(),
            network: other.id.clone(),
        });
    }
    Ok(true)
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
    endpoints: &'a BTreeMap<String, EndpointState>,
    endpoint_id: &str,
    bindings: &'a [PortBinding],
) -> Option<(&'a PortBinding, &'a str)> {
    let clash = |a: &PortBinding, b: &PortBinding| {
        a.proto == b.proto
            && a.host_port == b.host_port
            && (a.host_ip.is_none() || b.host_ip.is_none() || a.host_ip == b.host_ip)
    };
    bindings.iter().find_map(|binding| {
        endpoints
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
        let mut networks = BTreeMap::new();
        let first = network_from(&request(&[("bridge_name", "br-lab")])).unwrap();
        assert!(is_new(&networks, &first).unwrap());
        networks.insert(first.id.clone(), first.clone());
        assert!(
            !is_new(&networks, &first).unwrap(),
            "a repeated request is not new"
        );

        let mut second = first.clone();
        second.id = "other".into();
        let error = is_new(&networks, &second).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("bridge br-lab is already used by network {ID}")
        );

        let mut changed = first.clone();
        changed.mtu = Some(9000);
        assert!(matches!(
            is_new(&networks, &changed),
            Err(Error::NetworkExists(_))
        ));
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
        let mut state = BTreeMap::new();
        state.insert(
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
