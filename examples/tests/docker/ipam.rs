//! `dknet-ipam` (and `dknet-bridge --ipam`) against a real Docker daemon. Subnets:
//! automatic pools come from 10.212.0.0/16 and fd00:210:1::/48 (the plugin's
//! `--pool-range`s); pools the tests name are in 10.213.0.0/16 – 10.219.0.0/16.

use std::collections::BTreeSet;
use std::time::Duration;

use super::assert_reaches;
use super::cli::{docker, docker_fails, docker_ok, Background};
use super::lab::{endpoint_field, ipv4_of, ipv6_of, Lab, IMAGE};
use super::plugin::Kind;

/// The network's subnets (IPv4 first), as `docker network inspect` shows them.
fn subnets(network: &str) -> Vec<String> {
    let format = "{{range .IPAM.Config}}{{.Subnet}} {{end}}";
    let text = docker_ok(&["network", "inspect", "-f", format, network]);
    text.split_whitespace().map(str::to_owned).collect()
}

/// The network's IPv4 gateway.
fn gateway(network: &str) -> String {
    let format = "{{(index .IPAM.Config 0).Gateway}}";
    docker_ok(&["network", "inspect", "-f", format, network])
}

/// Every address the plugin's state file records, over all pools.
fn recorded_addresses(lab: &Lab) -> Vec<String> {
    let Some(state) = lab.plugin.state() else {
        return Vec::new();
    };
    let addresses = state["addresses"]
        .as_object()
        .expect("addresses are recorded by address");
    addresses.keys().cloned().collect()
}

