//! The bridge plugin's kernel-facing layer against the real kernel: links, addresses,
//! firewall rules and start-up reconciliation, each test in a network namespace of its own
//! (see `support`). These tests need root and iptables, so they are `#[ignore]`d:
//! `scripts/docker-tests` runs them (`cargo test -p dknet-examples --test bridge_kernel -- --ignored`).

mod support;

use std::collections::BTreeMap;
use std::process::Command;

use dknet::network::MacAddress;
use dknet_examples::bridge::state::NetworkState;
use dknet_examples::linux::endpoint::EndpointState;
use dknet_examples::linux::firewall::{self, Family};
use dknet_examples::linux::netlink::{InfoKind, Netlink, VethPair};
use dknet_examples::linux::reconcile::BridgeSetup;
use ipnet::IpNet;
use support::{count_rule, in_netns};

fn net(text: &str) -> IpNet {
    text.parse().expect("a valid CIDR")
}

fn connect() -> Netlink {
    Netlink::connect().expect("opening a netlink socket")
}

/// A veth pair `host`/`peer` on `bridge`, with the kernel's default MTU and a random MAC.
fn pair<'a>(host: &'a str, peer: &'a str, bridge: &'a str) -> VethPair<'a> {
    VethPair {
        host,
        peer,
        bridge,
        mtu: None,
        peer_mac: None,
    }
}

