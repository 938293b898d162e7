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

/// The `[workspace.dependencies]` line of `name`.
fn dependency(manifest: &str, name: &str) -> String {
    let prefix = format!("{name} =");
    manifest
        .lines()
        .find(|line| line.starts_with(&prefix))
        .unwrap_or_else(|| panic!("no {name} in [workspace.dependencies]"))
        .to_owned()
}

#[test]
fn plugins_compile_only_the_features_they_use() {
    let manifest = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../Cargo.toml"))
        .expect("the workspace manifest");
    // hyper is for dknet::testing's client alone, behind dknet's `testing`
    // feature: the server reads and writes HTTP/1.1 itself.
    assert!(!dependency(&manifest, "hyper").contains("\"client\""));
    assert!(!dependency(&manifest, "tokio").contains("\"fs\""));
    assert!(dependency(&manifest, "hyper-util").contains(r#"features = ["tokio"]"#));
    assert!(!dependency(&manifest, "syn").contains("extra-traits"));
    let own = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
    for optional in ["hyper", "hyper-util", "http-body-util"] {
        let line = format!("{optional} = {{ workspace = true, optional = true }}");
        assert!(own.contains(&line), "{line}");
    }
    assert!(own.contains(
        r#"testing = ["dep:hyper", "dep:hyper-util", "dep:http-body-util", "hyper/client"]"#
    ));
}
