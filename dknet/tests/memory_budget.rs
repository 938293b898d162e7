//! The memory budget of request bodies, measured on a plugin in a child
//! process: 512 connections each sending a body of 1 MiB keep it under
//! 100 MiB resident at the peak, and under 20 MiB once they have gone.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use common::{within, ChildPlugin, TempDir};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::task::JoinSet;

/// Not a test on its own: the plugin of the test below, in a process of
/// its own so that its memory can be measured.
#[test]
#[ignore = "the child process of the memory budget test"]
fn child_memory_plugin_process() {
    common::serve_as_child();
}

/// A field of `/proc/<pid>/status`, in KiB.
fn status_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .unwrap_or_else(|| panic!("no {field} in {status}"));
    line.trim().trim_end_matches("kB").trim().parse().unwrap()
}

/// Sends a request with a body of `body.len()` bytes; the answer's status,
/// if one came.
async fn send_large(path: std::path::PathBuf, body: Arc<Vec<u8>>) -> Option<u16> {
    let mut stream = UnixStream::connect(&path).await.ok()?;
    let head = format!(
        "POST /NetworkDriver.Join HTTP/1.1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.ok()?;
    // The plugin may refuse before it has read it all.
    let _ = stream.write_all(&body).await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_across_512_connections_stay_within_the_budget() {
    let dir = TempDir::new("memory");
    let socket = dir.join("memory.sock");
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_memory_plugin_process",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("DKNET_CHILD_SOCKET", &socket);
    let child = ChildPlugin::start(command);
    let pid = child.id();
    let body = Arc::new(vec![b' '; (1 << 20) - 1]);
    let mut senders = JoinSet::new();
    for _ in 0..512 {
        senders.spawn(send_large(socket.clone(), Arc::clone(&body)));
    }
    let mut statuses = std::collections::BTreeMap::<Option<u16>, usize>::new();
    while let Some(status) = within("the senders", senders.join_next()).await {
        *statuses.entry(status.unwrap()).or_default() += 1;
    }
    let peak = status_kib(pid, "VmHWM:");
    // Let the plugin close the connections and give back what they held.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = status_kib(pid, "VmRSS:");
    println!("answers {statuses:?}; peak {peak} KiB resident, {after} KiB after");
    let (_, status) = tokio::task::spawn_blocking(move || child.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    assert!(
        statuses.get(&Some(503)).copied().unwrap_or(0) > 0,
        "the budget never refused a body: {statuses:?}"
    );
    assert!(peak < 100 * 1024, "peak {peak} KiB");
    assert!(after < 20 * 1024, "{after} KiB after");
}