fn in_prefix(address: &str, prefix: &str) -> bool {
    let address: std::net::IpAddr = address.parse().expect("an address");
    let prefix: ipnet::IpNet = prefix.parse().expect("a prefix");
    prefix.contains(&address)
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_networks_get_distinct_pools_and_containers_distinct_addresses() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-pools");
    let first = lab.ipam_network("a", "");
    let second = lab.ipam_network("b", "");
    let (pool_a, pool_b) = (subnets(&first)[0].clone(), subnets(&second)[0].clone());
    assert_ne!(pool_a, pool_b);
    for pool in [&pool_a, &pool_b] {
        assert!(
            pool.ends_with("/24") && in_prefix(&pool[..pool.len() - 3], "10.212.0.0/16"),
            "{pool}"
        );
    }
    let one = lab.container("one", &first);
    let two = lab.container("two", &first);
    let (a, b) = (ipv4_of(&one, &first), ipv4_of(&two, &first));
    assert_ne!(a, b);
    assert!(
        in_prefix(&a, &pool_a) && in_prefix(&b, &pool_a),
        "{a} {b} in {pool_a}"
    );
    assert_reaches(&one, &b);
    assert_reaches(&two, &a);
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_subnet_ip_range_gateway_aux_address_and_ip_are_honoured() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-user");
    let net = lab.ipam_network(
        "n",
        "--subnet 10.213.0.0/24 --ip-range 10.213.0.128/25 --gateway 10.213.0.254 \
         --aux-address host1=10.213.0.5",
    );
    assert_eq!(subnets(&net), ["10.213.0.0/24"]);
    assert_eq!(gateway(&net), "10.213.0.254");
    let auto = lab.container("auto", &net);
    let address = ipv4_of(&auto, &net);
    assert!(
        in_prefix(&address, "10.213.0.128/25"),
        "{address} from the --ip-range"
    );
    let fixed = lab.container_name("fixed");
    docker_ok(&[
        "run",
        "-d",
        "--name",
        &fixed,
        "--network",
        &net,
        "--ip",
        "10.213.0.200",
        IMAGE,
        "sleep",
        "300",
    ]);
    assert_eq!(ipv4_of(&fixed, &net), "10.213.0.200");
    // The aux address is reserved: nobody else gets it.
    let clash = lab.container_name("clash");
    let error = docker_fails(&[
        "run",
        "-d",
        "--name",
        &clash,
        "--network",
        &net,
        "--ip",
        "10.213.0.5",
        IMAGE,
        "true",
    ]);
    assert!(error.contains("10.213.0.5 is already in use"), "{error}");
    let recorded = recorded_addresses(&lab);
    for expected in [
        "10.213.0.254",
        "10.213.0.5",
        "10.213.0.200",
        address.as_str(),
    ] {
        assert!(
            recorded.iter().any(|a| a == expected),
            "{expected} in {recorded:?}"
        );
    }
    // Another network cannot take an overlapping subnet.
    let name = format!("{}-overlap", lab.driver());
    let error = docker_fails(&[
        "network",
        "create",
        "--ipam-driver",
        lab.driver(),
        "--subnet",
        "10.213.0.0/16",
        &name,
    ]);
    assert!(error.contains("overlaps 10.213.0.0/24"), "{error}");
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_ipv6_pools_give_containers_ipv6_addresses_that_ping() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-v6");
    let net = lab.ipam_network("n", "--ipv6");
    let pools = subnets(&net);
    assert_eq!(pools.len(), 2, "{pools:?}");
    let v6 = pools
        .iter()
        .find(|p| p.contains(':'))
        .expect("an IPv6 pool");
    assert!(v6.starts_with("fd00:210:1:") && v6.ends_with("/64"), "{v6}");
    let one = lab.container("one", &net);
    let two = lab.container("two", &net);
    let (a, b) = (ipv6_of(&one, &net), ipv6_of(&two, &net));
    assert_ne!(a, b);
    assert!(in_prefix(&a, v6) && in_prefix(&b, v6), "{a} {b} in {v6}");
    assert_reaches(&one, &b);
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_an_exhausted_pool_fails_docker_run_with_the_allocators_message() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-full");
    // A /29: network, broadcast, the gateway, and five addresses.
    let net = lab.ipam_network("n", "--subnet 10.214.0.0/29");
    let mut addresses = BTreeSet::new();
    for index in 0..5 {
        let container = lab.container(&format!("c{index}"), &net);
        assert!(addresses.insert(ipv4_of(&container, &net)));
    }
    let extra = lab.container_name("extra");
    let error = docker_fails(&[
        "run",
        "-d",
        "--name",
        &extra,
        "--network",
        &net,
        IMAGE,
        "true",
    ]);
    assert!(error.contains("pool 10.214.0.0/29 is full"), "{error}");
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_a_restarted_plugin_hands_out_no_duplicate() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-restart");
    let net = lab.ipam_network("n", "--subnet 10.215.0.0/24");
    let before = lab.container("before", &net);
    lab.plugin.stop();
    lab.plugin.restart();
    let after = lab.container("after", &net);
    assert_ne!(ipv4_of(&before, &net), ipv4_of(&after, &net));
    // The killed plugin's state is just as good.
    lab.plugin.kill();
    lab.plugin.restart();
    let last = lab.container("last", &net);
    let all: BTreeSet<String> = [&before, &after, &last]
        .iter()
        .map(|c| ipv4_of(c, &net))
        .collect();
    assert_eq!(all.len(), 3, "{all:?}");
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_after_removal_pools_and_addresses_are_reusable() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-reuse");
    let net = lab.ipam_network("n", "--subnet 10.216.0.0/24");
    let first = lab.container_name("first");
    docker_ok(&[
        "run",
        "--rm",
        "--name",
        &first,
        "--network",
        &net,
        "--ip",
        "10.216.0.10",
        IMAGE,
        "true",
    ]);
    // The same address again, now that the first container is gone.
    let second = lab.container_name("second");
    docker_ok(&[
        "run",
        "--rm",
        "--name",
        &second,
        "--network",
        &net,
        "--ip",
        "10.216.0.10",
        IMAGE,
        "true",
    ]);
    lab.remove_all();
    assert_eq!(
        recorded_addresses(&lab),
        Vec::<String>::new(),
        "all released"
    );
    let state = lab.plugin.state().unwrap_or_default();
    assert!(
        crate::state_files::is_empty(&state),
        "the pool too: {state}"
    );
    // The pool itself is free again.
    let again = lab.ipam_network("again", "--subnet 10.216.0.0/24");
    assert_eq!(subnets(&again), ["10.216.0.0/24"]);
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_network_and_ipam_drivers_on_one_socket() {
    let mut lab = Lab::start(Kind::BridgeIpam, "ipam-both");
    let ipam = format!("--ipam-driver {}", lab.driver());
    let net = lab.network("n", &ipam);
    let pool = subnets(&net)[0].clone();
    assert!(
        pool.starts_with("10.212."),
        "{pool} from the plugin's own range"
    );
    let format = "{{.Driver}} {{.IPAM.Driver}}";
    let drivers = docker_ok(&["network", "inspect", "-f", format, &net]);
    assert_eq!(drivers, format!("{0} {0}", lab.driver()));
    let one = lab.container("one", &net);
    let two = lab.container("two", &net);
    assert_reaches(&one, &ipv4_of(&two, &net));
    lab.remove_all();
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn ipam_twenty_containers_at_once_get_distinct_addresses_all_released_after() {
    let mut lab = Lab::start(Kind::Ipam, "ipam-twenty");
    let net = lab.ipam_network("n", "--subnet 10.217.0.0/24");
    let names: Vec<String> = (0..20)
        .map(|i| lab.container_name(&format!("c{i}")))
        .collect();
    let runs: Vec<Background> = names
        .iter()
        .map(|name| {
            Background::docker(&format!(
                "run -d --name {name} --network {net} {IMAGE} sleep 300"
            ))
        })
        .collect();
    for run in runs {
        let output = run.wait(Duration::from_secs(120));
        assert!(output.success(), "{output}");
    }
    let addresses: BTreeSet<String> = names.iter().map(|name| ipv4_of(name, &net)).collect();
    assert_eq!(addresses.len(), 20, "{addresses:?}");
    let gateway_address = endpoint_field(&names[0], &net, "Gateway");
    // One `docker rm -f` of all twenty: the releases arrive concurrently.
    let mut remove = vec!["rm", "-f"];
    remove.extend(names.iter().map(String::as_str));
    let output = docker(&remove);
    assert!(output.success(), "{output}");
    assert_eq!(
        recorded_addresses(&lab),
        [gateway_address],
        "only the gateway is left"
    );
    lab.remove_all();
}
