//! Graceful shutdown: requests in flight finish, the rest are cancelled
//! after the grace period, files are removed, and a real process exits 0
//! on SIGTERM.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::{serve, ChildPlugin, Empty, TempDir, Transport, TRANSPORTS};
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

/// Waits (without a deadline) until `path` no longer exists.
async fn gone(path: &std::path::Path) {
    while path.exists() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
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
        control.started.recv().await.unwrap();

        let stopping = tokio::spawn(plugin.stop());
        // Shutdown has begun once the file is gone; the join is still running.
        gone(&file).await;
        control.release.send(()).unwrap();
        assert_eq!(call.await.unwrap().unwrap(), JoinResponse::default());
        stopping.await.unwrap().unwrap();
    }
}

#[tokio::test]
async fn after_the_grace_period_requests_are_cancelled() {
    let (driver, mut control) = gate();
    let plugin = Plugin::new()
        .network_driver(driver)
        .grace_period(Duration::ZERO);
    let plugin = serve(plugin, Transport::Unix).await;
    let client = plugin.client();
    let call = tokio::spawn(async move { client.join(&JoinRequest::new("n", "e")).await });
    control.started.recv().await.unwrap();
    plugin.stop().await.unwrap();
    control.cancelled.recv().await.unwrap();
    // The connection was dropped: no answer.
    let error = call.await.unwrap().unwrap_err();
    assert_eq!(error.status(), None, "{error}");
}

#[tokio::test]
async fn idle_connections_do_not_hold_up_shutdown() {
    let plugin = Plugin::new()
        .network_driver(Empty)
        .grace_period(Duration::from_secs(600));
    let plugin = serve(plugin, Transport::Unix).await;
    let idle = plugin.client();
    idle.activate().await.unwrap();
    // The grace period is not waited for: the idle keep-alive connection
    // closes at once (the deadline is generous, far below the grace period).
    let stopped = tokio::time::timeout(Duration::from_secs(60), plugin.stop()).await;
    stopped
        .expect("shutdown waited for an idle connection")
        .unwrap();
    assert!(idle.activate().await.is_err());
}

/// Not a test on its own: the body of the child process below, which runs
/// it with `--ignored`.
#[test]
#[ignore = "the child process of sigterm_stops_a_plugin_process_cleanly"]
fn child_plugin_process() {
    let Some(socket) = std::env::var_os("DKNET_CHILD_SOCKET") else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bound = Plugin::new()
            .network_driver(Empty)
            .bind_unix(&socket)
            .await
            .unwrap();
        println!("DKNET-READY");
        bound.run().await.unwrap();
    });
    println!("DKNET-STOPPED");
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
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );
    let (rest, status) = child.terminate();
    let stopped = rest.iter().any(|line| line.contains("DKNET-STOPPED"));
    assert!(stopped, "run() did not return");
    assert!(status.success(), "{status:?}");
    assert!(!socket.exists(), "the socket file was left behind");
}
