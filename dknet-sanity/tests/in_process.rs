//! The library API a dknet author uses in `cargo test`: drivers served in this process.

use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, CreateNetworkRequest, GwAllocCheckRequest,
    GwAllocCheckResponse,
};
use dknet::Plugin;
use dknet_sanity::{check_driver, check_plugin, DaemonVersion, Options, Outcome};

/// A driver with no methods: dknet's defaults answer everything.
struct Noop;

#[dknet::network_driver]
impl Noop {}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dknets_defaults_pass() {
    let report = check_driver(Noop).await;
    report.assert_passed();
    assert_eq!(report.get("sequence.29").unwrap().outcome, Outcome::Pass);
}

/// A driver that answers CreateEndpoint with the address dockerd gave it.
struct Echo;

#[dknet::network_driver]
impl Echo {
    fn create_endpoint(&self, request: CreateEndpointRequest) -> CreateEndpointResponse {
        CreateEndpointResponse {
            interface: Some(request.interface),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dknet_driver_echoing_addresses_is_caught() {
    let report = check_driver(Echo).await;
    assert_eq!(
        report.failures(),
        ["refuse.create-endpoint-echo"],
        "{report}"
    );
    let echo = report.get("refuse.create-endpoint-echo").unwrap();
    assert!(echo.found.contains("Address"), "{}", echo.found);
    assert!(
        echo.dockerd.contains("Cannot be modified"),
        "{}",
        echo.dockerd
    );
}

/// A driver that provides its own gateways: it asks dockerd (GwAllocCheck) to reserve
/// none, and refuses a network that comes with the one dockerd would have chosen (a
/// user's `--gateway` still comes).
struct OwnGateways;

#[dknet::network_driver]
impl OwnGateways {
    fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: true,
            skip_ipv6: true,
        }
    }

    fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
        let pools = request.ipv4_data.iter().chain(&request.ipv6_data);
        for pool in pools {
            let Some(gateway) = pool.gateway else {
                continue;
            };
            if pool.pool.hosts().next() == Some(gateway.addr()) {
                return Err(format!("gateway {gateway} was not asked for"));
            }
        }
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateways_a_driver_skips_are_not_sent() {
    let options = Options {
        versions: vec![DaemonVersion::V28, DaemonVersion::V29],
        ..Options::default()
    };
    let report = check_plugin(Plugin::new().network_driver(OwnGateways), options).await;
    for name in ["sequence.28", "sequence.29"] {
        assert_eq!(report.get(name).unwrap().outcome, Outcome::Pass, "{report}");
    }
}
