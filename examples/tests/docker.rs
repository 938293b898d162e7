//! The example plugins against a real Docker daemon.
//!
//! Every test is `#[ignore]`d: it needs root, a Docker daemon and the `busybox:dknet` image.
//! `scripts/docker-tests` provides them (a private dockerd 20.10.24, 28.5.2, 29.7.2, then 29.7.2
//! with `--firewall-backend=nftables`) and runs
//!
//! ```text
//! cargo test -p dknet-examples --test docker -- --ignored --test-threads=1
//! ```
//!
//! with `DOCKER_HOST`, `DKNET_DOCKERD_VERSION`, `DKNET_DOCKER_FIREWALL` (`iptables` or
//! `nftables`), `DKNET_DOCKER_SUITE=1` and `DKNET_DOCKERD_LOG` set and the matching `docker`
//! client first on `PATH`. When Docker is not usable the tests fail; they never pass by
//! skipping.
//!
//! Each test starts its own plugin process (the binaries built with this package) under a
//! name of its own, `dknet-t-<label>-<pid>`, with its state in a temporary directory, and
//! uses subnets of its own (10.201.<n>.0/24, fd00:dead:<n>::/64). A [`Lab`] removes its
//! containers, networks and plugin when the test ends, and prints the plugin's log and the
//! end of dockerd's log when it fails. Tests share the daemon (and the host's firewall), so
//! they run one at a time.

#[path = "docker/cli.rs"]
mod cli;
#[path = "docker/hardening.rs"]
mod hardening;
#[path = "docker/ipam.rs"]
mod ipam;
#[path = "docker/isolation.rs"]
mod isolation;
#[path = "docker/lab.rs"]
mod lab;
#[path = "docker/managed.rs"]
mod managed;
#[path = "docker/plugin.rs"]
mod plugin;
#[path = "docker/ports.rs"]
mod ports;
#[path = "support/state.rs"]
mod state_files;
#[path = "docker/timing.rs"]
mod timing;

use std::time::Duration;

use cli::{docker_fails, docker_ok, wait_for, Background};
use dknet_examples::linux::names;
use lab::{
    endpoint_field, exec, firewall_rules_mentioning, host_links, interfaces, ipv4_of, ipv6_of,
    network_id, ping, run_once, run_once_with, Lab, IMAGE,
};
use plugin::Kind;
use serde_json::json;

/// How long to wait for something that should happen at once (an interface appearing in a
/// container, a ping getting through): generous, as the machine may be busy.
const SOON: Duration = Duration::from_secs(10);

/// Pings `address` from `container` until an answer comes, for at most [`SOON`].
#[track_caller]
fn assert_reaches(container: &str, address: &str) {
    wait_for(&format!("{container} reaching {address}"), SOON, || {
        ping(container, address)
    });
}

