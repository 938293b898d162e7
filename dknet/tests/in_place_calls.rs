//! Driver calls run in their connection's task, not in a task per request:
//! a panic still stays inside its call (the connection keeps serving), and a
//! call that panics after dockerd hung up harms no one.

mod common;

use std::sync::Arc;

use common::{post, serve_driver, within, TRANSPORTS};
use dknet::network::{JoinRequest, JoinResponse, LeaveRequest, NetworkDriver};
use dknet::{Context, DriverError};
use tokio::sync::mpsc;

/// `Join` panics once its context is cancelled; `Leave` panics at once
/// for the network `panic`.
struct Panicky {
    events: mpsc::UnboundedSender<&'static str>,
}

impl NetworkDriver for Panicky {
    async fn join(
        self: Arc<Self>,
        _request: JoinRequest,
        context: Context,
    ) -> Result<JoinResponse, DriverError> {
        self.events.send("joining").unwrap();
        context.cancelled().await;
        self.events.send("cancelled").unwrap();
        panic!("after the hang-up");
    }

    async fn leave(
        self: Arc<Self>,
        request: LeaveRequest,
        _context: Context,
    ) -> Result<(), DriverError> {
        tokio::task::yield_now().await;
        assert_ne!(request.network_id, "panic", "in the middle of a call");
        Ok(())
    }
}

#[tokio::test]
async fn a_panic_leaves_the_connection_serving() {
    for transport in TRANSPORTS {
        let (events, _seen) = mpsc::unbounded_channel();
        let plugin = serve_driver(Panicky { events }, transport).await;
        let mut raw = plugin.raw().await;
        for _ in 0..3 {
            let panicking = post(
                "/NetworkDriver.Leave",
                &[],
                br#"{"NetworkID":"panic","EndpointID":"e"}"#,
            );
            let answer = within("the panic's answer", raw.exchange(&panicking)).await;
            assert_eq!(answer.status, 500, "{transport:?}");
            let error = answer.json()["Err"].as_str().unwrap_or_default().to_owned();
            assert!(error.contains("in the middle of a call"), "{error}");
            let fine = post(
                "/NetworkDriver.Leave",
                &[],
                br#"{"NetworkID":"n","EndpointID":"e"}"#,
            );
            let answer = within("the next answer", raw.exchange(&fine)).await;
            assert_eq!(answer.status, 200, "{transport:?}");
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_call_panicking_after_the_hang_up_harms_no_one() {
    for transport in TRANSPORTS {
        let (events, mut seen) = mpsc::unbounded_channel();
        let plugin = serve_driver(Panicky { events }, transport).await;
        let mut raw = plugin.raw().await;
        let body = br#"{"NetworkID":"n","EndpointID":"e"}"#;
        raw.send(&post("/NetworkDriver.Join", &[], body)).await;
        assert_eq!(within("the join", seen.recv()).await, Some("joining"));
        drop(raw);
        let cancelled = within("the cancellation", seen.recv()).await;
        assert_eq!(cancelled, Some("cancelled"), "{transport:?}");
        // The plugin still answers, on a new connection.
        let leave = LeaveRequest::new("n", "e");
        within("a later call", plugin.client.leave(&leave))
            .await
            .unwrap();
        plugin.stop().await.unwrap();
    }
}
