//! What the tests with the Python plugin share.

use std::process::{Command, Stdio};

/// Whether `python3` can run the stranger's plugin. Without it the test is skipped with a
/// notice, so `cargo test --workspace` works on a machine with only Rust installed; under
/// CI (`CI` set) a missing `python3` is a failure, never a skip.
pub(crate) fn python3_available() -> bool {
    let found = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 is needed to run the stranger's plugin under CI"
        );
        eprintln!("skipped: python3 is not installed (it runs tests/plugins/stranger.py)");
    }
    found
}