// ----- dknet-noop ---------------------------------------------------------------------------

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn noop_network_is_created_inspected_used_and_removed() {
    let mut lab = Lab::start(Kind::Noop, "noop");
    let net = lab.network("n", "--subnet 10.201.1.0/24");
    let driver = docker_ok(&["network", "inspect", "-f", "{{.Driver}}", &net]);
    assert_eq!(driver, lab.driver());

    // The noop driver answers `Join` with no interface: the container gets nothing from the
    // plugin (the address IPAM picked for it is on no interface; dockerd attaches the
    // container to its own `docker_gwbridge` for a way out), and it runs all the same.
    let addresses = run_once(&net, "ip -o -4 addr show");
    assert!(!addresses.contains("10.201.1."), "{addresses}");
    run_once(&net, "true");

    lab.remove_all();
    docker_fails(&["network", "inspect", &net]);
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn noop_over_tcp_is_found_through_its_spec_file() {
    let mut lab = Lab::start(Kind::NoopTcp, "tcp");
    let spec = std::fs::read_to_string(lab.plugin.spec_file()).expect("the spec file");
    let port = spec
        .trim()
        .strip_prefix("tcp://127.0.0.1:")
        .and_then(|port| port.parse::<u16>().ok());
    assert!(
        matches!(port, Some(p) if p != 0),
        "the spec file names the port bound: {spec:?}"
    );

    let net = lab.network("n", "--subnet 10.201.2.0/24");
    let driver = docker_ok(&["network", "inspect", "-f", "{{.Driver}}", &net]);
    assert_eq!(driver, lab.driver());
    lab.remove_all();

    lab.plugin.stop(); // which also checks that the spec file is gone
}

// ----- dknet-bridge: traffic ----------------------------------------------------------------

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_containers_ping_each_other_by_ip_with_the_firewall_on() {
    let mut lab = Lab::start(Kind::Bridge, "ping");
    // The point of the test: dockerd's firewall drops forwarded traffic by default, so the
    // plugin must let its own bridge's traffic through. (With its nftables backend, dockerd
    // leaves forwarding and the policy to the host; the bridge's traffic must pass all the
    // same, beside the isolation rules.)
    if std::env::var("DKNET_DOCKER_FIREWALL").as_deref() != Ok("nftables") {
        let policy = cli::run("iptables", &["-w", "-S", "FORWARD"], SOON).expect("iptables");
        assert!(
            policy.stdout.lines().any(|l| l == "-P FORWARD DROP"),
            "dockerd set the FORWARD policy to DROP: {policy}"
        );
    }

    let net = lab.network("n", "--subnet 10.201.3.0/24");
    let a = lab.container("a", &net);
    let b = lab.container("b", &net);
    assert_reaches(&b, &ipv4_of(&a, &net));
    assert_reaches(&a, &ipv4_of(&b, &net));
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_mtu_option_is_seen_inside_the_container() {
    let mut lab = Lab::start(Kind::Bridge, "mtu");
    let net = lab.network("n", "--subnet 10.201.4.0/24 -o mtu=1400");
    let a = lab.container("a", &net);
    assert_eq!(exec(&a, &["cat", "/sys/class/net/eth0/mtu"]), "1400");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_container_has_only_lo_and_eth0_and_a_default_route_via_the_gateway() {
    let mut lab = Lab::start(Kind::Bridge, "route");
    let net = lab.network("n", "--subnet 10.201.5.0/24 --gateway 10.201.5.1");
    let a = lab.container("a", &net);
    assert_eq!(interfaces(&a), ["eth0", "lo"]);
    let route = exec(&a, &["ip", "-4", "route", "show", "default"]);
    assert_eq!(
        route.split_whitespace().collect::<Vec<_>>(),
        ["default", "via", "10.201.5.1", "dev", "eth0"],
        "{route}"
    );
    assert_eq!(endpoint_field(&a, &net, "Gateway"), "10.201.5.1");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_ipv6_network_carries_ipv6_between_containers() {
    let mut lab = Lab::start(Kind::Bridge, "ipv6");
    let net = lab.network(
        "n",
        "--ipv6 --subnet fd00:dead:6::/64 --gateway fd00:dead:6::1 --subnet 10.201.6.0/24",
    );
    let a = lab.container("a", &net);
    let b = lab.container("b", &net);
    let a6 = ipv6_of(&a, &net);
    assert!(a6.starts_with("fd00:dead:6:"), "{a6}");
    assert_reaches(&b, &a6);
    assert_reaches(&a, &ipv6_of(&b, &net));
    assert_reaches(&a, &ipv4_of(&b, &net));
    let route = exec(&a, &["ip", "-6", "route", "show", "default"]);
    assert!(
        route.starts_with("default via fd00:dead:6::1 dev eth0"),
        "{route}"
    );
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_network_connect_and_disconnect_on_a_running_container() {
    let mut lab = Lab::start(Kind::Bridge, "connect");
    let first = lab.network("n1", "--subnet 10.201.7.0/24");
    let second = lab.network("n2", "--subnet 10.201.8.0/24");
    let a = lab.container("a", &first);
    let b = lab.container("b", &second);
    assert_eq!(interfaces(&a), ["eth0", "lo"]);

    docker_ok(&["network", "connect", &second, &a]);
    assert_eq!(interfaces(&a), ["eth0", "eth1", "lo"]);
    let a_on_second = ipv4_of(&a, &second);
    assert!(a_on_second.starts_with("10.201.8."), "{a_on_second}");
    let shown = exec(&a, &["ip", "-o", "-4", "addr", "show", "eth1"]);
    assert!(shown.contains(&format!("{a_on_second}/24")), "{shown}");
    assert_reaches(&b, &a_on_second);
    assert_reaches(&a, &ipv4_of(&b, &second));

    docker_ok(&["network", "disconnect", &second, &a]);
    assert_eq!(interfaces(&a), ["eth0", "lo"]);
    assert!(
        ping(&b, &a_on_second).is_err(),
        "{a_on_second} still answers after the disconnect"
    );
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_container_keeps_the_ip_and_mac_given_to_docker_run() {
    let mut lab = Lab::start(Kind::Bridge, "static");
    let net = lab.network("n", "--subnet 10.201.16.0/24");
    // dockerd refuses a `CreateEndpoint` answer that repeats the MAC it chose: the driver
    // must use it without echoing it.
    let options = "--ip 10.201.16.77 --mac-address 02:42:0a:c9:10:4d";
    let mac = run_once_with(&net, options, "cat /sys/class/net/eth0/address");
    assert_eq!(mac, "02:42:0a:c9:10:4d");
    let shown = run_once_with(&net, options, "ip -o -4 addr show eth0");
    assert!(shown.contains("inet 10.201.16.77/24"), "{shown}");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_internal_network_joins_its_containers_but_has_no_way_out() {
    let mut lab = Lab::start(Kind::Bridge, "internal");
    let internal = lab.network("int", "--internal --subnet 10.201.9.0/24");
    let outside = lab.network("out", "--subnet 10.201.10.0/24");
    let a = lab.container("a", &internal);
    let b = lab.container("b", &internal);
    let c = lab.container("c", &outside);

    assert_reaches(&b, &ipv4_of(&a, &internal));
    // What the bridge driver implements for `--internal`: `Join` gives no gateway, so the
    // containers get no default route, and the firewall drops whatever would cross the
    // bridge's edge, so a container elsewhere (which has a way out) cannot get in either.
    assert_eq!(interfaces(&a), ["eth0", "lo"]);
    let routes = exec(&a, &["ip", "-4", "route", "show"]);
    assert!(!routes.contains("default"), "{routes}");
    assert!(
        ping(&a, &ipv4_of(&c, &outside)).is_err(),
        "a container on an internal network reached another network"
    );
    assert!(
        ping(&c, &ipv4_of(&a, &internal)).is_err(),
        "a container on another network reached the internal one"
    );
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_option_errors_reach_the_cli_naming_the_key() {
    let lab = Lab::start(Kind::Bridge, "badopt");
    for (option, key) in [("mtu=abc", "mtu"), ("colour=red", "colour")] {
        let name = format!("{}-bad", lab.driver());
        let stderr = docker_fails(&["network", "create", "-d", lab.driver(), "-o", option, &name]);
        assert!(stderr.contains(&format!("`{key}`")), "{option}: {stderr}");
        docker_fails(&["network", "inspect", &name]);
    }
    // Entries are written on a change only: a refused network changes nothing.
    let state = lab.plugin.state().unwrap_or_default();
    assert!(
        state_files::is_empty(&state),
        "a refused network was recorded: {state}"
    );
}

// ----- dknet-bridge: the plugin restarting --------------------------------------------------

/// A container started before `interrupt` (a plugin stop) and one started after the plugin
/// came back reach each other, and everything can be removed.
fn keeps_working_across(label: &str, subnet: &str, interrupt: impl FnOnce(&mut Lab)) {
    let mut lab = Lab::start(Kind::Bridge, label);
    let net = lab.network("n", &format!("--subnet {subnet}"));
    let a = lab.container("a", &net);

    interrupt(&mut lab);
    lab.plugin.restart();

    let b = lab.container("b", &net);
    assert_reaches(&b, &ipv4_of(&a, &net));
    assert_reaches(&a, &ipv4_of(&b, &net));
    lab.remove_all();
    let state = lab.plugin.state().expect("the state file");
    assert_eq!(state["networks"], json!({}), "{state}");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_keeps_working_after_a_sigterm_restart() {
    keeps_working_across("sigterm", "10.201.11.0/24", |lab| lab.plugin.stop());
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_keeps_working_after_a_kill_9_restart() {
    keeps_working_across("kill9", "10.201.12.0/24", |lab| {
        lab.plugin.kill();
        assert!(
            lab.plugin.socket().exists(),
            "a killed plugin leaves its socket file: the restart must replace it"
        );
    });
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_plugin_gone_for_3s_during_docker_run_is_waited_for() {
    let mut lab = Lab::start(Kind::Bridge, "vanish");
    let net = lab.network("n", "--subnet 10.201.13.0/24");
    let name = lab.container_name("run");

    lab.plugin.stop();
    let mut run = Background::docker(&format!(
        "run --rm --name {name} --network {net} {IMAGE} true"
    ));
    // dockerd retries a plugin it cannot reach for about 15 s; come back well within that.
    std::thread::sleep(Duration::from_secs(3));
    assert!(run.is_running(), "`docker run` did not wait for the plugin");
    lab.plugin.restart();

    let output = run.wait(Duration::from_secs(90));
    assert!(output.success(), "{output}");
}

// ----- dknet-bridge: clean-up ---------------------------------------------------------------

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_concurrent_starts_and_one_rm_of_many_containers_are_all_recorded_and_undone() {
    let mut lab = Lab::start(Kind::Bridge, "many");
    let net = lab.network("n", "--subnet 10.201.17.0/24");
    let names: Vec<String> = (0..6)
        .map(|i| lab.container_name(&format!("c{i}")))
        .collect();
    // dockerd handles these requests concurrently: the driver must not lose any update.
    let starts: Vec<Background> = names
        .iter()
        .map(|name| {
            Background::docker(&format!(
                "run -d --name {name} --network {net} {IMAGE} sleep 300"
            ))
        })
        .collect();
    for start in starts {
        let output = start.wait(cli::COMMAND_TIMEOUT);
        assert!(output.success(), "{output}");
    }
    let endpoints = |lab: &Lab| lab.plugin.state().expect("the state")["endpoints"].clone();
    assert_eq!(endpoints(&lab).as_object().map(|e| e.len()), Some(6));
    assert_reaches(&names[0], &ipv4_of(&names[5], &net));

    let mut rm = vec!["rm", "-f"];
    rm.extend(names.iter().map(String::as_str));
    docker_ok(&rm);
    assert_eq!(endpoints(&lab), json!({}));
    let left = host_links(&["dkv-", "dkc-"]);
    assert!(left.is_empty(), "veths left behind: {left:?}");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_leaves_no_bridge_veth_rule_or_state_once_everything_is_removed() {
    let mut lab = Lab::start(Kind::Bridge, "clean");
    let dual = lab.network(
        "dual",
        "--ipv6 --subnet fd00:dead:14::/64 --subnet 10.201.14.0/24 -o mtu=1400",
    );
    let internal = lab.network("int", "--internal --subnet 10.201.15.0/24");
    let a = lab.container("a", &dual);
    let b = lab.container("b", &internal);
    docker_ok(&["network", "connect", &internal, &a]);
    docker_ok(&["network", "disconnect", &internal, &a]);
    docker_ok(&["network", "connect", &internal, &a]);
    run_once(&dual, "true");

    let bridges: Vec<String> = [&dual, &internal]
        .iter()
        .map(|net| names::bridge_name(&network_id(net)))
        .collect();
    let veths: Vec<String> = [(&a, &dual), (&a, &internal), (&b, &internal)]
        .iter()
        .map(|(c, net)| names::host_veth_name(&endpoint_field(c, net, "EndpointID")))
        .collect();
    for link in bridges.iter().chain(&veths) {
        assert!(host_links(&[link]).contains(link), "{link} was not made");
    }
    let state = lab.plugin.state().expect("the state file");
    assert_eq!(
        state["networks"].as_object().map(|n| n.len()),
        Some(2),
        "{state}"
    );
    assert_eq!(
        state["endpoints"].as_object().map(|e| e.len()),
        Some(3),
        "{state}"
    );

    lab.remove_all();

    let left = host_links(&["dkb-", "dkv-", "dkc-"]);
    assert!(left.is_empty(), "links left behind: {left:?}");
    for bridge in &bridges {
        let rules = firewall_rules_mentioning(bridge);
        assert!(rules.is_empty(), "firewall rules left behind: {rules:#?}");
    }
    let state = lab.plugin.state().expect("the state file");
    assert_eq!(state["networks"], json!({}), "{state}");
    assert_eq!(state["endpoints"], json!({}), "{state}");
}
