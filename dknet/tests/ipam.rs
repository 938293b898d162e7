//! The IPAM subsystem: the recorded dockerd traffic decodes into
//! `dknet::ipam`'s types and replays against an `#[ipam_driver]`, one plugin
//! serves network and IPAM on one socket, failures answer 500 `{"Err"}`.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use common::{serve, Empty, Transport};
use dknet::ipam::*;
use dknet::testing::{load_fixture, FixtureEntry, Replay};
use dknet::Plugin;
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The recordings of the scenario in `tests/fixtures/README.md`.
const FILES: [&str; 2] = ["dockerd-20.10.24.jsonl", "dockerd-28.5.2.jsonl"];
/// Every recording, Docker 29's longer scenario included.
const ALL_FILES: [&str; 3] = [
    "dockerd-20.10.24.jsonl",
    "dockerd-28.5.2.jsonl",
    "dockerd-29.7.2.jsonl",
];

fn ipam_entries(file: &str) -> Vec<FixtureEntry> {
    let path = format!("{}/tests/fixtures/{file}", env!("CARGO_MANIFEST_DIR"));
    load_fixture(path)
        .unwrap()
        .into_iter()
        .filter(|entry| entry.subsystem() == "IpamDriver")
        .collect()
}

fn decode<T: DeserializeOwned>(entry: &FixtureEntry) -> T {
    let request = entry.request.clone().expect("a request body");
    serde_json::from_value(request)
        .unwrap_or_else(|error| panic!("{} does not decode: {error}", entry.path))
}

fn net(text: &str) -> IpNet {
    text.parse().unwrap()
}

/// A small allocator that answers like the recording plugin: pool ids
/// `pool-<cidr>`, when no pool is asked for the pools it handed out (in
/// turn, per family; 10.77.0.0/24 and fd00:77::/64 once those run out), host
/// 1 for the gateway, hosts 11, 12, ... in turn for endpoints.
#[derive(Default)]
struct Recorder {
    pools: Mutex<BTreeMap<String, Pool>>,
    defaults: Mutex<Vec<IpNet>>,
}

impl Recorder {
    /// A recorder that hands out the pools `entries` recorded for requests
    /// that named none.
    fn replaying(entries: &[FixtureEntry]) -> Self {
        let defaults = entries
            .iter()
            .filter(|e| e.path == "/IpamDriver.RequestPool")
            .filter(|e| decode::<RequestPoolRequest>(e).pool.is_none())
            .map(|e| net(e.response.as_ref().unwrap()["Pool"].as_str().unwrap()))
            .collect();
        Self {
            defaults: Mutex::new(defaults),
            ..Self::default()
        }
    }
}

struct Pool {
    net: IpNet,
    taken: BTreeSet<IpAddr>,
    next: u8,
}

/// Host `n` of `net`.
fn host(net: &IpNet, n: u8) -> IpAddr {
    match net {
        IpNet::V4(net) => std::net::Ipv4Addr::from(u32::from(net.network()) + u32::from(n)).into(),
        IpNet::V6(net) => {
            std::net::Ipv6Addr::from(u128::from(net.network()) + u128::from(n)).into()
        }
    }
}

#[dknet::ipam_driver(requires_mac_address = true)]
impl Recorder {
    fn get_default_address_spaces(&self) -> GetDefaultAddressSpacesResponse {
        GetDefaultAddressSpacesResponse {
            local_default_address_space: "CaptureLocal".into(),
            global_default_address_space: "CaptureGlobal".into(),
        }
    }

    fn request_pool(&self, request: RequestPoolRequest) -> Result<RequestPoolResponse, String> {
        let mut defaults = self.defaults.lock().unwrap();
        let recorded = defaults
            .iter()
            .position(|pool| matches!(pool, IpNet::V6(_)) == request.v6);
        let default = match (recorded, request.v6) {
            (Some(index), _) => defaults.remove(index),
            (None, true) => net("fd00:77::/64"),
            (None, false) => net("10.77.0.0/24"),
        };
        let pool = request.pool.unwrap_or(default);
        let id = format!("pool-{pool}");
        let mut pools = self.pools.lock().unwrap();
        if pools.contains_key(&id) {
            return Err(format!("{pool} is in use"));
        }
        let entry = Pool {
            net: pool,
            taken: BTreeSet::new(),
            next: 11,
        };
        pools.insert(id.clone(), entry);
        Ok(RequestPoolResponse::new(id, pool))
    }

    fn release_pool(&self, request: ReleasePoolRequest) -> Result<(), String> {
        let mut pools = self.pools.lock().unwrap();
        match pools.remove(&request.pool_id) {
            Some(pool) if pool.taken.is_empty() => Ok(()),
            Some(pool) => Err(format!("{} still has {:?}", pool.net, pool.taken)),
            None => Err(format!("no pool {}", request.pool_id)),
        }
    }

