//! [`Endpoints`]: the one way an endpoint's veth pair is made, recorded and removed, for
//! every driver that puts containers on a Linux bridge.
//!
//! `CreateEndpoint` makes a veth pair, the host end on the network's bridge, the container
//! end waiting for `Join` (libnetwork moves it into the container), then records it. A crash
//! between the two leaves a pair that no record names: a retried `CreateEndpoint` replaces
//! it, and [`reconcile`](super::reconcile) deletes it at start-up. Each endpoint is one entry
//! of a [`Store`], so the thousandth endpoint costs what the tenth did.

use std::path::PathBuf;

use dknet::network::{CreateEndpointRequest, MacAddress, PortBinding};
use dknet::store::Store;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::netlink::{Netlink, VethPair};
use super::{names, Error};

/// One endpoint: its veth pair and what dockerd assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointState {
    /// Docker's endpoint id.
    pub id: String,
    /// The id of the network it belongs to.
    pub network_id: String,
    /// The veth end attached to the bridge.
    pub host_veth: String,
    /// The veth end that goes into the container.
    pub container_veth: String,
    /// The endpoint's addresses, as IPAM assigned them.
    pub addresses: Vec<IpNet>,
    /// The MAC address of the container end.
    pub mac: MacAddress,
    /// The ports published to it, for drivers that publish ports (the bridge example,
    /// while it is its container's gateway endpoint).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub published: Vec<PortBinding>,
}

impl EndpointState {
    /// The veth pair of this endpoint on `link`'s bridge.
    pub fn veth_pair<'a>(&'a self, link: &'a BridgeLink<'a>) -> VethPair<'a> {
        VethPair {
            host: &self.host_veth,
            peer: &self.container_veth,
            bridge: link.bridge,
            mtu: link.mtu,
            peer_mac: Some(self.mac.octets()),
        }
    }
}

/// The bridge a network's endpoints go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BridgeLink<'a> {
    /// Docker's network id.
    pub network_id: &'a str,
    /// The bridge's name.
    pub bridge: &'a str,
    /// The MTU of the veths (the kernel's default when `None`).
    pub mtu: Option<u32>,
}

/// A driver's endpoints: their veth pairs in the kernel and their records in a store.
#[derive(Debug)]
pub struct Endpoints {
    netlink: Netlink,
    store: Store<EndpointState>,
}

impl Endpoints {
    /// The endpoints recorded in `dir`, made through `netlink`.
    pub async fn open(dir: impl Into<PathBuf>, netlink: Netlink) -> Result<Self, Error> {
        Ok(Self {
            netlink,
            store: Store::open(dir).await?,
        })
    }

    /// The records.
    pub fn store(&self) -> &Store<EndpointState> {
        &self.store
    }

    /// A copy of the endpoint `id`'s record.
    pub async fn get(&self, id: &str) -> Option<EndpointState> {
        self.store.get(id).await
    }

    /// Makes (or, for a repeated request, finds) the endpoint `request` asks for on
    /// `link`'s bridge, and records it. The veth pair of an unfinished earlier attempt is
    /// replaced; on failure nothing is left behind.
    pub async fn create(
        &self,
        request: &CreateEndpointRequest,
        link: &BridgeLink<'_>,
    ) -> Result<EndpointState, Error> {
        let id = &request.endpoint_id;
        names::check_id("endpoint", id).map_err(Error::InvalidId)?;
        let _claim = self.store.claim(id).await;
        if let Some(endpoint) = self.store.get(id).await {
            // A repeated request: answer as the first time.
            return Ok(endpoint);
        }
        let host = names::host_veth_name(id);
        let container = names::container_veth_name(id);
        if let Some(other) = self.sharing_names(id).await {
            return Err(Error::NameInUse {
                name: host,
                endpoint: other,
            });
        }
        let pair = VethPair {
            host: &host,
            peer: &container,
            bridge: link.bridge,
            mtu: link.mtu,
            peer_mac: request.interface.mac_address.map(|mac| mac.octets()),
        };
        match self.netlink.create_veth(&pair).await {
            // No endpoint records the name: the pair of an earlier attempt, cut short by a
            // crash before it was recorded. dockerd retries; replace it.
            Err(e) if e.already_exists() => {
                tracing::info!(veth = %host, "replacing the veth pair of an unfinished attempt");
                self.netlink.replace_veth(&pair).await?;
            }
            created => created?,
        }
        let recorded = self.record(request, link, &pair).await;
        if recorded.is_err() {
            if let Err(cleanup) = self.netlink.delete_link(&host).await {
                tracing::warn!(%cleanup, "could not remove the veth of a failed endpoint");
            }
        }
        let endpoint = recorded?;
        tracing::info!(endpoint = %endpoint.id, veth = %endpoint.host_veth, "endpoint created");
        Ok(endpoint)
    }

