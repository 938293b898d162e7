//! The unix socket file: where it goes, its mode and group, stale sockets,
//! live sockets, things in the way, and removal on shutdown.

mod common;

use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};

use common::{Empty, TempDir};
use dknet::testing::Client;
use dknet::{Error, LocalAddr, Plugin};

fn plugin(dir: &TempDir) -> Plugin {
    Plugin::new()
        .network_driver(Empty)
        .plugin_dir(dir.path())
        .shutdown_signal(std::future::pending())
}

#[tokio::test]
async fn a_name_becomes_a_socket_in_the_plugin_dir() {
    let dir = TempDir::new("name");
    let plugins = dir.join("run/docker/plugins");
    let bound = plugin(&dir)
        .plugin_dir(&plugins)
        .bind_unix("bridge")
        .await
        .unwrap();
    let path = plugins.join("bridge.sock");
    assert_eq!(bound.local_addr(), &LocalAddr::Unix(path.clone()));
    assert_eq!(
        bound.local_addr().to_string(),
        format!("unix://{}", path.display())
    );
    let metadata = std::fs::metadata(&path).unwrap();
    assert!(metadata.file_type().is_socket());
    assert_eq!(metadata.permissions().mode() & 0o777, 0o660);
    let folder = std::fs::metadata(&plugins).unwrap();
    assert_eq!(folder.permissions().mode() & 0o777, 0o755);
    // Dropped without running: the socket goes away.
    drop(bound);
    assert!(!path.exists());
}

#[tokio::test]
async fn mode_is_applied() {
    let dir = TempDir::new("mode");
    let path = dir.join("p.sock");
    let bound = plugin(&dir).socket_mode(0o600).bind_unix(&path).await;
    let bound = bound.unwrap();
    let metadata = std::fs::metadata(&path).unwrap();
    assert_eq!(metadata.permissions().mode() & 0o777, 0o600);
    drop(bound);
}

/// As root the group is applied, by gid and by name; as anyone else, giving
/// the socket a group one is not in fails clearly and leaves no socket.
#[tokio::test]
async fn group_is_applied_or_refused_clearly() {
    let dir = TempDir::new("group");
    let path = dir.join("p.sock");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let bound = plugin(&dir).socket_gid(12345).bind_unix(&path).await;
    if !root {
        let error = bound.unwrap_err();
        assert!(matches!(error, Error::Permissions { .. }), "{error:?}");
        assert!(error.to_string().contains("run as root"), "{error}");
        assert!(!path.exists(), "a half-made socket was left behind");
        return;
    }
    let bound = bound.unwrap();
    assert_eq!(std::fs::metadata(&path).unwrap().gid(), 12345);
    drop(bound);

    let daemon_gid: Option<u32> = std::fs::read_to_string("/etc/group")
        .unwrap()
        .lines()
        .find_map(|line| {
            line.strip_prefix("daemon:x:")?
                .split(':')
                .next()?
                .parse()
                .ok()
        });
    if let Some(gid) = daemon_gid {
        let bound = plugin(&dir)
            .socket_group("daemon")
            .bind_unix(&path)
            .await
            .unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().gid(), gid);
        drop(bound);
    }
}

#[tokio::test]
async fn an_unknown_group_is_an_error_that_says_so() {
    let dir = TempDir::new("grp");
    let path = dir.join("p.sock");
    let error = plugin(&dir)
        .socket_group("dknet-nope")
        .bind_unix(&path)
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::UnknownGroup(name) if name == "dknet-nope"));
    let message = error.to_string();
    assert!(message.contains("unknown group `dknet-nope`"), "{message}");
    assert!(message.contains("Plugin::socket_group"), "{message}");
    assert!(!path.exists());
}

#[tokio::test]
async fn a_stale_socket_is_replaced() {
    let dir = TempDir::new("stale");
    let path = dir.join("p.sock");
    // A socket file nobody listens on (its process died).
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
    assert!(path.exists());
    let bound = plugin(&dir).bind_unix(&path).await.unwrap();
    let client = Client::for_addr(bound.local_addr());
    let server = tokio::spawn(bound.run());
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );
    server.abort();
}

