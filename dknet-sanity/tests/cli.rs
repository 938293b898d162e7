//! The `dknet-sanity` command: its output formats and exit statuses, against the Python
//! plugin of `tests/plugins/stranger.py`.

use std::path::Path;
use std::process::{Child, Command, Output};

mod support;

/// Runs the Python plugin with `extra` arguments on a socket in `dir`.
fn start(dir: &Path, extra: &[&str]) -> Child {
    support::start_stranger(dir, &dir.join("p.sock"), extra)
}

fn sanity(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dknet-sanity"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn json_output_and_exit_statuses() {
    if !support::python3_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("p.sock");
    let socket = socket.to_str().unwrap();
    let common = [
        "--socket",
        socket,
        "--pool",
        "10.203.0.0/17",
        "--timeout",
        "2",
        "--daemon",
        "29",
    ];

    let mut plugin = start(dir.path(), &[]);
    let output = sanity(&[&common[..], &["--format", "json"]].concat());
    let _ = plugin.kill();
    let _ = plugin.wait();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let checks = report["checks"].as_array().unwrap();
    assert_eq!(checks.len(), dknet_sanity::catalog::ALL.len());
    let outcome =
        |name: &str| checks.iter().find(|c| c["name"] == name).unwrap()["outcome"].clone();
    assert_eq!(outcome("sequence.29"), "pass");
    assert_eq!(outcome("sequence.28"), "skip");
    // Progress went to standard error, one line per check.
    let progress = String::from_utf8_lossy(&output.stderr);
    assert!(
        progress.contains("pass refuse.ipam-pool-overlap"),
        "{progress}"
    );

    let mut plugin = start(dir.path(), &["--break", "refuse.join-interface"]);
    let output = sanity(&common);
    let _ = plugin.kill();
    let _ = plugin.wait();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("FAIL  refuse.join-interface: InterfaceName"),
        "{text}"
    );
    assert!(text.contains("dockerd: with no SrcName"), "{text}");

    let output = sanity(&["no-such-plugin-here"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no plugin \"no-such-plugin-here\""));
}
