//! Isolation: dknet-bridge networks kept apart from each other and from Docker's own bridge
//! networks (the default bridge and a user-defined one), in both directions, as Docker
//! keeps its own networks apart; replies, published ports (hairpin included) and the way
//! out still work, and `-o isolate=false` opens one network.
//!
//! Every container runs a server, busybox `nc -ll -p 80 -e echo pong`, and connections
//! are tried with busybox `nc -w` from inside the others (`docker exec`); the refusals are
//! tried all at once, so the test waits for one `nc` timeout, not one per pair. "The
//! outside" is a network namespace made by the test, behind a veth pair on the host, with
//! a server of its own. Subnets 10.201.50.0/24 to 10.201.59.0/24 and 10.201.250.0/24.

use std::process::{self, Child, Command, Stdio};
use std::thread;
use std::time::Duration;

use super::cli::{docker, docker_fails, docker_ok, run, wait_for};
use super::lab::{ipv4_of, pong_server, Lab};
use super::plugin::Kind;
use super::SOON;

/// How long `nc` waits for a connection that should be refused (dropped, so only a
/// timeout ends it).
const REFUSED_AFTER: &str = "3";

/// What `nc -w SECONDS` run by `command` (a container's `docker exec`, or a host
/// command) reads from `address:port`: `Ok` with the text, `Err` when nothing came.
fn fetch(command: &[&str], address: &str, port: u16, seconds: &str) -> Result<String, String> {
    let port = port.to_string();
    let mut args = command[1..].to_vec();
    args.extend(["nc", "-w", seconds, address, &port]);
    let output = run(command[0], &args, SOON + Duration::from_secs(5))?;
    match output.stdout.trim() {
        "" => Err(output.to_string()),
        text => Ok(text.to_owned()),
    }
}

/// Where a connection is made from: a container, or a command on the host.
#[derive(Clone, Copy)]
enum Client<'a> {
    /// `docker exec CONTAINER nc ...`.
    Container(&'a str),
    /// `ip netns exec NAMESPACE busybox nc ...` (or `busybox nc` on the host for `None`).
    Namespace(Option<&'a str>),
}

impl Client<'_> {
    fn command(&self) -> Vec<&str> {
        match self {
            Client::Container(name) => vec!["docker", "exec", name],
            Client::Namespace(Some(namespace)) => vec!["ip", "netns", "exec", namespace, "busybox"],
            Client::Namespace(None) => vec!["busybox"],
        }
    }

    fn name(&self) -> String {
        match self {
            Client::Container(name) => name.to_string(),
            Client::Namespace(Some(namespace)) => format!("namespace {namespace}"),
            Client::Namespace(None) => "the host".to_owned(),
        }
    }
}

/// Waits (at most [`SOON`]) for `from` to read `pong` from `address:port`.
#[track_caller]
fn assert_pong(from: Client<'_>, address: &str, port: u16) {
    let what = format!("{} reading pong from {address}:{port}", from.name());
    let answer = wait_for(&what, SOON, || fetch(&from.command(), address, port, "5"));
    assert_eq!(answer, "pong", "{what}");
}

