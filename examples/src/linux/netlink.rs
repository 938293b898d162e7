//! Links and addresses, through rtnetlink (the kernel's own API; no `ip` binary).
//!
//! A [`Netlink`] talks to the network namespace of the thread that opened it, which is what
//! lets the tests run every case in a fresh namespace of its own.
//!
//! One request at a time goes to the kernel on a socket, and its whole answer is read
//! before the next is sent. The kernel answers a socket's requests into one receive queue of
//! limited size (about 200 KiB), a listing's part can take tens of kilobytes of it, and
//! when the queue is full the kernel drops answers (a request then waits forever) or
//! refuses the next listing (`ENOBUFS`: seen with 30 concurrent `CreateNetwork` calls
//! on a loaded machine); a socket also runs one listing at a time. The kernel serialises
//! link changes anyway, so taking turns costs the driver little.
//!
//! Listings (dumps) of links or addresses are sent in several parts; when the table changes
//! between two parts the kernel flags the dump as interrupted and the call fails with
//! `EBUSY`, so an interrupted listing is started again, a bounded number of times.

use std::future::Future;
use std::io::{self, Read};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::TryStreamExt;
use ipnet::IpNet;
use rtnetlink::packet_route::address::{
    AddressAttribute, AddressFlags, AddressHeaderFlags, AddressMessage,
};
use rtnetlink::packet_route::link::{
    InfoData, InfoVeth, LinkAttribute, LinkFlags, LinkInfo, LinkMessage,
};
use rtnetlink::{Handle, LinkBridge, LinkUnspec, LinkVeth};
use tokio::sync::Mutex;

/// The kind of a link (`InfoKind::Bridge`, `InfoKind::Veth`, ...), as rtnetlink names it.
pub use rtnetlink::packet_route::link::InfoKind;

/// A failed kernel call, saying what was being done (`creating bridge dkb-1: File exists`).
#[derive(Debug, thiserror::Error)]
#[error("{action}: {source}")]
pub struct Error {
    action: String,
    #[source]
    source: io::Error,
}

impl Error {
    /// An error of a call that was not a netlink request (opening the socket, a file).
    pub(crate) fn new(action: impl Into<String>, source: io::Error) -> Self {
        Self {
            action: action.into(),
            source,
        }
    }

    /// The kernel's answer to a netlink request, as an OS error where it is one.
    pub(crate) fn netlink(action: impl Into<String>, source: rtnetlink::Error) -> Self {
        let source = match source {
            rtnetlink::Error::NetlinkError(message) => message.to_io(),
            other => io::Error::other(other),
        };
        Self::new(action, source)
    }

    /// The OS error number, if the kernel gave one.
    pub(crate) fn errno(&self) -> Option<i32> {
        self.source.raw_os_error()
    }

    /// Whether the kernel refused because a link of that name exists (`EEXIST`).
    pub fn already_exists(&self) -> bool {
        self.errno() == Some(libc::EEXIST)
    }
}

/// How many times a listing is tried before an interruption is reported.
const DUMP_ATTEMPTS: u32 = 10;

/// Runs the listing `dump`, starting it again while the kernel reports it interrupted
/// (`EBUSY`), with a short growing pause between attempts.
async fn retry_dump<T, F, Fut>(action: impl Fn() -> String, mut dump: F) -> Result<T, Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, rtnetlink::Error>>,
{
    let mut attempt = 1;
    loop {
        match dump().await {
            Ok(found) => return Ok(found),
            Err(e) => {
                let e = Error::netlink(action(), e);
                if e.errno() != Some(libc::EBUSY) || attempt == DUMP_ATTEMPTS {
                    return Err(e);
                }
                tokio::time::sleep(Duration::from_millis(u64::from(attempt))).await;
                attempt += 1;
            }
        }
    }
}

/// What the kernel says about one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The interface index.
    pub index: u32,
    /// The interface name.
    pub name: String,
    /// The link's kind (`bridge`, `veth`, ...), absent for physical devices.
    pub kind: Option<InfoKind>,
    /// The MTU.
    pub mtu: u32,
    /// The hardware address, when the link has a 6-byte one.
    pub mac: Option<[u8; 6]>,
    /// Whether the link is administratively up.
    pub up: bool,
    /// The index of the bridge (or other controller) the link is attached to.
    pub controller: Option<u32>,
}

