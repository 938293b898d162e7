//! [`Allocator`]: the pools handed out to networks and the addresses taken
//! in each, with no I/O (the store persists it, the driver serves it).
//!
//! - A pool is picked from the configured ranges (IPv4 `/24`s of
//!   10.240.0.0/12 and IPv6 `/64`s of fd42:d0c:e7::/48 by default), the first
//!   block overlapping nothing handed out; a pool the user names (`--subnet`)
//!   is honoured after the same overlap check, and so is its `--ip-range`.
//! - Addresses come from a [`Bitmap`] of offsets in the pool. The pool's
//!   network address and (IPv4) broadcast address are never handed out; an
//!   address of the user's (`--ip`, `--gateway`, `--aux-address`) may lie
//!   anywhere else in the pool; others come from the range, next after the
//!   last one handed out (as dockerd's own IPAM does, so that a freed address
//!   is not reused at once).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::bitmap::Bitmap;

/// The IPv4 range pools come from by default, split into `/24`s.
pub const DEFAULT_POOL_RANGE_V4: &str = "10.240.0.0/12";
/// The IPv6 range pools come from by default (a fixed unique-local /48),
/// split into `/64`s.
pub const DEFAULT_POOL_RANGE_V6: &str = "fd42:d0c:e7::/48";

/// Why a request cannot be granted; the text reaches the `docker` CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AllocError {
    /// No pool of the configured range is free.
    #[error("no free {family} pool is left in {range}: remove unused networks or give --subnet")]
    NoPoolLeft {
        /// `IPv4` or `IPv6`.
        family: &'static str,
        /// The range pools come from.
        range: IpNet,
    },
    /// The pool asked for overlaps one handed out.
    #[error("pool {asked} overlaps {taken}, already in use by another network")]
    Overlap {
        /// The pool asked for.
        asked: IpNet,
        /// The pool in use.
        taken: IpNet,
    },
    /// The request is inconsistent.
    #[error("{0}")]
    Invalid(String),
    /// No such pool.
    #[error("unknown pool {0}")]
    UnknownPool(String),
    /// Every address of the pool is taken.
    #[error("pool {0} is full: no free address is left")]
    Full(IpNet),
    /// The address asked for is taken.
    #[error("address {0} is already in use")]
    Taken(IpAddr),
}

/// The ranges pools are cut from and the sizes of the pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolRanges {
    /// IPv4 range.
    pub v4: Ipv4Net,
    /// Prefix length of an IPv4 pool.
    pub v4_prefix: u8,
    /// IPv6 range.
    pub v6: Ipv6Net,
    /// Prefix length of an IPv6 pool.
    pub v6_prefix: u8,
}

impl Default for PoolRanges {
    fn default() -> Self {
        Self {
            v4: DEFAULT_POOL_RANGE_V4.parse().expect("a valid range"),
            v4_prefix: 24,
            v6: DEFAULT_POOL_RANGE_V6.parse().expect("a valid range"),
            v6_prefix: 64,
        }
    }
}

/// One pool handed out, as persisted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolRecord {
    /// The pool.
    pub pool: IpNet,
    /// The `--ip-range` addresses are handed out from, if the user gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<IpNet>,
    /// The addresses taken.
    #[serde(default)]
    pub addresses: Vec<IpAddr>,
}

/// A pool in memory: its record's facts and a bitmap of taken offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pool {
    pool: IpNet,
    range: Option<IpNet>,
    taken: Bitmap,
    /// Where the next search starts.
    cursor: u128,
}

/// Every pool handed out, by pool id (the pool's CIDR text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocator {
    ranges: PoolRanges,
    pools: BTreeMap<String, Pool>,
}

impl Allocator {
    /// An allocator with nothing handed out.
    pub fn new(ranges: PoolRanges) -> Self {
        Self {
            ranges,
            pools: BTreeMap::new(),
        }
    }

    /// An allocator holding `records` (as [`Allocator::records`] gave them).
    pub fn from_records(
        ranges: PoolRanges,
        records: BTreeMap<String, PoolRecord>,
    ) -> Result<Self, AllocError> {
        let mut allocator = Self::new(ranges);
        for (id, record) in records {
            allocator.check_free(record.pool)?;
            let mut pool = Pool::new(record.pool, record.range)?;
            for address in record.addresses {
                pool.take(address)?;
            }
            allocator.pools.insert(id, pool);
        }
        Ok(allocator)
    }

