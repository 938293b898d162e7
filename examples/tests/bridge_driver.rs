//! The bridge driver end to end without Docker: requests go through `dknet::testing::Client`
//! (which speaks like dockerd) to the driver, which works on the real kernel inside a
//! network namespace of the test's own (see `support`). These tests need root and iptables,
//! so they are `#[ignore]`d: `scripts/docker-tests` runs them
//! (`cargo test -p dknet-examples --test bridge_driver -- --ignored`).

mod support;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use dknet::network::{
    CreateEndpointRequest, CreateNetworkRequest, DeleteEndpointRequest, DeleteNetworkRequest,
    InterfaceName, IpamData, JoinRequest, LeaveRequest, MacAddress,
};
use dknet::testing::Client;
use dknet::Plugin;
use dknet_examples::bridge::BridgeDriver;
use dknet_examples::linux::names;
use dknet_examples::linux::netlink::{InfoKind, Link, Netlink};
use ipnet::IpNet;
use support::{count_rule, in_netns, iptables_rules, link_names, BridgeProcess};
use tempfile::TempDir;

const NETWORK: &str = "2c994884d9571d414957c407cffa45d623a3586849875f81006d8bafff02fdf2";
const BRIDGE: &str = "dkb-2c994884d95";
const ENDPOINT: &str = "9b39474d280ea196c0d005e9ef78c8a9c45290690d272051b2a0ef3075609d70";
const HOST_VETH: &str = "dkv-9b39474d280";
const CONTAINER_VETH: &str = "dkc-9b39474d280";

fn net(text: &str) -> IpNet {
    text.parse().expect("a valid CIDR")
}

/// The driver with its state in a temporary directory, a client that talks to it like
/// dockerd, and a netlink socket to look at what it did.
struct Harness {
    dir: TempDir,
    driver: Arc<BridgeDriver>,
    client: Client,
    netlink: Netlink,
}

impl Harness {
    async fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let driver = start(dir.path()).await;
        let client = client_of(&driver);
        let netlink = Netlink::connect().expect("a netlink socket");
        Self {
            dir,
            driver,
            client,
            netlink,
        }
    }

    /// The plugin stopped and started again on the same state, as after a reboot (the
    /// store keeps a second process out while the first has it open).
    async fn restart(self) -> Self {
        let Self {
            dir,
            driver,
            client,
            netlink,
        } = self;
        drop(client);
        // The connection the client had is served by a task of its own, which ends a
        // moment after the client is dropped: the driver (and its store's lock) is only
        // released once that task has let go of it.
        drop(sole_owner(driver).await);
        let driver = start(dir.path()).await;
        let client = client_of(&driver);
        Self {
            dir,
            driver,
            client,
            netlink,
        }
    }

    /// [`Harness::new`] with the network `NETWORK` created with the `-o` `options`.
    async fn with_network(options: &[(&str, &str)]) -> Self {
        let h = Self::new().await;
        h.client
            .create_network(&create_network(NETWORK, options))
            .await
            .expect("creating the network");
        h
    }

    /// The link called `name`, which must exist.
    async fn link(&self, name: &str) -> Link {
        self.netlink
            .link(name)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{name} exists"))
    }

    /// The persisted state as JSON.
    fn state(&self) -> serde_json::Value {
        support::state::read_state(self.dir.path())
    }
}

/// A driver started on the state in `dir`, reconciled as the binary does.
async fn start(dir: &Path) -> Arc<BridgeDriver> {
    let driver = Arc::new(BridgeDriver::open(dir).await.expect("opening the driver"));
    let failures = driver.reconcile().await;
    assert!(failures.is_empty(), "{failures:?}");
    driver
}

/// `driver` once nothing else holds it, waiting at most five seconds for the tasks that
/// served dropped clients to end.
async fn sole_owner(mut driver: Arc<BridgeDriver>) -> BridgeDriver {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match Arc::try_unwrap(driver) {
            Ok(driver) => return driver,
            Err(shared) if Instant::now() < deadline => {
                driver = shared;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            Err(_) => panic!("the driver is still held 5 s after its client was dropped"),
        }
    }
}

