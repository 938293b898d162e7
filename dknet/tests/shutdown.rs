//! Graceful shutdown: requests in flight finish, the rest are answered 500
//! and cancelled after the grace period, connections without a request in
//! flight close at once, `run` waits for the driver calls, files are
//! removed, and a real process exits 0 on SIGTERM, at once on a second one,
//! and within the grace period even with a blocking call stuck.

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::{post, serve, within, ChildPlugin, Empty, TempDir, Transport, TRANSPORTS};
use dknet::network::{JoinRequest, JoinResponse, NetworkDriver};
use dknet::testing::Client;
use dknet::{Context, DriverError, LocalAddr, Plugin};
use tokio::sync::{mpsc, Mutex};

/// Joins report that they started, then wait for the test's go-ahead or for
/// their context to be cancelled.
struct Gate {
    started: mpsc::UnboundedSender<()>,
    release: Mutex<mpsc::UnboundedReceiver<()>>,
    cancelled: mpsc::UnboundedSender<()>,
}

impl NetworkDriver for Gate {
    async fn join(
        self: Arc<Self>,
        _request: JoinRequest,
        context: Context,
    ) -> Result<JoinResponse, DriverError> {
        self.started.send(()).unwrap();
        let mut release = self.release.lock().await;
        tokio::select! {
            _ = release.recv() => Ok(JoinResponse::default()),
            () = context.cancelled() => {
                self.cancelled.send(()).unwrap();
                Err(DriverError::new("cancelled"))
            }
        }
    }
}

struct GateControl {
    started: mpsc::UnboundedReceiver<()>,
    release: mpsc::UnboundedSender<()>,
    cancelled: mpsc::UnboundedReceiver<()>,
}

fn gate() -> (Gate, GateControl) {
    let (started_tx, started) = mpsc::unbounded_channel();
    let (release, release_rx) = mpsc::unbounded_channel();
    let (cancelled_tx, cancelled) = mpsc::unbounded_channel();
    let driver = Gate {
        started: started_tx,
        release: Mutex::new(release_rx),
        cancelled: cancelled_tx,
    };
    (
        driver,
        GateControl {
            started,
            release,
            cancelled,
        },
    )
}

