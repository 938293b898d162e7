//! systemd socket activation of an example plugin, with `systemd-socket-activate` standing in
//! for systemd: it listens on the socket, starts the plugin when the first connection
//! arrives and passes the socket to it (`LISTEN_FDS`, `LISTEN_PID`).
//!
//! The unit files of examples/systemd/ are checked with `systemd-analyze verify`.
//!
//! `#[ignore]`d because `systemd-socket-activate` (Debian's `systemd` package) is not on
//! every developer's machine; `scripts/docker-tests` installs it and runs this test with
//! `--ignored`. It needs no root.

use std::io::{Read, Write};
use std::os::unix::fs::FileTypeExt;
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long the plugin may take to start, answer or stop.
const DEADLINE: Duration = Duration::from_secs(20);

#[test]
#[ignore = "needs systemd-socket-activate: run by scripts/docker-tests"]
fn noop_serves_the_socket_systemd_passes_and_leaves_it_in_place() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let socket = dir.path().join("lab.sock");
    let log = dir.path().join("plugin.log");
    let activator = Command::new("systemd-socket-activate")
        .arg(format!("--listen={}", socket.display()))
        .arg("--setenv=RUST_LOG=info")
        // The options name another socket: the passed one must win.
        .args([env!("CARGO_BIN_EXE_dknet-noop"), "--name", "not-this-one"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("the log file"))
        .spawn()
        .expect("systemd-socket-activate is installed by scripts/install-docker");
    let mut plugin = KillOnDrop(activator);
    wait_for("the activator's socket", || is_socket(&socket));

    // The plugin is not running yet: systemd-socket-activate starts it on this connection,
    // so the request waits in the socket's backlog and must still be answered.
    let answer = call(&socket, "/Plugin.Activate");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        answer.contains(r#"{"Implements":["NetworkDriver"]}"#),
        "{answer}"
    );
    let answer = call(&socket, "/NetworkDriver.GetCapabilities");
    assert!(answer.contains(r#""Scope":"local""#), "{answer}");

    let logged = std::fs::read_to_string(&log).expect("the plugin's log");
    let serving = format!("unix://{}", socket.display());
    assert!(
        logged
            .lines()
            .any(|line| line.contains("systemd") && line.contains(&serving)),
        "the log does not say which socket is served:\n{logged}"
    );
    assert!(logged.contains("ignored"), "{logged}");
    assert!(!Path::new("/run/docker/plugins/not-this-one.sock").exists());

    let pid = plugin.0.id();
    // SAFETY: kill has no memory-safety preconditions; the pid is our live child (the
    // activator exec'd the plugin in place, so it is the plugin).
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let status = wait_exit(&mut plugin.0);
    assert!(
        status.success(),
        "the plugin exited with {status}:\n{logged}"
    );
    assert!(
        is_socket(&socket),
        "the socket file systemd owns was removed on shutdown"
    );
}

/// One `POST path` with an empty body on a new connection; the whole answer.
fn call(socket: &Path, path: &str) -> String {
    let mut stream = UnixStream::connect(socket).expect("connecting to the socket");
    stream.set_read_timeout(Some(DEADLINE)).expect("a timeout");
    let request = format!(
        "POST {path} HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).expect("sending");
    let mut answer = String::new();
    stream
        .read_to_string(&mut answer)
        .unwrap_or_else(|e| panic!("no answer to {path} within {DEADLINE:?}: {e}"));
    answer
}

fn is_socket(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < DEADLINE, "no {what} within {DEADLINE:?}");
        thread::sleep(Duration::from_millis(20));
    }
}

fn wait_exit(child: &mut Child) -> ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("waiting for the plugin") {
            return status;
        }
        if start.elapsed() > DEADLINE {
            let _ = child.kill();
            panic!("the plugin did not exit within {DEADLINE:?} of SIGTERM");
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Kills and reaps the child if the test fails before stopping it (a no-op once it exited).
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs systemd-analyze: run by scripts/docker-tests"]
fn the_bridge_units_pass_systemd_analyze_verify() {
    let units = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd");
    let socket = std::fs::read_to_string(units.join("dknet-bridge.socket")).expect("the unit");
    assert!(socket.contains("\nListenStream=/run/docker/plugins/dknet-bridge.sock\n"));
    assert!(socket.contains("\nBefore=docker.service\n"));
    // A root with the units where scripts/install-systemd-units puts them, the binary their
    // ExecStart names, and systemd's own units (targets they refer to).
    let root = tempfile::tempdir().expect("a temporary directory");
    let installed = root.path().join("etc/systemd/system");
    std::fs::create_dir_all(&installed).expect("mkdir");
    let bin = root.path().join("usr/local/bin");
    std::fs::create_dir_all(&bin).expect("mkdir");
    std::fs::copy(env!("CARGO_BIN_EXE_dknet-bridge"), bin.join("dknet-bridge")).expect("cp");
    std::fs::create_dir_all(root.path().join("usr/lib/systemd")).expect("mkdir");
    let copied = Command::new("cp")
        .args(["-r", "/lib/systemd/system"])
        .arg(root.path().join("usr/lib/systemd/system"))
        .status()
        .expect("cp");
    assert!(copied.success());
    for unit in ["dknet-bridge.socket", "dknet-bridge.service"] {
        std::fs::copy(units.join(unit), installed.join(unit)).expect("cp");
    }
    let output = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(format!("--root={}", root.path().display()))
        .args(["dknet-bridge.socket", "dknet-bridge.service"])
        .current_dir(&installed)
        .output()
        .expect("systemd-analyze is installed by scripts/install-docker");
    assert!(
        output.status.success() && output.stderr.is_empty(),
        "systemd-analyze verify: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}
