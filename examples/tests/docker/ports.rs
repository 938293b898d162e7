//! Published ports (`docker run -p`) on a dknet-bridge network, and the bridge's rules
//! beside each daemon's own firewall chains.
//!
//! The servers are busybox `nc -ll -p 80 -e echo pong` (busybox's `wget` crashes in
//! containers here), reached with `nc` from other containers through the host: the
//! gateway address of the client's own network is an address of the host, so a published
//! port answers there. Subnets 10.250.<n>.0/24.

use serde_json::json;

use super::cli::{docker, docker_fails, docker_ok, run, wait_for};
use super::lab::{firewall_rules_mentioning, pong_server, Lab, IMAGE};
use super::plugin::Kind;
use super::SOON;

/// What `nc` in `client` reads from `address:port` (5 s connect timeout).
fn fetch(client: &str, address: &str, port: u16) -> Result<String, String> {
    let port = port.to_string();
    let output = docker(&["exec", client, "nc", "-w", "5", address, &port]);
    match output.stdout.trim() {
        "" => Err(output.to_string()),
        text => Ok(text.to_owned()),
    }
}

/// Waits (at most [`SOON`]) for `client` to read `pong` from `address:port`.
#[track_caller]
fn assert_pong(client: &str, address: &str, port: u16) {
    let what = format!("{client} reading pong from {address}:{port}");
    let answer = wait_for(&what, SOON, || fetch(client, address, port));
    assert_eq!(answer, "pong", "{what}");
}

/// Asserts that `client` gets no answer from `address:port`.
#[track_caller]
fn assert_no_pong(client: &str, address: &str, port: u16) {
    let answer = fetch(client, address, port);
    assert!(
        answer.is_err(),
        "{client} reached {address}:{port}: {answer:?}"
    );
}