    /// What to persist.
    pub fn records(&self) -> BTreeMap<String, PoolRecord> {
        self.pools
            .iter()
            .map(|(id, pool)| {
                let record = PoolRecord {
                    pool: pool.pool,
                    range: pool.range,
                    addresses: pool
                        .taken
                        .iter()
                        .map(|offset| pool.address(offset))
                        .collect(),
                };
                (id.clone(), record)
            })
            .collect()
    }

    /// Hands out a pool: `asked` (with its `range`) if given, else the next
    /// free block of the IPv4 or IPv6 range. Returns the pool id and pool.
    pub fn request_pool(
        &mut self,
        asked: Option<IpNet>,
        range: Option<IpNet>,
        v6: bool,
    ) -> Result<(String, IpNet), AllocError> {
        let pool = match asked {
            Some(asked) => {
                if asked.addr().is_ipv6() != v6 {
                    let family = if v6 { "an IPv6" } else { "an IPv4" };
                    return Err(AllocError::Invalid(format!("{asked} is not {family} pool")));
                }
                let asked = asked.trunc();
                self.check_free(asked)?;
                asked
            }
            None if range.is_some() => {
                return Err(AllocError::Invalid("--ip-range needs --subnet".into()))
            }
            None => self.next_free_pool(v6)?,
        };
        let id = pool.to_string();
        self.pools.insert(id.clone(), Pool::new(pool, range)?);
        Ok((id, pool))
    }

    /// Takes a pool back, with whatever addresses were still taken in it.
    pub fn release_pool(&mut self, id: &str) -> Result<(), AllocError> {
        self.pools
            .remove(id)
            .map(drop)
            .ok_or_else(|| AllocError::UnknownPool(id.to_owned()))
    }

    /// Hands out `asked`, or the next free address of the pool's range.
    /// Returns it with the pool's prefix length.
    pub fn request_address(
        &mut self,
        id: &str,
        asked: Option<IpAddr>,
    ) -> Result<IpNet, AllocError> {
        let pool = self
            .pools
            .get_mut(id)
            .ok_or_else(|| AllocError::UnknownPool(id.to_owned()))?;
        let address = match asked {
            Some(address) => {
                pool.take(address)?;
                address
            }
            None => pool.take_next()?,
        };
        Ok(IpNet::new(address, pool.pool.prefix_len()).expect("the pool's prefix length"))
    }

    /// Frees `address` of the pool.
    pub fn release_address(&mut self, id: &str, address: IpAddr) -> Result<(), AllocError> {
        let pool = self
            .pools
            .get_mut(id)
            .ok_or_else(|| AllocError::UnknownPool(id.to_owned()))?;
        match pool.offset(address) {
            Some(offset) if pool.taken.remove(offset) => Ok(()),
            _ => Err(AllocError::Invalid(format!(
                "{address} is not an address handed out from {}",
                pool.pool
            ))),
        }
    }

    /// Whether pool `id` is handed out.
    pub fn has_pool(&self, id: &str) -> bool {
        self.pools.contains_key(id)
    }

    /// The addresses taken in pool `id`.
    pub fn taken(&self, id: &str) -> usize {
        self.pools.get(id).map_or(0, |pool| pool.taken.len())
    }

    /// An error if `asked` overlaps a pool handed out.
    fn check_free(&self, asked: IpNet) -> Result<(), AllocError> {
        match self.pools.values().find(|pool| overlaps(pool.pool, asked)) {
            Some(pool) => Err(AllocError::Overlap {
                asked,
                taken: pool.pool,
            }),
            None => Ok(()),
        }
    }

