//! What dknet's manifest promises its users, read through `cargo metadata` so the
//! test passes the same in the repository (workspace dependencies) and in the
//! published package (where they are written out).

use std::process::Command;

use serde_json::Value;

/// dknet's own entry of `cargo metadata --no-deps`.
fn manifest() -> Value {
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
    metadata["packages"]
        .as_array()
        .expect("a package list")
        .iter()
        .find(|package| package["name"] == env!("CARGO_PKG_NAME"))
        .expect("dknet in its own metadata")
        .clone()
}

/// The normal (not dev, not build) dependency `name`.
fn dependency<'a>(manifest: &'a Value, name: &str) -> &'a Value {
    manifest["dependencies"]
        .as_array()
        .expect("a dependency list")
        .iter()
        .find(|dependency| dependency["name"] == name && dependency["kind"].is_null())
        .unwrap_or_else(|| panic!("no dependency on {name}"))
}

/// The features a dependency is declared with.
fn features(dependency: &Value) -> Vec<&str> {
    dependency["features"]
        .as_array()
        .expect("a feature list")
        .iter()
        .map(|feature| feature.as_str().expect("a feature name"))
        .collect()
}

/// The generated code calls `dknet::__private`, which may change in any
/// release: `dknet` must depend on exactly its own version of `dknet-macros`,
/// as serde does on serde_derive.
#[test]
fn dknet_macros_is_pinned_to_the_exact_version() {
    let manifest = manifest();
    let requirement = &dependency(&manifest, "dknet-macros")["req"];
    assert_eq!(requirement, &format!("={}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn plugins_compile_only_the_features_they_use() {
    let manifest = manifest();
    // hyper is for dknet::testing's client alone, behind dknet's `testing`
    // feature: the server reads and writes HTTP/1.1 itself.
    for optional in ["hyper", "hyper-util", "http-body-util"] {
        assert_eq!(
            dependency(&manifest, optional)["optional"],
            true,
            "{optional}"
        );
    }
    assert!(!features(dependency(&manifest, "hyper")).contains(&"client"));
    assert_eq!(features(dependency(&manifest, "hyper-util")), ["tokio"]);
    assert!(!features(dependency(&manifest, "tokio")).contains(&"fs"));
    assert_eq!(
        manifest["features"]["testing"],
        serde_json::json!([
            "dep:hyper",
            "dep:hyper-util",
            "dep:http-body-util",
            "hyper/client"
        ])
    );
}

/// Every feature is one a user may turn on: the fuzz targets' entry points
/// hang on `cfg(fuzzing)`, which cargo-fuzz sets, not on a feature.
#[test]
fn only_features_for_users_are_offered() {
    let manifest = manifest();
    let offered: Vec<&String> = manifest["features"]
        .as_object()
        .expect("a feature map")
        .keys()
        .collect();
    assert_eq!(offered, ["store", "testing"]);
}
