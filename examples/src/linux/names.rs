//! Interface names derived from Docker's ids.
//!
//! Linux limits interface names to 15 bytes (`IFNAMSIZ` minus the NUL). Docker's ids are
//! 64 hex characters, so every name is a 4-character prefix plus the first 11 characters of
//! the id: deterministic (the same id always gives the same name, so state can be rebuilt
//! from ids alone) and, with 44 bits of the id, unique in practice.

/// Longest interface name Linux accepts.
pub const MAX_IFNAME_LEN: usize = 15;

/// How many characters of an id go into a name: what is left after a 4-character prefix.
const ID_CHARS: usize = MAX_IFNAME_LEN - 4;

/// The bridge of a network: `dkb-` and the first 11 characters of the network id.
pub fn bridge_name(network_id: &str) -> String {
    with_prefix(BRIDGE_PREFIX, network_id)
}

/// The host side of an endpoint's veth pair: `dkv-` and the first 11 characters of the
/// endpoint id. It stays in the host and is attached to the bridge.
pub fn host_veth_name(endpoint_id: &str) -> String {
    with_prefix(HOST_VETH_PREFIX, endpoint_id)
}

/// The container side of an endpoint's veth pair: `dkc-` and the first 11 characters of
/// the endpoint id. libnetwork moves it into the container and renames it `ethN`.
pub fn container_veth_name(endpoint_id: &str) -> String {
    with_prefix(CONTAINER_VETH_PREFIX, endpoint_id)
}

/// The part of an id that goes into names: its first 11 characters. Ids that share it
/// share their interface names.
pub fn id_prefix(id: &str) -> &str {
    id.char_indices()
        .nth(ID_CHARS)
        .map_or(id, |(end, _)| &id[..end])
}

/// Longest id accepted: Docker's ids are 64 hexadecimal digits.
pub const MAX_ID_LEN: usize = 64;

/// The prefix of the bridges named after networks.
pub const BRIDGE_PREFIX: &str = "dkb-";

/// The prefix of the host ends of endpoints' veth pairs.
pub const HOST_VETH_PREFIX: &str = "dkv-";

/// The prefix of the container ends of endpoints' veth pairs.
pub const CONTAINER_VETH_PREFIX: &str = "dkc-";

/// The prefixes of the names this plugin derives from ids; a user-chosen name may not use
/// them, so that a `-o bridge_name` can never be taken for (or deleted as) one of the
/// plugin's own links.
pub const PREFIXES: [&str; 3] = [BRIDGE_PREFIX, HOST_VETH_PREFIX, CONTAINER_VETH_PREFIX];

/// Checks a user-chosen interface name (`-o bridge_name=...`) before it reaches the kernel
/// and `iptables`.
///
/// The kernel (`dev_valid_name`) takes 1 to 15 bytes other than `.` and `..` without `/`,
/// `:` or whitespace, and expands `%d` into a number (`br%d` makes `br0`, `br1`, ...);
/// `iptables` reads a trailing `+` as a wildcard (`-i eth+` matches every `eth*`, `-i +`
/// every interface) and a `!` as a negation. Rather than list every such character, the
/// rule is an allow-list: 1 to 15 ASCII letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit (so never `.`, `..` or something that reads as an option), and not one
/// of the plugin's own [`PREFIXES`].
pub fn validate_ifname(name: &str) -> Result<(), String> {
    let shown = quoted(name);
    if name.is_empty() || name.len() > MAX_IFNAME_LEN {
        return Err(format!(
            "interface name {shown} must be 1 to {MAX_IFNAME_LEN} bytes long"
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        let why = match bad {
            '+' => " (an iptables wildcard)",
            '%' => " (a kernel name template)",
            _ => "",
        };
        return Err(format!(
            "interface name {shown} must not contain {bad:?}{why}: \
             use ASCII letters, digits, '-', '_' and '.'"
        ));
    }
    if !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "interface name {shown} must start with a letter or a digit"
        ));
    }
    if let Some(prefix) = PREFIXES.iter().find(|prefix| name.starts_with(**prefix)) {
        return Err(format!(
            "interface name {shown} uses the prefix {prefix:?}, reserved for the names \
             this plugin derives from Docker's ids"
        ));
    }
    Ok(())
}