impl From<LinkMessage> for Link {
    fn from(message: LinkMessage) -> Self {
        let mut link = Link {
            index: message.header.index,
            name: String::new(),
            kind: None,
            mtu: 0,
            mac: None,
            up: message.header.flags.contains(LinkFlags::Up),
            controller: None,
        };
        for attribute in message.attributes {
            match attribute {
                LinkAttribute::IfName(name) => link.name = name,
                LinkAttribute::Mtu(mtu) => link.mtu = mtu,
                LinkAttribute::Address(bytes) => link.mac = bytes.try_into().ok(),
                LinkAttribute::Controller(index) => link.controller = Some(index),
                LinkAttribute::LinkInfo(infos) => {
                    link.kind = infos.into_iter().find_map(|info| match info {
                        LinkInfo::Kind(kind) => Some(kind),
                        _ => None,
                    });
                }
                _ => {}
            }
        }
        link
    }
}

/// The veth pair of one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VethPair<'a> {
    /// The end that stays in the host, attached to `bridge` and brought up.
    pub host: &'a str,
    /// The end that libnetwork moves into the container.
    pub peer: &'a str,
    /// The bridge the host end is attached to.
    pub bridge: &'a str,
    /// MTU of both ends (the kernel's default when `None`).
    pub mtu: Option<u32>,
    /// MAC address of the container end (the kernel picks a random one when `None`).
    pub peer_mac: Option<[u8; 6]>,
}

/// A connection to the kernel's routing netlink socket.
#[derive(Debug, Clone)]
pub struct Netlink {
    handle: Handle,
    /// Held by the request being answered (see the module's documentation).
    turn: Arc<Mutex<()>>,
}

impl Netlink {
    /// Opens a netlink socket in the calling thread's network namespace and spawns the task
    /// that drives it on the current tokio runtime (so this must run inside one).
    pub fn connect() -> Result<Self, Error> {
        let (connection, handle, _) =
            rtnetlink::new_connection().map_err(|e| Error::new("opening a netlink socket", e))?;
        tokio::spawn(connection);
        Ok(Self {
            handle,
            turn: Arc::default(),
        })
    }

    /// Runs `request`, which sends one request and reads its whole answer, once no other
    /// request on this socket is waiting for its answer. `request` must not have sent
    /// anything yet: rtnetlink's `execute` of a change only sends when first polled, but a
    /// listing's `execute` sends at once, so listings are started inside an `async` block.
    async fn in_turn<T>(&self, request: impl Future<Output = T>) -> T {
        let _turn = self.turn.lock().await;
        request.await
    }

