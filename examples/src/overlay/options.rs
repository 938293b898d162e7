//! The options of an overlay network: the user's `-o key=value` on the manager, and what
//! `AllocateNetwork` answered, which every node's `CreateNetwork` receives.

use std::collections::BTreeMap;

use super::vni::parse_vni;
use super::Error;

/// The key of the VXLAN id, in `-o vni=N` and in the allocated options.
pub const VNI: &str = "vni";
/// The key of the MTU, in `-o mtu=N`.
pub const MTU: &str = "mtu";

/// The driver's options of one network. Unknown keys are refused (so that `-o vin=5` fails
/// instead of being ignored); keys under `com.docker.` are dockerd's and skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverlayOptions {
    /// `vni`: the VXLAN id (asked for by the user, or allocated by the manager).
    pub vni: Option<u32>,
    /// `mtu`: the MTU of the network's interfaces (default: the underlay's minus 50).
    pub mtu: Option<u32>,
}

impl OverlayOptions {
    /// Reads the options from a string map.
    pub fn parse(map: &BTreeMap<String, String>) -> Result<Self, Error> {
        let mut options = Self::default();
        for (key, value) in map {
            match key.as_str() {
                VNI => {
                    let vni = parse_vni(value).map_err(|e| bad(key, &e))?;
                    options.vni = Some(vni);
                }
                MTU => match value.trim().parse::<u32>() {
                    Ok(mtu) if (68..=65535).contains(&mtu) => options.mtu = Some(mtu),
                    _ => return Err(bad(key, &format!("`{value}` is not an MTU (68 to 65535)"))),
                },
                _ if key.starts_with("com.docker.") => {}
                _ => {
                    return Err(Error::Options(format!(
                        "unknown option `{key}`: the options are `{VNI}` and `{MTU}`"
                    )))
                }
            }
        }
        Ok(options)
    }

    /// The options as a string map (what `AllocateNetwork` answers).
    pub fn to_map(self) -> BTreeMap<String, String> {
        let mut map = BTreeMap::new();
        if let Some(vni) = self.vni {
            map.insert(VNI.to_owned(), vni.to_string());
        }
        if let Some(mtu) = self.mtu {
            map.insert(MTU.to_owned(), mtu.to_string());
        }
        map
    }
}

fn bad(key: &str, why: &str) -> Error {
    Error::Options(format!("invalid option `{key}`: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<OverlayOptions, String> {
        let map = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        OverlayOptions::parse(&map).map_err(|e| e.to_string())
    }

    #[test]
    fn options_round_trip_and_dockers_keys_are_skipped() {
        let options = parse(&[("vni", "42"), ("mtu", "1400"), ("com.docker.x", "y")]).unwrap();
        assert_eq!(
            options,
            OverlayOptions {
                vni: Some(42),
                mtu: Some(1400)
            }
        );
        let map = options.to_map();
        assert_eq!(OverlayOptions::parse(&map).unwrap(), options);
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn bad_values_and_unknown_keys_name_the_key() {
        let error = parse(&[("vni", "0")]).unwrap_err();
        assert!(error.contains("`vni`"), "{error}");
        let error = parse(&[("mtu", "big")]).unwrap_err();
        assert!(error.contains("`mtu`"), "{error}");
        let error = parse(&[("vin", "5")]).unwrap_err();
        assert!(error.contains("unknown option `vin`"), "{error}");
    }
}
