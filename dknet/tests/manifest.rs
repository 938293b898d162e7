//! The generated code calls `dknet::__private`, which may change in any
//! release: `dknet` must depend on exactly its own version of
//! `dknet-macros`, as serde does on serde_derive.

#[test]
fn dknet_macros_is_pinned_to_the_exact_version() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .expect("the workspace manifest");
    let line = manifest
        .lines()
        .find(|line| line.trim_start().starts_with("dknet-macros ="))
        .expect("a dknet-macros dependency in [workspace.dependencies]");
    let pinned = format!("version = \"={}\"", env!("CARGO_PKG_VERSION"));
    assert!(line.contains(&pinned), "{line} should say {pinned}");
}
