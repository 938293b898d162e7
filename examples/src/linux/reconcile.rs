//! Making the kernel match the persisted state when a plugin starts.
//!
//! dockerd never replays `CreateNetwork`, and a reboot (or an administrator) may have
//! removed what the plugin made while it was not running. At start-up, for each persisted
//! network ([`BridgeSetup`]), the bridge is created if missing (and its MTU and up state
//! restored), its gateway addresses are added again, and its firewall rules are
//! re-inserted; all of these are no-ops when things are already in place.
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
//! a network forgets its endpoints first).
//!
//! A veth pair is created before it is recorded, so a crash in between (`kill -9` among many
//! concurrent `CreateEndpoint` calls) leaves pairs that no state records. Reconciliation
//! deletes them: every `dkv-` veth attached to one of the plugin's bridges that no endpoint
//! records. Veths elsewhere are left alone, as another instance of the plugin (with a state
//! of its own) may own them. A retried `CreateEndpoint` replaces such a leftover too.
//!
//! A failure for one network or endpoint does not stop the others: the plugin should still
//! serve what it can, and every failure is returned to be logged.

use std::collections::{BTreeMap, HashSet};

use ipnet::IpNet;

use super::endpoint::{BridgeLink, EndpointState};
use super::firewall::{self, Rule};
use super::netlink::{InfoKind, Netlink};
use super::{names, Error};

/// What the kernel must have for one network: a bridge, its addresses and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BridgeSetup {
    /// Docker's network id.
    pub id: String,
    /// The bridge's name.
    pub bridge: String,
    /// The MTU of the bridge and its veths (the kernel's default when `None`).
    pub mtu: Option<u32>,
    /// The addresses on the bridge (the gateways), with their prefix lengths.
    pub gateways: Vec<IpNet>,
    /// The firewall rules the network needs.
    pub rules: Vec<Rule>,
}

impl BridgeSetup {
    /// The bridge the network's endpoints go on.
    pub fn link(&self) -> BridgeLink<'_> {
        BridgeLink {
            network_id: &self.id,
            bridge: &self.bridge,
            mtu: self.mtu,
        }
    }
}

/// Restores every network of `networks` and every endpoint of `endpoints` in the kernel;
/// returns what failed, each failure naming its network or endpoint.
pub async fn reconcile(
    netlink: &Netlink,
    networks: &[BridgeSetup],
    endpoints: &BTreeMap<String, EndpointState>,
) -> Vec<Error> {
    let mut failures = Vec::new();
    for network in networks {
        if let Err(e) = restore_network(netlink, network).await {
            failures.push(e.context(format!("restoring network {}", network.id)));
            continue;
        }
        for endpoint in endpoints.values().filter(|e| e.network_id == network.id) {
            if let Err(e) = restore_endpoint(netlink, network, endpoint).await {
                failures.push(e.context(format!("restoring endpoint {}", endpoint.id)));
            }
        }
    }
    failures.extend(remove_leftover_veths(netlink, networks, endpoints).await);
    failures
}

/// Deletes the `dkv-` veths on the bridges of `networks` that no endpoint of `endpoints`
/// records; returns what failed.
pub async fn remove_leftover_veths(
    netlink: &Netlink,
    networks: &[BridgeSetup],
    endpoints: &BTreeMap<String, EndpointState>,
) -> Vec<Error> {
    let links = match netlink.links().await {
        Ok(links) => links,
        Err(e) => return vec![Error::from(e).context("looking for leftover veths")],
    };
    let bridges: HashSet<u32> = links
        .iter()
        .filter(|link| networks.iter().any(|n| n.bridge == link.name))
        .map(|link| link.index)
        .collect();
    let recorded: HashSet<&str> = endpoints.values().map(|e| e.host_veth.as_str()).collect();
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
pub async fn restore_network(netlink: &Netlink, network: &BridgeSetup) -> Result<(), Error> {
    netlink.ensure_bridge(&network.bridge, network.mtu).await?;
    netlink
        .add_addresses(&network.bridge, &network.gateways)
        .await?;
    firewall::install(&network.rules).await?;
    Ok(())
}

/// Recreates an endpoint's veth pair if it is gone, or re-attaches it to the bridge.
async fn restore_endpoint(
    netlink: &Netlink,
    network: &BridgeSetup,
    endpoint: &EndpointState,
) -> Result<(), Error> {
    if netlink.link_exists(&endpoint.host_veth).await? {
        netlink.attach(&endpoint.host_veth, &network.bridge).await?;
        return Ok(());
    }
    tracing::info!(endpoint = %endpoint.id, veth = %endpoint.host_veth, "recreating the missing veth pair");
    netlink
        .create_veth(&endpoint.veth_pair(&network.link()))
        .await?;
    Ok(())
}
