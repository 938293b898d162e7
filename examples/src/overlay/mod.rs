//! `dknet-overlay`: a multi-host (swarm, global-scope) driver that joins the nodes' bridges
//! with VXLAN.
//!
//! One concern per module: [`driver`] answers dockerd, [`vni`] allocates VXLAN ids on the
//! swarm manager, [`options`] reads the network's options, [`vxlan`] makes the VXLAN device
//! and its flooding entries, and [`state`] persists what each node made and knows. Bridges,
//! veths, firewall rules and reconciliation come from the shared [`linux`] helpers.

pub mod driver;
pub mod options;
pub mod state;
pub mod vni;
pub mod vxlan;

pub use driver::OverlayDriver;

use crate::linux;

/// Anything the overlay driver can fail at; dockerd shows the message to the user.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An option of the network could not be read.
    #[error("{0}")]
    Options(String),
    /// The requested VXLAN id is used by another network of this driver.
    #[error("VXLAN id {vni} is already used by network {network}")]
    VniTaken {
        /// The id.
        vni: u32,
        /// The network using it.
        network: String,
    },
    /// Every id of the configured range is in use.
    #[error("no free VXLAN id left in {0}")]
    VniExhausted(vni::VniRange),
    /// `CreateNetwork` carried no VXLAN id: the network was not allocated by a manager.
    #[error(
        "network {0} has no VXLAN id: create it on a swarm manager (`docker network create \
         -d <plugin> ...` in swarm mode), which allocates one"
    )]
    NoVni(String),
    /// `CreateNetwork` came again for a known network, with other settings.
    #[error("network {0} already exists with other settings")]
    NetworkExists(String),
    /// A call named a network this plugin does not know.
    #[error("no such network {0}: it was not created by this plugin, or its state was lost")]
    UnknownNetwork(String),
    /// A call named an endpoint this plugin does not know.
    #[error("no such endpoint {0}")]
    UnknownEndpoint(String),
    /// A kernel call about the VXLAN device or its forwarding entries failed.
    #[error(transparent)]
    Vxlan(#[from] vxlan::Error),
    /// A bridge, veth or firewall operation failed.
    #[error(transparent)]
    Linux(#[from] linux::Error),
    /// Reading or writing the state failed.
    #[error(transparent)]
    State(#[from] dknet::store::Error),
    /// The state file of an earlier version could not be moved into the store.
    #[error(transparent)]
    Migrate(#[from] crate::migrate::Error),
}