    /// The link called `name`, or `None` when there is none.
    pub async fn link(&self, name: &str) -> Result<Option<Link>, Error> {
        let found = self.in_turn(async {
            let mut links = self.handle.link().get().match_name(name).execute();
            links.try_next().await
        });
        match found.await {
            Ok(found) => Ok(found.map(Link::from)),
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

    /// Every link in the namespace.
    pub async fn links(&self) -> Result<Vec<Link>, Error> {
        let messages: Vec<LinkMessage> = retry_dump(
            || "listing the links".to_owned(),
            || self.in_turn(async { self.handle.link().get().execute().try_collect().await }),
        )
        .await?;
        Ok(messages.into_iter().map(Link::from).collect())
    }

    /// Whether a link called `name` exists.
    pub async fn link_exists(&self, name: &str) -> Result<bool, Error> {
        Ok(self.link(name).await?.is_some())
    }

    /// The MAC address of the link called `name`.
    pub async fn link_mac(&self, name: &str) -> Result<[u8; 6], Error> {
        self.existing_link(name).await?.mac.ok_or_else(|| {
            Error::new(
                format!("reading the MAC of {name}"),
                io::Error::other("the link has no MAC address"),
            )
        })
    }

    /// Makes sure a bridge called `name` exists, has `mtu` (when given) and is up; returns
    /// its index. An existing link of another kind is an error.
    ///
    /// A new bridge gets a random MAC address of its own, as Docker's bridge driver gives
    /// its bridges. Without one, Linux gives the bridge the lowest MAC among its ports, so
    /// the gateway's MAC would change under the containers (whose ARP caches then point at
    /// the old one) as endpoints come and go, and every port added or removed would make the
    /// kernel look through all the others for the new lowest.
    pub async fn ensure_bridge(&self, name: &str, mtu: Option<u32>) -> Result<u32, Error> {
        if let Some(link) = self.link(name).await? {
            if link.kind != Some(InfoKind::Bridge) {
                let why = io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a link of another kind has this name",
                );
                return Err(Error::new(format!("creating bridge {name}"), why));
            }
            let mut change = LinkUnspec::new_with_index(link.index).up();
            if let Some(mtu) = mtu.filter(|mtu| *mtu != link.mtu) {
                change = change.mtu(mtu);
            }
            self.in_turn(self.handle.link().change(change.build()).execute())
                .await
                .map_err(|e| Error::netlink(format!("configuring bridge {name}"), e))?;
            return Ok(link.index);
        }
        let mac = random_local_mac().map_err(|e| Error::new("choosing a bridge MAC", e))?;
        let mut bridge = LinkBridge::new(name).address(mac.to_vec());
        if let Some(mtu) = mtu {
            bridge = bridge.mtu(mtu);
        }
        self.in_turn(self.handle.link().add(bridge.build()).execute())
            .await
            .map_err(|e| Error::netlink(format!("creating bridge {name}"), e))?;
        Ok(self.existing_link(name).await?.index)
    }

    /// The addresses on the link called `name`, each with its prefix length.
    pub async fn addresses(&self, name: &str) -> Result<Vec<IpNet>, Error> {
        let index = self.existing_link(name).await?.index;
        self.addresses_of(name, index).await
    }

    /// Adds `address` (with its prefix length, e.g. the gateway `10.0.0.1/24`) to the link
    /// called `name`; see [`Self::add_addresses`].
    pub async fn add_address(&self, name: &str, address: IpNet) -> Result<(), Error> {
        self.add_addresses(name, &[address]).await
    }

    /// Adds `addresses` (each with its prefix length) to the link called `name`, with one
    /// lookup of the link and one listing of its addresses; an address already there is left
    /// alone. IPv6 addresses skip duplicate address detection (`IFA_F_NODAD`) so the gateway
    /// answers at once rather than staying "tentative", and IPv6 is switched on for the link
    /// first if the host disabled it.
    pub async fn add_addresses(&self, name: &str, addresses: &[IpNet]) -> Result<(), Error> {
        let index = self.existing_link(name).await?.index;
        let present = self.addresses_of(name, index).await?;
        for &address in addresses.iter().filter(|a| !present.contains(a)) {
            let mut request =
                self.handle
                    .address()
                    .add(index, address.addr(), address.prefix_len());
            if address.addr().is_ipv6() {
                enable_ipv6(name)?;
                let message = request.message_mut();
                message.header.flags |= AddressHeaderFlags::Nodad;
                message
                    .attributes
                    .push(AddressAttribute::Flags(AddressFlags::Nodad));
            }
            if let Err(e) = self.in_turn(request.execute()).await {
                let e = Error::netlink(format!("adding {address} to {name}"), e);
                if e.errno() != Some(libc::EEXIST) {
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Creates a veth pair, attaches its host end to the bridge and brings that end up. The
    /// container end stays down: libnetwork configures it once it is inside the container.
    pub async fn create_veth(&self, pair: &VethPair<'_>) -> Result<(), Error> {
        let bridge = self.existing_link(pair.bridge).await?.index;
        let mut peer = LinkUnspec::new_with_name(pair.peer);
        let mut host = LinkVeth::new(pair.host, pair.peer).controller(bridge).up();
        if let Some(mtu) = pair.mtu {
            peer = peer.mtu(mtu);
            host = host.mtu(mtu);
        }
        if let Some(mac) = pair.peer_mac {
            peer = peer.address(mac.to_vec());
        }
        let message = host
            .set_info_data(InfoData::Veth(InfoVeth::Peer(peer.build())))
            .build();
        self.in_turn(self.handle.link().add(message).execute())
            .await
            .map_err(|e| {
                Error::netlink(format!("creating veth pair {}/{}", pair.host, pair.peer), e)
            })
    }

    /// [`Self::create_veth`] after deleting the veths named like either end of `pair`: for
    /// a pair left over by a crash between its creation and its recording. A link of
    /// another kind with either name is left alone and reported.
    pub async fn replace_veth(&self, pair: &VethPair<'_>) -> Result<(), Error> {
        for name in [pair.host, pair.peer] {
            let Some(link) = self.link(name).await? else {
                continue;
            };
            if link.kind != Some(InfoKind::Veth) {
                let why = io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    "a link of another kind has this name",
                );
                return Err(Error::new(format!("replacing veth {name}"), why));
            }
            self.delete_link(name).await?;
        }
        self.create_veth(pair).await
    }

    /// Attaches the existing link `name` to `bridge` and brings it up.
    pub async fn attach(&self, name: &str, bridge: &str) -> Result<(), Error> {
        let index = self.existing_link(name).await?.index;
        let bridge = self.existing_link(bridge).await?.index;
        let change = LinkUnspec::new_with_index(index)
            .controller(bridge)
            .up()
            .build();
        self.in_turn(self.handle.link().change(change).execute())
            .await
            .map_err(|e| Error::netlink(format!("attaching {name} to its bridge"), e))
    }

    /// Deletes the link called `name` (for a veth, both ends go). A link that is not there
    /// counts as deleted, so this can be repeated safely.
    pub async fn delete_link(&self, name: &str) -> Result<(), Error> {
        let Some(link) = self.link(name).await? else {
            return Ok(());
        };
        match self
            .in_turn(self.handle.link().del(link.index).execute())
            .await
        {
            Err(e) => {
                let e = Error::netlink(format!("deleting link {name}"), e);
                match e.errno() {
                    Some(libc::ENODEV | libc::ENOENT) => Ok(()),
                    _ => Err(e),
                }
            }
            Ok(()) => Ok(()),
        }
    }

    /// The addresses on the link `name` whose index is `index`.
    async fn addresses_of(&self, name: &str, index: u32) -> Result<Vec<IpNet>, Error> {
        let messages: Vec<AddressMessage> = retry_dump(
            || format!("listing the addresses of {name}"),
            || {
                self.in_turn(async {
                    let request = self.handle.address().get();
                    let listing = request.set_link_index_filter(index).execute();
                    listing.try_collect().await
                })
            },
        )
        .await?;
        Ok(messages.iter().filter_map(address_of).collect())
    }

    /// The link called `name`; its absence is an error.
    async fn existing_link(&self, name: &str) -> Result<Link, Error> {
        self.link(name).await?.ok_or_else(|| {
            Error::new(
                format!("looking up link {name}"),
                io::Error::from_raw_os_error(libc::ENODEV),
            )
        })
    }
}

/// A random unicast MAC address with the "locally administered" bit set, so it cannot be
/// any vendor's.
fn random_local_mac() -> io::Result<[u8; 6]> {
    let mut mac = [0; 6];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut mac)?;
    mac[0] = (mac[0] & !0x01) | 0x02;
    Ok(mac)
}

/// The interface address in an `RTM_NEWADDR` message, with its prefix length.
fn address_of(message: &AddressMessage) -> Option<IpNet> {
    // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer's on point-to-point
    // links and the same as IFA_LOCAL elsewhere (IPv6 sends only IFA_ADDRESS).
    let local = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Local(ip) => Some(*ip),
        _ => None,
    });
    let address = message.attributes.iter().find_map(|a| match a {
        AddressAttribute::Address(ip) => Some(*ip),
        _ => None,
    });
    let ip: IpAddr = local.or(address)?;
    IpNet::new(ip, message.header.prefix_len).ok()
}

/// Clears `disable_ipv6` on the link, as Docker's own bridge driver does: on hosts that set
/// `net.ipv6.conf.default.disable_ipv6=1`, a new bridge refuses IPv6 addresses otherwise.
/// `/proc/sys/net` shows the network namespace of the calling thread.
fn enable_ipv6(name: &str) -> Result<(), Error> {
    let path = format!("/proc/sys/net/ipv6/conf/{name}/disable_ipv6");
    let action = || format!("enabling IPv6 on {name}");
    match std::fs::read_to_string(&path) {
        Ok(value) if value.trim() == "1" => {
            std::fs::write(&path, "0").map_err(|e| Error::new(action(), e))
        }
        Ok(_) => Ok(()),
        // No such file: the kernel has no IPv6; adding the address reports it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::new(action(), e)),
    }
}
