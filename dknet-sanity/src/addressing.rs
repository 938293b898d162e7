//! Addresses: subnets carved from the pools the run may use, and the translation of the
//! recordings' subnets, addresses and ids into this run's.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Hands out subnets of the run's pools, one per network: /24s of the IPv4 pool and /64s
/// of the IPv6 pool (smaller when a pool is too small for 16 of them).
#[derive(Debug)]
pub(crate) struct Subnets {
    v4: Vec<Ipv4Net>,
    v6: Vec<Ipv6Net>,
}

impl Subnets {
    /// The subnets of `v4` and `v6`.
    pub(crate) fn new(v4: Ipv4Net, v6: Ipv6Net) -> Self {
        let len4 = if v4.prefix_len() <= 20 {
            24
        } else {
            (v4.prefix_len() + 4).min(30)
        };
        let len6 = if v6.prefix_len() <= 60 {
            64
        } else {
            (v6.prefix_len() + 4).min(124)
        };
        // Keep the order, reversed so that `pop` hands out the lowest first; at most 4096
        // of each are kept: a run needs a few dozen.
        let mut v4: Vec<_> = v4.subnets(len4).into_iter().flatten().take(4096).collect();
        let mut v6: Vec<_> = v6.subnets(len6).into_iter().flatten().take(4096).collect();
        v4.reverse();
        v6.reverse();
        Self { v4, v6 }
    }

    /// The next subnet of the family of `like`.
    pub(crate) fn next_like(&mut self, like: IpAddr) -> Result<IpNet, String> {
        match like {
            IpAddr::V4(_) => self.next_v4().map(IpNet::V4),
            IpAddr::V6(_) => self.next_v6().map(IpNet::V6),
        }
    }

    /// The next IPv4 subnet.
    pub(crate) fn next_v4(&mut self) -> Result<Ipv4Net, String> {
        self.v4
            .pop()
            .ok_or_else(|| "the IPv4 pool is used up".to_owned())
    }

    /// The next IPv6 subnet.
    pub(crate) fn next_v6(&mut self) -> Result<Ipv6Net, String> {
        self.v6
            .pop()
            .ok_or_else(|| "the IPv6 pool is used up".to_owned())
    }
}

/// The address `offset` hosts into `net` (`net`'s own prefix length).
pub(crate) fn host(net: IpNet, offset: u128) -> IpNet {
    let address = match net.network() {
        IpAddr::V4(a) => IpAddr::V4((u32::from(a).wrapping_add(offset as u32)).into()),
        IpAddr::V6(a) => IpAddr::V6((u128::from(a).wrapping_add(offset)).into()),
    };
    IpNet::new(address, net.prefix_len()).expect("same prefix length")
}

fn offset_in(net: IpNet, address: IpAddr) -> u128 {
    match (net.network(), address) {
        (IpAddr::V4(n), IpAddr::V4(a)) => u128::from(u32::from(a) - u32::from(n)),
        (IpAddr::V6(n), IpAddr::V6(a)) => u128::from(a) - u128::from(n),
        _ => 0,
    }
}

/// Rewrites a recording's values into this run's: its subnets into subnets of the run's
/// pools (or the pools the IPAM plugin chose), its addresses into the addresses the plugin
/// gave, its network and endpoint ids into fresh ones, its pool ids into the plugin's.
#[derive(Debug)]
pub(crate) struct Translation {
    subnets: Arc<Mutex<Subnets>>,
    prefixes: Vec<(IpNet, IpNet)>,
    addresses: HashMap<IpAddr, IpNet>,
    /// Recorded text (ids, pool ids, address spaces) to this run's.
    pub(crate) names: HashMap<String, String>,
}

impl Translation {
    /// A translation drawing new subnets from `subnets`.
    pub(crate) fn new(subnets: Arc<Mutex<Subnets>>) -> Self {
        Self {
            subnets,
            prefixes: Vec::new(),
            addresses: HashMap::new(),
            names: HashMap::new(),
        }
    }

    /// Records that the recording's prefix `recorded` is `actual` in this run.
    pub(crate) fn map_prefix(&mut self, recorded: IpNet, actual: IpNet) {
        let recorded = recorded.trunc();
        self.prefixes.retain(|(r, _)| *r != recorded);
        self.prefixes.push((recorded, actual.trunc()));
    }