/// Waits (within the tests' deadline) until `path` no longer exists.
async fn gone(path: &std::path::Path) {
    within("waiting for the file to go", async {
        while path.exists() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await;
}

fn file_of(addr: &LocalAddr, spec: Option<&std::path::Path>) -> std::path::PathBuf {
    match (addr, spec) {
        (_, Some(spec)) => spec.to_path_buf(),
        (LocalAddr::Unix(path), None) => path.clone(),
        (other, None) => panic!("no file for {other}"),
    }
}

#[tokio::test]
async fn requests_in_flight_finish_and_files_are_removed() {
    for transport in TRANSPORTS {
        let (driver, mut control) = gate();
        let plugin = serve(Plugin::new().network_driver(driver), transport).await;
        let file = file_of(&plugin.addr, plugin.spec_file.as_deref());
        assert!(file.exists(), "{transport:?}");
        let client = plugin.client();
        let call = tokio::spawn(async move { client.join(&JoinRequest::new("n", "e")).await });
        within("the join", control.started.recv()).await.unwrap();

        let stopping = tokio::spawn(plugin.stop());
        // Shutdown has begun once the file is gone; the join is still running.
        gone(&file).await;
        control.release.send(()).unwrap();
        let answer = within("the answer", call).await.unwrap().unwrap();
        assert_eq!(answer, JoinResponse::default());
        within("run()", stopping).await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn after_the_grace_period_requests_are_answered_500_and_cancelled() {
    let (driver, mut control) = gate();
    let plugin = Plugin::new()
        .network_driver(driver)
        .grace_period(Duration::ZERO);
    let plugin = serve(plugin, Transport::Unix).await;
    let client = plugin.client();
    let call = tokio::spawn(async move { client.join(&JoinRequest::new("n", "e")).await });
    within("the join", control.started.recv()).await.unwrap();
    within("run()", plugin.stop()).await.unwrap();
    within("the cancellation", control.cancelled.recv())
        .await
        .unwrap();
    // dockerd gets an answer saying why, not a dropped connection.
    let error = within("the answer", call).await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
    assert!(error.to_string().contains("stopping"), "{error}");
}

#[tokio::test]
async fn a_half_sent_request_head_does_not_hold_up_shutdown() {
    for transport in TRANSPORTS {
        let plugin = Plugin::new()
            .network_driver(Empty)
            .grace_period(Duration::from_secs(600));
        let plugin = serve(plugin, transport).await;
        let mut raw = plugin.raw().await;
        // The first request of a connection, cut in the middle of its head.
        raw.send(b"POST /NetworkDriver.Leave HTTP/1.1\r\nHost: x\r\nContent-Le")
            .await;
        // Let the plugin read those bytes before it stops.
        tokio::time::sleep(Duration::from_millis(50)).await;
        // The deadline is far below the grace period.
        within("run() with a half-sent head", plugin.stop())
            .await
            .unwrap();
        assert!(raw.closed().await, "{transport:?}");
    }
}

#[tokio::test]
async fn a_missing_body_or_an_unread_answer_does_not_hold_up_shutdown() {
    for transport in TRANSPORTS {
        // Every limit far beyond the test's deadline: only closing the
        // connections that run no call lets the plugin stop in time.
        let long = Duration::from_secs(600);
        let plugin = Plugin::new()
            .network_driver(Empty)
            .grace_period(long)
            .body_read_timeout(long)
            .idle_timeout(long);
        let plugin = serve(plugin, transport).await;
        let mut half_body = plugin.raw().await;
        half_body
            .send(b"POST /NetworkDriver.Leave HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")
            .await;
        let mut unread = plugin.raw().await;
        let activates = post("/Plugin.Activate", &[], b"").repeat(64);
        let blocked = unread
            .send_until_blocked(&activates, Duration::from_secs(2))
            .await;
        assert!(blocked, "{transport:?}: the plugin never stopped reading");
        within(
            "run() with a missing body and unread answers",
            plugin.stop(),
        )
        .await
        .unwrap();
        assert!(half_body.closed().await, "{transport:?}");
    }
}

/// A join that runs on after its connection is gone, until released.
struct Detached {
    started: mpsc::UnboundedSender<()>,
    release: Mutex<mpsc::UnboundedReceiver<()>>,
    finished: AtomicBool,
}

impl NetworkDriver for Detached {
    async fn join(
        self: Arc<Self>,
        _request: JoinRequest,
        _context: Context,
    ) -> Result<JoinResponse, DriverError> {
        self.started.send(()).unwrap();
        self.release.lock().await.recv().await;
        self.finished.store(true, Ordering::SeqCst);
        Ok(JoinResponse::default())
    }
}

#[tokio::test]
async fn run_returns_only_once_the_driver_calls_have_finished() {
    let (started, mut started_rx) = mpsc::unbounded_channel();
    let (release, release_rx) = mpsc::unbounded_channel();
    let driver = Arc::new(Detached {
        started,
        release: Mutex::new(release_rx),
        finished: AtomicBool::new(false),
    });
    let plugin = Plugin::new()
        .network_driver_shared(Arc::clone(&driver))
        .grace_period(Duration::from_secs(600));
    let plugin = serve(plugin, Transport::Unix).await;
    let mut raw = plugin.raw().await;
    raw.send(&post(
        "/NetworkDriver.Join",
        &[],
        br#"{"NetworkID":"n","EndpointID":"e"}"#,
    ))
    .await;
    within("the join", started_rx.recv()).await.unwrap();
    // The caller hangs up: no connection is left, but the call still runs.
    drop(raw);
    let mut stopping = tokio::spawn(plugin.stop());
    let early = tokio::time::timeout(Duration::from_millis(300), &mut stopping).await;
    assert!(
        early.is_err(),
        "run() returned while a driver call was running"
    );
    release.send(()).unwrap();
    within("run()", stopping).await.unwrap().unwrap();
    assert!(driver.finished.load(Ordering::SeqCst));
}

#[tokio::test]
async fn idle_connections_do_not_hold_up_shutdown() {
    let plugin = Plugin::new()
        .network_driver(Empty)
        .grace_period(Duration::from_secs(600));
    let plugin = serve(plugin, Transport::Unix).await;
    let idle = plugin.client();
    within("activate", idle.activate()).await.unwrap();
    // The grace period is not waited for: the idle keep-alive connection
    // closes at once (the deadline is generous, far below the grace period).
    let stopped = tokio::time::timeout(Duration::from_secs(60), plugin.stop()).await;
    stopped
        .expect("shutdown waited for an idle connection")
        .unwrap();
    assert!(within("activate", idle.activate()).await.is_err());
}

/// Not a test on its own: the body of the child process below, which runs
/// it with `--ignored`.
#[test]
#[ignore = "the child process of sigterm_stops_a_plugin_process_cleanly"]
fn child_plugin_process() {
    if common::serve_as_child() {
        println!("DKNET-STOPPED");
    }
}

#[tokio::test]
async fn sigterm_stops_a_plugin_process_cleanly() {
    let dir = TempDir::new("sig");
    let socket = dir.join("child.sock");
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_plugin_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DKNET_CHILD_SOCKET", &socket);
    let child = ChildPlugin::start(command);

    let client = Client::unix(&socket);
    let activated = within("activate", client.activate()).await.unwrap();
    assert_eq!(activated.implements, ["NetworkDriver"]);
    let (rest, status) = child.terminate();
    let stopped = rest.iter().any(|line| line.contains("DKNET-STOPPED"));
    assert!(stopped, "run() did not return");
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "the socket file was left behind");
}

/// A driver whose join blocks its thread for ten minutes.
struct Stuck;

#[dknet::network_driver]
impl Stuck {
    fn join(&self, _request: JoinRequest) -> JoinResponse {
        std::thread::sleep(Duration::from_secs(600));
        JoinResponse::default()
    }
}

/// Not a test on its own: the body of the child processes below, which
/// run it with `--ignored`: `Stuck` served with the grace period of
/// `DKNET_CHILD_GRACE_MS`.
#[test]
#[ignore = "the child process of the stuck-call tests"]
fn child_stuck_plugin_process() {
    let Some(socket) = std::env::var_os("DKNET_CHILD_SOCKET") else {
        return;
    };
    let grace: u64 = std::env::var("DKNET_CHILD_GRACE_MS")
        .unwrap()
        .parse()
        .unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bound = Plugin::new()
            .network_driver(Stuck)
            .grace_period(Duration::from_millis(grace))
            .bind_unix(&socket)
            .await
            .unwrap();
        println!("DKNET-READY");
        bound.run().await.unwrap();
    });
    // Dropping the runtime here must not wait for the stuck call.
    drop(runtime);
    println!("DKNET-STOPPED");
}

/// Starts the stuck plugin with `grace`, and a join that gets stuck.
async fn stuck_child(
    dir: &TempDir,
    grace: Duration,
) -> (
    ChildPlugin,
    tokio::task::JoinHandle<Result<JoinResponse, dknet::testing::CallError>>,
) {
    let socket = dir.join("stuck.sock");
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_stuck_plugin_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DKNET_CHILD_SOCKET", &socket)
        .env("DKNET_CHILD_GRACE_MS", grace.as_millis().to_string());
    let child = ChildPlugin::start(command);
    let client = Client::unix(&socket);
    let call = tokio::spawn(async move { client.join(&JoinRequest::new("n", "e")).await });
    // Let the join reach the driver.
    tokio::time::sleep(Duration::from_millis(200)).await;
    (child, call)
}

#[tokio::test]
async fn a_stuck_blocking_call_does_not_delay_exit_past_the_grace_period() {
    let dir = TempDir::new("stuck");
    let (child, call) = stuck_child(&dir, Duration::from_millis(300)).await;
    let (rest, status) = tokio::task::spawn_blocking(move || child.terminate())
        .await
        .unwrap();
    assert!(
        rest.iter().any(|line| line.contains("DKNET-STOPPED")),
        "{rest:?}"
    );
    assert!(status.success(), "{status:?}");
    let error = within("the answer", call).await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
}

#[tokio::test]
async fn a_second_signal_stops_at_once() {
    let dir = TempDir::new("twice");
    // Without the second signal, this would wait ten minutes.
    let (child, call) = stuck_child(&dir, Duration::from_secs(600)).await;
    let (rest, status) = tokio::task::spawn_blocking(move || {
        child.signal(libc::SIGTERM);
        std::thread::sleep(Duration::from_millis(200));
        child.signal(libc::SIGINT);
        child.wait()
    })
    .await
    .unwrap();
    assert!(
        rest.iter().any(|line| line.contains("DKNET-STOPPED")),
        "{rest:?}"
    );
    assert!(status.success(), "{status:?}");
    let error = within("the answer", call).await.unwrap().unwrap_err();
    assert_eq!(error.status(), Some(500), "{error}");
}
