//! The VXLAN device of a network and its flooding entries, through rtnetlink.
//!
//! Each network has one VXLAN device (UDP port 4789, the network's VXLAN id, the node's own
//! address as source) attached to the network's bridge. Frames for unknown MACs and
//! broadcasts (ARP) are sent to every peer: one forwarding entry per peer with the all-zeros
//! MAC (`bridge fdb append 00:00:00:00:00:00 dev VX dst PEER`). The device learns where
//! each remote MAC lives from the frames it receives.

use std::io;
use std::net::IpAddr;

use futures_util::{StreamExt, TryStreamExt};
use rtnetlink::packet_core::{
    NetlinkMessage, NetlinkPayload, NLM_F_ACK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REQUEST,
};
use rtnetlink::packet_route::address::AddressAttribute;
use rtnetlink::packet_route::link::LinkAttribute;
use rtnetlink::packet_route::neighbour::{
    NeighbourAddress, NeighbourAttribute, NeighbourFlags, NeighbourMessage, NeighbourState,
};
use rtnetlink::packet_route::{AddressFamily, RouteNetlinkMessage};
use rtnetlink::{Handle, LinkVxlan};

/// The IANA VXLAN port.
pub const VXLAN_PORT: u16 = 4789;
/// What VXLAN adds to each frame over IPv4: outer IP (20), UDP (8), VXLAN (8) and inner
/// Ethernet (14) headers.
pub const VXLAN_OVERHEAD: u32 = 50;

pub use crate::linux::netlink::Error;

/// What a VXLAN device is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VxlanSpec<'a> {
    /// The device's name.
    pub name: &'a str,
    /// The VXLAN id.
    pub vni: u32,
    /// The source address of the encapsulated packets (the kernel picks one when `None`).
    pub local: Option<IpAddr>,
    /// The device's MTU.
    pub mtu: u32,
    /// The index of the bridge it is attached to.
    pub bridge: u32,
}

/// A connection to the kernel's routing netlink socket, for VXLAN work.
#[derive(Debug, Clone)]
pub struct Vxlan {
    handle: Handle,
}

impl Vxlan {
    /// Opens a netlink socket in the calling thread's network namespace (inside a tokio
    /// runtime).
    pub fn connect() -> Result<Self, io::Error> {
        let (connection, handle, _) = rtnetlink::new_connection()?;
        tokio::spawn(connection);
        Ok(Self { handle })
    }

    /// Creates the VXLAN device (attached to its bridge and up) unless a link of that name
    /// exists, in which case it is attached and brought up again.
    pub async fn ensure(&self, spec: VxlanSpec<'_>) -> Result<(), Error> {
        let action = format!("creating VXLAN device {} (id {})", spec.name, spec.vni);
        let existing = self.index(spec.name).await?;
        let message = match existing {
            Some(index) => rtnetlink::LinkUnspec::new_with_index(index)
                .controller(spec.bridge)
                .up()
                .build(),
            None => {
                let mut builder = LinkVxlan::new(spec.name, spec.vni)
                    .port(VXLAN_PORT)
                    .learning(true);
                builder = match spec.local {
                    Some(IpAddr::V4(v4)) => builder.local(v4),
                    Some(IpAddr::V6(v6)) => builder.local6(v6),
                    None => builder,
                };
                builder.mtu(spec.mtu).controller(spec.bridge).up().build()
            }
        };
        let request = if existing.is_some() {
            self.handle.link().change(message).execute().await
        } else {
            self.handle.link().add(message).execute().await
        };
        request.map_err(|e| {
            let e = Error::netlink(&action, e);
            if e.errno() == Some(libc::EEXIST) {
                let why = "another VXLAN device on this node uses this id and UDP port 4789 \
                           (Docker's own overlay networks take ids from 4096 up)";
                Error::new(action, io::Error::new(io::ErrorKind::AlreadyExists, why))
            } else {
                e
            }
        })
    }

