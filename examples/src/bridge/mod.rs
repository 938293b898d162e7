//! `dknet-bridge`: a network driver that puts containers on a Linux bridge of their own.
//!
//! One concern per module: [`driver`] answers dockerd, [`options`] reads `-o key=value`,
//! [`names`] derives interface names from Docker's ids, [`netlink`] creates links and
//! addresses, [`firewall`] manages the iptables rules (applied in batches by [`restore`]),
//! [`isolation`] writes the rules that keep networks apart, [`ports`] writes the rules of
//! published ports, [`state`] persists what was made,
//! and [`reconcile`] makes the kernel match that state again at start-up.

pub mod driver;
pub mod firewall;
pub mod isolation;
pub mod names;
pub mod netlink;
pub mod options;
pub mod ports;
pub mod reconcile;
pub mod restore;
pub mod state;

pub use driver::BridgeDriver;

/// Anything the bridge driver can fail at; dockerd shows the message to the user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A `-o key=value` option could not be read (the message names the key).
    #[error(transparent)]
    Options(#[from] dknet::network::OptionsError),
    /// A `-o key=value` option was read but its value is refused (the message names the key).
    #[error(transparent)]
    InvalidOption(#[from] options::InvalidOption),
    /// A network or endpoint id that no interface name may be derived from.
    #[error("{0}")]
    InvalidId(String),
    /// Another network of this plugin already uses the bridge name.
    #[error("bridge {bridge} is already used by network {network}")]
    BridgeInUse {
        /// The bridge name.
        bridge: String,
        /// The network using it.
        network: String,
    },
    /// Another endpoint's veth already has the name derived from this endpoint's id (the
    /// two ids share their first characters).
    #[error("interface name {name} is already used by endpoint {endpoint}")]
    NameInUse {
        /// The interface name.
        name: String,
        /// The endpoint using it.
        endpoint: String,
    },
    /// A link with the bridge's name exists and was not made by this plugin.
    #[error("a link named {0} already exists and does not belong to this plugin")]
    LinkExists(String),
    /// `CreateNetwork` came again for a known network, with other settings.
    #[error("network {0} already exists with other settings")]
    NetworkExists(String),
    /// A call named a network this plugin does not know.
    #[error("no such network {0}: it was not created by this plugin, or its state was lost")]
    UnknownNetwork(String),
    /// A host port is already published by another endpoint of this plugin.
    #[error("host port {port} is already published by endpoint {endpoint}")]
    PortInUse {
        /// The host port.
        port: u16,
        /// The endpoint publishing it.
        endpoint: String,
    },
    /// A call named an endpoint this plugin does not know.
    #[error("no such endpoint {0}")]
    UnknownEndpoint(String),
    /// A netlink call failed.
    #[error(transparent)]
    Netlink(#[from] netlink::Error),
    /// An iptables or ip6tables call failed.
    #[error(transparent)]
    Firewall(#[from] firewall::Error),
    /// A published port (`docker run -p`) cannot be served.
    #[error(transparent)]
    Port(#[from] ports::Error),
    /// Reading or writing the state failed.
    #[error(transparent)]
    State(#[from] state::Error),
    /// Another error, with what was being done.
    #[error("{context}: {source}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        source: Box<Error>,
    },
}

impl Error {
    /// This error, prefixed with what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}
