//! The driver options a user passes with `docker network create -o key=value`.

use serde::Deserialize;

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
    }

    #[test]
    fn an_unknown_key_names_itself_and_the_known_ones() {
        let error = parse(&[("mut", "1400")]).unwrap_err();
        assert!(
            error.contains("`mut`") && error.contains("`mtu`") && error.contains("`bridge_name`"),
            "{error}"
        );
    }
}