    fn request_address(
        &self,
        request: RequestAddressRequest,
    ) -> Result<RequestAddressResponse, String> {
        let mut pools = self.pools.lock().unwrap();
        let pool = pools
            .get_mut(&request.pool_id)
            .ok_or(format!("no pool {}", request.pool_id))?;
        let address = match request.address {
            Some(address) => address,
            None if request.options.is_gateway_request() => host(&pool.net, 1),
            None => {
                pool.next += 1;
                host(&pool.net, pool.next - 1)
            }
        };
        if !pool.net.contains(&address) || !pool.taken.insert(address) {
            return Err(format!("{address} is taken"));
        }
        Ok(RequestAddressResponse::new(
            IpNet::new(address, pool.net.prefix_len()).unwrap(),
        ))
    }

    fn release_address(&self, request: ReleaseAddressRequest) -> Result<(), String> {
        let mut pools = self.pools.lock().unwrap();
        let pool = pools
            .get_mut(&request.pool_id)
            .ok_or(format!("no pool {}", request.pool_id))?;
        if pool.taken.remove(&request.address) {
            Ok(())
        } else {
            Err(format!("{} was not handed out", request.address))
        }
    }
}

#[test]
fn every_ipam_request_decodes() {
    for file in ALL_FILES {
        let entries = ipam_entries(file);
        assert!(entries.len() > 15, "{file}");
        for entry in &entries {
            match entry.path.trim_start_matches("/IpamDriver.") {
                "GetCapabilities" | "GetDefaultAddressSpaces" => assert_eq!(entry.request, None),
                "RequestPool" => {
                    let request: RequestPoolRequest = decode(entry);
                    assert!(!request.address_space.is_empty());
                }
                "ReleasePool" => assert!(!decode::<ReleasePoolRequest>(entry).pool_id.is_empty()),
                "RequestAddress" => {
                    let request: RequestAddressRequest = decode(entry);
                    assert!(request.pool_id.starts_with("pool-"));
                }
                "ReleaseAddress" => {
                    let request: ReleaseAddressRequest = decode(entry);
                    assert!(request.pool_id.starts_with("pool-"));
                }
                other => panic!("{file}: unexpected IPAM request {other}"),
            }
        }
    }
}

#[test]
fn pools_and_addresses_say_what_they_are_for() {
    for file in FILES {
        let entries = ipam_entries(file);
        let pools: Vec<RequestPoolRequest> = entries
            .iter()
            .filter(|e| e.path == "/IpamDriver.RequestPool")
            .map(decode)
            .collect();
        assert_eq!(pools.len(), 2, "{file}");
        assert_eq!(
            (pools[0].pool, pools[0].sub_pool, pools[0].v6),
            (None, None, false)
        );
        assert!(pools[1].v6, "--ipv6 asks for a second pool");
        assert_eq!(pools[0].address_space, "CaptureLocal");
        assert!(pools[0].options.is_empty());

        let requests: Vec<RequestAddressRequest> = entries
            .iter()
            .filter(|e| e.path == "/IpamDriver.RequestAddress")
            .map(decode)
            .collect();
        let (gateways, endpoints): (Vec<_>, Vec<_>) = requests
            .iter()
            .partition(|r| r.options.is_gateway_request());
        assert_eq!(gateways.len(), 2, "{file}");
        assert_eq!(endpoints.len(), 4, "{file}");
        for endpoint in endpoints {
            assert_eq!(endpoint.address, None);
            // dockerd generated a MAC because the recording plugin
            // answered RequiresMACAddress.
            let mac = endpoint.options.mac_address().unwrap().unwrap();
            assert_eq!(mac.to_string().len(), 17);
            assert_eq!(
                endpoint.options.endpoint_name(),
                None,
                "sent from dockerd 29 on"
            );
        }
        let releases: Vec<ReleaseAddressRequest> = entries
            .iter()
            .filter(|e| e.path == "/IpamDriver.ReleaseAddress")
            .map(decode)
            .collect();
        assert_eq!(releases[0].address, "10.77.0.11".parse::<IpAddr>().unwrap());
    }
}

#[test]
fn recorded_answers_round_trip() {
    fn round_trip<T: DeserializeOwned + serde::Serialize>(entry: &FixtureEntry) {
        let recorded = entry.response.clone().unwrap();
        let typed: T = serde_json::from_value(recorded.clone()).unwrap();
        assert_eq!(
            serde_json::to_value(&typed).unwrap(),
            recorded,
            "{}",
            entry.path
        );
    }
    for file in ALL_FILES {
        for entry in ipam_entries(file) {
            match entry.path.trim_start_matches("/IpamDriver.") {
                "GetCapabilities" => round_trip::<GetCapabilitiesResponse>(&entry),
                "GetDefaultAddressSpaces" => round_trip::<GetDefaultAddressSpacesResponse>(&entry),
                "RequestPool" => round_trip::<RequestPoolResponse>(&entry),
                "RequestAddress" => round_trip::<RequestAddressResponse>(&entry),
                _ => {}
            }
        }
    }
}

