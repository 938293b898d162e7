//! The rules that keep a network's containers apart from other networks' containers, as
//! Docker's `bridge` driver keeps its own networks apart.
//!
//! Docker isolates each of its bridge networks from the others (`DOCKER-ISOLATION-STAGE-1/2`
//! on 20.10 and 28, `DOCKER-INTERNAL` and per-bridge rules in `DOCKER-FORWARD` on 29, the
//! `filter-forward-in__BRIDGE` chains of its nftables backend), but it knows nothing of
//! the plugin's bridges: without rules of their own, a container on Docker's default bridge
//! opens connections into a plugin network, and the plugin's `ACCEPT` of everything leaving
//! its bridge lets its containers open connections anywhere.
//!
//! What an isolated network gets, for both families, in the `mangle` table's `FORWARD`
//! chain (which the kernel runs before `filter`, whatever order the networks were created
//! in and whatever a later network inserts there; a `DROP` there also holds beside
//! Docker's nftables tables, which cannot accept what another table drops):
//! - into the bridge from anywhere else, only what conntrack knows as a reply
//!   (`RELATED,ESTABLISHED`) or as a published port (`DNAT`) gets through; every other new
//!   connection is dropped: from another plugin network, from Docker's networks, and from
//!   outside the host (Docker 28 and later drop direct routing to unpublished container
//!   ports in the same way);
//! - out of the bridge into Docker's bridges (`docker0` and `br-+`, Docker's names for its
//!   default and user-defined networks), the same: replies and published ports only. Docker
//!   28 and later drop such traffic themselves, 20.10 does not. The plugin cannot ask
//!   dockerd for its networks (a handler must not call dockerd), hence the names: on 20.10,
//!   a Docker network given a bridge name of its own (`com.docker.network.bridge.name`) is
//!   not covered, and a bridge of the plugin's whose own name starts with `br-` does not
//!   get this rule (it would match its own traffic).
//!
//! Traffic from the bridge to anything else (the outside, and plugin networks created with
//! isolation off) is left to the `ACCEPT` rules of [`firewall`](super::firewall); a
//! connection into another plugin network is refused by that network's own rule. So a
//! network created with `-o isolate=false` gets none of these rules: everything may open
//! connections into it, and its containers may open connections to every network but the
//! isolated ones. An `--internal` network needs none: it drops everything that crosses
//! its bridge.

use super::firewall::{Family, Rule};

/// Docker's names for the bridges of its own networks: the default bridge, and the
/// `br-<network id>` of user-defined ones (`+` is iptables' wildcard).
const DOCKER_BRIDGES: [&str; 2] = ["docker0", "br-+"];

/// The connection states let through the edge of an isolated network: replies and
/// connections to a published port.
const ALLOWED_STATES: &str = "RELATED,ESTABLISHED,DNAT";

/// The isolation rules of the bridge `bridge` for `family`.
pub fn rules(family: Family, bridge: &str) -> Vec<Rule> {
    let drop_unless_allowed = |interfaces: &[&str]| {
        let verdict = [
            "-m",
            "conntrack",
            "!",
            "--ctstate",
            ALLOWED_STATES,
            "-j",
            "DROP",
        ];
        Rule {
            family,
            table: "mangle",
            chain: "FORWARD",
            args: interfaces
                .iter()
                .chain(&verdict)
                .map(|word| word.to_string())
                .collect(),
        }
    };
    let mut rules = vec![drop_unless_allowed(&["!", "-i", bridge, "-o", bridge])];
    if !bridge.starts_with("br-") {
        for docker in DOCKER_BRIDGES {
            rules.push(drop_unless_allowed(&["-i", bridge, "-o", docker]));
        }
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(rules: &[Rule]) -> Vec<String> {
        rules.iter().map(Rule::to_string).collect()
    }

    #[test]
    fn new_connections_into_the_bridge_and_into_dockers_bridges_are_dropped() {
        assert_eq!(
            shown(&rules(Family::V4, "dkb-1")),
            [
                "iptables -t mangle FORWARD ! -i dkb-1 -o dkb-1 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
                "iptables -t mangle FORWARD -i dkb-1 -o docker0 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
                "iptables -t mangle FORWARD -i dkb-1 -o br-+ -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP",
            ]
        );
        let v6 = rules(Family::V6, "dkb-1");
        assert!(v6.iter().all(|rule| rule.family == Family::V6));
    }

    #[test]
    fn a_bridge_named_like_dockers_keeps_its_own_traffic() {
        assert_eq!(
            shown(&rules(Family::V4, "br-lab")),
            ["iptables -t mangle FORWARD ! -i br-lab -o br-lab -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP"]
        );
    }
}
