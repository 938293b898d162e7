//! The overlay driver end to end without Docker: requests as dockerd sends them on a swarm
//! node go through `dknet::testing::Client` to the driver, which works on the real kernel
//! inside a network namespace of the test's own. Root only, so `#[ignore]`d:
//! `scripts/swarm-tests` runs them before its swarm
//! (`cargo test -p dknet-examples --test overlay_driver -- --ignored`).

mod support;

use std::process::Command;
use std::sync::Arc;

use dknet::testing::Client;
use dknet::Plugin;
use dknet_examples::linux::netlink::{InfoKind, Netlink};
use dknet_examples::overlay::vni::VniRange;
use dknet_examples::overlay::OverlayDriver;
use serde::de::DeserializeOwned;
use serde_json::json;
use support::in_netns;

/// A swarm network id (swarm ids are 25 alphanumeric characters).
const NETWORK: &str = "ae4wuueuzsc1ttudhgdgl39cn";
const BRIDGE: &str = "dko-ae4wuueuzsc";
const VXLAN: &str = "dkx-ae4wuueuzsc";
const RANGE: VniRange = VniRange {
    first: 300,
    last: 301,
};

/// A request decoded from the JSON dockerd sends.
fn request<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).expect("a valid request")
}

fn discovery(address: &str, is_self: bool) -> serde_json::Value {
    json!({"DiscoveryType": 1, "DiscoveryData": {"Address": address, "BindAddress": "", "Self": is_self}})
}

async fn start(dir: &std::path::Path) -> Client {
    let driver = Arc::new(OverlayDriver::open(dir, RANGE).await.expect("the driver"));
    let failures = driver.reconcile().await;
    assert!(failures.is_empty(), "{failures:?}");
    Client::in_process(Plugin::new().network_driver_shared(driver))
}

/// The flooding entries of the VXLAN device, as `bridge fdb` lists them.
fn flood_entries() -> Vec<String> {
    let out = Command::new("bridge")
        .args(["fdb", "show", "dev", VXLAN])
        .output()
        .expect("running bridge fdb");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|line| line.strip_prefix("00:00:00:00:00:00 dst "))
        .map(|rest| rest.split(' ').next().unwrap_or_default().to_owned())
        .collect()
}

/// An underlay: a veth with this node's address, MTU 1400.
fn underlay() {
    for args in [
        &[
            "link", "add", "eth0", "mtu", "1400", "type", "veth", "peer", "name", "eth9",
        ][..],
        &["addr", "add", "192.168.250.11/24", "dev", "eth0"],
        &["link", "set", "eth0", "up"],
    ] {
        let status = Command::new("ip").args(args).status().expect("running ip");
        assert!(status.success(), "ip {args:?}");
    }
}

#[test]
#[ignore = "needs root: run by scripts/swarm-tests"]
fn a_node_builds_floods_restores_and_removes_its_network() {
    in_netns(|| async {
        underlay();
        let dir = tempfile::tempdir().unwrap();
        let client = start(dir.path()).await;
        let netlink = Netlink::connect().unwrap();

        // The manager's allocation: the lowest id of the range, then a taken id refused.
        let allocated = client
            .allocate_network(&request(json!({"NetworkID": NETWORK, "Options": {}})))
            .await
            .unwrap();
        assert_eq!(
            allocated.options.get("vni").map(String::as_str),
            Some("300")
        );
        let error = client
            .allocate_network(&request(
                json!({"NetworkID": "other", "Options": {"vni": "300"}}),
            ))
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("VXLAN id 300 is already used"),
            "{error}"
        );

        // Discovery, then the node's CreateNetwork with the allocated options.
        client
            .discover_new(&request(discovery("192.168.250.11", true)))
            .await
            .unwrap();
        client
            .discover_new(&request(discovery("192.168.250.12", false)))
            .await
            .unwrap();
        let create = json!({"NetworkID": NETWORK,
            "Options": {"com.docker.network.generic": allocated.options},
            "IPv4Data": [{"AddressSpace": "", "Pool": "10.100.1.0/24", "Gateway": "10.100.1.1/24"}]});
        client
            .create_network(&request(create.clone()))
            .await
            .unwrap();
        let vxlan = netlink
            .link(VXLAN)
            .await
            .unwrap()
            .expect("the VXLAN device");
        let bridge = netlink.link(BRIDGE).await.unwrap().expect("the bridge");
        assert_eq!(vxlan.kind, Some(InfoKind::Vxlan));
        assert_eq!(
            (vxlan.mtu, bridge.mtu),
            (1350, 1350),
            "underlay MTU minus 50"
        );
        assert_eq!(vxlan.controller, Some(bridge.index));
        let details = Command::new("ip")
            .args(["-d", "link", "show", VXLAN])
            .output()
            .unwrap();
        let details = String::from_utf8_lossy(&details.stdout).to_string();
        assert!(
            details.contains("vxlan id 300 local 192.168.250.11"),
            "{details}"
        );
        assert!(details.contains("dstport 4789"), "{details}");
        assert_eq!(flood_entries(), ["192.168.250.12"]);

        // Peers come and go.
        client
            .discover_new(&request(discovery("192.168.250.13", false)))
            .await
            .unwrap();
        assert_eq!(flood_entries(), ["192.168.250.12", "192.168.250.13"]);
        client
            .discover_delete(&request(discovery("192.168.250.12", false)))
            .await
            .unwrap();
        assert_eq!(flood_entries(), ["192.168.250.13"]);

        // A restarted plugin rebuilds a lost device with its peers from its state.
        drop(client);
        netlink.delete_link(VXLAN).await.unwrap();
        let client = start(dir.path()).await;
        assert_eq!(flood_entries(), ["192.168.250.13"]);

        // DeleteNetwork leaves nothing; FreeNetwork makes the id available again.
        client
            .delete_network(&request(json!({"NetworkID": NETWORK})))
            .await
            .unwrap();
        assert!(!netlink.link_exists(VXLAN).await.unwrap());
        assert!(!netlink.link_exists(BRIDGE).await.unwrap());
        client
            .free_network(&request(json!({"NetworkID": NETWORK})))
            .await
            .unwrap();
        let again = client
            .allocate_network(&request(
                json!({"NetworkID": "other", "Options": {"vni": "300"}}),
            ))
            .await
            .unwrap();
        assert_eq!(again.options.get("vni").map(String::as_str), Some("300"));
    });
}