#[test]
fn requests_accept_nulls_and_empty_strings() {
    let request: RequestPoolRequest = serde_json::from_value(
        json!({"AddressSpace": null, "Pool": "", "SubPool": null, "Options": null}),
    )
    .unwrap();
    assert_eq!(request, RequestPoolRequest::default());
    let request: RequestAddressRequest =
        serde_json::from_value(json!({"PoolID": "p", "Address": "", "Options": null})).unwrap();
    assert_eq!(request.address, None);
    let error = serde_json::from_value::<RequestAddressRequest>(json!({"Address": "10.0.0.1/24"}))
        .unwrap_err();
    assert!(error.to_string().contains("bare IP address"), "{error}");
    assert!(serde_json::from_value::<ReleaseAddressRequest>(json!({"PoolID": "p"})).is_err());
}

/// Replays each recording's IPAM part (after its `Plugin.Activate`) against
/// a plugin serving network and IPAM on one socket.
#[tokio::test]
async fn replaying_the_recorded_ipam_traffic() {
    for file in ALL_FILES {
        let entries = ipam_entries(file);
        let plugin = Plugin::new()
            .network_driver(Empty)
            .ipam_driver(Recorder::replaying(&entries));
        let running = serve(plugin, Transport::Unix).await;
        let activated = running.client.activate().await.unwrap();
        assert_eq!(activated.implements, ["NetworkDriver", "IpamDriver"]);
        let replayed = running.client.replay(&entries, Replay::All).await.unwrap();
        assert_eq!(replayed.len(), entries.len());
        for call in &replayed {
            assert_eq!(
                call.response.status,
                200,
                "{file} {}: {:?}",
                call.path,
                call.response.text()
            );
            let answer = call.response.json().unwrap();
            let recorded = call.recorded.clone().unwrap();
            match call.path.as_str() {
                // Exactly what the recording plugin said.
                "/IpamDriver.GetCapabilities"
                | "/IpamDriver.GetDefaultAddressSpaces"
                | "/IpamDriver.RequestPool" => assert_eq!(answer, recorded, "{file} {}", call.path),
                "/IpamDriver.RequestAddress" => {
                    let request: RequestAddressRequest =
                        serde_json::from_value(call.request.clone().unwrap()).unwrap();
                    let address: IpNet = answer["Address"].as_str().unwrap().parse().unwrap();
                    let pool: IpNet = request.pool_id["pool-".len()..].parse().unwrap();
                    assert!(
                        pool.contains(&address.addr()),
                        "{file}: {address} in {pool}"
                    );
                    assert_eq!(answer["Address"], recorded["Address"], "{file}");
                }
                _ => assert_eq!(
                    answer,
                    Value::Object(Default::default()),
                    "{file} {}",
                    call.path
                ),
            }
        }
        running.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_typed_client_speaks_ipam() {
    let plugin = Plugin::new().ipam_driver(Recorder::default());
    let running = serve(plugin, Transport::Tcp).await;
    let activated = running.client.activate().await.unwrap();
    assert_eq!(activated.implements, ["IpamDriver"]);
    let ipam = running.client.ipam();
    let capabilities = ipam.get_capabilities().await.unwrap();
    assert!(capabilities.requires_mac_address);
    assert!(!capabilities.requires_request_replay);
    let pool = ipam
        .request_pool(&RequestPoolRequest::new("CaptureLocal", false))
        .await
        .unwrap();
    assert_eq!(pool.pool, net("10.77.0.0/24"));
    let mut request = RequestAddressRequest::new(&pool.pool_id);
    request
        .options
        .insert(options::REQUEST_ADDRESS_TYPE, options::GATEWAY);
    let gateway = ipam.request_address(&request).await.unwrap();
    assert_eq!(gateway.address, net("10.77.0.1/24"));
    // A failure is a 500 with `Err`, which dockerd shows with the method name.
    request.address = Some("10.77.0.1".parse().unwrap());
    let error = ipam.request_address(&request).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.to_string(),
        "IpamDriver.RequestAddress: 10.77.0.1 is taken"
    );
    let release = ReleaseAddressRequest::new(&pool.pool_id, gateway.address.addr());
    ipam.release_address(&release).await.unwrap();
    ipam.release_pool(&ReleasePoolRequest::new(&pool.pool_id))
        .await
        .unwrap();
    // The network driver is not served here.
    let error = running.client.get_capabilities().await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    running.stop().await.unwrap();
}

/// A hand-written `IpamDriver` that leaves the required methods at their
/// defaults answers 404; one type serves both subsystems.
#[tokio::test]
async fn one_type_serves_both_subsystems() {
    struct Both;
    #[dknet::network_driver]
    impl Both {}
    impl IpamDriver for Both {}
    let both = Arc::new(Both);
    let plugin = Plugin::new()
        .ipam_driver_shared(Arc::clone(&both))
        .network_driver_shared(both);
    let client = dknet::testing::Client::in_process(plugin);
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["IpamDriver", "NetworkDriver"]
    );
    let spaces = client.ipam().get_default_address_spaces().await.unwrap();
    assert_eq!(spaces.local_default_address_space, LOCAL_DEFAULT);
    assert_eq!(spaces.global_default_address_space, GLOBAL_DEFAULT);
    let error = client
        .ipam()
        .request_pool(&RequestPoolRequest::new(LOCAL_DEFAULT, false))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    client.get_capabilities().await.unwrap();
}
