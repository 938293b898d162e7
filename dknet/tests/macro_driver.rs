//! Drivers built with `#[dknet::network_driver]`, served on a real unix
//! socket and called as dockerd calls them: written methods get the request
//! sent, omitted ones answer the defaults, errors and panics answer 500, a
//! plain `fn` runs off the async threads, and recorded dockerd traffic gets
//! the answers the recording plugin gave.

mod common;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use common::{Running, Transport};
use dknet::network::*;
use dknet::testing::{load_fixture, CallError, Replay};
use dknet::{Context, Plugin};

/// What a driver was called with, in order: `method network endpoint`.
#[derive(Default)]
struct Calls(Mutex<Vec<String>>);

impl Calls {
    fn record(&self, method: &str, network_id: &str, endpoint_id: &str) {
        let call = format!("{method} {network_id} {endpoint_id}");
        self.0.lock().unwrap().push(call.trim_end().to_owned());
    }

    fn take(&self) -> Vec<String> {
        std::mem::take(&mut self.0.lock().unwrap())
    }
}

#[derive(Debug)]
enum BridgeError {
    Refused(String),
}

impl fmt::Display for BridgeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BridgeError::Refused(id) => write!(f, "network {id} is refused"),
        }
    }
}

/// Sync and async methods, fallible and not, with and without `Context`.
#[derive(Default)]
struct Bridge {
    calls: Calls,
}

#[dknet::network_driver(scope = "global", connectivity_scope = "local")]
impl Bridge {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), BridgeError> {
        self.calls.record("create_network", &request.network_id, "");
        match request.network_id.as_str() {
            "refused" => Err(BridgeError::Refused(request.network_id)),
            "panic" => panic!("create_network panicked"),
            _ => Ok(()),
        }
    }

    fn delete_network(
        &self,
        request: DeleteNetworkRequest,
        context: Context,
    ) -> std::io::Result<()> {
        self.calls.record("delete_network", &request.network_id, "");
        assert!(!context.is_cancelled());
        match request.network_id.as_str() {
            "busy" => Err(std::io::Error::other("device or resource busy")),
            "panic" => panic!("delete_network panicked"),
            _ => Ok(()),
        }
    }

    fn join(&self, request: JoinRequest) -> JoinResponse {
        self.calls
            .record("join", &request.network_id, &request.endpoint_id);
        JoinResponse {
            interface_name: Some(InterfaceName::new(
                format!("veth{}", request.endpoint_id),
                "eth",
            )),
            ..Default::default()
        }
    }

    async fn gw_alloc_check(&self, request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse {
            skip_ipv4: false,
            skip_ipv6: request.options.enable_ipv6() != Some(true),
        }
    }
}

/// Serves `driver` on a unix socket in a fresh folder.
async fn serve<D: NetworkDriver>(driver: Arc<D>) -> Running {
    common::serve(Plugin::new().network_driver_shared(driver), Transport::Unix).await
}

fn status(error: &CallError) -> u16 {
    error
        .status()
        .unwrap_or_else(|| panic!("not a status error: {error}"))
}

#[tokio::test]
async fn written_methods_get_the_request_and_omitted_ones_answer_defaults() {
    let driver = Arc::new(Bridge::default());
    let served = serve(driver.clone()).await;
    let client = &served.client;

    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );
    let capabilities = client.get_capabilities().await.unwrap();
    assert_eq!(capabilities.scope, Scope::Global);
    assert_eq!(capabilities.connectivity_scope, Some(Scope::Local));
    assert!(capabilities.gw_alloc_checker, "gw_alloc_check is written");

    client
        .create_network(&CreateNetworkRequest::new("n1"))
        .await
        .unwrap();
    let joined = client.join(&JoinRequest::new("n1", "e1")).await.unwrap();
    assert_eq!(
        joined.interface_name,
        Some(InterfaceName::new("vethe1", "eth"))
    );
    client
        .delete_network(&DeleteNetworkRequest::new("n1"))
        .await
        .unwrap();
    let check = client
        .gw_alloc_check(&GwAllocCheckRequest::default())
        .await
        .unwrap();
    assert!(check.skip_ipv6);
    assert_eq!(
        driver.calls.take(),
        ["create_network n1", "join n1 e1", "delete_network n1"]
    );

    // Omitted methods: the defaults, with the driver never called.
    client.leave(&LeaveRequest::new("n1", "e1")).await.unwrap();
    client
        .create_endpoint(&CreateEndpointRequest::new("n1", "e1"))
        .await
        .unwrap();
    let info = client
        .call(
            "/NetworkDriver.EndpointOperInfo",
            Some(br#"{"NetworkID":"n1","EndpointID":"e1"}"#),
        )
        .await
        .unwrap();
    assert_eq!(
        (info.status, info.json().unwrap()),
        (200, serde_json::json!({"Value": {}}))
    );
    let error = client
        .program_external_connectivity(&ProgramExternalConnectivityRequest::new("n1", "e1"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), 404);
    let error = client
        .revoke_external_connectivity(&RevokeExternalConnectivityRequest::new("n1", "e1"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), 404);
    assert!(driver.calls.take().is_empty());
    served.stop().await.unwrap();
}

