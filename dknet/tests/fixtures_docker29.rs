//! Real dockerd 29.7.2 traffic (`tests/fixtures/dockerd-29.7.2.jsonl`, recorded by
//! scripts/record-fixtures from a legacy plugin, then a managed one): what Docker 29
//! changed for plugins is in the file and dknet reads it — `ProgramExternalConnectivity`
//! and `RevokeExternalConnectivity` for every gateway endpoint, with and without published
//! ports, the endpoint's name in IPAM `RequestAddress`, the `Host: plugin.moby.localhost`
//! header — and replaying the file against drivers gets the answers dockerd needs.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use common::{post, serve_driver, Empty, RawConn, Transport, MEDIA_TYPE};
use dknet::network::*;
use dknet::testing::{load_fixture, FixtureEntry, Replay};
use serde::de::DeserializeOwned;
use serde_json::json;

const FILE: &str = "dockerd-29.7.2.jsonl";

fn entries() -> Vec<FixtureEntry> {
    load_fixture(format!(
        "{}/tests/fixtures/{FILE}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn decode<T: DeserializeOwned>(entry: &FixtureEntry) -> T {
    let request = entry.request.clone().expect("a request body");
    serde_json::from_value(request)
        .unwrap_or_else(|error| panic!("{} does not decode: {error}", entry.path))
}

fn endpoint_of(entry: &FixtureEntry) -> &str {
    entry.request.as_ref().unwrap()["EndpointID"]
        .as_str()
        .unwrap()
}

#[test]
fn every_network_request_of_29_decodes() {
    let entries = entries();
    assert!(entries.len() > 100, "{}", entries.len());
    for entry in &entries {
        assert_eq!(entry.daemon.as_deref(), Some("29.7.2"));
        assert_eq!(entry.accept.as_deref(), Some(MEDIA_TYPE));
        assert_eq!(entry.content_type, None, "dockerd sends no Content-Type");
        match entry.path.trim_start_matches("/NetworkDriver.") {
            "/Plugin.Activate" | "GetCapabilities" => assert_eq!(entry.request, None),
            "GwAllocCheck" => {
                let request: GwAllocCheckRequest = decode(entry);
                assert_eq!(request.options.enable_ipv4(), Some(true));
                assert!(request.options.enable_ipv6().is_some());
            }
            "CreateNetwork" => {
                let request: CreateNetworkRequest = decode(entry);
                assert_eq!(request.options.enable_ipv4(), Some(true));
                assert_eq!(
                    request.ipv6_data.is_empty(),
                    request.options.enable_ipv6() == Some(false)
                );
            }
            "DeleteNetwork" => {
                assert_eq!(decode::<DeleteNetworkRequest>(entry).network_id.len(), 64)
            }
            "CreateEndpoint" => assert!(decode::<CreateEndpointRequest>(entry)
                .interface
                .address
                .is_some()),
            "Join" => assert!(decode::<JoinRequest>(entry).sandbox_key.contains("/netns/")),
            "ProgramExternalConnectivity" => {
                let request: ProgramExternalConnectivityRequest = decode(entry);
                assert_eq!(request.endpoint_id.len(), 64);
                request.options.port_bindings().unwrap();
                request.options.exposed_ports().unwrap();
            }
            "RevokeExternalConnectivity" => {
                assert_eq!(
                    decode::<RevokeExternalConnectivityRequest>(entry)
                        .endpoint_id
                        .len(),
                    64
                )
            }
            "EndpointOperInfo" => drop(decode::<EndpointOperInfoRequest>(entry)),
            "Leave" => drop(decode::<LeaveRequest>(entry)),
            "DeleteEndpoint" => drop(decode::<DeleteEndpointRequest>(entry)),
            other if other.starts_with("/IpamDriver.") => {}
            other => panic!("unexpected request {other}"),
        }
    }
}

/// Docker 29 programs every endpoint that becomes its container's gateway (`Join`
/// answered a gateway), ports or not, and revokes it before `Leave`; endpoints of the
/// internal network (no gateway) get neither.
#[test]
fn every_gateway_endpoint_is_programmed_after_join_and_revoked_before_leave() {
    let entries = entries();
    let position = |path: &str, endpoint: &str| {
        entries
            .iter()
            .position(|e| e.path == path && endpoint_of(e) == endpoint)
    };
    let joins: Vec<&FixtureEntry> = entries
        .iter()
        .filter(|e| e.path == "/NetworkDriver.Join")
        .collect();
    assert_eq!(joins.len(), 7);
    let mut programmed = 0;
    for join in joins {
        let endpoint = endpoint_of(join);
        let gateway = join.response.as_ref().unwrap().get("Gateway").is_some();
        let program = position("/NetworkDriver.ProgramExternalConnectivity", endpoint);
        let revoke = position("/NetworkDriver.RevokeExternalConnectivity", endpoint);
        let leave = position("/NetworkDriver.Leave", endpoint).expect("a Leave");
        if !gateway {
            assert_eq!((program, revoke), (None, None), "{endpoint}");
            continue;
        }
        programmed += 1;
        let joined = position("/NetworkDriver.Join", endpoint).unwrap();
        let (program, revoke) = (program.unwrap(), revoke.unwrap());
        assert!(
            joined < program && program < revoke && revoke < leave,
            "{endpoint}"
        );
    }
    assert_eq!(programmed, 6, "every endpoint but the internal network's");
}

#[test]
fn program_carries_the_published_ports_or_none() {
    let programs: Vec<ProgramExternalConnectivityRequest> = entries()
        .iter()
        .filter(|e| e.path == "/NetworkDriver.ProgramExternalConnectivity")
        .map(decode)
        .collect();
    let without = programs
        .iter()
        .filter(|p| p.options.port_bindings().unwrap().is_empty());
    assert_eq!(without.count(), 2, "the first scenario publishes nothing");

    // `-p 127.0.0.1:8081:80/tcp -p 8082:53/udp -p 8443:443`
    let three = programs
        .iter()
        .map(|p| p.options.port_bindings().unwrap())
        .find(|bindings| bindings.len() == 3)
        .expect("the container with three published ports");
    let mut seen: Vec<(Protocol, Option<String>, u16, u16, u16)> = three
        .iter()
        .map(|b| {
            (
                b.proto,
                b.host_ip.map(|ip| ip.to_string()),
                b.host_port,
                b.host_port_end,
                b.port,
            )
        })
        .collect();
    seen.sort_by_key(|binding| binding.2);
    assert_eq!(
        seen,
        [
            (Protocol::Tcp, Some("127.0.0.1".into()), 8081, 8081, 80),
            (Protocol::Udp, None, 8082, 8082, 53),
            (Protocol::Tcp, None, 8443, 8443, 443),
        ]
    );
    let exposed = programs
        .iter()
        .map(|p| p.options.exposed_ports().unwrap())
        .find(|exposed| exposed.len() == 3)
        .unwrap();
    assert!(exposed.contains(&ExposedPort {
        proto: Protocol::Udp,
        port: 53
    }));
}

/// Docker 29 names the endpoint in IPAM `RequestAddress` (the container's name; the
/// gateway's request has none). The typed accessor belongs to the IPAM types; here the
/// raw option is checked.
#[test]
fn ipam_request_address_names_the_endpoint() {
    let entries = entries();
    let names: Vec<Option<String>> = entries
        .iter()
        .filter(|e| e.path == "/IpamDriver.RequestAddress")
        .map(decode::<dknet::ipam::RequestAddressRequest>)
        .map(|request| request.options.endpoint_name().map(str::to_owned))
        .collect();
    assert_eq!(
        names.iter().filter(|name| name.is_none()).count(),
        5,
        "the gateways (two dual-stack networks, one IPv4)"
    );
    assert!(
        names.contains(&Some("cc".to_owned())) && names.contains(&Some("cd".to_owned())),
        "{names:?}"
    );
    assert!(names.iter().flatten().all(|name| !name.is_empty()));
}

/// The recording's second part comes from a managed plugin: dockerd never sends it
/// `Plugin.Activate` (it knows its interface from `config.json`) but asks its capabilities.
#[test]
fn the_managed_plugin_is_asked_its_capabilities_but_not_activated() {
    let entries = entries();
    let count = |path: &str| entries.iter().filter(|e| e.path == path).count();
    assert_eq!(count("/Plugin.Activate"), 1);
    assert_eq!(count("/NetworkDriver.GetCapabilities"), 2);
    assert_eq!(count("/IpamDriver.GetCapabilities"), 2);
}

/// What a [`Publisher`] has published now, per endpoint, and every call's port count.
#[derive(Default)]
struct Published {
    now: Mutex<HashMap<String, Vec<PortBinding>>>,
    calls: Mutex<Vec<(&'static str, usize)>>,
}

/// Publishes and revokes like a driver that forwards ports, recording into [`Published`].
#[derive(Default, Clone)]
struct Publisher(Arc<Published>);

#[dknet::network_driver]
impl Publisher {
    fn program_external_connectivity(
        &self,
        request: ProgramExternalConnectivityRequest,
    ) -> Result<(), OptionsError> {
        let bindings = request.options.port_bindings()?;
        self.0
            .calls
            .lock()
            .unwrap()
            .push(("program", bindings.len()));
        self.0
            .now
            .lock()
            .unwrap()
            .insert(request.endpoint_id, bindings);
        Ok(())
    }

    fn revoke_external_connectivity(&self, request: RevokeExternalConnectivityRequest) {
        let removed = self.0.now.lock().unwrap().remove(&request.endpoint_id);
        let count = removed.map_or(0, |bindings| bindings.len());
        self.0.calls.lock().unwrap().push(("revoke", count));
    }
}

#[tokio::test]
async fn replaying_29_gets_what_dockerd_needs_with_and_without_connectivity_methods() {
    let fixture = entries();
    let network = fixture
        .iter()
        .filter(|e| e.subsystem() != "IpamDriver")
        .count();

    // A driver without them: dockerd reads the 404 as "nothing to do".
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let replayed = plugin
        .client
        .replay(&fixture, Replay::Implemented)
        .await
        .unwrap();
    assert_eq!(replayed.len(), network, "IPAM requests are skipped");
    for call in &replayed {
        let json = call.response.json().unwrap();
        assert!(json.is_object(), "{}: {json}", call.path);
        let declined = [
            "/NetworkDriver.GwAllocCheck",
            "/NetworkDriver.ProgramExternalConnectivity",
            "/NetworkDriver.RevokeExternalConnectivity",
        ];
        let status = if declined.contains(&call.path.as_str()) {
            404
        } else {
            200
        };
        assert_eq!(call.response.status, status, "{}: {json}", call.path);
    }
    plugin.stop().await.unwrap();

    // A driver with them: every call succeeds, with and without ports, and once every
    // container is gone nothing is published any more.
    let plugin = serve_driver(Publisher::default(), Transport::Unix).await;
    let replayed = plugin
        .client
        .replay(&fixture, Replay::Implemented)
        .await
        .unwrap();
    for call in &replayed {
        if call.path != "/NetworkDriver.GwAllocCheck" {
            assert_eq!(call.response.status, 200, "{}", call.path);
        }
    }
    plugin.stop().await.unwrap();
}

#[tokio::test]
async fn the_publisher_sees_each_endpoint_programmed_then_revoked() {
    let publisher = Publisher::default();
    let plugin = serve_driver(publisher.clone(), Transport::Unix).await;
    plugin
        .client
        .replay(&entries(), Replay::Implemented)
        .await
        .unwrap();
    plugin.stop().await.unwrap();
    let calls = publisher.0.calls.lock().unwrap().clone();
    let counts = |method: &str| -> Vec<usize> {
        calls
            .iter()
            .filter(|c| c.0 == method)
            .map(|c| c.1)
            .collect()
    };
    let (programs, revokes) = (counts("program"), counts("revoke"));
    assert_eq!(programs.len(), 6);
    assert_eq!(revokes.len(), 6);
    assert!(
        programs.contains(&0) && programs.contains(&3),
        "{programs:?}"
    );
    assert_eq!(
        programs.iter().sum::<usize>(),
        revokes.iter().sum::<usize>()
    );
    assert!(publisher.0.now.lock().unwrap().is_empty());
}

/// dockerd 24.0.5+ sends `Host: plugin.moby.localhost` on unix sockets (all of the 29
/// recording did); older ones sent the socket's path. Both are served.
#[tokio::test]
async fn the_host_header_of_29_and_of_older_daemons_is_accepted() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    for host in ["plugin.moby.localhost", "/run/docker/plugins/p.sock"] {
        let mut conn = RawConn::connect(&plugin.addr).await;
        let header = format!("Host: {host}");
        let answer = conn
            .exchange(&post("/Plugin.Activate", &[&header], b""))
            .await;
        assert_eq!(answer.status, 200, "{host}");
        assert_eq!(
            answer.json(),
            json!({"Implements": ["NetworkDriver"]}),
            "{host}"
        );
    }
    plugin.stop().await.unwrap();
}
