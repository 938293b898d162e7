//! Every row of the error contract in docs/design.md, over a unix socket and over TCP.

mod common;

use std::future::Future;
use std::sync::Arc;

use common::{err_text, post, serve, serve_driver, Empty, MEDIA_TYPE, TRANSPORTS};
use dknet::network::{CreateNetworkRequest, DeleteNetworkRequest, NetworkDriver};
use dknet::{Context, DriverError, Plugin};

/// Behaves according to the network id it is given.
struct Scripted;

impl NetworkDriver for Scripted {
    async fn create_network(
        self: Arc<Self>,
        request: CreateNetworkRequest,
        _context: Context,
    ) -> Result<(), DriverError> {
        match request.network_id.as_str() {
            "fail" => Err(DriverError::new("no such VLAN")),
            "panic" => panic!("boom"),
            "panic-owned" => std::panic::panic_any(format!("owned {}", 42)),
            "panic-other" => std::panic::panic_any(7_u32),
            _ => Ok(()),
        }
    }

    fn delete_network(
        self: Arc<Self>,
        request: DeleteNetworkRequest,
        _context: Context,
    ) -> impl Future<Output = Result<(), DriverError>> + Send {
        assert_ne!(request.network_id, "panic", "panicked before its future");
        async { Ok(()) }
    }
}

