//! What dknet-macros' manifest promises, read through `cargo metadata` so the
//! test passes the same in the repository and in the published package.

use std::process::Command;

use serde_json::Value;

/// The features this crate asks of `name`, a normal dependency.
fn dependency_features(name: &str) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let package = metadata["packages"]
        .as_array()
        .expect("a package list")
        .iter()
        .find(|package| package["name"] == env!("CARGO_PKG_NAME"))
        .expect("dknet-macros in its own metadata");
    let dependency = package["dependencies"]
        .as_array()
        .expect("a dependency list")
        .iter()
        .find(|dependency| dependency["name"] == name && dependency["kind"].is_null())
        .unwrap_or_else(|| panic!("no dependency on {name}"));
    serde_json::from_value(dependency["features"].clone()).expect("a feature list")
}

/// Every plugin compiles this crate: syn's `extra-traits` (Debug and Eq on
/// every syntax node) would cost each of them build time for nothing.
#[test]
fn syn_is_built_without_extra_traits() {
    let features = dependency_features("syn");
    assert!(
        !features.iter().any(|feature| feature == "extra-traits"),
        "{features:?}"
    );
}