    /// Records that the recording's address `recorded` is `actual` in this run.
    pub(crate) fn map_address(&mut self, recorded: IpAddr, actual: IpNet) {
        self.addresses.insert(recorded, actual);
    }

    /// This run's subnet for the recording's `recorded`, drawing a new one if needed.
    pub(crate) fn prefix(&mut self, recorded: IpNet) -> Result<IpNet, String> {
        self.address(recorded)
    }

    /// This run's address (with prefix length) for the recording's `recorded`.
    pub(crate) fn address(&mut self, recorded: IpNet) -> Result<IpNet, String> {
        if let Some(actual) = self.addresses.get(&recorded.addr()) {
            return Ok(*actual);
        }
        let known = self
            .prefixes
            .iter()
            .find(|(r, _)| r.contains(&recorded.addr()));
        let (from, to) = match known {
            Some(pair) => *pair,
            None => {
                // A subnet the run has not met: the /24 (/64) around it becomes a new one.
                let len = if recorded.addr().is_ipv4() { 24 } else { 64 };
                let around = IpNet::new(recorded.addr(), len.min(recorded.prefix_len()))
                    .expect("a valid length")
                    .trunc();
                let fresh = self
                    .subnets
                    .lock()
                    .expect("subnets lock")
                    .next_like(recorded.addr())?;
                self.map_prefix(around, fresh);
                (around, fresh)
            }
        };
        let offset = offset_in(from, recorded.addr());
        let len = if recorded.prefix_len() == from.prefix_len() {
            to.prefix_len()
        } else {
            recorded.prefix_len().max(to.prefix_len())
        };
        let translated = host(to, offset);
        Ok(IpNet::new(translated.addr(), len).expect("a valid length"))
    }

    /// A recording's string: an address or subnet translated (kept bare when it was
    /// bare), a known name replaced, anything else kept.
    pub(crate) fn text(&mut self, text: &str) -> Result<String, String> {
        if let Some(name) = self.names.get(text) {
            return Ok(name.clone());
        }
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(self.address(net)?.to_string());
        }
        if let Ok(address) = text.parse::<IpAddr>() {
            return Ok(self.address(IpNet::from(address))?.addr().to_string());
        }
        Ok(text.to_owned())
    }

    /// A fresh id in place of the recording's `recorded` (the same one each time).
    pub(crate) fn id(&mut self, recorded: &str) -> String {
        self.names
            .entry(recorded.to_owned())
            .or_insert_with(fresh_id)
            .clone()
    }
}

/// 64 hex digits, as dockerd's network and endpoint ids.
pub(crate) fn fresh_id() -> String {
    (0..4)
        .map(|_| format!("{:016x}", fastrand::u64(..)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_subnets_and_addresses_move_into_the_runs_pools() {
        let subnets = Subnets::new(
            "10.203.0.0/16".parse().unwrap(),
            "fd00:dead:203::/48".parse().unwrap(),
        );
        let mut t = Translation::new(Arc::new(Mutex::new(subnets)));
        assert_eq!(t.text("10.88.0.0/24").unwrap(), "10.203.0.0/24");
        assert_eq!(t.text("10.88.0.128/25").unwrap(), "10.203.0.128/25");
        assert_eq!(t.text("10.88.0.254").unwrap(), "10.203.0.254");
        assert_eq!(t.text("fd00:77::1/64").unwrap(), "fd00:dead:203::1/64");
        t.map_prefix(
            "10.77.0.0/24".parse().unwrap(),
            "10.240.7.0/24".parse().unwrap(),
        );
        assert_eq!(t.text("10.77.0.1/24").unwrap(), "10.240.7.1/24");
        t.map_address(
            "10.77.0.11".parse().unwrap(),
            "10.240.7.2/24".parse().unwrap(),
        );
        assert_eq!(t.text("10.77.0.11").unwrap(), "10.240.7.2");
        assert_eq!(t.text("eth").unwrap(), "eth");
        let id = t.id("abc");
        assert_eq!(id.len(), 64);
        assert_eq!(t.text("abc").unwrap(), id);
    }
}
