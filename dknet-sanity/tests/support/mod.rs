//! What the tests with the Python plugin share.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

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

/// Starts the Python plugin with `extra` arguments, listening on `socket` and keeping its
/// state in `dir`, and waits (10 s at most) until the socket exists.
pub(crate) fn start_stranger(dir: &Path, socket: &Path, extra: &[&str]) -> Child {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/plugins/stranger.py");
    let child = Command::new("python3")
        .arg(script)
        .arg("--socket")
        .arg(socket)
        .arg("--state")
        .arg(dir.join("state.json"))
        .args(extra)
        .spawn()
        .expect("python3 runs the stranger's plugin (install python3)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            Instant::now() < deadline,
            "the plugin did not listen within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}
