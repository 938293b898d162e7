//! Admission that no mix of local clients can starve: only a running driver
//! call protects a connection; stalled ones (idle, half a head, half a
//! body, answers left unread, reconnecting as they are cut) are evicted
//! longest-waiting first, and no call that started is ever lost to it.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{post, serve, within, Empty, Transport};
use dknet::network::{JoinRequest, JoinResponse, NetworkDriver};
use dknet::{Context, DriverError, LocalAddr, Plugin};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::task::JoinSet;

fn socket(addr: &LocalAddr) -> std::path::PathBuf {
    match addr {
        LocalAddr::Unix(path) => path.clone(),
        other => panic!("not a unix socket: {other}"),
    }
}

/// Sends `request` and reads one answer's status; `None` if the server
/// closed the connection first.
async fn exchange(stream: &mut UnixStream, request: &[u8]) -> Option<u16> {
    if stream.write_all(request).await.is_err() {
        return None;
    }
    let mut input = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        if let Some(end) = input.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&input[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length: "))
                .map_or(0, |value| value.trim().parse().unwrap());
            if input.len() >= end + 4 + length {
                return head.get(9..12)?.parse().ok();
            }
        }
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return None,
            Ok(read) => input.extend_from_slice(&buffer[..read]),
        }
    }
}

/// A hostile client, as the issue lists them: it holds its connection, and
/// (but for the one leaving answers unread) opens a new one each time the
/// plugin cuts it, until `stop`.
async fn hostile(path: std::path::PathBuf, kind: usize, stop: Arc<AtomicBool>) {
    let activate = post("/Plugin.Activate", &[], b"");
    while !stop.load(Ordering::Relaxed) {
        let Ok(mut stream) = UnixStream::connect(&path).await else {
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let sent = match kind {
            // Idle.
            0 => Ok(()),
            // Half a head.
            1 => {
                stream
                    .write_all(b"POST /Plugin.Activate HTTP/1.1\r\nHost: x")
                    .await
            }
            // A head and half its body.
            2 => {
                let head = "POST /NetworkDriver.Join HTTP/1.1\r\nContent-Length: 1000\r\n\r\n{";
                stream.write_all(head.as_bytes()).await
            }
            // Requests whose answers it never reads, until its writes block.
            _ => loop {
                let written = tokio::time::timeout(
                    Duration::from_millis(200),
                    stream.write_all(&activate.repeat(64)),
                )
                .await;
                match written {
                    Ok(Ok(())) => {}
                    Ok(Err(error)) => break Err(error),
                    Err(_) => break Ok(()),
                }
            },
        };
        if sent.is_err() {
            continue;
        }
        if kind == 3 {
            // Reading would take the answers: holds the connection unread.
            std::future::pending::<()>().await;
        }
        // Holds the connection until the plugin cuts it.
        let mut byte = [0; 1];
        let _ = stream.read(&mut byte).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_activate_gets_through_a_thousand_hostile_connections() {
    // Timeouts far longer than the test's deadline: only eviction can let
    // the fresh client in.
    let long = Duration::from_secs(300);
    let plugin = Plugin::new()
        .network_driver(Empty)
        .header_read_timeout(long)
        .body_read_timeout(long)
        .idle_timeout(long);
    let plugin = serve(plugin, Transport::Unix).await;
    let path = socket(&plugin.addr);
    let stop = Arc::new(AtomicBool::new(false));
    let mut hostiles = JoinSet::new();
    // Half bodies alone are more than the cap of 512.
    for n in 0..1000 {
        let kind = [0, 1, 2, 2, 2, 2, 2, 2, 3, 3][n % 10];
        hostiles.spawn(hostile(path.clone(), kind, Arc::clone(&stop)));
    }
    // Let them take the cap and start cycling.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let mut slowest = Duration::ZERO;
    for _ in 0..10 {
        let start = Instant::now();
        let answered = within("a fresh activate", async {
            loop {
                // A full listen queue refuses at once: a client would retry.
                let Ok(mut stream) = UnixStream::connect(&path).await else {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                };
                let activate = post("/Plugin.Activate", &[], b"");
                // Evicted before its head arrived: a client would retry too.
                if let Some(status) = exchange(&mut stream, &activate).await {
                    break status;
                }
            }
        })
        .await;
        assert_eq!(answered, 200);
        slowest = slowest.max(start.elapsed());
    }
    println!("slowest fresh activate among 1,000 hostile connections: {slowest:?}");
    stop.store(true, Ordering::Relaxed);
    hostiles.abort_all();
    plugin.stop().await.unwrap();
}

/// Joins that take a while, recording the endpoint of each one that started.
struct Slow {
    started: Mutex<HashSet<String>>,
}

impl NetworkDriver for Slow {
    async fn join(
        self: Arc<Self>,
        request: JoinRequest,
        _context: Context,
    ) -> Result<JoinResponse, DriverError> {
        self.started
            .lock()
            .unwrap()
            .insert(request.endpoint_id.clone());
        tokio::time::sleep(Duration::from_millis(30)).await;
        Ok(JoinResponse::default())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_that_started_is_answered_at_a_small_cap() {
    let driver = Arc::new(Slow {
        started: Mutex::default(),
    });
    let plugin = Plugin::new()
        .network_driver_shared(Arc::clone(&driver))
        .max_connections(4);
    let plugin = serve(plugin, Transport::Unix).await;
    let path = socket(&plugin.addr);
    let mut clients = JoinSet::new();
    for client in 0..32 {
        let path = path.clone();
        clients.spawn(async move {
            let mut answered = Vec::new();
            let mut stream = UnixStream::connect(&path).await.unwrap();
            for call in 0..8 {
                let endpoint = format!("e-{client}-{call}");
                let body = format!(r#"{{"NetworkID":"n","EndpointID":"{endpoint}"}}"#);
                let join = post("/NetworkDriver.Join", &[], body.as_bytes());
                if exchange(&mut stream, &join).await == Some(200) {
                    answered.push(endpoint);
                } else {
                    // Cut off: a new connection for the next call.
                    stream = UnixStream::connect(&path).await.unwrap();
                }
            }
            answered
        });
    }
    let mut answered = HashSet::new();
    while let Some(client) = within("the clients", clients.join_next()).await {
        answered.extend(client.unwrap());
    }
    let started = driver.started.lock().unwrap().clone();
    let lost: Vec<_> = started.difference(&answered).collect();
    assert!(lost.is_empty(), "started, never answered: {lost:?}");
    assert!(
        answered.len() > 32,
        "too few calls got through to show anything: {}",
        answered.len()
    );
    println!("{} of 256 calls answered, none lost", answered.len());
    plugin.stop().await.unwrap();
}
