//! HTTP/1.1 as clients other than dockerd speak it: pipelined requests,
//! heads and bodies in any number of pieces, `Expect: 100-continue`,
//! `Connection: close`, HTTP/1.0, `HEAD`, absolute-form targets, and the
//! framings the server refuses (RFC 9112).

mod common;

use common::{err_text, post, serve_driver, Empty, MEDIA_TYPE, TRANSPORTS};

const DELETE: &str = "/NetworkDriver.DeleteNetwork";
const BODY: &[u8] = br#"{"NetworkID":"n"}"#;

#[tokio::test]
async fn pipelined_requests_are_answered_in_order() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        let mut three = post("/Plugin.Activate", &[], b"");
        three.extend_from_slice(&post(DELETE, &[], BODY));
        three.extend_from_slice(b"GET /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n");
        raw.send(&three).await;
        let first = raw.read().await;
        assert_eq!(first.json()["Implements"][0], "NetworkDriver");
        assert_eq!(raw.read().await.status, 200, "{transport:?}");
        assert_eq!(raw.read().await.status, 405, "{transport:?}");
        // Still open for more.
        let again = raw.exchange(&post(DELETE, &[], BODY)).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.header("connection"), None);
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_request_sent_byte_by_byte_is_served() {
    let plugin = serve_driver(Empty, common::Transport::Unix).await;
    let mut raw = plugin.raw().await;
    for _ in 0..2 {
        for byte in post(DELETE, &[], BODY) {
            raw.send(&[byte]).await;
        }
        let answer = raw.read().await;
        assert_eq!(answer.status, 200, "{:?}", answer.body);
        assert_eq!(answer.body, b"{}");
    }
    // A chunked body, byte by byte too.
    let mut chunked = b"POST /NetworkDriver.DeleteNetwork HTTP/1.1\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
        .to_vec();
    for piece in BODY.chunks(5) {
        chunked.extend_from_slice(format!("{:X};ext=1\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\nX-Trailer: t\r\n\r\n");
    for byte in chunked {
        raw.send(&[byte]).await;
    }
    assert_eq!(raw.read().await.status, 200);
    plugin.stop().await.unwrap();
}

#[tokio::test]
async fn a_client_expecting_100_continue_gets_it_before_sending_the_body() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        let head = format!(
            "POST {DELETE} HTTP/1.1\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
            BODY.len()
        );
        raw.send(head.as_bytes()).await;
        let interim = raw.read().await;
        assert_eq!(interim.status, 100, "{transport:?}");
        raw.send(BODY).await;
        assert_eq!(raw.read().await.status, 200);
        // With the body already sent, no interim answer comes.
        let mut whole = head.into_bytes();
        whole.extend_from_slice(BODY);
        assert_eq!(raw.exchange(&whole).await.status, 200);
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn the_connection_closes_after_the_answer_when_the_client_says_so() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        let answer = raw
            .exchange(&post(DELETE, &["Connection: close"], BODY))
            .await;
        assert_eq!(answer.status, 200, "{transport:?}");
        assert_eq!(answer.header("connection"), Some("close"));
        assert!(raw.closed().await);

        // HTTP/1.0: one request per connection.
        let mut raw = plugin.raw().await;
        let mut old = post(DELETE, &[], BODY);
        let at = old.windows(8).position(|w| w == b"HTTP/1.1").unwrap();
        old[at + 7] = b'0';
        let answer = raw.exchange(&old).await;
        assert_eq!(answer.status, 200, "{transport:?}");
        assert!(raw.closed().await);
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn framings_the_server_cannot_read_are_refused_and_the_connection_closed() {
    let many_headers: String = (0..100).map(|n| format!("X-{n}: y\r\n")).collect();
    let chunked = |version: &str, codings: &str, body: &str| -> Vec<u8> {
        format!("POST {DELETE} HTTP/{version}\r\nTransfer-Encoding: {codings}\r\n\r\n{body}").into()
    };
    let cases: [(Vec<u8>, u16, &str); 13] = [
        // RFC 9112 6.1: faulty framing.
        (chunked("1.0", "chunked", "0\r\n\r\n"), 400, "HTTP/1.0"),
        // RFC 9112 6.3: the final coding is not chunked.
        (
            chunked("1.1", "chunked, identity", ""),
            400,
            "final transfer coding",
        ),
        (chunked("1.1", "identity", ""), 400, "final transfer coding"),
        (chunked("1.1", "xchunked", ""), 400, "final transfer coding"),
        (
            chunked("1.1", "chunked, chunked", ""),
            400,
            "more than once",
        ),
        // RFC 9112 7.1.2: a trailer line that is not a field.
        (
            chunked("1.1", "chunked", "0\r\nnot a field\r\n\r\n"),
            400,
            "trailer line",
        ),
        // A TLS ClientHello: no line feed will ever come.
        (
            b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec(),
            400,
            "not valid HTTP/1.1",
        ),
        (
            format!("POST {DELETE} HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n").into(),
            501,
            "transfer coding",
        ),
        (
            format!("POST {DELETE} HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").into(),
            400,
            "DeleteNetwork: cannot read the request body",
        ),
        (
            format!(
                "POST {DELETE} HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
            )
            .into(),
            400,
            "both Content-Length and Transfer-Encoding",
        ),
        (
            format!("POST {DELETE} HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n")
                .into(),
            400,
            "Content-Length",
        ),
        (
            b"POST /NetworkDriver.\xff HTTP/1.1\r\nContent-Length: 0\r\n\r\n".to_vec(),
            400,
            "not valid HTTP/1.1",
        ),
        (
            format!("POST {DELETE} HTTP/1.1\r\n{many_headers}\r\n").into(),
            431,
            "more than 64 headers",
        ),
    ];
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        for (request, status, text) in &cases {
            let mut raw = plugin.raw().await;
            let answer = raw.exchange(request).await;
            assert_eq!(answer.status, *status, "{transport:?}: {:?}", answer.body);
            assert_eq!(answer.header("content-type"), Some(MEDIA_TYPE));
            assert_eq!(answer.header("connection"), Some("close"));
            let err = err_text(&answer.body);
            assert!(err.contains(text), "{err}");
            assert!(raw.closed().await);
        }
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn a_query_does_not_change_the_method() {
    let plugin = serve_driver(Empty, common::Transport::Unix).await;
    let mut raw = plugin.raw().await;
    let answer = raw
        .exchange(&post("/Plugin.Activate?verbose=1", &[], b""))
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["Implements"][0], "NetworkDriver");
    plugin.stop().await.unwrap();
}

#[tokio::test]
async fn head_is_answered_without_a_body() {
    for transport in TRANSPORTS {
        let plugin = serve_driver(Empty, transport).await;
        let mut raw = plugin.raw().await;
        raw.send(b"HEAD /Plugin.Activate HTTP/1.1\r\nHost: x\r\n\r\n")
            .await;
        let head = raw.read_head().await;
        assert_eq!(head.status, 405, "{transport:?}");
        assert_eq!(head.header("allow"), Some("POST"));
        // The next answer follows the head at once: no body came between.
        let next = raw.exchange(&post("/Plugin.Activate", &[], b"")).await;
        assert_eq!(next.status, 200, "{transport:?}");
        assert_eq!(next.json()["Implements"][0], "NetworkDriver");
        plugin.stop().await.unwrap();
    }
}

#[tokio::test]
async fn an_absolute_form_target_routes_by_its_path() {
    let plugin = serve_driver(Empty, common::Transport::Tcp).await;
    let mut raw = plugin.raw().await;
    let request = b"POST http://plugin/Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n";
    let answer = raw.exchange(request).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.json()["Implements"][0], "NetworkDriver");
    plugin.stop().await.unwrap();
}