    /// Adds the flooding entry towards `peer` on the device `index` (none if there).
    pub async fn add_peer(&self, index: u32, peer: IpAddr) -> Result<(), Error> {
        let mut request =
            NetlinkMessage::from(RouteNetlinkMessage::NewNeighbour(flood_entry(index, peer)));
        request.header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND;
        let action = format!("adding the flooding entry towards {peer}");
        let mut handle = self.handle.clone();
        let mut responses = handle
            .request(request)
            .map_err(|e| Error::netlink(action.clone(), e))?;
        while let Some(message) = responses.next().await {
            if let NetlinkPayload::Error(e) = message.payload {
                let e = Error::netlink(action.clone(), rtnetlink::Error::NetlinkError(e));
                if e.errno() != Some(libc::EEXIST) {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Removes the flooding entry towards `peer` on the device `index` (none if absent).
    pub async fn remove_peer(&self, index: u32, peer: IpAddr) -> Result<(), Error> {
        let result = self
            .handle
            .neighbours()
            .del(flood_entry(index, peer))
            .execute()
            .await;
        match result {
            Err(e) => {
                let e = Error::netlink(format!("removing the flooding entry towards {peer}"), e);
                match e.errno() {
                    Some(libc::ENOENT | libc::ENODEV) => Ok(()),
                    _ => Err(e),
                }
            }
            Ok(()) => Ok(()),
        }
    }

    /// The index of the link called `name`, or `None`.
    pub async fn index(&self, name: &str) -> Result<Option<u32>, Error> {
        let mut links = self
            .handle
            .link()
            .get()
            .match_name(name.to_owned())
            .execute();
        match links.try_next().await {
            Ok(found) => Ok(found.map(|link| link.header.index)),
            Err(e) => {
                let e = Error::netlink(format!("looking up link {name}"), e);
                if e.errno() == Some(libc::ENODEV) {
                    Ok(None)
                } else {
                    Err(e)
                }
            }
        }
    }

    /// The MTU of the interface that holds `address`, if one does.
    pub async fn mtu_of_address(&self, address: IpAddr) -> Result<Option<u32>, Error> {
        let action = "listing the addresses";
        let messages: Vec<_> = self
            .handle
            .address()
            .get()
            .execute()
            .try_collect()
            .await
            .map_err(|e| Error::netlink(action, e))?;
        let holder = messages.iter().find(|message| {
            message.attributes.iter().any(|attribute| {
                matches!(attribute, AddressAttribute::Local(ip) | AddressAttribute::Address(ip) if *ip == address)
            })
        });
        let Some(holder) = holder else {
            return Ok(None);
        };
        let index = holder.header.index;
        let mut links = self.handle.link().get().match_index(index).execute();
        let link = links
            .try_next()
            .await
            .map_err(|e| Error::netlink(format!("looking up link {index}"), e))?;
        Ok(link.and_then(|link| {
            link.attributes
                .into_iter()
                .find_map(|attribute| match attribute {
                    LinkAttribute::Mtu(mtu) => Some(mtu),
                    _ => None,
                })
        }))
    }
}

/// The forwarding entry "flood unknown frames to `peer`" of the VXLAN device `index`.
fn flood_entry(index: u32, peer: IpAddr) -> NeighbourMessage {
    let mut message = NeighbourMessage::default();
    message.header.family = AddressFamily::Bridge;
    message.header.ifindex = index;
    message.header.state = NeighbourState::Permanent;
    message.header.flags = NeighbourFlags::Own;
    message
        .attributes
        .push(NeighbourAttribute::LinkLayerAddress(vec![0; 6]));
    message
        .attributes
        .push(NeighbourAttribute::Destination(match peer {
            IpAddr::V4(v4) => NeighbourAddress::Inet(v4),
            IpAddr::V6(v6) => NeighbourAddress::Inet6(v6),
        }));
    message
}