#[tokio::test]
async fn a_driver_error_answers_500_with_its_display_text() {
    let served = serve(Arc::new(Bridge::default())).await;
    let body = br#"{"NetworkID":"refused","Options":{},"IPv4Data":[],"IPv6Data":[]}"#;
    let answer = served
        .client
        .call("/NetworkDriver.CreateNetwork", Some(body))
        .await
        .unwrap();
    assert_eq!(answer.status, 500);
    assert_eq!(
        answer.json().unwrap(),
        serde_json::json!({"Err": "network refused is refused"})
    );

    let error = served
        .client
        .delete_network(&DeleteNetworkRequest::new("busy"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), 500);
    assert_eq!(error.message(), Some("device or resource busy"));
    served.stop().await.unwrap();
}

#[tokio::test]
async fn a_panic_answers_500_and_the_plugin_keeps_serving() {
    let served = serve(Arc::new(Bridge::default())).await;
    let client = &served.client;
    // In an `async fn`, then in a plain `fn` (on the blocking pool).
    let error = client
        .create_network(&CreateNetworkRequest::new("panic"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), 500);
    let error = served
        .client()
        .delete_network(&DeleteNetworkRequest::new("panic"))
        .await
        .unwrap_err();
    assert_eq!(status(&error), 500);
    served
        .client()
        .create_network(&CreateNetworkRequest::new("n2"))
        .await
        .unwrap();
    served.stop().await.unwrap();
}

/// `leave` (a plain `fn`) blocks its thread until `join` (an `async fn`)
/// runs. On a single-threaded runtime, that only happens if plain methods
/// run off the async thread; otherwise `leave` gives up after a minute (a
/// guard against hanging, not a timing assertion) and the test fails.
struct Handshake {
    joined: Mutex<mpsc::Sender<()>>,
    leave_may_finish: Mutex<mpsc::Receiver<()>>,
}

#[dknet::network_driver]
impl Handshake {
    fn leave(&self, _request: LeaveRequest) -> Result<(), String> {
        let receiver = self.leave_may_finish.lock().unwrap();
        receiver
            .recv_timeout(Duration::from_secs(60))
            .map_err(|_| "`join` did not run while `leave` blocked".to_owned())
    }