    /// The first block of the range that overlaps no pool handed out: each
    /// overlap moves the candidate past the pool in the way.
    fn next_free_pool(&self, v6: bool) -> Result<IpNet, AllocError> {
        let (range, prefix): (IpNet, u8) = if v6 {
            (self.ranges.v6.into(), self.ranges.v6_prefix)
        } else {
            (self.ranges.v4.into(), self.ranges.v4_prefix)
        };
        let no_pool = || AllocError::NoPoolLeft {
            family: if v6 { "IPv6" } else { "IPv4" },
            range,
        };
        let bits = u32::from(max_prefix(range) - prefix);
        let step = 1u128.checked_shl(bits).ok_or_else(no_pool)?;
        let (start, end) = (number(range.network()), number(range.broadcast()));
        let mut at = start;
        while at <= end {
            let candidate = IpNet::new(from_number(at, v6), prefix).expect("a valid prefix");
            match self
                .pools
                .values()
                .find(|pool| overlaps(pool.pool, candidate))
            {
                None => return Ok(candidate),
                Some(pool) => {
                    // The next aligned block after the pool in the way.
                    let past = number(pool.pool.broadcast()).max(at);
                    at = (past / step)
                        .checked_add(1)
                        .and_then(|n| n.checked_mul(step))
                        .ok_or_else(no_pool)?;
                }
            }
        }
        Err(no_pool())
    }
}

impl Pool {
    fn new(pool: IpNet, range: Option<IpNet>) -> Result<Self, AllocError> {
        let pool = pool.trunc();
        if pool.prefix_len() + 2 > max_prefix(pool) {
            return Err(AllocError::Invalid(format!(
                "{pool} is too small: a pool needs room for a network, a broadcast and a host address"
            )));
        }
        if let Some(range) = range {
            if range.addr().is_ipv6() != pool.addr().is_ipv6() || !pool.contains(&range) {
                return Err(AllocError::Invalid(format!(
                    "the IP range {range} is not inside the pool {pool}"
                )));
            }
        }
        let mut made = Self {
            pool,
            range: range.map(|range| range.trunc()),
            taken: Bitmap::default(),
            cursor: 0,
        };
        made.cursor = made.bounds().0;
        Ok(made)
    }

    /// The offsets handed out on their own: the range (or the pool) without
    /// the network address and the IPv4 broadcast address.
    fn bounds(&self) -> (u128, u128) {
        let span = self.range.unwrap_or(self.pool);
        let base = number(self.pool.network());
        let first = (number(span.network()) - base).max(1);
        let mut last = number(span.broadcast()) - base;
        if self.pool.addr().is_ipv4() {
            last = last.min(self.last_offset() - 1);
        }
        (first, last)
    }

    fn last_offset(&self) -> u128 {
        number(self.pool.broadcast()) - number(self.pool.network())
    }

    /// `address`'s offset, if it can be handed out at all.
    fn offset(&self, address: IpAddr) -> Option<u128> {
        if !self.pool.contains(&address) {
            return None;
        }
        let offset = number(address) - number(self.pool.network());
        let broadcast = self.pool.addr().is_ipv4() && offset == self.last_offset();
        (offset != 0 && !broadcast).then_some(offset)
    }

    fn address(&self, offset: u128) -> IpAddr {
        from_number(
            number(self.pool.network()) + offset,
            self.pool.addr().is_ipv6(),
        )
    }

    fn take(&mut self, address: IpAddr) -> Result<(), AllocError> {
        let offset = self.offset(address).ok_or_else(|| {
            AllocError::Invalid(format!(
                "{address} cannot be handed out from {}: not a host address of it",
                self.pool
            ))
        })?;
        if self.taken.insert(offset) {
            Ok(())
        } else {
            Err(AllocError::Taken(address))
        }
    }

    fn take_next(&mut self) -> Result<IpAddr, AllocError> {
        let (first, last) = self.bounds();
        let cursor = self.cursor.clamp(first, last);
        let offset = self
            .taken
            .first_free(cursor, last)
            .or_else(|| self.taken.first_free(first, cursor))
            .ok_or(AllocError::Full(self.range.unwrap_or(self.pool)))?;
        self.taken.insert(offset);
        self.cursor = if offset == last { first } else { offset + 1 };
        Ok(self.address(offset))
    }
}

fn overlaps(a: IpNet, b: IpNet) -> bool {
    a.contains(&b.network()) || b.contains(&a.network())
}

fn max_prefix(net: IpNet) -> u8 {
    net.max_prefix_len()
}