/// Tries every `(from, address)` connection to port 80 at once; fails naming each one that
/// got an answer.
#[track_caller]
fn assert_all_refused(attempts: &[(Client<'_>, String)]) {
    let reached: Vec<String> = thread::scope(|scope| {
        let tries: Vec<_> = attempts
            .iter()
            .map(|(from, address)| {
                scope.spawn(move || {
                    fetch(&from.command(), address, 80, REFUSED_AFTER)
                        .ok()
                        .map(|answer| format!("{} reached {address}: {answer}", from.name()))
                })
            })
            .collect();
        tries
            .into_iter()
            .filter_map(|attempt| attempt.join().expect("a connection attempt"))
            .collect()
    });
    assert!(reached.is_empty(), "not isolated: {reached:#?}");
}

/// A Docker bridge network (Docker's own driver), removed when dropped; create it before
/// the [`Lab`] whose containers use it, so that they are removed first.
struct DockerNetwork(String);

impl DockerNetwork {
    #[track_caller]
    fn create(name: String, subnet: &str) -> Self {
        docker_ok(&["network", "create", "--subnet", subnet, &name]);
        Self(name)
    }
}

impl Drop for DockerNetwork {
    fn drop(&mut self) {
        let output = docker(&["network", "rm", &self.0]);
        if !output.success() && !thread::panicking() {
            panic!("removing network {}: {output}", self.0);
        }
    }
}

/// "The outside": a network namespace behind a veth pair, the host end 10.201.250.1/24,
/// the namespace's end 10.201.250.2/24 with a `pong` server on port 80. Removed when
/// dropped.
struct Outside {
    namespace: String,
    host_end: String,
    server: Child,
}

impl Outside {
    const HOST: &'static str = "10.201.250.1";
    const FAR: &'static str = "10.201.250.2";

    #[track_caller]
    fn create() -> Self {
        let tag = process::id() % 100_000;
        let namespace = format!("dknet-t-out-{tag}");
        let host_end = format!("dkto{tag}h");
        let far_end = format!("dkto{tag}n");
        let ip = |args: &str| {
            let args: Vec<&str> = args.split_whitespace().collect();
            let output = run("ip", &args, SOON).unwrap_or_else(|e| panic!("{e}"));
            assert!(output.success(), "{output}");
        };
        ip(&format!("netns add {namespace}"));
        ip(&format!(
            "link add {host_end} type veth peer name {far_end} netns {namespace}"
        ));
        ip(&format!("addr add {}/24 dev {host_end}", Self::HOST));
        ip(&format!("link set {host_end} up"));
        let inside = format!("netns exec {namespace} ip");
        ip(&format!("{inside} addr add {}/24 dev {far_end}", Self::FAR));
        ip(&format!("{inside} link set {far_end} up"));
        ip(&format!("{inside} link set lo up"));
        let server = Command::new("ip")
            .args([
                "netns", "exec", &namespace, "busybox", "nc", "-ll", "-p", "80",
            ])
            .args(["-e", "echo", "pong"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting busybox nc in the namespace");
        Self {
            namespace,
            host_end,
            server,
        }
    }
}

impl Drop for Outside {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
        let _ = run("ip", &["link", "del", &self.host_end], SOON);
        let _ = run("ip", &["netns", "del", &self.namespace], SOON);
    }
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_isolation_keeps_networks_apart_but_not_replies_published_ports_or_the_way_out() {
    let outside = Outside::create();
    let user = DockerNetwork::create(
        format!("dknet-t-iso-user-{}", process::id()),
        "10.201.52.0/24",
    );
    let mut lab = Lab::start(Kind::Bridge, "iso");
    let net_a = lab.network("a", "--subnet 10.201.50.0/24 --gateway 10.201.50.1");
    let net_b = lab.network("b", "--subnet 10.201.51.0/24 --gateway 10.201.51.1");
    let internal = lab.network("int", "--internal --subnet 10.201.53.0/24");
    let a = pong_server(&mut lab, "a", &net_a, "-p 18211:80");
    let a2 = pong_server(&mut lab, "a2", &net_a, "");
    let b = pong_server(&mut lab, "b", &net_b, "");
    let default = pong_server(&mut lab, "d", "bridge", "");
    let u = pong_server(&mut lab, "u", &user.0, "-p 18212:80");
    let i = pong_server(&mut lab, "i", &internal, "");
    let address = |container: &str, network: &str| ipv4_of(container, network);
    let (ip_a, ip_b, ip_d) = (
        address(&a, &net_a),
        address(&b, &net_b),
        address(&default, "bridge"),
    );
    let (ip_u, ip_i) = (address(&u, &user.0), address(&i, &internal));

    // Every server answers (the host reaches every bridge), so a refusal below is the
    // firewall's doing; and a neighbour on the same network gets through.
    for ip in [&ip_a, &ip_b, &ip_d, &ip_u, &ip_i] {
        assert_pong(Client::Namespace(None), ip, 80);
    }
    assert_pong(Client::Container(&a2), &ip_a, 80);

    // No new connection across networks, in either direction: dknet to dknet, to and
    // from the default bridge, to and from a user-defined bridge, to and from an internal
    // network.
    let attempts = [
        (Client::Container(&a), ip_b.clone()),
        (Client::Container(&b), ip_a.clone()),
        (Client::Container(&a), ip_d.clone()),
        (Client::Container(&default), ip_a.clone()),
        (Client::Container(&a), ip_u.clone()),
        (Client::Container(&u), ip_a.clone()),
        (Client::Container(&a), ip_i.clone()),
        (Client::Container(&i), ip_a.clone()),
    ];
    assert_all_refused(&attempts);

    // Published ports are the way in, from every kind of network and from the outside,
    // through an address of the host (here network a's gateway); hairpin included. Each
    // answer is a reply crossing back.
    let published = "10.201.50.1";
    for client in [&b, &default, &u, &a2] {
        assert_pong(Client::Container(client), published, 18211);
    }
    assert_pong(
        Client::Namespace(Some(&outside.namespace)),
        Outside::HOST,
        18211,
    );
    // Docker's published port, from a dknet network; and the way out.
    assert_pong(Client::Container(&a), published, 18212);
    assert_pong(Client::Container(&a), Outside::FAR, 80);
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn bridge_isolation_off_opens_one_network_and_is_checked_like_other_options() {
    let mut lab = Lab::start(Kind::Bridge, "isooff");
    let open = lab.network(
        "open",
        "-o isolate=false --subnet 10.201.54.0/24 --gateway 10.201.54.1",
    );
    let closed = lab.network("closed", "--subnet 10.201.55.0/24 --gateway 10.201.55.1");
    let n = pong_server(&mut lab, "n", &open, "");
    let c = pong_server(&mut lab, "c", &closed, "");
    let default = pong_server(&mut lab, "d", "bridge", "");
    let (ip_n, ip_c) = (ipv4_of(&n, &open), ipv4_of(&c, &closed));
    assert_pong(Client::Namespace(None), &ip_c, 80);

    // Into the open network from an isolated one and from Docker's default bridge...
    assert_pong(Client::Container(&c), &ip_n, 80);
    assert_pong(Client::Container(&default), &ip_n, 80);
    // ...but the isolated network stays closed to it.
    assert_all_refused(&[(Client::Container(&n), ip_c)]);

    for (options, expected) in [
        (&["-o", "isolate=maybe"][..], "`isolate`"),
        (
            &["--internal", "-o", "isolate=false"][..],
            "invalid option `isolate`: an --internal network",
        ),
    ] {
        let name = format!("{}-bad", lab.driver());
        let mut args = vec!["network", "create", "-d", lab.driver()];
        args.extend_from_slice(options);
        args.push(&name);
        let stderr = docker_fails(&args);
        assert!(stderr.contains(expected), "{options:?}: {stderr}");
    }
}