    async fn join(&self, _request: JoinRequest) -> JoinResponse {
        self.joined.lock().unwrap().send(()).unwrap();
        JoinResponse::default()
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_plain_fn_does_not_block_other_requests() {
    let (joined, leave_may_finish) = mpsc::channel();
    let driver = Handshake {
        joined: Mutex::new(joined),
        leave_may_finish: Mutex::new(leave_may_finish),
    };
    let served = serve(Arc::new(driver)).await;
    let (first, second) = (served.client(), served.client());
    let (leave, join) = (LeaveRequest::new("n1", "e1"), JoinRequest::new("n1", "e1"));
    let both = async {
        tokio::join!(first.leave(&leave), async {
            // Give `leave` a head start; correctness does not depend on it.
            tokio::task::yield_now().await;
            second.join(&join).await
        })
    };
    let (left, joined) = both.await;
    left.unwrap();
    joined.unwrap();
    served.stop().await.unwrap();
}

/// Records the thread each plain-`fn` call ran on, and spawns a task that
/// says it ran.
struct Threads {
    threads: Mutex<Vec<std::thread::ThreadId>>,
    spawned: tokio::sync::mpsc::UnboundedSender<()>,
}

#[dknet::network_driver]
impl Threads {
    fn leave(&self, _request: LeaveRequest) {
        self.threads
            .lock()
            .unwrap()
            .push(std::thread::current().id());
        let spawned = self.spawned.clone();
        tokio::spawn(async move { spawned.send(()) });
    }
}

/// Plain `fn`s run on tokio's blocking pool, which keeps a finished thread
/// for the next call, not on a new thread per call: of a few calls one after
/// the other, some share a thread. Inside, the caller's runtime is the
/// current one: what they `tokio::spawn` runs.
#[tokio::test]
async fn plain_fns_reuse_the_blocking_pool_threads() {
    let (spawned, mut ran) = tokio::sync::mpsc::unbounded_channel();
    let driver = Arc::new(Threads {
        threads: Mutex::default(),
        spawned,
    });
    let served = serve(Arc::clone(&driver)).await;
    let client = served.client();
    for _ in 0..5 {
        client.leave(&LeaveRequest::new("n1", "e1")).await.unwrap();
        // The pool's thread goes back to waiting just after answering.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for _ in 0..5 {
        let task = tokio::time::timeout(Duration::from_secs(10), ran.recv()).await;
        assert!(task.is_ok(), "a task spawned by a plain fn did not run");
    }
    served.stop().await.unwrap();
    let mut threads = driver.threads.lock().unwrap().clone();
    assert_eq!(threads.len(), 5);
    threads.sort_unstable_by_key(|id| format!("{id:?}"));
    threads.dedup();
    assert!(threads.len() < 5, "every call had a thread of its own");
}

/// Answers network calls as the plugin that recorded the fixtures did.
#[derive(Default)]
struct Replica {
    calls: Calls,
}

#[dknet::network_driver(connectivity_scope = "local")]
impl Replica {
    fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
        GwAllocCheckResponse::default()
    }

    async fn create_network(
        &self,
        request: CreateNetworkRequest,
        _context: Context,
    ) -> Result<(), String> {
        self.calls.record("create_network", &request.network_id, "");
        Ok(())
    }

    fn join(&self, request: JoinRequest, context: Context) -> JoinResponse {
        let _ = context.request_id();
        self.calls
            .record("join", &request.network_id, &request.endpoint_id);
        JoinResponse {
            interface_name: Some(InterfaceName::new(
                format!("cp{}", &request.endpoint_id[..7]),
                "eth",
            )),
            disable_gateway_service: true,
            ..Default::default()
        }
    }

    async fn leave(&self, request: LeaveRequest) {
        self.calls
            .record("leave", &request.network_id, &request.endpoint_id);
    }

    fn delete_network(&self, request: DeleteNetworkRequest) {
        self.calls.record("delete_network", &request.network_id, "");
    }
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

#[tokio::test]
async fn recorded_dockerd_traffic_gets_the_recorded_answers() {
    for name in ["dockerd-20.10.24.jsonl", "dockerd-28.5.2.jsonl"] {
        let entries = load_fixture(fixtures().join(name)).unwrap();
        let driver = Arc::new(Replica::default());
        let served = serve(driver.clone()).await;
        let replayed = served
            .client
            .replay(&entries, Replay::Implemented)
            .await
            .unwrap();
        let mut expected_calls = Vec::new();
        for call in &replayed {
            assert!(
                !call.path.starts_with("/IpamDriver."),
                "{name}: a network-only plugin"
            );
            if call.path == "/Plugin.Activate" {
                continue;
            }
            let answer = call.response.json().unwrap();
            assert_eq!(call.response.status, 200, "{name} {}: {answer}", call.path);
            assert_eq!(
                Some(&answer),
                call.recorded.as_ref(),
                "{name} {}",
                call.path
            );
            let request = call.request.clone().unwrap_or_default();
            let id = |key: &str| request[key].as_str().unwrap_or_default().to_owned();
            let method = match call.path.as_str() {
                "/NetworkDriver.CreateNetwork" => "create_network",
                "/NetworkDriver.Join" => "join",
                "/NetworkDriver.Leave" => "leave",
                "/NetworkDriver.DeleteNetwork" => "delete_network",
                _ => continue,
            };
            let call = format!("{method} {} {}", id("NetworkID"), id("EndpointID"));
            expected_calls.push(call.trim_end().to_owned());
        }
        assert!(expected_calls.len() >= 8, "{name}: {expected_calls:?}");
        assert_eq!(driver.calls.take(), expected_calls, "{name}");
        served.stop().await.unwrap();
    }
}