fn number(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn from_number(number: u128, v6: bool) -> IpAddr {
    if v6 {
        Ipv6Addr::from(number).into()
    } else {
        Ipv4Addr::from(u32::try_from(number).expect("an IPv4 number")).into()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn net(text: &str) -> IpNet {
        text.parse().unwrap()
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn small_ranges() -> PoolRanges {
        PoolRanges {
            v4: "10.212.0.0/22".parse().unwrap(),
            v4_prefix: 24,
            v6: "fd00:212::/62".parse().unwrap(),
            v6_prefix: 64,
        }
    }

    #[test]
    fn pools_come_in_order_without_overlap_and_run_out() {
        let mut allocator = Allocator::new(small_ranges());
        let (id, first) = allocator.request_pool(None, None, false).unwrap();
        assert_eq!(
            (id.as_str(), first),
            ("10.212.0.0/24", net("10.212.0.0/24"))
        );
        // A user pool in the middle of the range is skipped over.
        allocator
            .request_pool(Some(net("10.212.1.128/25")), None, false)
            .unwrap();
        let (_, third) = allocator.request_pool(None, None, false).unwrap();
        assert_eq!(third, net("10.212.2.0/24"));
        let (_, fourth) = allocator.request_pool(None, None, false).unwrap();
        assert_eq!(fourth, net("10.212.3.0/24"));
        let error = allocator.request_pool(None, None, false).unwrap_err();
        assert!(error.to_string().contains("no free IPv4 pool"), "{error}");
        // Released pools are handed out again.
        allocator.release_pool("10.212.0.0/24").unwrap();
        assert_eq!(allocator.request_pool(None, None, false).unwrap().1, first);
        let (_, v6) = allocator.request_pool(None, None, true).unwrap();
        assert_eq!(v6, net("fd00:212::/64"));
    }

    #[test]
    fn a_requested_pool_is_checked_against_every_pool() {
        let mut allocator = Allocator::new(small_ranges());
        allocator
            .request_pool(Some(net("10.99.0.0/16")), None, false)
            .unwrap();
        let error = allocator
            .request_pool(Some(net("10.99.5.0/24")), None, false)
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "pool 10.99.5.0/24 overlaps 10.99.0.0/16, already in use by another network"
        );
        assert!(allocator
            .request_pool(Some(net("10.0.0.0/8")), None, false)
            .is_err());
        assert!(allocator
            .request_pool(Some(net("fd00::/64")), None, false)
            .is_err());
        let outside = allocator
            .request_pool(Some(net("10.98.0.0/24")), Some(net("10.97.0.0/25")), false)
            .unwrap_err();
        assert!(outside.to_string().contains("not inside"), "{outside}");
        assert!(allocator
            .request_pool(Some(net("10.98.0.0/31")), None, false)
            .is_err());
    }

    #[test]
    fn addresses_skip_network_and_broadcast_and_honour_requests() {
        let mut allocator = Allocator::new(small_ranges());
        let (id, _) = allocator
            .request_pool(Some(net("10.212.8.0/29")), None, false)
            .unwrap();
        assert_eq!(
            allocator.request_address(&id, None).unwrap(),
            net("10.212.8.1/29")
        );
        assert_eq!(
            allocator
                .request_address(&id, Some(ip("10.212.8.5")))
                .unwrap(),
            net("10.212.8.5/29")
        );
        let taken = allocator
            .request_address(&id, Some(ip("10.212.8.5")))
            .unwrap_err();
        assert_eq!(taken.to_string(), "address 10.212.8.5 is already in use");
        for bad in ["10.212.8.0", "10.212.8.7", "10.212.9.1"] {
            assert!(
                allocator.request_address(&id, Some(ip(bad))).is_err(),
                "{bad}"
            );
        }
        let mut got = BTreeSet::new();
        for _ in 0..4 {
            got.insert(allocator.request_address(&id, None).unwrap().addr());
        }
        let expected: BTreeSet<IpAddr> = ["10.212.8.2", "10.212.8.3", "10.212.8.4", "10.212.8.6"]
            .map(ip)
            .into();
        assert_eq!(got, expected);
        let full = allocator.request_address(&id, None).unwrap_err();
        assert_eq!(
            full.to_string(),
            "pool 10.212.8.0/29 is full: no free address is left"
        );
        allocator.release_address(&id, ip("10.212.8.3")).unwrap();
        assert_eq!(
            allocator.request_address(&id, None).unwrap().addr(),
            ip("10.212.8.3")
        );
        assert!(allocator.release_address(&id, ip("10.212.8.0")).is_err());
    }

    #[test]
    fn the_ip_range_bounds_automatic_addresses_only() {
        let mut allocator = Allocator::new(small_ranges());
        let (id, _) = allocator
            .request_pool(
                Some(net("10.212.9.0/24")),
                Some(net("10.212.9.128/30")),
                false,
            )
            .unwrap();
        // A gateway outside the range, as `--gateway` may ask.
        allocator
            .request_address(&id, Some(ip("10.212.9.254")))
            .unwrap();
        let first = allocator.request_address(&id, None).unwrap();
        assert_eq!(first, net("10.212.9.128/24"));
        for _ in 0..3 {
            allocator.request_address(&id, None).unwrap();
        }
        assert!(matches!(
            allocator.request_address(&id, None),
            Err(AllocError::Full(_))
        ));
    }

    #[test]
    fn ipv6_pools_hand_out_from_the_bitmap() {
        let mut allocator = Allocator::new(small_ranges());
        let (id, _) = allocator.request_pool(None, None, true).unwrap();
        assert_eq!(
            allocator.request_address(&id, None).unwrap(),
            net("fd00:212::1/64")
        );
        let far = ip("fd00:212::ffff:ffff:ffff:fffe");
        allocator.request_address(&id, Some(far)).unwrap();
        allocator
            .request_address(&id, Some(ip("fd00:212::ffff:ffff:ffff:ffff")))
            .unwrap();
        assert_eq!(allocator.taken(&id), 3);
        let records = allocator.records();
        let again = Allocator::from_records(small_ranges(), records).unwrap();
        assert_eq!(again, allocator_without_cursors(&allocator, &again));
    }

    /// `again` with `allocator`'s cursors (not persisted): everything else must be equal.
    fn allocator_without_cursors(allocator: &Allocator, again: &Allocator) -> Allocator {
        let mut copy = allocator.clone();
        for (id, pool) in &mut copy.pools {
            pool.cursor = again.pools[id].cursor;
        }
        copy
    }

    /// Random request/release sequences against a model: no address is ever
    /// handed out twice, every release frees exactly one, and after releasing
    /// everything nothing is left taken (no leak).
    #[test]
    fn random_sequences_never_double_allocate_or_leak() {
        for seed in 1..=200u64 {
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut allocator = Allocator::new(small_ranges());
            let (id, pool) = allocator
                .request_pool(Some(net("10.212.16.0/26")), None, false)
                .unwrap();
            let mut live: BTreeSet<IpAddr> = BTreeSet::new();
            for _ in 0..300 {
                if rng.u8(..) < 150 || live.is_empty() {
                    let asked = (rng.u8(..) < 40).then(|| {
                        let host = rng.u32(0..64);
                        IpAddr::from(Ipv4Addr::from(u32::from(ip_v4(pool)) + host))
                    });
                    match allocator.request_address(&id, asked) {
                        Ok(address) => {
                            let address = address.addr();
                            assert!(live.insert(address), "seed {seed}: {address} twice");
                            assert!(pool.contains(&address));
                            assert_ne!(address, pool.network());
                            assert_ne!(address, pool.broadcast());
                        }
                        Err(AllocError::Full(_)) => assert_eq!(live.len(), 62, "seed {seed}"),
                        Err(AllocError::Taken(address)) => assert!(live.contains(&address)),
                        Err(AllocError::Invalid(_)) => {
                            let asked = asked.unwrap();
                            assert!(asked == pool.network() || asked == pool.broadcast());
                        }
                        Err(other) => panic!("seed {seed}: {other}"),
                    }
                } else {
                    let index = rng.usize(..live.len());
                    let address = *live.iter().nth(index).unwrap();
                    allocator.release_address(&id, address).unwrap();
                    live.remove(&address);
                }
                assert_eq!(allocator.taken(&id), live.len(), "seed {seed}");
            }
            for address in std::mem::take(&mut live) {
                allocator.release_address(&id, address).unwrap();
            }
            assert_eq!(allocator.taken(&id), 0, "seed {seed}: leaked");
        }
    }

    fn ip_v4(pool: IpNet) -> Ipv4Addr {
        match pool.network() {
            IpAddr::V4(v4) => v4,
            IpAddr::V6(_) => unreachable!("an IPv4 pool"),
        }
    }
}