#[tokio::test]
async fn a_live_socket_is_not_taken_over() {
    let dir = TempDir::new("live");
    let path = dir.join("p.sock");
    let first = plugin(&dir).bind_unix(&path).await.unwrap();
    let client = Client::for_addr(first.local_addr());
    let server = tokio::spawn(first.run());

    let error = plugin(&dir).bind_unix(&path).await.unwrap_err();
    assert!(matches!(error, Error::AddressInUse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("another plugin is already serving"),
        "{message}"
    );
    assert!(message.contains(&path.display().to_string()), "{message}");
    // The first plugin still serves, on the same file.
    assert!(path.exists());
    client.activate().await.unwrap();
    server.abort();
}

#[tokio::test]
async fn something_else_in_the_way_is_an_error() {
    let dir = TempDir::new("file");
    let path = dir.join("p.sock");
    std::fs::write(&path, "keep me").unwrap();
    let error = plugin(&dir).bind_unix(&path).await.unwrap_err();
    assert!(matches!(error, Error::NotASocket { .. }), "{error:?}");
    assert!(error.to_string().contains("is not a socket"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
}

#[tokio::test]
async fn an_unusable_folder_says_what_to_do() {
    let dir = TempDir::new("dir");
    let file = dir.join("plain-file");
    std::fs::write(&file, "").unwrap();
    let error = plugin(&dir)
        .plugin_dir(file.join("plugins"))
        .bind_unix("p")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Folder {
                option: "plugin_dir",
                ..
            }
        ),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("run as root or choose another folder with Plugin::plugin_dir"));
}

#[tokio::test]
async fn bad_names_are_refused() {
    let dir = TempDir::new("names");
    for name in ["", "..", "."] {
        let error = plugin(&dir).bind_unix(name).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidName { .. }),
            "{name:?}: {error:?}"
        );
    }
}

#[tokio::test]
async fn connections_made_before_run_are_served() {
    let dir = TempDir::new("early");
    let bound = plugin(&dir).bind_unix("early").await.unwrap();
    // Slow start-up work would happen here; dockerd may already connect.
    let client = Client::for_addr(bound.local_addr());
    let call = tokio::spawn(async move { client.activate().await });
    tokio::task::yield_now().await;
    let server = tokio::spawn(bound.run());
    assert_eq!(call.await.unwrap().unwrap().implements, ["NetworkDriver"]);
    server.abort();
}

#[tokio::test]
async fn a_callers_listener_is_served_and_left_alone() {
    let dir = TempDir::new("own");
    let path = dir.join("own.sock");
    let listener = tokio::net::UnixListener::bind(&path).unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = Plugin::new()
        .network_driver(Empty)
        .shutdown_signal(async move {
            let _ = stopped.await;
        })
        .serve_listener(listener);
    let server = tokio::spawn(server);
    Client::unix(&path).activate().await.unwrap();
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(
        path.exists(),
        "the caller's socket file is the caller's to remove"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_started_together_over_a_stale_socket_never_both_listen() {
    for round in 0..20 {
        let dir = TempDir::new("race");
        let path = dir.join("p.sock");
        drop(std::os::unix::net::UnixListener::bind(&path).unwrap());
        let attempts: Vec<_> = (0..8)
            .map(|_| {
                let plugin = plugin(&dir);
                let path = path.clone();
                tokio::spawn(async move { plugin.bind_unix(&path).await })
            })
            .collect();
        let mut bound = Vec::new();
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(plugin) => bound.push(plugin),
                Err(error) => assert!(
                    matches!(error, Error::AddressInUse { .. }),
                    "round {round}: {error:?}"
                ),
            }
        }
        assert_eq!(bound.len(), 1, "round {round}: several instances listen");
    }
}

#[tokio::test]
async fn the_socket_lock_is_released_when_the_plugin_stops() {
    let dir = TempDir::new("relock");
    let path = dir.join("p.sock");
    let first = plugin(&dir).bind_unix(&path).await.unwrap();
    let error = plugin(&dir).bind_unix(&path).await.unwrap_err();
    assert!(matches!(error, Error::AddressInUse { .. }), "{error:?}");
    drop(first);
    plugin(&dir).bind_unix(&path).await.unwrap();
}