#[tokio::test]
async fn success_is_200_with_a_json_object() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Scripted, transport).await;
        let body = br#"{"NetworkID":"n1","Options":null,"IPv4Data":null,"IPv6Data":null}"#;
        let answer = plugin
            .client
            .call("/NetworkDriver.CreateNetwork", Some(body))
            .await
            .unwrap();
        assert_eq!(answer.status, 200, "{transport:?}");
        assert_eq!(&answer.body[..], b"{}");
        assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn driver_error_is_500_with_its_text() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Scripted, transport).await;
        let error = plugin
            .client
            .create_network(&CreateNetworkRequest::new("fail"))
            .await;
        let error = error.unwrap_err();
        assert_eq!(error.status(), Some(500), "{transport:?}");
        assert_eq!(error.message(), Some("no such VLAN"));
        assert_eq!(
            error.to_string(),
            "NetworkDriver.CreateNetwork: no such VLAN"
        );
        let raw = plugin
            .client
            .call(
                "/NetworkDriver.CreateNetwork",
                Some(br#"{"NetworkID":"fail"}"#),
            )
            .await
            .unwrap();
        assert_eq!(&raw.body[..], br#"{"Err":"no such VLAN"}"#);
        assert_eq!(raw.content_type.as_deref(), Some(MEDIA_TYPE));
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn not_supported_is_404_with_err() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let body = br#"{"NetworkID":"n","EndpointID":"e","Options":{}}"#;
        let path = "/NetworkDriver.ProgramExternalConnectivity";
        let answer = plugin.client.call(path, Some(body)).await.unwrap();
        assert_eq!(answer.status, 404, "{transport:?}");
        assert!(err_text(&answer.body).contains("not supported"));
        assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn bad_bodies_are_400_naming_the_method() {
    let cases: [(&[u8], &str); 8] = [
        (b"", "CreateEndpoint: the request body is empty"),
        (b"null\n", "CreateEndpoint: the request body is null"),
        (
            b"hello",
            "CreateEndpoint: the request body is not a JSON object",
        ),
        (
            b"[1, 2]",
            "CreateEndpoint: the request body is not a JSON object",
        ),
        (br#"["n1","e1"]"#, "not a JSON object"),
        (
            br#"{"networkid":"n1","endpointid":"e1"}"#,
            "missing field `NetworkID`",
        ),
        (
            br#"{"NetworkID":"n1","EndpointID":""}"#,
            "at `EndpointID`: the id is empty",
        ),
        (
            br#"{"NetworkID":"n","Interface":{"Address":"10.0.0.2"}}"#,
            "at `Interface.Address`",
        ),
    ];
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        for (body, expected) in cases {
            let answer = plugin
                .client
                .call("/NetworkDriver.CreateEndpoint", Some(body))
                .await
                .unwrap();
            assert_eq!(answer.status, 400, "{transport:?} {body:?}");
            let err = err_text(&answer.body);
            assert!(err.starts_with("CreateEndpoint: "), "{err}");
            assert!(err.contains(expected), "{err} should contain {expected}");
            assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn unknown_paths_are_404() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        for path in [
            "/NetworkDriver.Bogus",
            "/IpamDriver.RequestPool",
            "/VolumeDriver.Create",
            "/Plugin.Deactivate",
            "/nothing",
            "/",
        ] {
            let answer = plugin.client.call(path, Some(b"{}")).await.unwrap();
            assert_eq!(answer.status, 404, "{transport:?} {path}");
            assert!(err_text(&answer.body).contains("no such method"));
            assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn non_post_is_405_with_allow() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        for method in ["GET", "PUT", "DELETE"] {
            let request = format!(
                "{method} /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
            );
            let answer = raw.exchange(request.as_bytes()).await;
            assert_eq!(answer.status, 405, "{transport:?} {method}");
            assert_eq!(answer.header("allow"), Some("POST"));
            assert_eq!(answer.header("content-type"), Some(MEDIA_TYPE));
            assert!(err_text(&answer.body).contains("use POST"));
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_panicking_driver_is_500_and_the_server_keeps_serving() {
    let cases = [
        (
            "/NetworkDriver.CreateNetwork",
            "panic",
            "the driver panicked: boom",
        ),
        (
            "/NetworkDriver.CreateNetwork",
            "panic-owned",
            "the driver panicked: owned 42",
        ),
        (
            "/NetworkDriver.CreateNetwork",
            "panic-other",
            "the driver panicked",
        ),
        (
            "/NetworkDriver.DeleteNetwork",
            "panic",
            "panicked before its future",
        ),
    ];
    for transport in TRANSPORTS {
        let plugin = serve_driver(Scripted, transport).await;
        for (path, id, expected) in cases {
            let body = format!(r#"{{"NetworkID":"{id}"}}"#);
            let answer = plugin
                .client
                .call(path, Some(body.as_bytes()))
                .await
                .unwrap();
            assert_eq!(answer.status, 500, "{transport:?} {path} {id}");
            let err = err_text(&answer.body);
            assert!(err.contains(expected), "{err}");
            assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
            // Same connection, next request: served.
            let next = plugin
                .client
                .create_network(&CreateNetworkRequest::new("ok"))
                .await;
            next.unwrap();
            let next = plugin
                .client()
                .delete_network(&DeleteNetworkRequest::new("ok"))
                .await;
            next.unwrap();
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    for transport in TRANSPORTS {
        let plugin = serve(
            Plugin::new().network_driver(Empty).body_limit(1024),
            transport,
        )
        .await;
        // At the limit: accepted.
        let mut body = br#"{"NetworkID":"n"}"#.to_vec();
        body.resize(1024, b' ');
        let answer = plugin
            .client
            .call("/NetworkDriver.CreateNetwork", Some(&body))
            .await;
        assert_eq!(answer.unwrap().status, 200, "{transport:?}");
        // A body in several chunks is read whole.
        let mut raw = plugin.raw().await;
        let mut request = b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\n\
            Transfer-Encoding: chunked\r\n\r\n"
            .to_vec();
        for piece in [r#"{"Netw"#, r#"orkID":"#, r#""n"}"#] {
            request.extend_from_slice(format!("{:x}\r\n{piece}\r\n", piece.len()).as_bytes());
        }
        request.extend_from_slice(b"0\r\n\r\n");
        let answer = raw.exchange(&request).await;
        assert_eq!(answer.status, 200, "{transport:?}: {:?}", answer.body);
        // Over the limit by Content-Length.
        body.push(b' ');
        let mut raw = plugin.raw().await;
        let answer = raw
            .exchange(&post("/NetworkDriver.CreateNetwork", &[], &body))
            .await;
        assert_eq!(answer.status, 413, "{transport:?}");
        assert!(err_text(&answer.body).contains("larger than 1024 bytes"));
        assert_eq!(answer.header("content-type"), Some(MEDIA_TYPE));
        // Over the limit while reading a chunked body (no Content-Length).
        let mut raw = plugin.raw().await;
        let mut request = b"POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\n\
            Transfer-Encoding: chunked\r\n\r\n"
            .to_vec();
        for _ in 0..3 {
            request.extend_from_slice(format!("200\r\n{}\r\n", " ".repeat(0x200)).as_bytes());
        }
        request.extend_from_slice(b"0\r\n\r\n");
        let answer = raw.exchange(&request).await;
        assert_eq!(answer.status, 413, "{transport:?}");
        assert!(err_text(&answer.body).contains("larger than"));
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_default_limit_is_one_mebibyte() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        // Only the head: the answer must come from Content-Length alone.
        let head = "POST /NetworkDriver.CreateNetwork HTTP/1.1\r\nHost: x\r\n\
                    Content-Length: 1048577\r\n\r\n";
        let answer = raw.exchange(head.as_bytes()).await;
        assert_eq!(answer.status, 413, "{transport:?}");
        assert!(err_text(&answer.body).contains("larger than 1048576 bytes"));
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn request_headers_are_ignored() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        let extra = [
            "Content-Type: text/plain",
            "Accept: text/html",
            "Host: somewhere.else:9",
        ];
        let body = br#"{"NetworkID":"n"}"#;
        let answer = raw
            .exchange(&post("/NetworkDriver.DeleteNetwork", &extra, body))
            .await;
        assert_eq!(answer.status, 200, "{transport:?}");
        assert_eq!(answer.header("content-type"), Some(MEDIA_TYPE));
        // The answer's headers are its own: none of the request's comes
        // back.
        assert_eq!(
            answer.header_names(),
            ["content-length", "content-type", "date"]
        );
        let mut put = post("/NetworkDriver.DeleteNetwork", &extra, body);
        put.splice(..4, *b"PUT");
        let refused = raw.exchange(&put).await;
        assert_eq!(refused.status, 405);
        assert_eq!(
            refused.header_names(),
            ["allow", "content-length", "content-type", "date"]
        );
        assert_eq!(refused.header("content-type"), Some(MEDIA_TYPE));
        // No Accept and no Host at all.
        let bare = "POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
        let answer = raw.exchange(bare.as_bytes()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.json()["Implements"][0], "NetworkDriver");
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn requests_that_are_not_http_get_an_err_body() {
    let huge_header = format!(
        "POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    let cases: [(&[u8], u16, &str); 4] = [
        (b"GARBAGE\r\n\r\n", 400, "not valid HTTP"),
        (
            b"POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
            400,
            "not valid HTTP",
        ),
        (
            b"POST /Plugin.Activate HTTP/1.1\r\nHost: x\r\nContent-Length: x\r\n\r\n",
            400,
            "not valid HTTP",
        ),
        (huge_header.as_bytes(), 431, "larger than"),
    ];
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        for (request, status, text) in cases {
            let mut raw = plugin.raw().await;
            // The plugin may close before reading all of a huge head.
            raw.send_lossy(request).await;
            let answer = raw.read().await;
            assert_eq!(answer.status, status, "{transport:?}");
            assert_eq!(answer.header("content-type"), Some(MEDIA_TYPE));
            let err = err_text(&answer.body);
            assert!(err.contains(text), "{err}");
            assert!(raw.closed().await);
        }
        // The plugin still serves.
        let mut raw = plugin.raw().await;
        let answer = raw.exchange(&post("/Plugin.Activate", &[], b"")).await;
        assert_eq!(answer.status, 200);
        plugin.stop().await.unwrap();
    }
}

/// Collects what the plugin logs.
#[derive(Clone, Default)]
struct Log(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_huge_bad_value_is_cut_in_the_answer_and_in_the_log() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let plugin = serve_driver(Empty, common::Transport::Unix).await;
    let huge = "x".repeat(1 << 19);
    let body =
        format!(r#"{{"NetworkID":"n","EndpointID":"e","Interface":{{"Address":"{huge}"}}}}"#);
    let answer = plugin
        .client
        .call("/NetworkDriver.CreateEndpoint", Some(body.as_bytes()))
        .await
        .unwrap();
    assert_eq!(answer.status, 400);
    let err = err_text(&answer.body);
    assert!(err.len() < 1000, "{} bytes of Err", err.len());
    assert!(err.starts_with("CreateEndpoint: invalid request body at `Interface.Address`"));
    assert!(err.contains("characters left out"), "{err}");
    plugin.stop().await.unwrap();
    let logged = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let line = logged
        .lines()
        .find(|line| line.contains("request failed"))
        .expect("the failure is logged");
    assert!(line.len() < 2000, "a log line of {} bytes", line.len());
}