    /// Deletes the endpoint `id`'s veth pair and forgets it. Names follow from the id, so
    /// even an endpoint whose creation failed half-way (and was never recorded) is cleaned
    /// up; an id no name follows from has nothing to delete.
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        let _claim = self.store.claim(id).await;
        let host = match self.store.get(id).await {
            Some(endpoint) => endpoint.host_veth,
            None if names::check_id("endpoint", id).is_err() => return Ok(()),
            None => names::host_veth_name(id),
        };
        self.netlink.delete_link(&host).await?;
        self.store.update(|endpoints| endpoints.remove(id)).await?;
        Ok(())
    }

    /// Deletes the veth pairs of the network `network_id`'s endpoints and forgets them
    /// (dockerd deletes endpoints before their network; this is for any left behind).
    pub async fn delete_all_of(&self, network_id: &str) -> Result<(), Error> {
        let left: Vec<String> = self
            .store
            .read(|endpoints| {
                endpoints
                    .values()
                    .filter(|e| e.network_id == network_id)
                    .map(|e| e.id.clone())
                    .collect()
            })
            .await;
        for id in left {
            self.delete(&id).await?;
        }
        Ok(())
    }

    /// Records the ports published to the endpoint `id` (if it still exists).
    pub async fn set_published(&self, id: &str, bindings: Vec<PortBinding>) -> Result<(), Error> {
        self.store
            .update(|endpoints| {
                if let Some(endpoint) = endpoints.get_mut(id) {
                    endpoint.published = bindings;
                }
            })
            .await?;
        Ok(())
    }

    /// Another endpoint whose id starts with the same characters as `id`, so that its veths
    /// have the names `id`'s would have (the ids are sorted: they are next to each other).
    async fn sharing_names(&self, id: &str) -> Option<String> {
        let prefix = names::id_prefix(id);
        self.store
            .read(|endpoints| {
                endpoints
                    .range(prefix.to_owned()..)
                    .take_while(|(other, _)| other.starts_with(prefix))
                    .map(|(other, _)| other.clone())
                    .find(|other| other != id)
            })
            .await
    }

    /// Records the endpoint whose veth pair was just created, with the MAC it ended up with.
    async fn record(
        &self,
        request: &CreateEndpointRequest,
        link: &BridgeLink<'_>,
        pair: &VethPair<'_>,
    ) -> Result<EndpointState, Error> {
        let mac = MacAddress(self.netlink.link_mac(pair.peer).await?);
        let endpoint = EndpointState {
            id: request.endpoint_id.clone(),
            network_id: link.network_id.to_owned(),
            host_veth: pair.host.to_owned(),
            container_veth: pair.peer.to_owned(),
            addresses: [request.interface.address, request.interface.address_ipv6]
                .into_iter()
                .flatten()
                .collect(),
            mac,
            published: Vec::new(),
        };
        self.store
            .update(|endpoints| endpoints.insert(endpoint.id.clone(), endpoint.clone()))
            .await?;
        Ok(endpoint)
    }
}
