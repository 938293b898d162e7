//! Real dockerd traffic (`tests/fixtures/*.jsonl`, recorded from 20.10.24 and
//! 28.5.2): every request decodes into its type with the right values, every
//! response type writes Go's field names, and replaying the files against an
//! empty driver over a real socket gets the answers dockerd needs.

mod common;

use std::net::IpAddr;

use common::{serve_driver, Empty, Transport, MEDIA_TYPE};
use dknet::network::*;
use dknet::testing::{load_fixture, FixtureEntry, Replay};
use dknet::ActivateResponse;
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::json;

const FILES: [&str; 2] = ["dockerd-20.10.24.jsonl", "dockerd-28.5.2.jsonl"];

fn entries(file: &str) -> Vec<FixtureEntry> {
    load_fixture(format!(
        "{}/tests/fixtures/{file}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn all(file: &str, method: &str) -> Vec<FixtureEntry> {
    let path = format!("/NetworkDriver.{method}");
    entries(file)
        .into_iter()
        .filter(|e| e.path == path)
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

#[test]
fn every_network_request_decodes() {
    for file in FILES {
        for entry in entries(file) {
            assert_eq!(entry.accept.as_deref(), Some(MEDIA_TYPE));
            assert_eq!(entry.content_type, None, "dockerd sends no Content-Type");
            let method = entry.path.trim_start_matches("/NetworkDriver.");
            let ids = |network: &str, endpoint: &str| {
                assert_eq!(network.len(), 64, "{file} {method}");
                assert!(
                    endpoint.is_empty() || endpoint.len() == 64,
                    "{file} {method}"
                );
            };
            match method {
                "/Plugin.Activate" | "GetCapabilities" => assert_eq!(entry.request, None),
                "GwAllocCheck" => {
                    let request: GwAllocCheckRequest = decode(&entry);
                    assert_eq!(request.options.enable_ipv4(), Some(true));
                }
                "CreateNetwork" => ids(&decode::<CreateNetworkRequest>(&entry).network_id, ""),
                "DeleteNetwork" => ids(&decode::<DeleteNetworkRequest>(&entry).network_id, ""),
                "CreateEndpoint" => {
                    let request: CreateEndpointRequest = decode(&entry);
                    ids(&request.network_id, &request.endpoint_id);
                    assert!(request.interface.address.is_some());
                    assert!(request.interface.mac_address.is_some());
                }
                "EndpointOperInfo" => {
                    let request: EndpointOperInfoRequest = decode(&entry);
                    ids(&request.network_id, &request.endpoint_id);
                }
                "DeleteEndpoint" => {
                    let request: DeleteEndpointRequest = decode(&entry);
                    ids(&request.network_id, &request.endpoint_id);
                }
                "Join" => {
                    let request: JoinRequest = decode(&entry);
                    ids(&request.network_id, &request.endpoint_id);
                    assert!(request.sandbox_key.contains("/netns/"));
                }
                "Leave" => {
                    let request: LeaveRequest = decode(&entry);
                    ids(&request.network_id, &request.endpoint_id);
                }
                other if other.starts_with("/IpamDriver.") => {}
                other => panic!("{file}: unexpected request {other}"),
            }
        }
    }
}

#[test]
fn create_network_carries_pools_and_options() {
    for file in FILES {
        let creates = all(file, "CreateNetwork");
        assert_eq!(creates.len(), 2, "{file}");
        let first: CreateNetworkRequest = decode(&creates[0]);
        let pool = &first.ipv4_data[0];
        assert_eq!(pool.address_space, "CaptureLocal");
        assert_eq!(pool.pool, net("10.77.0.0/24"));
        assert_eq!(pool.gateway, Some(net("10.77.0.1/24")));
        assert_eq!(first.ipv6_data[0].gateway, Some(net("fd00:77::1/64")));
        assert_eq!(first.options.enable_ipv6(), Some(true));
        let generic = first.options.generic_map();
        assert_eq!(generic["mtu"], "1400");
        assert_eq!(generic["mode"], "l2");
        #[derive(serde::Deserialize)]
        struct Opts {
            mtu: u32,
        }
        assert_eq!(first.options.generic::<Opts>().unwrap().mtu, 1400);
        assert!(!first.options.internal());
        let enable_ipv4 = if file.contains("28.5") {
            Some(true)
        } else {
            None
        };
        assert_eq!(first.options.enable_ipv4(), enable_ipv4, "{file}");

        let second: CreateNetworkRequest = decode(&creates[1]);
        assert!(second.options.internal());
        assert_eq!(second.options.enable_ipv6(), Some(false));
        assert!(second.ipv6_data.is_empty());
        let pool = &second.ipv4_data[0];
        assert_eq!(pool.address_space, "LocalDefault");
        assert_eq!(pool.pool, net("10.88.0.0/24"));
        assert_eq!(pool.gateway, Some(net("10.88.0.254/24")));
        assert_eq!(pool.aux_addresses["host1"], net("10.88.0.5/24"));
    }
}

#[test]
fn create_endpoint_carries_addresses() {
    let first: CreateEndpointRequest = decode(&all("dockerd-20.10.24.jsonl", "CreateEndpoint")[0]);
    assert_eq!(first.interface.address, Some(net("10.77.0.11/24")));
    assert_eq!(first.interface.address_ipv6, Some(net("fd00:77::b/64")));
    let mac = first.interface.mac_address.unwrap();
    assert_eq!(mac.to_string(), "02:42:12:a0:22:56");
    assert!(first.options.exposed_ports().unwrap().is_empty());
    assert!(first.options.port_bindings().unwrap().is_empty());

    let last = all("dockerd-28.5.2.jsonl", "CreateEndpoint").pop().unwrap();
    let last: CreateEndpointRequest = decode(&last);
    assert_eq!(last.interface.address, Some(net("10.88.0.200/24")));
    assert_eq!(last.interface.address_ipv6, None, "\"\" means none");
    assert_eq!(
        last.interface.mac_address.unwrap().to_string(),
        "02:42:0a:58:00:c8"
    );
    let requested = last.options.mac_address().unwrap().unwrap();
    assert_eq!(
        requested.to_string(),
        "02:42:0a:58:00:c8",
        "base64 AkIKWADI"
    );
}

#[test]
fn join_carries_the_sandbox_and_ports() {
    let first: JoinRequest = decode(&all("dockerd-20.10.24.jsonl", "Join")[0]);
    assert_eq!(first.sandbox_key, "/var/run/docker/netns/a792919a4271");
    assert!(first.endpoint_id.starts_with("d2e664ab"));
    // `"ChildEndpoints": null` in the generic options is dropped.
    let second: JoinRequest = decode(&all("dockerd-20.10.24.jsonl", "Join")[1]);
    assert!(second.options.generic_map().is_empty());

    let last: JoinRequest = decode(&all("dockerd-28.5.2.jsonl", "Join").pop().unwrap());
    assert_eq!(last.sandbox_key, "/tmp/d28/exec/netns/ac9b1044df40");
    let exposed = last.options.exposed_ports().unwrap();
    assert_eq!(
        exposed,
        [ExposedPort {
            proto: Protocol::Tcp,
            port: 80
        }]
    );
    let bindings = last.options.port_bindings().unwrap();
    assert_eq!(bindings.len(), 1);
    let binding = bindings[0];
    assert_eq!(binding.proto, Protocol::Tcp);
    assert_eq!(
        (binding.host_port, binding.port, binding.host_port_end),
        (8080, 80, 8080)
    );
    assert_eq!((binding.ip, binding.host_ip), (None, None));
}

#[test]
fn gw_alloc_check_carries_the_create_options() {
    let checks = all("dockerd-28.5.2.jsonl", "GwAllocCheck");
    assert_eq!(checks.len(), 2);
    let first: GwAllocCheckRequest = decode(&checks[0]);
    assert_eq!(first.options.generic_map()["mtu"], "1400");
    assert_eq!(first.options.enable_ipv6(), Some(true));
    let second: GwAllocCheckRequest = decode(&checks[1]);
    assert!(second.options.internal());
    assert!(all("dockerd-20.10.24.jsonl", "GwAllocCheck").is_empty());
}

fn wire<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn responses_use_go_field_names() {
    let capabilities = GetCapabilitiesResponse {
        scope: Scope::Global,
        connectivity_scope: Some(Scope::Local),
        gw_alloc_checker: true,
    };
    let expected = json!({"Scope": "global", "ConnectivityScope": "local", "GwAllocChecker": true});
    assert_eq!(wire(&capabilities), expected);
    let check = GwAllocCheckResponse {
        skip_ipv4: true,
        skip_ipv6: false,
    };
    assert_eq!(wire(&check), json!({"SkipIPv4": true, "SkipIPv6": false}));
    let endpoint = CreateEndpointResponse {
        interface: Some(EndpointInterface {
            address: Some(net("10.0.0.2/24")),
            address_ipv6: Some(net("fd00::2/64")),
            mac_address: Some("02:42:0a:00:00:02".parse().unwrap()),
        }),
    };
    let interface = json!({"Address": "10.0.0.2/24", "AddressIPv6": "fd00::2/64", "MacAddress": "02:42:0a:00:00:02"});
    assert_eq!(wire(&endpoint), json!({"Interface": interface}));
    let mut info = EndpointOperInfoResponse::default();
    info.value.insert("vlan".into(), json!(7));
    assert_eq!(wire(&info), json!({"Value": {"vlan": 7}}));
    let join = JoinResponse {
        interface_name: Some(InterfaceName::new("veth1", "eth")),
        gateway: Some("10.0.0.1".parse::<IpAddr>().unwrap()),
        gateway_ipv6: Some("fd00::1".parse::<IpAddr>().unwrap()),
        static_routes: vec![StaticRoute {
            destination: net("10.9.0.0/16"),
            route_type: RouteType::NextHop,
            next_hop: Some("10.0.0.254".parse().unwrap()),
        }],
        disable_gateway_service: true,
    };
    let expected = json!({
        "InterfaceName": {"SrcName": "veth1", "DstPrefix": "eth"},
        "Gateway": "10.0.0.1",
        "GatewayIPv6": "fd00::1",
        "StaticRoutes": [{"Destination": "10.9.0.0/16", "RouteType": 0, "NextHop": "10.0.0.254"}],
        "DisableGatewayService": true,
    });
    assert_eq!(wire(&join), expected);
    let mut allocated = AllocateNetworkResponse::default();
    allocated.options.insert("vni".into(), "42".into());
    assert_eq!(wire(&allocated), json!({"Options": {"vni": "42"}}));
    let activate = ActivateResponse {
        implements: vec!["NetworkDriver".into()],
    };
    assert_eq!(wire(&activate), json!({"Implements": ["NetworkDriver"]}));
}

/// The recording plugin's answers read back into our types and write out
/// the same JSON.
#[test]
fn recorded_answers_round_trip() {
    fn round_trip<T: DeserializeOwned + Serialize>(entry: &FixtureEntry) {
        let recorded = entry.response.clone().unwrap();
        let typed: T = serde_json::from_value(recorded.clone()).unwrap();
        assert_eq!(wire(&typed), recorded, "{}", entry.path);
    }
    for file in FILES {
        for entry in entries(file) {
            match entry.path.as_str() {
                "/Plugin.Activate" => round_trip::<ActivateResponse>(&entry),
                "/NetworkDriver.GetCapabilities" => round_trip::<GetCapabilitiesResponse>(&entry),
                "/NetworkDriver.GwAllocCheck" => round_trip::<GwAllocCheckResponse>(&entry),
                "/NetworkDriver.Join" => round_trip::<JoinResponse>(&entry),
                "/NetworkDriver.EndpointOperInfo" => round_trip::<EndpointOperInfoResponse>(&entry),
                "/NetworkDriver.CreateEndpoint" => round_trip::<CreateEndpointResponse>(&entry),
                _ => {}
            }
        }
    }
}

#[tokio::test]
async fn replaying_against_an_empty_driver_gets_what_dockerd_needs() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    for file in FILES {
        let fixture = entries(file);
        let replayed = plugin
            .client
            .replay(&fixture, Replay::Implemented)
            .await
            .unwrap();
        let network = fixture
            .iter()
            .filter(|e| e.subsystem() != "IpamDriver")
            .count();
        assert_eq!(replayed.len(), network, "{file}: IPAM requests are skipped");
        for call in &replayed {
            assert_eq!(call.response.content_type.as_deref(), Some(MEDIA_TYPE));
            let json = call.response.json().unwrap();
            assert!(json.is_object(), "{file} {}: {json}", call.path);
            if call.path == "/NetworkDriver.GwAllocCheck" {
                assert_eq!(call.response.status, 404, "not written, so not supported");
                assert!(call.response.err().is_some());
            } else {
                assert_eq!(call.response.status, 200, "{file} {}: {json}", call.path);
                assert_eq!(call.response.err(), None);
            }
        }
        // Replaying everything: the IPAM requests find no IPAM driver.
        let replayed = plugin.client.replay(&fixture, Replay::All).await.unwrap();
        assert_eq!(replayed.len(), fixture.len());
        let ipam: Vec<_> = replayed
            .iter()
            .filter(|c| c.path.starts_with("/IpamDriver."))
            .collect();
        assert_eq!(ipam.len(), fixture.len() - network, "{file}");
        assert!(!ipam.is_empty(), "{file} has IPAM requests");
        for call in ipam {
            assert_eq!(call.response.status, 404, "{}", call.path);
        }
    }
    plugin.stop().await.unwrap();
}
