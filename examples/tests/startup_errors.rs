//! What the example binaries print when they cannot start: the error's
//! sentence, not its `Debug` form. No root needed: the socket is in a
//! temporary folder.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the plugin process when the test ends, however it ends.
struct Running(std::process::Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn a_second_plugin_on_the_same_socket_prints_the_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("twice.sock");
    let noop = env!("CARGO_BIN_EXE_dknet-noop");
    let first = Command::new(noop)
        .arg("--socket")
        .arg(&socket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _first = Running(first);
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::os::unix::net::UnixStream::connect(&socket).is_err() {
        assert!(Instant::now() < deadline, "the first plugin never listened");
        std::thread::sleep(Duration::from_millis(20));
    }

    let second = Command::new(noop)
        .arg("--socket")
        .arg(&socket)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut second = Running(second);
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the second plugin did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut second.0.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    let expected = format!(
        "error: another plugin is already serving on {}; stop it first or choose another name or address",
        socket.display()
    );
    assert!(stderr.lines().any(|line| line == expected), "{stderr}");
    assert!(!stderr.contains("AddressInUse"), "{stderr}");
}
