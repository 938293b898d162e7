//! Making the kernel match the persisted state when the plugin starts.
//!
//! dockerd never replays `CreateNetwork`, and a reboot (or an administrator) may have
//! removed what the plugin made while it was not running. At start-up, for each persisted
//! network, the bridge is created if missing (and its MTU and up state restored), its gateway
//! addresses are added again, and its firewall rules are re-inserted; all of these are
//! no-ops when things are already in place.
//!
//! Endpoints whose host-side veth is gone are **recreated** (same names, MTU and MAC), not
//! dropped: dockerd still believes the endpoint exists and its next call for it is either
//! `Join` (which needs the container-side veth to hand over) or `DeleteEndpoint` (which
//! removes the pair again). Dropping the record would make that `Join` fail. A veth whose
//! container end had been moved into a container cannot be given back to it (only
//! libnetwork moves interfaces into sandboxes), so such a container stays disconnected
//! until it is reconnected, exactly as after a reboot with Docker's own drivers. Endpoints
//! whose host veth still exists are re-attached to their bridge, which matters when the
//! bridge itself had to be recreated.
//!
//! Endpoints of networks that are not in the state are left alone (every path that forgets
//! a network forgets its endpoints too).
//!
//! A veth pair is created before it is recorded, so a crash in between (`kill -9` among many
//! concurrent `CreateEndpoint` calls) leaves pairs that no state records. Reconciliation
//! deletes them: every `dkv-` veth attached to one of the plugin's bridges that no endpoint
//! records. Veths elsewhere are left alone, as another instance of the plugin (with a state
//! of its own) may own them. A retried `CreateEndpoint` replaces such a leftover too.
//!
//! A failure for one network or endpoint does not stop the others: the plugin should still
//! serve what it can, and every failure is returned to be logged.

use std::collections::HashSet;

use super::netlink::{InfoKind, Netlink, VethPair};
use super::state::{EndpointState, NetworkState, State};
use super::{firewall, names, Error};

/// Restores every network and endpoint of `state` in the kernel; returns what failed,
/// each failure naming its network or endpoint.
pub async fn reconcile(netlink: &Netlink, state: &State) -> Vec<Error> {
    let mut failures = Vec::new();
    for network in state.networks.values() {
        if let Err(e) = restore_network(netlink, network).await {
            failures.push(e.context(format!("restoring network {}", network.id)));
            continue;
        }
        for endpoint in state.endpoints_of(&network.id) {
            if let Err(e) = restore_endpoint(netlink, network, endpoint).await {
                failures.push(e.context(format!("restoring endpoint {}", endpoint.id)));
            }
        }
    }
    failures.extend(remove_leftover_veths(netlink, state).await);
    failures
}

/// Deletes the `dkv-` veths on the plugin's bridges that no endpoint of `state` records;
/// returns what failed.
pub async fn remove_leftover_veths(netlink: &Netlink, state: &State) -> Vec<Error> {
    let links = match netlink.links().await {
        Ok(links) => links,
        Err(e) => return vec![Error::from(e).context("looking for leftover veths")],
    };
    let bridges: HashSet<u32> = links
        .iter()
        .filter(|link| state.networks.values().any(|n| n.bridge == link.name))
        .map(|link| link.index)
        .collect();
    let recorded: HashSet<&str> = state
        .endpoints
        .values()
        .map(|e| e.host_veth.as_str())
        .collect();
    let mut failures = Vec::new();
    for link in links {
        let leftover = link.kind == Some(InfoKind::Veth)
            && link.name.starts_with(names::HOST_VETH_PREFIX)
            && link
                .controller
                .is_some_and(|bridge| bridges.contains(&bridge))
            && !recorded.contains(link.name.as_str());
        if leftover {
            tracing::info!(veth = %link.name, "deleting a veth pair that no endpoint records");
            if let Err(e) = netlink.delete_link(&link.name).await {
                failures.push(Error::from(e));
            }
        }
    }
    failures
}

/// Creates or repairs a network's bridge, addresses and firewall rules.
pub async fn restore_network(netlink: &Netlink, network: &NetworkState) -> Result<(), Error> {
    netlink.ensure_bridge(&network.bridge, network.mtu).await?;
    netlink
        .add_addresses(&network.bridge, &network.gateways)
        .await?;
    firewall::install(&network.firewall_rules()).await?;
    Ok(())
}

/// Recreates an endpoint's veth pair if it is gone, or re-attaches it to the bridge.
async fn restore_endpoint(
    netlink: &Netlink,
    network: &NetworkState,
    endpoint: &EndpointState,
) -> Result<(), Error> {
    if netlink.link_exists(&endpoint.host_veth).await? {
        netlink.attach(&endpoint.host_veth, &network.bridge).await?;
        return Ok(());
    }
    tracing::info!(endpoint = %endpoint.id, veth = %endpoint.host_veth, "recreating the missing veth pair");
    netlink.create_veth(&endpoint.veth_pair(network)).await?;
    Ok(())
}

impl NetworkState {
    /// The firewall rules this network needs.
    pub fn firewall_rules(&self) -> Vec<firewall::Rule> {
        firewall::rules(&self.bridge, self.internal, self.isolated, &self.gateways)
    }
}

impl EndpointState {
    /// The veth pair of this endpoint on `network`'s bridge.
    pub fn veth_pair<'a>(&'a self, network: &'a NetworkState) -> VethPair<'a> {
        VethPair {
            host: &self.host_veth,
            peer: &self.container_veth,
            bridge: &network.bridge,
            mtu: network.mtu,
            peer_mac: Some(self.mac.octets()),
        }
    }
}
