//! User-space instructions per request, counted by valgrind's cachegrind:
//! exact and repeatable, where timings on a shared machine are not. One
//! process serves (the bare hyper server or a dknet no-op driver) and loads
//! itself on one thread over a unix socket, so a count is the server's,
//! the client's and tokio's work together; the kernel's is left out.

use std::path::Path;
use std::process::Command;

use crate::load;
use crate::serve;
use crate::workload::Workload;

/// Keep-alive connections, each sending its requests one after the other.
const CLIENTS: usize = 16;
/// Requests per connection in the shorter and the longer run; the count per
/// request is their difference, so start-up and warm-up cancel out.
const SHORT: usize = 200;
const LONG: usize = 1200;

/// The servers counted, as `dknet-bench inproc` names them.
pub(crate) const KINDS: [&str; 2] = ["bare", "noop"];

/// One method's counts: instructions per request for each of [`KINDS`].
pub(crate) struct Counted {
    pub(crate) method: &'static str,
    pub(crate) per_request: [u64; 2],
}

/// Serves `kind` and sends it `requests` requests on each of `clients`
/// connections, all in this process and on one thread.
pub(crate) fn run(
    kind: &str,
    socket: &Path,
    workload: &Workload,
    clients: usize,
    requests: usize,
) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        let server = match kind {
            "bare" => tokio::spawn(serve::bare(socket.to_owned())),
            "noop" => tokio::spawn(serve::noop(socket.to_owned())),
            other => return Err(format!("no server called `{other}`: bare or noop")),
        };
        while !socket.exists() {
            if server.is_finished() {
                return Err(format!("the {kind} server stopped before listening"));
            }
            tokio::task::yield_now().await;
        }
        let counted = load::exactly(socket, workload, clients, requests).await;
        server.abort();
        counted.map_err(|error| format!("{kind}: {error}"))
    })
}

/// Counts every workload on every kind, or `None` without valgrind.
pub(crate) fn measure(
    this: &Path,
    workloads: &[Workload],
    dir: &Path,
) -> Result<Option<Vec<Counted>>, String> {
    let valgrind = Command::new("valgrind").arg("--version").output();
    if !valgrind.is_ok_and(|output| output.status.success()) {
        return Ok(None);
    }
    let mut rows = Vec::new();
    for workload in workloads {
        let mut per_request = [0; 2];
        for (count, kind) in per_request.iter_mut().zip(KINDS) {
            let short = instructions(this, dir, kind, workload.method, SHORT)?;
            let long = instructions(this, dir, kind, workload.method, LONG)?;
            *count = long.saturating_sub(short) / (CLIENTS * (LONG - SHORT)) as u64;
        }
        rows.push(Counted {
            method: workload.method,
            per_request,
        });
    }
    Ok(Some(rows))
}

/// The instructions one in-process run executes, all told.
fn instructions(
    this: &Path,
    dir: &Path,
    kind: &str,
    method: &str,
    requests: usize,
) -> Result<u64, String> {
    let counts = dir.join("cachegrind.out");
    let socket = dir.join(format!("inproc-{kind}.sock"));
    let _ = std::fs::remove_file(&socket);
    crate::run(
        Command::new("valgrind")
            .args(["--tool=cachegrind", "--cache-sim=no"])
            .arg(format!("--cachegrind-out-file={}", counts.display()))
            .arg(this)
            .arg("inproc")
            .arg(kind)
            .arg(&socket)
            .arg(method)
            .arg(CLIENTS.to_string())
            .arg(requests.to_string()),
    )?;
    let text =
        std::fs::read_to_string(&counts).map_err(|e| format!("{}: {e}", counts.display()))?;
    let _ = std::fs::remove_file(&socket);
    text.lines()
        .find_map(|line| line.strip_prefix("summary:"))
        .and_then(|total| total.trim().parse().ok())
        .ok_or_else(|| format!("{}: no summary line", counts.display()))
}
