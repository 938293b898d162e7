//! systemd socket activation: serving on the socket passed as descriptor 3.

mod common;

use std::os::fd::AsRawFd;
use std::os::unix::process::CommandExt;
use std::process::Command;

use common::{ChildPlugin, Empty, TempDir};
use dknet::testing::Client;
use dknet::Plugin;

/// Not a test on its own: the body of the child process below, which runs
/// it with `--ignored`.
#[test]
#[ignore = "the child process of serves_the_socket_systemd_passes"]
fn child_activated_plugin() {
    if std::env::var_os("DKNET_SYSTEMD_CHILD").is_none() {
        return;
    }
    assert!(Plugin::systemd_activated());
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let bound = Plugin::new().network_driver(Empty).bind_systemd().unwrap();
        println!("DKNET-READY");
        bound.run().await.unwrap();
    });
}

#[test]
fn not_activated_without_listen_pid() {
    assert!(!Plugin::systemd_activated());
    let error = Plugin::new()
        .network_driver(Empty)
        .bind_systemd()
        .unwrap_err();
    assert!(error.to_string().contains("LISTEN_PID"), "{error}");
}

#[tokio::test]
async fn serves_the_socket_systemd_passes() {
    let dir = TempDir::new("sd");
    let path = dir.join("activated.sock");
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let fd = listener.as_raw_fd();
    let test_binary = std::env::current_exe().unwrap();
    // As systemd does: the socket is descriptor 3, LISTEN_PID is the
    // process's own pid (`exec` keeps the shell's `$$`).
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg(r#"LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --exact child_activated_plugin --ignored --nocapture"#)
        .arg(&test_binary)
        .env("DKNET_SYSTEMD_CHILD", "1");
    // SAFETY: dup2 is async-signal-safe; it only rearranges descriptors in
    // the forked child before exec.
    unsafe {
        command.pre_exec(move || {
            if libc::dup2(fd, 3) < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = ChildPlugin::start(command);
    drop(listener);

    let client = Client::unix(&path);
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );
    let (_rest, status) = child.terminate();
    assert!(status.success(), "{status:?}");
    assert!(path.exists(), "the socket file is systemd's, left in place");
}
