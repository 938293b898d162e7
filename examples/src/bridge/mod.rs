//! `dknet-bridge`: a network driver that puts containers on a Linux bridge of their own.
//!
//! One concern per module: [`driver`] answers dockerd, [`options`] reads `-o key=value`,
//! [`ports`] writes the rules of published ports and [`state`] persists the networks.
//! Interface names, links, firewall rules, endpoints and reconciliation at start-up come
//! from the shared [`linux`](crate::linux) helpers.

pub mod driver;
pub mod options;
pub mod ports;
pub mod state;

pub use driver::BridgeDriver;

use crate::linux::{firewall, names, netlink};

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
    State(#[from] dknet::store::Error),
    /// The state file of an earlier version could not be moved into the store.
    #[error(transparent)]
    Migrate(#[from] crate::migrate::Error),
    /// Making, recording or restoring an endpoint or a bridge failed.
    #[error(transparent)]
    Linux(#[from] crate::linux::Error),
}
