//! What the example binaries print for `scripts/build-managed-plugin`: their managed
//! plugin's `config.json` and the programs their root filesystem must hold. No root needed.

use std::process::Command;

use serde_json::{json, Value};

fn ask(binary: &str, flag: &str) -> String {
    let output = Command::new(binary)
        .arg(flag)
        .output()
        .expect("running the example");
    assert!(
        output.status.success(),
        "{binary} {flag}: {}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn config(binary: &str) -> Value {
    let text = ask(binary, "--managed-plugin-config");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn bridge_config_asks_for_the_host_network_net_admin_and_keeps_its_state() {
    let config = config(env!("CARGO_BIN_EXE_dknet-bridge"));
    assert_eq!(
        config["entrypoint"],
        json!([
            "/usr/bin/dknet-bridge",
            "--socket",
            "/run/docker/plugins/dknet-bridge.sock",
            "--state-dir",
            "/var/lib/dknet-bridge"
        ])
    );
    assert_eq!(
        config["interface"],
        json!({"types": ["docker.networkdriver/1.0"], "socket": "dknet-bridge.sock"})
    );
    assert_eq!(config["network"], json!({"type": "host"}));
    assert_eq!(config["linux"]["capabilities"], json!(["CAP_NET_ADMIN"]));
    // The state directory outlives the plugin's container.
    assert_eq!(config["propagatedMount"], "/var/lib/dknet-bridge");
    assert_eq!(config["env"][0]["name"], "RUST_LOG");
    assert_eq!(config["env"][0]["settable"], json!(["value"]));
    assert_eq!(config["args"]["settable"], json!(["value"]));
    assert!(config["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    let programs = ask(
        env!("CARGO_BIN_EXE_dknet-bridge"),
        "--managed-plugin-programs",
    );
    assert_eq!(
        programs,
        "iptables\nip6tables\niptables-restore\nip6tables-restore\n"
    );
}

#[test]
fn noop_config_needs_no_capability_state_or_program() {
    let config = config(env!("CARGO_BIN_EXE_dknet-noop"));
    assert_eq!(
        config["interface"],
        json!({"types": ["docker.networkdriver/1.0"], "socket": "dknet-noop.sock"})
    );
    assert_eq!(config["linux"]["capabilities"], json!([]));
    assert!(config.get("propagatedMount").is_none());
    assert_eq!(config["entrypoint"][0], "/usr/bin/dknet-noop");
    assert_eq!(
        ask(
            env!("CARGO_BIN_EXE_dknet-noop"),
            "--managed-plugin-programs"
        ),
        ""
    );
}

#[test]
fn ipam_config_declares_the_ipam_interface_and_keeps_its_state() {
    let config = config(env!("CARGO_BIN_EXE_dknet-ipam"));
    assert_eq!(
        config["interface"],
        json!({"types": ["docker.ipamdriver/1.0"], "socket": "dknet-ipam.sock"})
    );
    assert_eq!(config["linux"]["capabilities"], json!([]));
    assert_eq!(config["propagatedMount"], "/var/lib/dknet-ipam");
    assert_eq!(
        config["entrypoint"],
        json!([
            "/usr/bin/dknet-ipam",
            "--socket",
            "/run/docker/plugins/dknet-ipam.sock",
            "--state-dir",
            "/var/lib/dknet-ipam"
        ])
    );
}

#[test]
fn the_two_questions_are_asked_one_at_a_time() {
    let output = Command::new(env!("CARGO_BIN_EXE_dknet-noop"))
        .args(["--managed-plugin-config", "--managed-plugin-programs"])
        .output()
        .expect("running the example");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
}