/// The host's NAT rules that name the host port `port`.
fn nat_rules_for(port: u16) -> Vec<String> {
    firewall_rules_mentioning(&port.to_string())
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_ports_published_port_answers_other_networks_and_its_own_until_removed() {
    let mut lab = Lab::start(Kind::Bridge, "ports");
    let net = lab.network("n", "--subnet 10.250.1.0/24 --gateway 10.250.1.1");
    let other = lab.network("o", "--subnet 10.250.2.0/24 --gateway 10.250.2.1");
    let server = pong_server(&mut lab, "srv", &net, "-p 18080:80");
    let far = lab.container("far", &other);
    let near = lab.container("near", &net);

    // From another network, through that network's gateway (an address of the host).
    assert_pong(&far, "10.250.2.1", 18080);
    // From the server's own network, through its gateway: the "hairpin" case.
    assert_pong(&near, "10.250.1.1", 18080);
    // A port that is not published is not forwarded.
    assert_no_pong(&far, "10.250.2.1", 18081);
    let state = lab.plugin.state().expect("the state file");
    let published: Vec<_> = state["endpoints"]
        .as_object()
        .expect("endpoints")
        .values()
        .filter_map(|endpoint| endpoint.get("published"))
        .collect();
    assert_eq!(published.len(), 1, "{state}");
    assert_eq!(published[0][0]["HostPort"], json!(18080), "{state}");

    docker_ok(&["rm", "-f", &server]);
    assert!(
        nat_rules_for(18080).is_empty(),
        "{:#?}",
        nat_rules_for(18080)
    );
    assert_no_pong(&far, "10.250.2.1", 18080);
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_ports_a_host_address_limits_the_port_to_that_address() {
    let mut lab = Lab::start(Kind::Bridge, "portip");
    let net = lab.network("n", "--subnet 10.250.3.0/24 --gateway 10.250.3.1");
    let other = lab.network("o", "--subnet 10.250.4.0/24 --gateway 10.250.4.1");
    pong_server(&mut lab, "srv", &net, "-p 10.250.3.1:18082:80");
    let far = lab.container("far", &other);

    assert_pong(&far, "10.250.3.1", 18082);
    assert_no_pong(&far, "10.250.4.1", 18082);
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_ports_the_published_port_follows_the_gateway_endpoint() {
    let mut lab = Lab::start(Kind::Bridge, "portgw");
    let first = lab.network("n1", "--subnet 10.250.5.0/24 --gateway 10.250.5.1");
    let second = lab.network("n2", "--subnet 10.250.6.0/24 --gateway 10.250.6.1");
    let client_net = lab.network("c", "--subnet 10.250.7.0/24 --gateway 10.250.7.1");
    let server = pong_server(&mut lab, "srv", &first, "-p 18083:80");
    let client = lab.container("cli", &client_net);
    assert_pong(&client, "10.250.7.1", 18083);

    // Once connected to a second network too and disconnected from the first, the
    // container's gateway endpoint is on the second network: dockerd revokes the port on
    // the first endpoint and programs it on the second.
    docker_ok(&["network", "connect", &second, &server]);
    docker_ok(&["network", "disconnect", &first, &server]);
    assert_pong(&client, "10.250.7.1", 18083);
    let rules = nat_rules_for(18083);
    assert!(
        rules.iter().all(|rule| !rule.contains("10.250.5.")),
        "a rule to the old endpoint is left: {rules:#?}"
    );
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_ports_that_cannot_be_served_are_refused_with_the_reason() {
    let mut lab = Lab::start(Kind::Bridge, "portbad");
    let net = lab.network("n", "--subnet 10.250.8.0/24");
    pong_server(&mut lab, "srv", &net, "-p 18084:80");

    let second = lab.container_name("dup");
    let stderr = docker_fails(&[
        "run",
        "-d",
        "--name",
        &second,
        "--network",
        &net,
        "-p",
        "18084:80",
        IMAGE,
        "true",
    ]);
    assert!(
        stderr.contains("host port 18084 is already published"),
        "{stderr}"
    );

    let loopback = lab.container_name("lo");
    let stderr = docker_fails(&[
        "run",
        "-d",
        "--name",
        &loopback,
        "--network",
        &net,
        "-p",
        "127.0.0.1:18085:80",
        IMAGE,
        "true",
    ]);
    assert!(
        stderr.contains("a loopback address needs a userland proxy"),
        "{stderr}"
    );
    assert!(
        nat_rules_for(18085).is_empty(),
        "{:#?}",
        nat_rules_for(18085)
    );
}

/// The chains of the `filter` table (`-N NAME` lines of `iptables -S`).
fn filter_chains() -> Vec<String> {
    let output = run("iptables", &["-w", "-S"], SOON).unwrap_or_else(|e| panic!("{e}"));
    assert!(output.success(), "{output}");
    output
        .stdout
        .lines()
        .filter_map(|line| line.strip_prefix("-N "))
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_rules_come_before_each_daemons_own_firewall_chains() {
    let mut lab = Lab::start(Kind::Bridge, "chains");
    let net = lab.network("n", "--subnet 10.250.9.0/24");
    lab.container("a", &net);
    let chains = filter_chains();
    if std::env::var("DKNET_DOCKER_FIREWALL").as_deref() == Ok("nftables") {
        // dockerd's nftables backend: Docker's rules are in tables of its own, beside the
        // bridge's iptables rules, and there is no DOCKER chain to come before.
        let tables = run("nft", &["list", "tables"], SOON).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            tables.stdout.contains("table ip docker-bridges"),
            "{tables}"
        );
        assert!(
            !chains.iter().any(|c| c.starts_with("DOCKER")),
            "{chains:?}"
        );
        return;
    }
    let version = std::env::var("DKNET_DOCKERD_VERSION").unwrap_or_default();
    let isolation = chains
        .iter()
        .any(|c| c.starts_with("DOCKER-ISOLATION-STAGE-"));
    if version.starts_with("29.") {
        // Docker 29's layout: DOCKER-INTERNAL, and no isolation stages any more.
        assert!(chains.iter().any(|c| c == "DOCKER-INTERNAL"), "{chains:?}");
        assert!(!isolation, "{chains:?}");
    } else {
        assert!(isolation, "dockerd {version}: {chains:?}");
        assert!(!chains.iter().any(|c| c == "DOCKER-INTERNAL"), "{chains:?}");
    }

    // The bridge's ACCEPT comes before the first jump into Docker's own chains, whatever
    // they are: the FORWARD policy is DROP and nothing of Docker's knows the bridge.
    // DOCKER-USER is the administrator's chain, which dockerd keeps first on purpose
    // (20.10 moves it back to the top whenever it touches the firewall).
    let output = run("iptables", &["-w", "-S", "FORWARD"], SOON).unwrap_or_else(|e| panic!("{e}"));
    let rules: Vec<&str> = output.stdout.lines().collect();
    let ours = rules
        .iter()
        .position(|rule| rule.contains("-j ACCEPT") && rule.contains(" -o dkb-"))
        .unwrap_or_else(|| panic!("no rule of the bridge: {rules:#?}"));
    let docker = rules
        .iter()
        .position(|rule| rule.contains("-j DOCKER") && !rule.ends_with("-j DOCKER-USER"))
        .unwrap_or_else(|| panic!("no jump to Docker's chains: {rules:#?}"));
    assert!(ours < docker, "{rules:#?}");
}
