//! VXLAN ids (VNIs): the range a manager allocates from, and the allocation itself.
//!
//! The swarm manager alone is sent `AllocateNetwork`; the id it answers is stored by the
//! swarm with the network and reaches every node's `CreateNetwork`. The manager records
//! its allocations on disk, so no id is handed out twice after the plugin or dockerd
//! restarts. `AllocateNetwork`'s options also carry what an earlier answer returned (the
//! `vni` key): an allocation that comes again, or one the manager's plugin forgot, is
//! recorded again with the same id rather than given a new one.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use super::Error;

/// The largest VXLAN id (24 bits).
pub const MAX_VNI: u32 = (1 << 24) - 1;

/// An inclusive range of VXLAN ids, written `FIRST-LAST` (e.g. `256-4095`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VniRange {
    /// The first id.
    pub first: u32,
    /// The last id.
    pub last: u32,
}

impl Default for VniRange {
    /// `256-4095` (`--vni-range` changes it): below 4096, where Docker's own overlay driver
    /// starts its ids. Both use UDP port 4789, and a node's kernel refuses a second VXLAN
    /// device with the same id on the same port, so an id Docker's overlay holds on a node
    /// (its `ingress` network takes 4096) cannot be used there.
    fn default() -> Self {
        Self {
            first: 256,
            last: 4095,
        }
    }
}

impl fmt::Display for VniRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.first, self.last)
    }
}

impl FromStr for VniRange {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (first, last) = text
            .split_once('-')
            .ok_or_else(|| format!("`{text}` is not a range FIRST-LAST"))?;
        let range = Self {
            first: parse_vni(first)?,
            last: parse_vni(last)?,
        };
        if range.first > range.last {
            return Err(format!("`{text}` is empty: FIRST is above LAST"));
        }
        Ok(range)
    }
}

/// A VXLAN id written in decimal: 1 to 16777215.
pub fn parse_vni(text: &str) -> Result<u32, String> {
    match text.trim().parse::<u32>() {
        Ok(vni) if (1..=MAX_VNI).contains(&vni) => Ok(vni),
        _ => Err(format!("`{text}` is not a VXLAN id (1 to {MAX_VNI})")),
    }
}

/// Gives `network` a VXLAN id in `allocations` (network id → VXLAN id): the one it already
/// has, else `requested` if no other network uses it (a requested id may lie outside the
/// range), else the lowest free id of `range`.
pub fn allocate(
    allocations: &mut BTreeMap<String, u32>,
    network: &str,
    requested: Option<u32>,
    range: VniRange,
) -> Result<u32, Error> {
    if let Some(&vni) = allocations.get(network) {
        if requested.is_none_or(|r| r == vni) {
            return Ok(vni);
        }
    }
    let owner = |vni: u32| {
        allocations
            .iter()
            .find(|(id, v)| **v == vni && id.as_str() != network)
            .map(|(id, _)| id.clone())
    };
    let vni = match requested {
        Some(vni) => match owner(vni) {
            Some(other) => {
                return Err(Error::VniTaken {
                    vni,
                    network: other,
                })
            }
            None => vni,
        },
        None => (range.first..=range.last)
            .find(|vni| owner(*vni).is_none())
            .ok_or(Error::VniExhausted(range))?,
    };
    allocations.insert(network.to_owned(), vni);
    Ok(vni)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANGE: VniRange = VniRange {
        first: 10,
        last: 12,
    };

    #[test]
    fn ranges_are_read_and_checked() {
        assert_eq!("10-12".parse(), Ok(RANGE));
        assert_eq!(RANGE.to_string(), "10-12");
        for bad in ["10", "12-10", "0-5", "1-16777216", "a-b"] {
            assert!(bad.parse::<VniRange>().is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn ids_are_unique_and_reused_after_release() {
        let mut allocations = BTreeMap::new();
        assert_eq!(allocate(&mut allocations, "a", None, RANGE).unwrap(), 10);
        assert_eq!(allocate(&mut allocations, "b", None, RANGE).unwrap(), 11);
        assert_eq!(allocate(&mut allocations, "a", None, RANGE).unwrap(), 10);
        assert_eq!(allocate(&mut allocations, "c", None, RANGE).unwrap(), 12);
        let error = allocate(&mut allocations, "d", None, RANGE).unwrap_err();
        assert_eq!(error.to_string(), "no free VXLAN id left in 10-12");
        allocations.remove("b");
        assert_eq!(allocate(&mut allocations, "d", None, RANGE).unwrap(), 11);
    }

    #[test]
    fn a_requested_id_is_refused_when_taken_and_kept_when_repeated() {
        let mut allocations = BTreeMap::new();
        assert_eq!(
            allocate(&mut allocations, "a", Some(500), RANGE).unwrap(),
            500
        );
        assert_eq!(
            allocate(&mut allocations, "a", Some(500), RANGE).unwrap(),
            500
        );
        let error = allocate(&mut allocations, "b", Some(500), RANGE).unwrap_err();
        assert_eq!(
            error.to_string(),
            "VXLAN id 500 is already used by network a"
        );
        assert_eq!(allocate(&mut allocations, "b", None, RANGE).unwrap(), 10);
    }
}
