//! The driver options a user passes with `docker network create -o key=value`.
//!
//! Options are read into [`BridgeOptions`] (which names a bad or unknown key) and then
//! checked against what the kernel and `iptables` accept, so a bad value fails with a
//! message naming its option instead of a bare `Invalid argument`, or worse, a name that
//! `iptables` reads as a wildcard.

use std::ops::RangeInclusive;

use serde::Deserialize;

use super::names;

/// MTUs for a network without IPv6: 68 is the smallest an IPv4 host must handle (RFC 791,
/// the kernel's `ETH_MIN_MTU`), 65535 the largest a bridge or a veth takes (`ETH_MAX_MTU`).
pub const MTU_RANGE: RangeInclusive<u32> = 68..=65535;

/// MTUs for a network with IPv6: IPv6 needs at least 1280 (RFC 8200); below it the kernel
/// switches IPv6 off on the link and the gateway address could not be added.
pub const MTU_RANGE_IPV6: RangeInclusive<u32> = 1280..=65535;

/// An option whose value was read but is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid option `{option}`: {reason}")]
pub struct InvalidOption {
    /// The option's key (`mtu`, `bridge_name`).
    pub option: &'static str,
    /// Why the value is refused, with what would be accepted.
    pub reason: String,
}

/// `-o` options of a bridge network. Unknown keys are refused, so a typo such as
/// `-o mut=1400` fails instead of being ignored; dknet's error names the key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BridgeOptions {
    /// `-o mtu=N`: the MTU of the bridge and of every veth on it.
    #[serde(default)]
    pub mtu: Option<u32>,
    /// `-o bridge_name=NAME`: use this bridge name instead of `dkb-<network id>`.
    #[serde(default)]
    pub bridge_name: Option<String>,
    /// `-o isolate=false`: no isolation from other networks (see
    /// [`isolation`](crate::linux::isolation)); `true` (the default) isolates the network as
    /// Docker isolates its own bridge networks.
    #[serde(default)]
    pub isolate: Option<bool>,
}

impl BridgeOptions {
    /// Checks the values against what the kernel and `iptables` accept: the bridge name
    /// with [`names::validate_ifname`], the MTU against [`MTU_RANGE`], or
    /// [`MTU_RANGE_IPV6`] when the network has IPv6. An `internal` network cannot have
    /// isolation off: it talks to nothing but itself.
    pub fn check(&self, ipv6: bool, internal: bool) -> Result<(), InvalidOption> {
        if internal && self.isolate == Some(false) {
            return Err(InvalidOption {
                option: "isolate",
                reason: "an --internal network is isolated from every other network; \
                         `isolate=false` needs a network that is not internal"
                    .to_owned(),
            });
        }
        if let Some(name) = &self.bridge_name {
            names::validate_ifname(name).map_err(|reason| InvalidOption {
                option: "bridge_name",
                reason,
            })?;
        }
        let range = if ipv6 { MTU_RANGE_IPV6 } else { MTU_RANGE };
        match self.mtu {
            Some(mtu) if !range.contains(&mtu) => Err(InvalidOption {
                option: "mtu",
                reason: format!(
                    "{mtu} is out of range: the MTU must be {} to {}{}",
                    range.start(),
                    range.end(),
                    if ipv6 { " on a network with IPv6" } else { "" }
                ),
            }),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use dknet::network::Options;

    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<BridgeOptions, String> {
        let mut options = Options::new();
        for (key, value) in pairs {
            options.set_generic(*key, *value);
        }
        options
            .generic::<BridgeOptions>()
            .map_err(|e| e.to_string())
    }

    #[test]
    fn no_options_means_the_defaults() {
        assert_eq!(parse(&[]), Ok(BridgeOptions::default()));
    }

    #[test]
    fn mtu_and_bridge_name_are_read_from_strings() {
        let options = parse(&[("mtu", "1400"), ("bridge_name", "br-lab")]).unwrap();
        assert_eq!(options.mtu, Some(1400));
        assert_eq!(options.bridge_name.as_deref(), Some("br-lab"));
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let error = parse(&[("mtu", "abc")]).unwrap_err();
        assert!(error.contains("`mtu`") && error.contains("abc"), "{error}");
        let error = parse(&[("isolate", "no")]).unwrap_err();
        assert!(
            error.contains("`isolate`") && error.contains("no"),
            "{error}"
        );
    }

    #[test]
    fn isolation_is_on_unless_turned_off() {
        assert_eq!(parse(&[]).unwrap().isolate, None);
        assert_eq!(parse(&[("isolate", "false")]).unwrap().isolate, Some(false));
        assert_eq!(parse(&[("isolate", "true")]).unwrap().isolate, Some(true));
    }

    #[test]
    fn an_internal_network_cannot_turn_isolation_off() {
        let error = parse(&[("isolate", "false")])
            .unwrap()
            .check(false, true)
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("invalid option `isolate`: an --internal network"),
            "{error}"
        );
        assert_eq!(
            parse(&[("isolate", "true")]).unwrap().check(false, true),
            Ok(())
        );
    }

    fn checked(pairs: &[(&str, &str)], ipv6: bool) -> Result<(), String> {
        parse(pairs)?.check(ipv6, false).map_err(|e| e.to_string())
    }

    #[test]
    fn mtus_out_of_the_kernels_range_name_the_option_and_the_range() {
        for mtu in ["0", "67", "65536"] {
            let error = checked(&[("mtu", mtu)], false).unwrap_err();
            assert_eq!(
                error,
                format!("invalid option `mtu`: {mtu} is out of range: the MTU must be 68 to 65535")
            );
        }
        for mtu in ["68", "1500", "65535"] {
            assert_eq!(checked(&[("mtu", mtu)], false), Ok(()), "{mtu}");
        }
    }

    #[test]
    fn an_ipv6_network_needs_an_mtu_of_at_least_1280() {
        let error = checked(&[("mtu", "1279")], true).unwrap_err();
        assert!(
            error.contains("`mtu`") && error.contains("1280 to 65535 on a network with IPv6"),
            "{error}"
        );
        assert_eq!(checked(&[("mtu", "1280")], true), Ok(()));
        assert_eq!(checked(&[], true), Ok(()));
    }

    #[test]
    fn a_bridge_name_iptables_or_the_kernel_would_misread_names_the_option() {
        for name in ["+", "eth+", "br%d", "br 0", "a-name-far-too-long", "dkv-1"] {
            let error = checked(&[("bridge_name", name)], false).unwrap_err();
            assert!(
                error.starts_with("invalid option `bridge_name`: interface name"),
                "{name:?}: {error}"
            );
        }
        assert_eq!(checked(&[("bridge_name", "br-lab")], false), Ok(()));
    }

    #[test]
    fn an_unknown_key_names_itself_and_the_known_ones() {
        let error = parse(&[("mut", "1400")]).unwrap_err();
        assert!(
            error.contains("`mut`")
                && error.contains("`mtu`")
                && error.contains("`bridge_name`")
                && error.contains("`isolate`"),
            "{error}"
        );
    }
}