/// `ip -o addr show dev NAME`, to see the flags the kernel gave the addresses.
fn ip_addr_show(name: &str) -> String {
    let output = Command::new("ip")
        .args(["-o", "addr", "show", "dev", name])
        .output()
        .expect("running ip");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_bridge_is_created_up_with_its_mtu_and_reconfigured_when_it_exists() {
    in_netns(|| async {
        let nl = connect();
        let index = nl.ensure_bridge("br-test", Some(1400)).await.unwrap();
        let link = nl
            .link("br-test")
            .await
            .unwrap()
            .expect("the bridge exists");
        assert_eq!(link.index, index);
        assert_eq!(link.kind, Some(InfoKind::Bridge));
        assert_eq!(link.mtu, 1400);
        assert!(link.up);

        assert_eq!(
            nl.ensure_bridge("br-test", Some(1300)).await.unwrap(),
            index
        );
        assert_eq!(nl.link("br-test").await.unwrap().unwrap().mtu, 1300);
        // No MTU: the bridge keeps the one it has.
        assert_eq!(nl.ensure_bridge("br-test", None).await.unwrap(), index);
        assert_eq!(nl.link("br-test").await.unwrap().unwrap().mtu, 1300);
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_link_of_another_kind_is_not_taken_for_a_bridge() {
    in_netns(|| async {
        let nl = connect();
        let error = nl.ensure_bridge("lo", None).await.unwrap_err();
        assert!(error.to_string().contains("creating bridge lo"), "{error}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn addresses_keep_their_prefix_length_and_adding_them_again_is_harmless() {
    in_netns(|| async {
        let nl = connect();
        nl.ensure_bridge("br-test", None).await.unwrap();
        for _ in 0..2 {
            nl.add_address("br-test", net("10.77.0.1/24"))
                .await
                .unwrap();
            nl.add_address("br-test", net("fd00:77::1/64"))
                .await
                .unwrap();
        }
        let addresses = nl.addresses("br-test").await.unwrap();
        assert_eq!(
            addresses
                .iter()
                .filter(|a| **a == net("10.77.0.1/24"))
                .count(),
            1
        );
        assert_eq!(
            addresses
                .iter()
                .filter(|a| **a == net("fd00:77::1/64"))
                .count(),
            1
        );
        // The IPv6 gateway skips duplicate address detection: usable at once, even though
        // the bridge has no ports yet (no carrier), where DAD would keep it tentative.
        let shown = ip_addr_show("br-test");
        let v6 = shown
            .lines()
            .find(|l| l.contains("fd00:77::1/64"))
            .expect("the IPv6 address is listed");
        assert!(v6.contains("nodad") && !v6.contains("tentative"), "{v6}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn ipv6_is_switched_on_for_the_bridge_when_the_host_disabled_it() {
    in_netns(|| async {
        std::fs::write("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1").unwrap();
        let nl = connect();
        nl.ensure_bridge("br-test", None).await.unwrap();
        nl.add_address("br-test", net("fd00:78::1/64"))
            .await
            .unwrap();
        assert!(nl
            .addresses("br-test")
            .await
            .unwrap()
            .contains(&net("fd00:78::1/64")));
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_veth_pair_is_attached_to_the_bridge_with_its_mtu_and_mac() {
    in_netns(|| async {
        let nl = connect();
        let bridge = nl.ensure_bridge("br-test", Some(1400)).await.unwrap();
        let mac = [0x02, 0x42, 0x0a, 0x58, 0x00, 0xc8];
        let configured = VethPair {
            mtu: Some(1400),
            peer_mac: Some(mac),
            ..pair("vh-1", "vc-1", "br-test")
        };
        nl.create_veth(&configured).await.unwrap();

        let host = nl.link("vh-1").await.unwrap().expect("the host end exists");
        assert_eq!(host.kind, Some(InfoKind::Veth));
        assert_eq!(host.controller, Some(bridge));
        assert!(host.up);
        assert_eq!(host.mtu, 1400);
        let peer = nl
            .link("vc-1")
            .await
            .unwrap()
            .expect("the container end exists");
        assert_eq!(peer.controller, None);
        assert!(
            !peer.up,
            "libnetwork brings the container end up inside the container"
        );
        assert_eq!(peer.mtu, 1400);
        assert_eq!(nl.link_mac("vc-1").await.unwrap(), mac);

        // Without a MAC the kernel picks a random, locally administered unicast one.
        nl.create_veth(&pair("vh-2", "vc-2", "br-test"))
            .await
            .unwrap();
        let random = nl.link_mac("vc-2").await.unwrap();
        assert_eq!(random[0] & 0b11, 0b10, "{random:02x?}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_veth_pair_needs_its_bridge() {
    in_netns(|| async {
        let nl = connect();
        let error = nl
            .create_veth(&pair("vh-1", "vc-1", "br-none"))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("br-none"), "{error}");
        assert!(!nl.link_exists("vh-1").await.unwrap());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn deleting_a_link_removes_it_and_repeating_it_succeeds() {
    in_netns(|| async {
        let nl = connect();
        nl.ensure_bridge("br-test", None).await.unwrap();
        nl.create_veth(&pair("vh-1", "vc-1", "br-test"))
            .await
            .unwrap();
        assert!(nl.link_exists("vh-1").await.unwrap());

        nl.delete_link("vh-1").await.unwrap();
        assert!(!nl.link_exists("vh-1").await.unwrap());
        assert!(
            !nl.link_exists("vc-1").await.unwrap(),
            "deleting one end of a veth deletes both"
        );
        nl.delete_link("vh-1").await.unwrap();

        nl.delete_link("br-test").await.unwrap();
        nl.delete_link("br-test").await.unwrap();
        assert!(!nl.link_exists("br-test").await.unwrap());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn reading_the_mac_of_a_missing_link_names_it() {
    in_netns(|| async {
        let error = connect().link_mac("vc-none").await.unwrap_err();
        assert!(error.to_string().contains("vc-none"), "{error}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn firewall_rules_are_installed_and_removed_once_however_often_asked() {
    in_netns(|| async {
        let rules = firewall::rules(
            "br-test",
            false,
            false,
            &[net("10.77.0.1/24"), net("fd00:77::1/64")],
        );
        for _ in 0..2 {
            firewall::install(&rules).await.unwrap();
        }
        for (command, table, rule) in [
            (
                "iptables",
                "filter",
                "-A FORWARD -i br-test -o br-test -j ACCEPT",
            ),
            (
                "iptables",
                "filter",
                "-A FORWARD -i br-test ! -o br-test -j ACCEPT",
            ),
            (
                "iptables",
                "filter",
                "-A FORWARD -o br-test -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
            ),
            (
                "iptables",
                "nat",
                "-A POSTROUTING -s 10.77.0.0/24 ! -o br-test -j MASQUERADE",
            ),
            (
                "ip6tables",
                "filter",
                "-A FORWARD -i br-test -o br-test -j ACCEPT",
            ),
            (
                "ip6tables",
                "nat",
                "-A POSTROUTING -s fd00:77::/64 ! -o br-test -j MASQUERADE",
            ),
        ] {
            assert_eq!(
                count_rule(command, table, rule),
                1,
                "{command} -t {table}: {rule}"
            );
        }
        for rule in &rules {
            assert!(firewall::is_installed(rule).await.unwrap(), "{rule}");
        }

        for _ in 0..2 {
            firewall::remove(&rules).await.unwrap();
        }
        for rule in &rules {
            assert!(!firewall::is_installed(rule).await.unwrap(), "{rule}");
        }
        assert!(!support::iptables_rules("iptables", "filter")
            .iter()
            .any(|l| l.contains("br-test")));
        assert!(!support::iptables_rules("ip6tables", "nat")
            .iter()
            .any(|l| l.contains("br-test")));
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn isolation_rules_go_in_once_and_all_come_out_even_when_some_went_missing() {
    in_netns(|| async {
        let rules = firewall::rules(
            "dkb-iso",
            false,
            true,
            &[net("10.80.0.1/24"), net("fd00:80::1/64")],
        );
        let into = "-A FORWARD ! -i dkb-iso -o dkb-iso -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP";
        let to_docker = "-A FORWARD -i dkb-iso -o docker0 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP";
        // The second install finds the first rule and checks rule by rule: no copies.
        for _ in 0..2 {
            firewall::install(&rules).await.unwrap();
        }
        for command in ["iptables", "ip6tables"] {
            for rule in [into, to_docker] {
                assert_eq!(count_rule(command, "mangle", rule), 1, "{command}: {rule}");
            }
        }
        // An administrator deleted one rule: the batch removal fails, and the fallback
        // still removes everything else.
        let deleted = Command::new("iptables")
            .args(["-w", "-t", "mangle"])
            .args(into.replacen("-A", "-D", 1).split(' '))
            .status()
            .unwrap();
        assert!(deleted.success());
        firewall::remove(&rules).await.unwrap();
        for command in ["iptables", "ip6tables"] {
            for table in ["filter", "mangle", "nat"] {
                let left: Vec<String> = support::iptables_rules(command, table)
                    .into_iter()
                    .filter(|rule| rule.contains("dkb-iso") || rule.contains("10.80.0."))
                    .collect();
                assert!(left.is_empty(), "{command} -t {table}: {left:#?}");
            }
        }
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn an_internal_network_gets_drop_rules_for_both_families() {
    in_netns(|| async {
        let rules = firewall::rules("br-int", true, true, &[net("10.78.0.1/24")]);
        firewall::install(&rules).await.unwrap();
        // An ordinary network made later inserts its ACCEPT rules at the top of `filter`
        // FORWARD; the internal network's drops must still come first, so they are in
        // `mangle` FORWARD, which the kernel runs before `filter`.
        let later = firewall::rules("br-out", false, false, &[net("10.79.0.1/24")]);
        firewall::install(&later).await.unwrap();
        for command in ["iptables", "ip6tables"] {
            for rule in [
                "-A FORWARD -i br-int ! -o br-int -j DROP",
                "-A FORWARD ! -i br-int -o br-int -j DROP",
            ] {
                assert_eq!(count_rule(command, "mangle", rule), 1, "{command}: {rule}");
                assert_eq!(count_rule(command, "filter", rule), 0, "{command}: {rule}");
            }
            assert_eq!(
                count_rule(
                    command,
                    "filter",
                    "-A FORWARD -i br-int -o br-int -j ACCEPT"
                ),
                1
            );
        }
        assert!(!support::iptables_rules("iptables", "nat")
            .iter()
            .any(|l| l.contains("br-int")));
        assert!(rules.iter().any(|r| r.family == Family::V6));
        firewall::remove(&rules).await.unwrap();
        for command in ["iptables", "ip6tables"] {
            for table in ["filter", "mangle"] {
                assert!(!support::iptables_rules(command, table)
                    .iter()
                    .any(|l| l.contains("br-int")));
            }
        }
    });
}

fn persisted_network(id: &str, bridge: &str) -> NetworkState {
    NetworkState {
        id: id.to_owned(),
        bridge: bridge.to_owned(),
        mtu: Some(1400),
        gateways: vec![net("10.79.0.1/24"), net("fd00:79::1/64")],
        internal: false,
        isolated: true,
    }
}

fn persisted_endpoint(id: &str, network_id: &str, mac_last: u8) -> EndpointState {
    EndpointState {
        id: id.to_owned(),
        network_id: network_id.to_owned(),
        host_veth: format!("vh-{id}"),
        container_veth: format!("vc-{id}"),
        addresses: vec![net(&format!("10.79.0.{mac_last}/24"))],
        mac: MacAddress([0x02, 0x42, 0x0a, 0x4f, 0x00, mac_last]),
        published: Vec::new(),
    }
}

/// What a bridge plugin's stores hold: networks and endpoints by id.
#[derive(Default)]
struct State {
    networks: BTreeMap<String, NetworkState>,
    endpoints: BTreeMap<String, EndpointState>,
}

/// The shared reconciliation, on `state`'s networks and endpoints.
async fn reconcile(nl: &Netlink, state: &State) -> Vec<dknet_examples::linux::Error> {
    let setups: Vec<BridgeSetup> = state.networks.values().map(NetworkState::setup).collect();
    dknet_examples::linux::reconcile::reconcile(nl, &setups, &state.endpoints).await
}

fn persisted_state() -> State {
    let mut state = State::default();
    state
        .networks
        .insert("n1".into(), persisted_network("n1", "br-n1"));
    for (id, last) in [("e1", 2), ("e2", 3)] {
        state
            .endpoints
            .insert(id.into(), persisted_endpoint(id, "n1", last));
    }
    state
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn reconcile_rebuilds_networks_and_endpoints_from_the_state() {
    in_netns(|| async {
        let nl = connect();
        let state = persisted_state();
        let failures = reconcile(&nl, &state).await;
        assert!(failures.is_empty(), "{failures:?}");

        let bridge = nl
            .link("br-n1")
            .await
            .unwrap()
            .expect("the bridge was created");
        assert_eq!((bridge.mtu, bridge.up), (1400, true));
        let addresses = nl.addresses("br-n1").await.unwrap();
        assert!(
            addresses.contains(&net("10.79.0.1/24")) && addresses.contains(&net("fd00:79::1/64")),
            "{addresses:?}"
        );
        assert_eq!(
            count_rule(
                "iptables",
                "filter",
                "-A FORWARD -i br-n1 -o br-n1 -j ACCEPT"
            ),
            1
        );
        assert_eq!(
            count_rule(
                "ip6tables",
                "filter",
                "-A FORWARD -i br-n1 -o br-n1 -j ACCEPT"
            ),
            1
        );
        for endpoint in state.endpoints.values() {
            let host = nl
                .link(&endpoint.host_veth)
                .await
                .unwrap()
                .expect("the host veth was created");
            assert_eq!(
                (host.controller, host.up, host.mtu),
                (Some(bridge.index), true, 1400)
            );
            assert_eq!(
                nl.link_mac(&endpoint.container_veth).await.unwrap(),
                endpoint.mac.octets()
            );
        }

        // A second run changes nothing and adds no duplicate rule.
        assert!(reconcile(&nl, &state).await.is_empty());
        assert_eq!(
            count_rule(
                "iptables",
                "filter",
                "-A FORWARD -i br-n1 -o br-n1 -j ACCEPT"
            ),
            1
        );
        assert_eq!(nl.link("br-n1").await.unwrap().unwrap().index, bridge.index);
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn reconcile_recreates_a_lost_bridge_and_veth_and_reattaches_the_survivors() {
    in_netns(|| async {
        let nl = connect();
        let state = persisted_state();
        assert!(reconcile(&nl, &state).await.is_empty());
        // An administrator deletes the bridge (e1's veth survives, detached) and e2's veth.
        nl.delete_link("br-n1").await.unwrap();
        nl.delete_link("vh-e2").await.unwrap();
        assert_eq!(nl.link("vh-e1").await.unwrap().unwrap().controller, None);

        assert!(reconcile(&nl, &state).await.is_empty());
        let bridge = nl.link("br-n1").await.unwrap().expect("the bridge is back");
        for name in ["vh-e1", "vh-e2"] {
            let veth = nl
                .link(name)
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("{name} is back"));
            assert_eq!(veth.controller, Some(bridge.index), "{name}");
            assert!(veth.up, "{name}");
        }
        assert_eq!(
            nl.link_mac("vc-e2").await.unwrap(),
            state.endpoints["e2"].mac.octets()
        );
        assert!(nl
            .addresses("br-n1")
            .await
            .unwrap()
            .contains(&net("10.79.0.1/24")));
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn reconcile_reports_a_broken_network_and_restores_the_others() {
    in_netns(|| async {
        let nl = connect();
        let mut state = persisted_state();
        // A network whose bridge name is taken by a link of another kind.
        state
            .networks
            .insert("n0".into(), persisted_network("n0", "lo"));
        state
            .endpoints
            .insert("e0".into(), persisted_endpoint("e0", "n0", 9));

        let failures = reconcile(&nl, &state).await;
        assert_eq!(failures.len(), 1, "{failures:?}");
        assert!(
            failures[0].to_string().contains("restoring network n0"),
            "{}",
            failures[0]
        );
        assert!(
            !nl.link_exists("vh-e0").await.unwrap(),
            "endpoints of a broken network are skipped"
        );
        assert!(nl.link_exists("br-n1").await.unwrap());
        assert!(nl.link_exists("vh-e1").await.unwrap());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn reconcile_deletes_unrecorded_plugin_veths_on_its_bridges_only() {
    in_netns(|| async {
        let nl = connect();
        let state = persisted_state();
        assert!(reconcile(&nl, &state).await.is_empty());
        nl.ensure_bridge("br-other", None).await.unwrap();
        // Left by a crash: the plugin's naming scheme, on its bridge, recorded nowhere.
        nl.create_veth(&pair("dkv-orphan", "dkc-orphan", "br-n1"))
            .await
            .unwrap();
        // Not the plugin's: another prefix on its bridge, or the prefix on another bridge.
        nl.create_veth(&pair("vh-admin", "vc-admin", "br-n1"))
            .await
            .unwrap();
        nl.create_veth(&pair("dkv-elsewhere", "dkc-elsewhere", "br-other"))
            .await
            .unwrap();

        assert!(reconcile(&nl, &state).await.is_empty());
        assert!(!nl.link_exists("dkv-orphan").await.unwrap());
        assert!(!nl.link_exists("dkc-orphan").await.unwrap());
        for kept in ["vh-admin", "dkv-elsewhere", "vh-e1", "vh-e2"] {
            assert!(nl.link_exists(kept).await.unwrap(), "{kept}");
        }
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn links_lists_every_link_with_its_name_and_kind() {
    in_netns(|| async {
        let nl = connect();
        let bridge = nl.ensure_bridge("br-test", None).await.unwrap();
        nl.create_veth(&pair("vh-1", "vc-1", "br-test"))
            .await
            .unwrap();
        let links = nl.links().await.unwrap();
        let find = |name: &str| links.iter().find(|l| l.name == name).cloned();
        assert_eq!(find("br-test").unwrap().index, bridge);
        let host = find("vh-1").unwrap();
        assert_eq!(
            (host.kind, host.controller),
            (Some(InfoKind::Veth), Some(bridge))
        );
        assert!(find("vc-1").is_some() && find("lo").is_some(), "{links:?}");
    });
}
