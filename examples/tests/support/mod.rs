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
use std::process::Command;

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
