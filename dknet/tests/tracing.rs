//! Each request gets a `request` span with its id, method, network and
//! endpoint ids, status and duration, and one log line.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{serve_driver, Transport};
use dknet::network::{JoinRequest, JoinResponse, LeaveRequest, NetworkDriver};
use dknet::{Context, DriverError};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Self;

    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

struct Failing;

impl NetworkDriver for Failing {
    async fn join(
        self: Arc<Self>,
        _request: JoinRequest,
        _context: Context,
    ) -> Result<JoinResponse, DriverError> {
        tracing::info!("inside the driver");
        Err(DriverError::new("no veth left"))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn requests_are_traced_with_their_ids_and_outcome() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let plugin = serve_driver(Failing, Transport::Unix).await;
    let error = plugin
        .client
        .join(&JoinRequest::new("net-1", "ep-1"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    plugin
        .client
        .leave(&LeaveRequest::new("net-2", "ep-2"))
        .await
        .unwrap();
    plugin.stop().await.unwrap();

    let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let line = |needle: &str| {
        let found = text.lines().find(|line| line.contains(needle));
        found
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
            .to_owned()
    };
    let failed = line("request failed");
    assert!(failed.contains("WARN"), "{failed}");
    for part in [
        "NetworkDriver.Join",
        "net-1",
        "ep-1",
        "status=500",
        "duration_ms=",
        "no veth left",
    ] {
        assert!(failed.contains(part), "{part:?} missing in {failed}");
    }
    // The driver's own events are inside the request's span.
    let inside = line("inside the driver");
    assert!(
        inside.contains("request{") && inside.contains("net-1"),
        "{inside}"
    );

    let answered = line("answered");
    assert!(answered.contains("DEBUG"), "{answered}");
    for part in ["NetworkDriver.Leave", "net-2", "ep-2", "status=200"] {
        assert!(answered.contains(part), "{part:?} missing in {answered}");
    }
}

/// A driver whose failure quotes the request, as drivers do.
struct Quoting;

impl NetworkDriver for Quoting {
    async fn join(
        self: Arc<Self>,
        request: JoinRequest,
        _context: Context,
    ) -> Result<JoinResponse, DriverError> {
        Err(DriverError::new(format!(
            "no sandbox {}",
            request.sandbox_key
        )))
    }
}

#[tokio::test(flavor = "current_thread")]
async fn text_from_a_request_cannot_forge_log_lines() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(captured.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let plugin = serve_driver(Quoting, Transport::Unix).await;
    let forged = "x\r\n2026-01-01T00:00:00Z  INFO forged\u{1b}[2J\u{2028}";
    let body = serde_json::json!({
        "NetworkID": forged,
        "EndpointID": forged,
        "SandboxKey": forged,
    });
    let mut raw = plugin.raw().await;
    let join = common::post("/NetworkDriver.Join", &[], body.to_string().as_bytes());
    assert_eq!(raw.exchange(&join).await.status, 500);
    plugin.stop().await.unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("forged"), "{log}");
    assert!(
        !log.lines()
            .any(|line| line.starts_with("2026-01-01T00:00:00Z")),
        "a forged line: {log}"
    );
    assert!(!log.contains('\u{1b}'), "an escape sequence: {log}");
    assert!(!log.contains('\u{2028}'), "a line separator: {log}");
}
