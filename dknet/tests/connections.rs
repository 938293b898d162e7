//! Connection handling: keep-alive, concurrent connections, the in-process
//! client, and the request's Context (ids, cancellation when the client
//! goes away).

mod common;

use std::sync::Arc;

use common::{post, serve_driver, Empty, RawConn, Transport, TRANSPORTS};
use dknet::network::{JoinRequest, JoinResponse, LeaveRequest, NetworkDriver};
use dknet::testing::{CallError, Client};
use dknet::{Context, DriverError, Plugin};
use tokio::sync::{mpsc, Barrier};

#[tokio::test]
async fn several_requests_share_one_connection() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = RawConn::connect(&plugin.addr).await;
        for _ in 0..5 {
            let answer = raw.exchange(&post("/Plugin.Activate", &[], b"")).await;
            assert_eq!(answer.status, 200, "{transport:?}");
            let body = br#"{"NetworkID":"n","EndpointID":"e"}"#;
            let answer = raw.exchange(&post("/NetworkDriver.Leave", &[], body)).await;
            assert_eq!(answer.status, 200);
            assert_ne!(answer.header("connection"), Some("close"));
        }
        // Errors keep the connection too.
        let answer = raw
            .exchange(&post("/NetworkDriver.Leave", &[], b"nope"))
            .await;
        assert_eq!(answer.status, 400);
        let answer = raw.exchange(&post("/Nope.Nope", &[], b"{}")).await;
        assert_eq!(answer.status, 404);
        let answer = raw.exchange(&post("/Plugin.Activate", &[], b"")).await;
        assert_eq!(answer.status, 200);
        plugin.stop().await.unwrap();
    }
}

/// Answers `Join` only once `n` joins are in flight together.
struct Rendezvous(Barrier);

impl NetworkDriver for Rendezvous {
    async fn join(
        self: Arc<Self>,
        request: JoinRequest,
        _context: Context,
    ) -> Result<JoinResponse, DriverError> {
        self.0.wait().await;
        Ok(JoinResponse {
            interface_name: Some(dknet::network::InterfaceName::new(
                request.endpoint_id,
                "eth",
            )),
            ..Default::default()
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_connections_are_served_concurrently() {
    const N: usize = 64;
    for transport in TRANSPORTS {
        // Every join waits for all N: this completes only if all N
        // connections are served at the same time.
        let plugin = serve_driver(Rendezvous(Barrier::new(N)), transport).await;
        let calls: Vec<_> = (0..N)
            .map(|i| {
                let client = plugin.client();
                tokio::spawn(async move {
                    let request = JoinRequest::new("n", format!("ep{i}"));
                    client.join(&request).await.unwrap()
                })
            })
            .collect();
        for (i, call) in calls.into_iter().enumerate() {
            let joined = call.await.unwrap();
            assert_eq!(joined.interface_name.unwrap().src_name, format!("ep{i}"));
        }
        plugin.stop().await.unwrap();
    }
}

/// Reports each join's request id when it starts, then waits for its
/// context to be cancelled, then finishes anyway.
struct Watcher {
    events: mpsc::UnboundedSender<(&'static str, u64)>,
}

impl NetworkDriver for Watcher {
    async fn join(
        self: Arc<Self>,
        _request: JoinRequest,
        context: Context,
    ) -> Result<JoinResponse, DriverError> {
        let id = context.request_id();
        self.events.send(("started", id)).unwrap();
        context.cancelled().await;
        assert!(context.is_cancelled());
        self.events.send(("cancelled", id)).unwrap();
        tokio::task::yield_now().await;
        self.events.send(("finished", id)).unwrap();
        Ok(JoinResponse::default())
    }

    async fn leave(
        self: Arc<Self>,
        _request: LeaveRequest,
        context: Context,
    ) -> Result<(), DriverError> {
        self.events.send(("leave", context.request_id())).unwrap();
        assert!(!context.is_cancelled());
        Ok(())
    }
}

#[tokio::test]
async fn dropping_the_connection_cancels_the_context_and_the_call_completes() {
    for transport in TRANSPORTS {
        let (events, mut seen) = mpsc::unbounded_channel();
        let plugin = serve_driver(Watcher { events }, transport).await;
        let mut raw = plugin.raw().await;
        raw.send(&post(
            "/NetworkDriver.Join",
            &[],
            br#"{"NetworkID":"n","EndpointID":"e"}"#,
        ))
        .await;
        let (event, id) = seen.recv().await.unwrap();
        assert_eq!(event, "started", "{transport:?}");
        drop(raw);
        assert_eq!(seen.recv().await.unwrap(), ("cancelled", id));
        assert_eq!(seen.recv().await.unwrap(), ("finished", id));

        // Answered calls are not cancelled, and ids are unique.
        plugin
            .client
            .leave(&LeaveRequest::new("n", "e"))
            .await
            .unwrap();
        let (event, leave_id) = seen.recv().await.unwrap();
        assert_eq!(event, "leave");
        assert_ne!(leave_id, id);
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_in_process_client_needs_no_socket() {
    let (events, mut seen) = mpsc::unbounded_channel();
    let client = Client::in_process(Plugin::new().network_driver(Watcher { events }));
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );
    client.leave(&LeaveRequest::new("n", "e")).await.unwrap();
    let (_, first) = seen.recv().await.unwrap();
    client.leave(&LeaveRequest::new("n", "e")).await.unwrap();
    let (_, second) = seen.recv().await.unwrap();
    assert!(second > first);
    let error = client
        .call("/NetworkDriver.Leave", Some(b""))
        .await
        .unwrap();
    assert_eq!(error.status, 400);
    let capabilities = client.get_capabilities().await.unwrap();
    assert_eq!(capabilities.scope, dknet::network::Scope::Local);
}

#[tokio::test]
async fn a_client_survives_the_server_closing_its_connection() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let client = plugin.client();
    client.activate().await.unwrap();
    // A 413 from Content-Length alone closes the connection (the body is
    // left unread); the client's next call must use a new one.
    let oversized = vec![b' '; (1 << 20) + 1];
    // The server may close before the whole body is written: then the call
    // fails in transport, never with another answer.
    match client.call("/NetworkDriver.Leave", Some(&oversized)).await {
        Ok(answer) => assert_eq!(answer.status, 413),
        Err(error) => assert!(matches!(error, CallError::Transport { .. }), "{error}"),
    }
    client.activate().await.unwrap();
    plugin.stop().await.unwrap();
}