/// Checks an id that names are derived from (`what` is `network` or `endpoint`): 1 to
/// [`MAX_ID_LEN`] ASCII letters and digits. Docker's ids are hexadecimal; anything else
/// would make two ids share a name, or put odd characters into an interface name.
pub fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() || id.len() > MAX_ID_LEN || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!(
            "invalid {what} id {}: expected 1 to {MAX_ID_LEN} ASCII letters and digits, \
             as Docker's ids are",
            quoted(id)
        ));
    }
    Ok(())
}

/// `text` quoted for a message, cut after [`MAX_ID_LEN`] characters: the message goes to
/// dockerd and into the log, which a megabyte-long value must not flood.
fn quoted(text: &str) -> String {
    match text.char_indices().nth(MAX_ID_LEN) {
        Some((end, _)) => format!("{:?}...", &text[..end]),
        None => format!("{text:?}"),
    }
}

/// `prefix` plus the first characters of `id` (checked with [`check_id`] by the driver).
pub fn with_prefix(prefix: &str, id: &str) -> String {
    let mut name = String::with_capacity(MAX_IFNAME_LEN);
    name.push_str(prefix);
    name.push_str(id_prefix(id));
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2c8a1b9d0e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f90";

    #[test]
    fn names_use_the_first_eleven_characters_of_the_id() {
        assert_eq!(bridge_name(ID), "dkb-3f2c8a1b9d0");
        assert_eq!(host_veth_name(ID), "dkv-3f2c8a1b9d0");
        assert_eq!(container_veth_name(ID), "dkc-3f2c8a1b9d0");
        assert_eq!(bridge_name(ID).len(), MAX_IFNAME_LEN);
    }

    #[test]
    fn short_ids_give_short_names() {
        assert_eq!(bridge_name("ab"), "dkb-ab");
        assert_eq!(host_veth_name("e1"), "dkv-e1");
    }

    #[test]
    fn validate_ifname_follows_the_kernel_rules() {
        for good in ["br-custom", "a23456789012345", "br_lab.10", "0br", "eth0"] {
            assert_eq!(validate_ifname(good), Ok(()), "{good:?}");
        }
        for bad in [
            "",
            "a234567890123456",
            ".",
            "..",
            "br/0",
            "br:0",
            "br 0",
            "br\t0",
        ] {
            assert!(validate_ifname(bad).is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn validate_ifname_refuses_iptables_wildcards_and_kernel_templates() {
        // `+` is iptables' interface wildcard (`-i eth+` matches every eth*, `-i +` every
        // interface), `%d` makes the kernel number the name, `!` is iptables' negation and
        // a leading `-` reads as an option.
        for bad in [
            "+", "eth+", "br%d", "%", "!", "br!", "-br", ".br", "br*", "br@1", "é",
        ] {
            let error = validate_ifname(bad).unwrap_err();
            assert!(error.contains(&format!("{bad:?}")), "{bad:?}: {error}");
        }
        assert!(validate_ifname("eth+").unwrap_err().contains("wildcard"));
        assert!(validate_ifname("br%d").unwrap_err().contains("template"));
    }

    #[test]
    fn the_plugins_own_prefixes_are_reserved() {
        for bad in ["dkb-lab", "dkv-1", "dkc-abc"] {
            let error = validate_ifname(bad).unwrap_err();
            assert!(error.contains("reserved"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn ids_must_be_letters_and_digits() {
        assert_eq!(check_id("network", ID), Ok(()));
        assert_eq!(check_id("endpoint", "e1"), Ok(()));
        for bad in ["", "net/1", "a b", "x+", "é", &"a".repeat(65)] {
            let error = check_id("network", bad).unwrap_err();
            assert!(error.starts_with("invalid network id"), "{bad:?}: {error}");
        }
    }

    #[test]
    fn a_huge_value_is_cut_in_the_message() {
        let huge = "x".repeat(1 << 20);
        for error in [validate_ifname(&huge), check_id("endpoint", &huge)] {
            let error = error.unwrap_err();
            assert!(error.len() < 300 && error.contains("xxx\"..."), "{error}");
        }
    }
}
