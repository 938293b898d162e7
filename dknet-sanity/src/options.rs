//! What a run checks and with which addresses.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ipnet::{Ipv4Net, Ipv6Net};

/// The protocol subsystems a plugin can serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subsystems {
    /// `NetworkDriver` only.
    Network,
    /// `IpamDriver` only.
    Ipam,
    /// Both.
    Both,
}

impl Subsystems {
    /// Whether `NetworkDriver` is checked.
    pub fn network(self) -> bool {
        matches!(self, Self::Network | Self::Both)
    }

    /// Whether `IpamDriver` is checked.
    pub fn ipam(self) -> bool {
        matches!(self, Self::Ipam | Self::Both)
    }
}

impl FromStr for Subsystems {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "network" => Ok(Self::Network),
            "ipam" => Ok(Self::Ipam),
            "both" => Ok(Self::Both),
            _ => Err(format!("{text:?}: expected network, ipam or both")),
        }
    }
}

/// A daemon version whose recorded calls are replayed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum DaemonVersion {
    /// dockerd 20.10.24.
    V20,
    /// dockerd 28.5.2.
    V28,
    /// dockerd 29.7.2.
    V29,
}

impl DaemonVersion {
    /// Every version, oldest first.
    pub const ALL: [Self; 3] = [Self::V20, Self::V28, Self::V29];
}

impl fmt::Display for DaemonVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::V20 => "20.10",
            Self::V28 => "28",
            Self::V29 => "29",
        })
    }
}

impl FromStr for DaemonVersion {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "20" | "20.10" | "20.10.24" => Ok(Self::V20),
            "28" | "28.5" | "28.5.2" => Ok(Self::V28),
            "29" | "29.7" | "29.7.2" => Ok(Self::V29),
            _ => Err(format!("{text:?}: expected 20.10, 28 or 29")),
        }
    }
}

/// The scope a network driver should declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `"local"`.
    Local,
    /// `"global"`.
    Global,
}

impl Scope {
    /// The wire text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Local => "local",
            Self::Global => "global",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "local" => Ok(Self::Local),
            "global" => Ok(Self::Global),
            _ => Err(format!("{text:?}: expected local or global")),
        }
    }
}

/// How a run goes. [`Options::default`] checks what `Plugin.Activate` lists, replays every
/// daemon version, uses addresses from 10.203.0.0/16 and fd00:dead:203::/48, waits 10 s
/// per answer and does not restart the plugin.
#[derive(Debug, Clone)]
pub struct Options {
    /// The IPv4 range the checker's networks take their subnets from.
    pub pool_v4: Ipv4Net,
    /// The IPv6 range the checker's networks take their subnets from.
    pub pool_v6: Ipv6Net,
    /// The subsystems to check (`None`: those `Plugin.Activate` lists).
    pub subsystems: Option<Subsystems>,
    /// The daemon versions whose recorded calls are replayed.
    pub versions: Vec<DaemonVersion>,
    /// The scope the network driver must declare (`None`: either).
    pub scope: Option<Scope>,
    /// How long an answer may take.
    pub timeout: Duration,
    /// A shell command that restarts the plugin between the phases of `rely.restart`.
    pub restart_cmd: Option<String>,
    /// How many calls `rely.concurrent-endpoints` sends at once.
    pub concurrency: usize,
    /// The driver options (`docker network create -o KEY=VALUE`) every network is created
    /// with, in place of the recordings' own (`mtu`, `mode`), which the plugin may refuse.
    pub driver_opts: BTreeMap<String, String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            pool_v4: "10.203.0.0/16".parse().expect("a valid range"),
            pool_v6: "fd00:dead:203::/48".parse().expect("a valid range"),
            subsystems: None,
            versions: DaemonVersion::ALL.to_vec(),
            scope: None,
            timeout: Duration::from_secs(10),
            restart_cmd: None,
            concurrency: 8,
            driver_opts: BTreeMap::new(),
        }
    }
}
