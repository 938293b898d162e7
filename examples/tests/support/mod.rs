//! Running a test inside a network namespace of its own.
//!
//! The tests that talk to the kernel create bridges, veths and iptables rules. Each runs on
//! a thread that first moves into a fresh network namespace (`unshare(CLONE_NEWNET)` affects
//! only the calling thread), then builds a current-thread tokio runtime there, so the netlink
//! socket, the `iptables` child processes and `/proc/sys/net` all see that namespace and
//! nothing touches the host. The namespace disappears with the thread.

// Each test file uses its own part of this module.
#![allow(dead_code)]

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use dknet::testing::Client;

pub(crate) mod state;

/// Runs `test` in a fresh network namespace. Fails (never skips) when not run as root.
pub(crate) fn in_netns<F, Fut>(test: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = ()>,
{
    // SAFETY: geteuid has no preconditions and cannot fail.
    let euid = unsafe { libc::geteuid() };
    assert_eq!(
        euid, 0,
        "this test creates network namespaces, links and iptables rules, so it must run as \
         root (scripts/docker-tests runs it as root); run `sudo -E cargo test -p dknet-examples \
         --test bridge_kernel --test bridge_driver -- --ignored`"
    );
    let thread = std::thread::spawn(move || {
        // SAFETY: unshare has no memory-safety preconditions; CLONE_NEWNET moves only this
        // thread into a new network namespace.
        let rc = unsafe { libc::unshare(libc::CLONE_NEWNET) };
        assert_eq!(
            rc,
            0,
            "unshare(CLONE_NEWNET): {}",
            io::Error::last_os_error()
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("building a tokio runtime");
        runtime.block_on(test());
    });
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}

/// The rules of `table` as `iptables -S` (or `ip6tables -S`) prints them, run in the calling
/// thread's network namespace.
pub(crate) fn iptables_rules(command: &str, table: &str) -> Vec<String> {
    let output = Command::new(command)
        .args(["-w", "-t", table, "-S"])
        .output()
        .unwrap_or_else(|e| panic!("running {command}: {e}"));
    assert!(
        output.status.success(),
        "{command} -S: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// How many times `rule` (as `-S` prints it, e.g. `-A FORWARD -i br -o br -j ACCEPT`) is in
/// `table`.
pub(crate) fn count_rule(command: &str, table: &str, rule: &str) -> usize {
    iptables_rules(command, table)
        .iter()
        .filter(|line| *line == rule)
        .count()
}

/// The real `dknet-bridge` binary, started in the calling thread's network namespace with
/// its state in `dir/state` and its socket at `dir/plugin.sock`. Killed when dropped.
pub(crate) struct BridgeProcess {
    child: Child,
    socket: PathBuf,
}

impl BridgeProcess {
    /// Starts the plugin and waits (at most 20 s) until it answers `Plugin.Activate`, which
    /// it does only once its start-up reconciliation is over.
    pub(crate) async fn start(dir: &Path) -> Self {
        let socket = dir.join("plugin.sock");
        let child = Command::new(env!("CARGO_BIN_EXE_dknet-bridge"))
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--socket")
            .arg(&socket)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .spawn()
            .expect("starting dknet-bridge");
        let mut plugin = Self { child, socket };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if plugin.client().activate().await.is_ok() {
                return plugin;
            }
            if let Some(status) = plugin.child.try_wait().expect("polling dknet-bridge") {
                panic!("dknet-bridge exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "dknet-bridge did not answer in 20 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A client on a connection of its own (one client's calls take turns on one).
    pub(crate) fn client(&self) -> Client {
        Client::unix(&self.socket)
    }

    /// Kills the plugin with SIGKILL, as a crash would, and reaps it.
    pub(crate) fn kill(&mut self) {
        self.child.kill().expect("killing dknet-bridge");
        self.child.wait().expect("reaping dknet-bridge");
    }
}

impl Drop for BridgeProcess {
    fn drop(&mut self) {
        // Already gone after `kill`; both calls then fail harmlessly.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The names of the links in the calling thread's network namespace (`ip -o link`).
pub(crate) fn link_names() -> Vec<String> {
    let output = Command::new("ip")
        .args(["-o", "link", "show"])
        .output()
        .expect("running ip");
    assert!(output.status.success(), "ip -o link show failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split(": ").nth(1))
        .map(|name| name.split('@').next().unwrap_or(name).to_owned())
        .collect()
}