/// A client that talks to `driver` as dockerd does, over a connection of its own.
fn client_of(driver: &Arc<BridgeDriver>) -> Client {
    Client::in_process(Plugin::new().network_driver_shared(driver.clone()))
}

/// `CreateNetwork` as dockerd sends it for `--ipv6 --subnet 10.77.0.0/24 -o key=value...`.
fn create_network(id: &str, options: &[(&str, &str)]) -> CreateNetworkRequest {
    let mut request = CreateNetworkRequest::new(id);
    request
        .options
        .insert("com.docker.network.enable_ipv4", true);
    request
        .options
        .insert("com.docker.network.enable_ipv6", true);
    for (key, value) in options {
        request.options.set_generic(*key, *value);
    }
    let mut v4 = IpamData::new(net("10.77.0.0/24"));
    v4.gateway = Some(net("10.77.0.1/24"));
    let mut v6 = IpamData::new(net("fd00:77::/64"));
    v6.gateway = Some(net("fd00:77::1/64"));
    request.ipv4_data = vec![v4];
    request.ipv6_data = vec![v6];
    request
}

fn create_endpoint(endpoint: &str, mac: Option<MacAddress>) -> CreateEndpointRequest {
    let mut request = CreateEndpointRequest::new(NETWORK, endpoint);
    request.interface.address = Some(net("10.77.0.11/24"));
    request.interface.address_ipv6 = Some(net("fd00:77::b/64"));
    request.interface.mac_address = mac;
    request
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_network_and_an_endpoint_live_and_die_in_the_kernel_and_the_state() {
    in_netns(|| async {
        let h = Harness::with_network(&[("mtu", "1400")]).await;

        let bridge = h.link(BRIDGE).await;
        assert_eq!(
            (bridge.kind, bridge.mtu, bridge.up),
            (Some(InfoKind::Bridge), 1400, true)
        );
        let addresses = h.netlink.addresses(BRIDGE).await.unwrap();
        assert!(addresses.contains(&net("10.77.0.1/24")), "{addresses:?}");
        assert!(addresses.contains(&net("fd00:77::1/64")), "{addresses:?}");
        let accept = format!("-A FORWARD -i {BRIDGE} -o {BRIDGE} -j ACCEPT");
        assert_eq!(count_rule("iptables", "filter", &accept), 1);
        assert_eq!(count_rule("ip6tables", "filter", &accept), 1);
        let network = &h.state()["networks"][NETWORK];
        assert_eq!(network["bridge"], BRIDGE);
        assert_eq!(network["mtu"], 1400);
        assert_eq!(
            network["gateways"],
            serde_json::json!(["10.77.0.1/24", "fd00:77::1/64"])
        );

        // dockerd set no MAC: the driver answers the one the kernel gave the veth.
        let answer = h
            .client
            .create_endpoint(&create_endpoint(ENDPOINT, None))
            .await
            .unwrap();
        let mac = answer
            .interface
            .and_then(|i| i.mac_address)
            .expect("a MAC in the answer");
        assert_eq!(
            h.netlink.link_mac(CONTAINER_VETH).await.unwrap(),
            mac.octets()
        );
        let host = h.link(HOST_VETH).await;
        assert_eq!(
            (host.controller, host.up, host.mtu),
            (Some(bridge.index), true, 1400)
        );
        assert_eq!(h.link(CONTAINER_VETH).await.mtu, 1400);
        let endpoint = &h.state()["endpoints"][ENDPOINT];
        assert_eq!(endpoint["host_veth"], HOST_VETH);
        assert_eq!(endpoint["container_veth"], CONTAINER_VETH);
        assert_eq!(endpoint["mac"], mac.to_string());
        assert_eq!(
            endpoint["addresses"],
            serde_json::json!(["10.77.0.11/24", "fd00:77::b/64"])
        );

        let joined = h
            .client
            .join(&JoinRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap();
        assert_eq!(
            joined.interface_name,
            Some(InterfaceName::new(CONTAINER_VETH, "eth"))
        );
        assert_eq!(joined.gateway, Some("10.77.0.1".parse().unwrap()));
        assert_eq!(joined.gateway_ipv6, Some("fd00:77::1".parse().unwrap()));
        assert!(joined.disable_gateway_service);
        h.client
            .leave(&LeaveRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap();

        for _ in 0..2 {
            h.client
                .delete_endpoint(&DeleteEndpointRequest::new(NETWORK, ENDPOINT))
                .await
                .unwrap();
        }
        assert!(!h.netlink.link_exists(HOST_VETH).await.unwrap());
        assert!(!h.netlink.link_exists(CONTAINER_VETH).await.unwrap());
        assert_eq!(h.state()["endpoints"], serde_json::json!({}));

        for _ in 0..2 {
            h.client
                .delete_network(&DeleteNetworkRequest::new(NETWORK))
                .await
                .unwrap();
        }
        assert!(!h.netlink.link_exists(BRIDGE).await.unwrap());
        for (command, table) in [
            ("iptables", "filter"),
            ("ip6tables", "filter"),
            ("iptables", "nat"),
            ("ip6tables", "nat"),
        ] {
            let left: Vec<String> = iptables_rules(command, table)
                .into_iter()
                .filter(|r| r.contains(BRIDGE))
                .collect();
            assert!(left.is_empty(), "{command} -t {table}: {left:?}");
        }
        assert_eq!(h.state()["networks"], serde_json::json!({}));
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn the_bridge_keeps_a_mac_of_its_own_as_endpoints_come_and_go() {
    in_netns(|| async {
        let h = Harness::with_network(&[]).await;
        let gateway_mac = h.netlink.link_mac(BRIDGE).await.unwrap();
        assert_eq!(
            gateway_mac[0] & 0x03,
            0x02,
            "a unicast, locally administered MAC: {gateway_mac:02x?}"
        );
        // Linux would otherwise give the bridge the lowest MAC among its ports from the
        // first port on, and a new one whenever that port goes.
        let ids: Vec<String> = (0..3).map(|i| format!("{i:x}{}", &ENDPOINT[1..])).collect();
        for id in &ids {
            h.client
                .create_endpoint(&create_endpoint(id, None))
                .await
                .unwrap();
        }
        assert_eq!(h.netlink.link_mac(BRIDGE).await.unwrap(), gateway_mac);
        for id in &ids {
            h.client
                .delete_endpoint(&DeleteEndpointRequest::new(NETWORK, id))
                .await
                .unwrap();
        }
        assert_eq!(h.netlink.link_mac(BRIDGE).await.unwrap(), gateway_mac);
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_mac_chosen_by_dockerd_is_used_and_not_echoed() {
    in_netns(|| async {
        let h = Harness::with_network(&[]).await;
        let mac: MacAddress = "02:42:0a:58:00:c8".parse().unwrap();
        let answer = h
            .client
            .create_endpoint(&create_endpoint(ENDPOINT, Some(mac)))
            .await
            .unwrap();
        assert_eq!(
            answer.interface, None,
            "dockerd rejects an answer that repeats its MAC"
        );
        assert_eq!(
            h.netlink.link_mac(CONTAINER_VETH).await.unwrap(),
            mac.octets()
        );
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn bad_or_unknown_options_fail_naming_the_key_and_leave_nothing_behind() {
    in_netns(|| async {
        let h = Harness::new().await;
        for (options, expected) in [
            (&[("mtu", "abc")][..], "`mtu`"),
            (&[("colour", "red")][..], "`colour`"),
            (&[("bridge_name", "a-name-far-too-long")][..], "bridge_name"),
            // iptables would read these as wildcards (`-i +` is every interface), the
            // kernel `%d` as a template for br0, br1, ...
            (&[("bridge_name", "+")][..], "`bridge_name`"),
            (&[("bridge_name", "eth+")][..], "`bridge_name`"),
            (&[("bridge_name", "br%d")][..], "`bridge_name`"),
            (&[("mtu", "0")][..], "`mtu`: 0 is out of range"),
            (&[("mtu", "67")][..], "`mtu`: 67 is out of range"),
            (&[("mtu", "65536")][..], "the MTU must be 1280 to 65535"),
        ] {
            let error = h
                .client
                .create_network(&create_network(NETWORK, options))
                .await
                .unwrap_err();
            assert_eq!(error.status(), Some(500), "{error}");
            let message = error.message().unwrap_or_default();
            assert!(message.contains(expected), "{options:?}: {message}");
        }
        for link in [BRIDGE, "br0", "br1"] {
            assert!(!h.netlink.link_exists(link).await.unwrap(), "{link}");
        }
        for (command, table) in [("iptables", "filter"), ("iptables", "nat")] {
            let rules = iptables_rules(command, table);
            assert!(rules.iter().all(|r| !r.contains('+')), "{rules:?}");
        }
        assert!(support::state::is_empty(&h.state()), "nothing was recorded");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn the_bridge_name_can_be_chosen_once_and_never_taken_from_someone_else() {
    in_netns(|| async {
        let h = Harness::with_network(&[("bridge_name", "br-lab")]).await;
        assert!(h.netlink.link_exists("br-lab").await.unwrap());

        let other = "0e7a0b6a3ad3d0dc55c6d0f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5";
        let error = h
            .client
            .create_network(&create_network(other, &[("bridge_name", "br-lab")]))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("already used by network"),
            "{error}"
        );
        // `lo` is not this plugin's: it must be neither adopted nor, later, deleted.
        let error = h
            .client
            .create_network(&create_network(other, &[("bridge_name", "lo")]))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("a link named lo already exists"),
            "{error}"
        );
        assert!(h.netlink.link_exists("lo").await.unwrap());
        let networks = h.state()["networks"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>();
        assert_eq!(networks, [NETWORK]);
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn an_internal_network_gives_no_gateway_and_drops_traffic_to_the_outside() {
    in_netns(|| async {
        let h = Harness::new().await;
        let mut request = create_network(NETWORK, &[]);
        request.options.insert("com.docker.network.internal", true);
        h.client.create_network(&request).await.unwrap();
        h.client
            .create_endpoint(&create_endpoint(ENDPOINT, None))
            .await
            .unwrap();

        let joined = h
            .client
            .join(&JoinRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap();
        assert_eq!(
            joined.interface_name,
            Some(InterfaceName::new(CONTAINER_VETH, "eth"))
        );
        assert_eq!((joined.gateway, joined.gateway_ipv6), (None, None));
        assert!(joined.disable_gateway_service, "no docker_gwbridge either");
        for command in ["iptables", "ip6tables"] {
            assert_eq!(
                count_rule(
                    command,
                    "mangle",
                    &format!("-A FORWARD -i {BRIDGE} ! -o {BRIDGE} -j DROP")
                ),
                1
            );
            assert_eq!(
                count_rule(
                    command,
                    "mangle",
                    &format!("-A FORWARD ! -i {BRIDGE} -o {BRIDGE} -j DROP")
                ),
                1
            );
        }
        assert!(!iptables_rules("iptables", "nat")
            .iter()
            .any(|r| r.contains(BRIDGE)));
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn calls_for_unknown_networks_or_endpoints_say_so() {
    in_netns(|| async {
        let h = Harness::new().await;
        let error = h
            .client
            .create_endpoint(&create_endpoint(ENDPOINT, None))
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("no such network {NETWORK}")),
            "{error}"
        );
        let error = h
            .client
            .join(&JoinRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("no such network"), "{error}");
        h.client
            .create_network(&create_network(NETWORK, &[]))
            .await
            .unwrap();
        let error = h
            .client
            .join(&JoinRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap_err();
        assert!(
            error
                .to_string()
                .contains(&format!("no such endpoint {ENDPOINT}")),
            "{error}"
        );
        // Deleting what does not exist succeeds: dockerd does it on rollbacks and at start.
        h.client
            .delete_endpoint(&DeleteEndpointRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap();
        h.client
            .delete_network(&DeleteNetworkRequest::new("0123456789ab"))
            .await
            .unwrap();
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn concurrent_endpoints_are_all_recorded() {
    in_netns(|| async {
        let h = Harness::with_network(&[]).await;
        // One client's calls take turns on its connection, so each call gets a client of
        // its own: the requests then reach the driver concurrently, as dockerd's do.
        let ids: Vec<String> = (0..8).map(|i| format!("{i:x}{}", &ENDPOINT[1..])).collect();
        let calls = ids.iter().map(|id| async {
            client_of(&h.driver)
                .create_endpoint(&create_endpoint(id, None))
                .await
        });
        for result in futures_util::future::join_all(calls).await {
            result.unwrap();
        }
        let endpoints = h.state()["endpoints"].as_object().unwrap().len();
        assert_eq!(endpoints, ids.len());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn after_a_restart_the_driver_rebuilds_what_is_gone_and_serves_known_endpoints() {
    in_netns(|| async {
        let h = Harness::with_network(&[("mtu", "1400")]).await;
        let answer = h
            .client
            .create_endpoint(&create_endpoint(ENDPOINT, None))
            .await
            .unwrap();
        let mac = answer.interface.and_then(|i| i.mac_address).unwrap();
        // A reboot: the kernel forgets the bridge and the veth; the state file remains.
        h.netlink.delete_link(BRIDGE).await.unwrap();
        h.netlink.delete_link(HOST_VETH).await.unwrap();

        let h = h.restart().await;
        let client = &h.client;
        let bridge = h.link(BRIDGE).await;
        assert_eq!(bridge.mtu, 1400);
        assert!(h
            .netlink
            .addresses(BRIDGE)
            .await
            .unwrap()
            .contains(&net("10.77.0.1/24")));
        let host = h.link(HOST_VETH).await;
        assert_eq!(host.controller, Some(bridge.index));
        assert_eq!(
            h.netlink.link_mac(CONTAINER_VETH).await.unwrap(),
            mac.octets(),
            "same MAC as before"
        );
        let joined = client
            .join(&JoinRequest::new(NETWORK, ENDPOINT))
            .await
            .unwrap();
        assert_eq!(
            joined.interface_name,
            Some(InterfaceName::new(CONTAINER_VETH, "eth"))
        );
    });
}

/// `CreateNetwork` for network number `i` of a test, with the subnets 10.231.i.0/24 and
/// fd00:231:i::/64.
fn numbered_network(i: usize) -> CreateNetworkRequest {
    let mut request = create_network(&format!("{i:02x}{}", &NETWORK[2..]), &[]);
    let mut v4 = IpamData::new(net(&format!("10.231.{i}.0/24")));
    v4.gateway = Some(net(&format!("10.231.{i}.1/24")));
    let mut v6 = IpamData::new(net(&format!("fd00:231:{i:x}::/64")));
    v6.gateway = Some(net(&format!("fd00:231:{i:x}::1/64")));
    request.ipv4_data = vec![v4];
    request.ipv6_data = vec![v6];
    request
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn thirty_concurrent_networks_are_all_created() {
    in_netns(|| async {
        let dir = tempfile::tempdir().unwrap();
        let plugin = BridgeProcess::start(dir.path()).await;
        let requests: Vec<_> = (0..30).map(numbered_network).collect();
        // Each network's addresses are listed (a netlink dump) while the others add theirs,
        // which interrupts the dump (the kernel answers EBUSY); the driver must list them
        // again rather than fail the call.
        let calls = requests
            .iter()
            .map(|request| async { plugin.client().create_network(request).await });
        let failures: Vec<String> = futures_util::future::join_all(calls)
            .await
            .into_iter()
            .filter_map(|result| result.err().map(|e| e.to_string()))
            .collect();
        assert!(
            failures.is_empty(),
            "{} of 30 failed: {failures:?}",
            failures.len()
        );
        let links = link_names();
        for request in &requests {
            let bridge = names::bridge_name(&request.network_id);
            assert!(links.contains(&bridge), "{bridge}: {links:?}");
        }
        let calls = requests.iter().map(|request| async {
            let delete = DeleteNetworkRequest::new(&request.network_id);
            plugin.client().delete_network(&delete).await
        });
        for result in futures_util::future::join_all(calls).await {
            result.unwrap();
        }
        let left: Vec<String> = link_names()
            .into_iter()
            .filter(|l| l.starts_with("dkb-"))
            .collect();
        assert!(left.is_empty(), "{left:?}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn after_a_kill_9_among_300_concurrent_endpoints_every_retry_succeeds_and_nothing_is_left() {
    in_netns(|| async {
        let dir = tempfile::tempdir().unwrap();
        let mut plugin = BridgeProcess::start(dir.path()).await;
        let mut network = create_network(NETWORK, &[]);
        let mut v4 = IpamData::new(net("10.232.0.0/22"));
        v4.gateway = Some(net("10.232.0.1/22"));
        network.ipv4_data = vec![v4];
        network.ipv6_data = vec![];
        plugin.client().create_network(&network).await.unwrap();

        let requests: Vec<CreateEndpointRequest> = (0..300u32)
            .map(|i| {
                let id = format!("{i:03x}{}", &ENDPOINT[3..]);
                let mut request = CreateEndpointRequest::new(NETWORK, &id);
                let host = i + 2;
                let address = format!("10.232.{}.{}/22", host / 256, host % 256);
                request.interface.address = Some(net(&address));
                request
            })
            .collect();
        // Fire all 300 at once and kill the plugin once 30 have been answered: the others
        // are at every stage of their creation.
        let answered = std::sync::atomic::AtomicUsize::new(0);
        let clients: Vec<Client> = requests.iter().map(|_| plugin.client()).collect();
        let calls = requests
            .iter()
            .zip(&clients)
            .map(|(request, client)| async {
                let result = client.create_endpoint(request).await;
                answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                result.is_ok()
            });
        let killer = async {
            let deadline = Instant::now() + Duration::from_secs(60);
            while answered.load(std::sync::atomic::Ordering::SeqCst) < 30 {
                assert!(Instant::now() < deadline, "no answers in 60 s");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            plugin.kill();
        };
        let (created, ()) = tokio::join!(futures_util::future::join_all(calls), killer);
        let created = created.into_iter().filter(|ok| *ok).count();
        let veths = || -> Vec<String> {
            link_names()
                .into_iter()
                .filter(|l| l.starts_with("dkv-"))
                .collect()
        };
        eprintln!(
            "{created} endpoints answered before the kill, {} dkv- veths left",
            veths().len()
        );

        let state = support::state::read_state(&dir.path().join("state"));
        let recorded = state["endpoints"].as_object().unwrap();
        let orphans = || -> Vec<String> {
            veths()
                .into_iter()
                .filter(|veth| !recorded.values().any(|e| e["host_veth"] == **veth))
                .collect()
        };
        // Veths are made faster than the state is written: the crash always leaves some.
        assert!(
            !orphans().is_empty(),
            "the kill came too late to test anything"
        );

        let plugin = BridgeProcess::start(dir.path()).await;
        // Start-up removed the veths that no state records.
        let left = orphans();
        assert!(left.is_empty(), "orphans after the restart: {left:?}");

        // dockerd retries: every endpoint can be created, whatever stage it had reached.
        let calls = requests
            .iter()
            .map(|request| async { plugin.client().create_endpoint(request).await });
        let failures: Vec<String> = futures_util::future::join_all(calls)
            .await
            .into_iter()
            .filter_map(|result| result.err().map(|e| e.to_string()))
            .collect();
        assert!(
            failures.is_empty(),
            "{} retries failed: {:?}",
            failures.len(),
            &failures[..failures.len().min(3)]
        );
        assert_eq!(veths().len(), 300);

        plugin
            .client()
            .delete_network(&DeleteNetworkRequest::new(NETWORK))
            .await
            .unwrap();
        let left: Vec<String> = link_names()
            .into_iter()
            .filter(|l| l.starts_with("dkv-") || l.starts_with("dkc-") || l.starts_with("dkb-"))
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn a_leftover_veth_pair_of_an_unfinished_attempt_is_replaced() {
    in_netns(|| async {
        let h = Harness::with_network(&[]).await;
        // What a crash between creating the pair and recording it leaves.
        let leftover = dknet_examples::linux::netlink::VethPair {
            host: HOST_VETH,
            peer: CONTAINER_VETH,
            bridge: BRIDGE,
            mtu: None,
            peer_mac: None,
        };
        h.netlink.create_veth(&leftover).await.unwrap();
        let mac: MacAddress = "02:42:0a:e9:00:05".parse().unwrap();
        h.client
            .create_endpoint(&create_endpoint(ENDPOINT, Some(mac)))
            .await
            .expect("the retry replaces the leftover");
        assert_eq!(
            h.netlink.link_mac(CONTAINER_VETH).await.unwrap(),
            mac.octets()
        );
        assert_eq!(h.state()["endpoints"][ENDPOINT]["host_veth"], HOST_VETH);

        // An id sharing its first 11 characters with a recorded endpoint's would take its
        // veth: refused, and the recorded pair is untouched.
        let twin = format!("{}0000", &ENDPOINT[..60]);
        let error = h
            .client
            .create_endpoint(&create_endpoint(&twin, None))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains(&format!(
                "{HOST_VETH} is already used by endpoint {ENDPOINT}"
            )),
            "{error}"
        );
        assert_eq!(
            h.netlink.link_mac(CONTAINER_VETH).await.unwrap(),
            mac.octets()
        );

        // A link of another kind with an endpoint's name is not the plugin's: kept.
        let other = "7d2f0c5e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d";
        let other_peer = names::container_veth_name(other);
        h.netlink.ensure_bridge(&other_peer, None).await.unwrap();
        let error = h
            .client
            .create_endpoint(&create_endpoint(other, None))
            .await
            .unwrap_err();
        assert!(error.to_string().contains("another kind"), "{error}");
        assert!(h.netlink.link_exists(&other_peer).await.unwrap());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn concurrent_calls_for_one_endpoint_agree_with_the_kernel() {
    in_netns(|| async {
        let h = Harness::with_network(&[]).await;
        // dockerd retries a call whose connection was reset while the first may still run.
        let calls = (0..8).map(|_| async {
            client_of(&h.driver)
                .create_endpoint(&create_endpoint(ENDPOINT, None))
                .await
        });
        let macs: Vec<MacAddress> = futures_util::future::join_all(calls)
            .await
            .into_iter()
            .map(|answer| answer.unwrap().interface.unwrap().mac_address.unwrap())
            .collect();
        let kernel = MacAddress(h.netlink.link_mac(CONTAINER_VETH).await.unwrap());
        assert!(
            macs.iter().all(|mac| *mac == kernel),
            "{macs:?} vs {kernel}"
        );
        assert_eq!(h.state()["endpoints"][ENDPOINT]["mac"], kernel.to_string());
        assert!(h.netlink.link_exists(HOST_VETH).await.unwrap());
    });
}

#[test]
#[ignore = "needs root and iptables: run by scripts/docker-tests"]
fn the_state_file_of_an_earlier_version_is_moved_into_the_store() {
    in_netns(|| async {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let old = serde_json::json!({
            "networks": {NETWORK: {"id": NETWORK, "bridge": BRIDGE, "mtu": null,
                "gateways": ["10.77.0.1/24"], "internal": false}},
            "endpoints": {}
        });
        std::fs::write(dir.path().join("state.json"), old.to_string()).unwrap();
        let _driver = start(dir.path()).await;
        let netlink = Netlink::connect().unwrap();
        assert!(netlink.link_exists(BRIDGE).await.unwrap(), "restored");
        let state = support::state::read_state(dir.path());
        assert_eq!(state["networks"][NETWORK]["bridge"], BRIDGE);
        assert!(!dir.path().join("state.json").exists());
        assert!(dir.path().join("state.json.migrated").exists(), "kept");
    });
}
