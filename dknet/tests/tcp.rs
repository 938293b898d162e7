//! TCP plugins: the spec file dockerd reads, port 0, clean-up, errors.

mod common;

use std::net::SocketAddr;

use common::{serve_driver, Empty, TempDir, Transport};
use dknet::testing::Client;
use dknet::{Error, LocalAddr, Plugin};

fn plugin(spec_dir: &std::path::Path) -> Plugin {
    Plugin::new()
        .network_driver(Empty)
        .spec_dir(spec_dir)
        .shutdown_signal(std::future::pending())
}

#[tokio::test]
async fn the_spec_file_holds_the_bound_address() {
    let plugin = serve_driver(Empty, Transport::Tcp).await;
    let LocalAddr::Tcp(bound) = plugin.addr else {
        panic!("not TCP: {}", plugin.addr)
    };
    assert_ne!(bound.port(), 0, "port 0 is replaced by the real port");
    let spec = plugin.spec_file.clone().unwrap();
    assert_eq!(spec, plugin.dir.join("test.spec"));
    let content = std::fs::read_to_string(&spec).unwrap();
    assert_eq!(content, format!("tcp://127.0.0.1:{}", bound.port()));
    assert_eq!(plugin.addr.to_string(), content);

    // dockerd's view: read the spec file, connect there.
    let address: SocketAddr = content
        .trim()
        .strip_prefix("tcp://")
        .unwrap()
        .parse()
        .unwrap();
    let client = Client::tcp(address);
    assert_eq!(
        client.activate().await.unwrap().implements,
        ["NetworkDriver"]
    );

    plugin.stop().await.unwrap();
    assert!(!spec.exists(), "the spec file is removed on shutdown");
}

#[tokio::test]
async fn the_spec_dir_is_created_and_no_temporary_file_is_left() {
    let dir = TempDir::new("spec");
    let spec_dir = dir.join("etc/docker/plugins");
    let bound = plugin(&spec_dir)
        .bind_tcp("p", "127.0.0.1:0")
        .await
        .unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&spec_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // The spec file, and the hidden lock that keeps the name to one plugin.
    assert_eq!(names, [".p.spec.lock", "p.spec"]);
    assert_eq!(bound.spec_file(), Some(spec_dir.join("p.spec").as_path()));
    drop(bound);
    assert!(!spec_dir.join("p.spec").exists());
}

#[tokio::test]
async fn an_address_in_use_says_so() {
    let dir = TempDir::new("inuse");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let error = plugin(dir.path()).bind_tcp("p", address).await.unwrap_err();
    assert!(matches!(error, Error::AddressInUse { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains("another plugin is already serving"),
        "{message}"
    );
    assert!(message.contains(&address.to_string()), "{message}");
    assert!(
        !dir.join("p.spec").exists(),
        "no spec file for a plugin that is not listening"
    );
}

#[tokio::test]
async fn names_and_folders_are_checked() {
    let dir = TempDir::new("tcpname");
    let error = plugin(dir.path())
        .bind_tcp("a/b", "127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidName { .. }), "{error:?}");

    let file = dir.join("plain-file");
    std::fs::write(&file, "").unwrap();
    let error = plugin(&file.join("specs"))
        .bind_tcp("p", "127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Folder {
                option: "spec_dir",
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("Plugin::spec_dir"));
}

#[tokio::test]
async fn ipv6_loopback_works_when_available() {
    let dir = TempDir::new("v6");
    let bound = match plugin(dir.path()).bind_tcp("p6", "[::1]:0").await {
        Ok(bound) => bound,
        // No IPv6 on this host: nothing to check. Any other error fails.
        Err(Error::Listen { source, .. })
            if matches!(
                source.raw_os_error(),
                Some(libc::EADDRNOTAVAIL | libc::EAFNOSUPPORT)
            ) =>
        {
            eprintln!("skipped: no IPv6 loopback ({source})");
            return;
        }
        Err(error) => panic!("{error:?}"),
    };
    let LocalAddr::Tcp(address) = bound.local_addr().clone() else {
        panic!("not TCP")
    };
    let content = std::fs::read_to_string(dir.join("p6.spec")).unwrap();
    assert_eq!(content, format!("tcp://[::1]:{}", address.port()));
}

#[tokio::test]
async fn a_second_instance_with_the_same_name_is_refused() {
    let dir = TempDir::new("tcp-twice");
    let first = plugin(dir.path())
        .bind_tcp("twice", "127.0.0.1:0")
        .await
        .unwrap();
    let spec = first.spec_file().unwrap().to_path_buf();
    let announced = std::fs::read_to_string(&spec).unwrap();
    let error = plugin(dir.path())
        .bind_tcp("twice", "127.0.0.1:0")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::AddressInUse { .. }), "{error:?}");
    assert!(error.to_string().contains("twice"), "{error}");
    // The first instance's spec file is untouched.
    assert_eq!(std::fs::read_to_string(&spec).unwrap(), announced);
    drop(first);
    assert!(!spec.exists());
    // Once it is gone, the name is free again.
    let again = plugin(dir.path()).bind_tcp("twice", "127.0.0.1:0").await;
    assert!(again.unwrap().spec_file().unwrap().exists());
}
