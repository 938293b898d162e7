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
    with_prefix("dkb-", network_id)
}

/// The host side of an endpoint's veth pair: `dkv-` and the first 11 characters of the
/// endpoint id. It stays in the host and is attached to the bridge.
pub fn host_veth_name(endpoint_id: &str) -> String {
    with_prefix("dkv-", endpoint_id)
}

/// The container side of an endpoint's veth pair: `dkc-` and the first 11 characters of
/// the endpoint id. libnetwork moves it into the container and renames it `ethN`.
pub fn container_veth_name(endpoint_id: &str) -> String {
    with_prefix("dkc-", endpoint_id)
}

/// Checks a user-chosen interface name (`-o bridge_name=...`) the way the kernel would
/// (`dev_valid_name`): 1 to 15 bytes, not `.` or `..`, no `/`, `:` or whitespace.
pub fn validate_ifname(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_IFNAME_LEN {
        return Err(format!(
            "interface name {name:?} must be 1 to {MAX_IFNAME_LEN} bytes long"
        ));
    }
    if name == "." || name == ".." {
        return Err(format!("interface name {name:?} is reserved"));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| *c == '/' || *c == ':' || c.is_whitespace())
    {
        return Err(format!("interface name {name:?} must not contain {bad:?}"));
    }
    Ok(())
}

/// `prefix` plus the first characters of `id` that are ASCII alphanumeric (Docker's ids are
/// hex; anything else is skipped so that a test's made-up id still yields a valid name).
pub fn with_prefix(prefix: &str, id: &str) -> String {
    let mut name = String::with_capacity(MAX_IFNAME_LEN);
    name.push_str(prefix);
    name.extend(
        id.chars()
            .filter(char::is_ascii_alphanumeric)
            .take(ID_CHARS),
    );
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
    fn short_or_odd_ids_still_give_valid_names() {
        assert_eq!(bridge_name("ab"), "dkb-ab");
        assert_eq!(host_veth_name("net/1 x:y"), "dkv-net1xy");
        for name in [bridge_name("ab"), host_veth_name("net/1 x:y")] {
            assert_eq!(validate_ifname(&name), Ok(()));
        }
    }

    #[test]
    fn validate_ifname_follows_the_kernel_rules() {
        assert_eq!(validate_ifname("br-custom"), Ok(()));
        assert_eq!(validate_ifname("a23456789012345"), Ok(()));
        for bad in ["", "a234567890123456", ".", "..", "br/0", "br:0", "br 0"] {
            assert!(validate_ifname(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
