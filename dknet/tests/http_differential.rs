//! The same raw bytes sent to a dknet plugin and to a bare hyper 1.x
//! server: smuggling forms, `Content-Length` and `Transfer-Encoding`
//! variants, chunk sizes, extensions and trailers, obs-fold, bare CR and
//! LF, NUL and other controls, pipelining, `Expect`, HTTP/1.0, absolute
//! form, `HEAD`, and requests split at every byte. Every difference is
//! listed in [`DIFFERENCES`] with the RFC section that makes dknet's
//! answer right; a difference not listed, or listed and gone, fails.

mod common;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use common::{serve_driver, within, Empty, Transport};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// The vectors whose answers differ, and why dknet's is right.
const DIFFERENCES: &[(&str, &str)] = &[
    (
        "cl-then-te",
        "RFC 9112 6.3 (3): a request with both Content-Length and Transfer-Encoding may be \
         a smuggling attempt; a server MAY reject it, and MUST close the connection: dknet \
         answers 400 (hyper decodes it chunked)",
    ),
    (
        "te-then-cl",
        "as cl-then-te, the headers in the other order",
    ),
    (
        "te-chunked-twice",
        "RFC 9112 7: chunked MUST NOT be applied more than once; such a body cannot be \
         framed reliably (6.3), so 400 and close (hyper unchunks it once)",
    ),
    (
        "te-gzip-then-chunked",
        "RFC 9110 15.6.2, RFC 9112 6.1: dknet decodes no coding but chunked; a server that \
         receives a transfer coding it does not understand answers 501 (hyper passes the \
         coded body on as if it were plain)",
    ),
    (
        "header-too-long",
        "RFC 9110 5.4 and RFC 6585 5: a server MUST answer a head larger than it wishes to \
         process with a 4xx; dknet's limit is 16 KiB (dockerd sends a few hundred bytes), \
         hyper's about 400 KiB",
    ),
    (
        "http-1.0-keep-alive",
        "RFC 9112 9.3: honouring HTTP/1.0 keep-alive is the recipient's choice; dknet closes \
         after each HTTP/1.0 answer (dockerd speaks HTTP/1.1)",
    ),
    (
        "http2-preface",
        "RFC 9110 15.5.1: what is not HTTP/1.1 is a client error, answered 400 with an \
         {\"Err\"} body as soon as it is clear (hyper closes without a word)",
    ),
];

/// One request (or several, pipelined) as raw bytes.
struct Vector {
    name: &'static str,
    bytes: Vec<u8>,
}

fn post(headers: &str, body: &str) -> Vec<u8> {
    format!("POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n{headers}\r\n{body}").into_bytes()
}

fn chunked(body: &str) -> Vec<u8> {
    post("Transfer-Encoding: chunked\r\n", body)
}

fn vectors() -> Vec<Vector> {
    let plain = post("Content-Length: 0\r\n", "");
    let long_header = format!("X-Long: {}\r\n", "a".repeat(20_000));
    let cases: Vec<(&'static str, Vec<u8>)> = vec![
        ("plain", plain.clone()),
        ("no-content-length", post("", "")),
        ("cl-body", post("Content-Length: 2\r\n", "{}")),
        ("cl-twice-same", post("Content-Length: 2\r\nContent-Length: 2\r\n", "{}")),
        ("cl-twice-different", post("Content-Length: 2\r\nContent-Length: 3\r\n", "{}x")),
        ("cl-plus", post("Content-Length: +2\r\n", "{}")),
        ("cl-negative", post("Content-Length: -1\r\n", "")),
        ("cl-hex", post("Content-Length: 0x2\r\n", "{}")),
        ("cl-space-inside", post("Content-Length: 1 1\r\n", "{}")),
        ("cl-leading-zeros", post("Content-Length: 002\r\n", "{}")),
        ("cl-huge", post("Content-Length: 99999999999999999999\r\n", "")),
        ("cl-then-te", post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
        ("te-then-cl", post("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n", "0\r\n\r\n")),
        ("te-chunked", chunked("2\r\n{}\r\n0\r\n\r\n")),
        ("te-chunked-case", post("Transfer-Encoding: ChUnKeD\r\n", "0\r\n\r\n")),
        ("te-identity", post("Transfer-Encoding: identity\r\n", "0\r\n\r\n")),
        ("te-chunked-then-identity", post("Transfer-Encoding: chunked, identity\r\n", "0\r\n\r\n")),
        ("te-gzip-then-chunked", post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")),
        ("te-xchunked", post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n")),
        ("te-chunked-twice", post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")),
        ("te-space-before-colon", post("Transfer-Encoding : chunked\r\n", "0\r\n\r\n")),
        ("te-obs-fold", post("Transfer-Encoding:\r\n chunked\r\n", "0\r\n\r\n")),
        ("te-tab", post("Transfer-Encoding:\tchunked\r\n", "0\r\n\r\n")),
        ("te-http-1.0", b"POST /Plugin.Activate HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec()),
        ("chunk-size-upper-hex", chunked("A\r\n0123456789\r\n0\r\n\r\n")),
        ("chunk-size-leading-zeros", chunked("0002\r\n{}\r\n0000\r\n\r\n")),
        ("chunk-size-overflow", chunked("fffffffffffffffffffff\r\n")),
        ("chunk-size-negative", chunked("-2\r\n{}\r\n0\r\n\r\n")),
        ("chunk-size-0x", chunked("0x2\r\n{}\r\n0\r\n\r\n")),
        ("chunk-size-missing", chunked("\r\n{}\r\n0\r\n\r\n")),
        ("chunk-extension", chunked("2;a=b\r\n{}\r\n0;c\r\n\r\n")),
        ("chunk-extension-quoted", chunked("2;a=\"b;c\"\r\n{}\r\n0\r\n\r\n")),
        ("chunk-data-too-long", chunked("2\r\n{}x\r\n0\r\n\r\n")),
        ("chunk-lf-only", chunked("2\n{}\n0\n\n")),
        ("chunk-bare-cr", chunked("2\r{}\r\n0\r\n\r\n")),
        ("trailer", chunked("0\r\nX-Sum: 1\r\n\r\n")),
        ("trailer-not-a-field", chunked("0\r\nno colon here\r\n\r\n")),
        ("header-obs-fold", post("X-A: a\r\n b\r\nContent-Length: 0\r\n", "")),
        ("header-bare-cr", post("X-A: a\rb\r\nContent-Length: 0\r\n", "")),
        ("header-lf-only", b"POST /Plugin.Activate HTTP/1.1\nHost: plugin\nContent-Length: 0\n\n".to_vec()),
        ("header-nul", post("X-A: a\0b\r\nContent-Length: 0\r\n", "")),
        ("header-escape", post("X-A: a\x1b[2Jb\r\nContent-Length: 0\r\n", "")),
        ("header-space-before-colon", post("X-A : a\r\nContent-Length: 0\r\n", "")),
        ("header-too-long", post(&long_header, "")),
        ("no-host", b"POST /Plugin.Activate HTTP/1.1\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ("pipelined", [plain.clone(), plain.clone(), plain.clone()].concat()),
        ("pipelined-bodies", [chunked("2\r\n{}\r\n0\r\n\r\n"), post("Content-Length: 2\r\n", "{}"), plain.clone()].concat()),
        ("expect-continue", post("Expect: 100-continue\r\nContent-Length: 2\r\n", "{}")),
        ("http-1.0", b"POST /Plugin.Activate HTTP/1.0\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ("http-1.0-keep-alive", [&b"POST /Plugin.Activate HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"[..], &plain].concat()),
        ("connection-close", [post("Connection: close\r\nContent-Length: 0\r\n", ""), plain.clone()].concat()),
        ("absolute-form", b"POST http://plugin/Plugin.Activate HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ("head", [&b"HEAD /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n"[..], &plain].concat()),
        ("get", b"GET /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n".to_vec()),
        ("unknown-path", b"POST /Nothing.Here HTTP/1.1\r\nHost: plugin\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ("double-space", b"POST  /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n".to_vec()),
        ("lowercase-method", b"post /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n".to_vec()),
        ("version-1.2", b"POST /Plugin.Activate HTTP/1.2\r\nHost: plugin\r\n\r\n".to_vec()),
        ("version-2.0", b"POST /Plugin.Activate HTTP/2.0\r\nHost: plugin\r\n\r\n".to_vec()),
        ("http2-preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec()),
        ("tls-client-hello", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03".to_vec()),
        ("empty-line-first", [&b"\r\n"[..], &plain].concat()),
    ];
    cases
        .into_iter()
        .map(|(name, bytes)| Vector { name, bytes })
        .collect()
}

/// What a server did with a vector: the statuses of its answers, in
/// order (interim `100 Continue` left out), and whether it closed the
/// connection.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    statuses: Vec<u16>,
    closed: bool,
}

/// How long a server may stay silent before its answers are taken as
/// complete.
const SILENCE: Duration = Duration::from_millis(400);

/// Sends `pieces` in turn (pausing between them), then reads answers
/// until the server closes or stays silent.
async fn send(server: SocketAddr, pieces: Vec<Vec<u8>>, heads: usize) -> Outcome {
    let mut stream = TcpStream::connect(server).await.unwrap();
    stream.set_nodelay(true).unwrap();
    for (n, piece) in pieces.iter().enumerate() {
        if n > 0 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if stream.write_all(piece).await.is_err() {
            break;
        }
    }
    let mut input = Vec::new();
    let mut buffer = [0; 65536];
    let closed = loop {
        match tokio::time::timeout(SILENCE, stream.read(&mut buffer)).await {
            Err(_) => break false,
            Ok(Ok(0) | Err(_)) => break true,
            Ok(Ok(read)) => input.extend_from_slice(&buffer[..read]),
        }
    };
    Outcome {
        statuses: statuses(&input, heads),
        closed,
    }
}

/// The statuses of the answers in `input`; the first `heads` answers
/// (those to `HEAD`) carry no body whatever their length says.
fn statuses(mut input: &[u8], mut heads: usize) -> Vec<u16> {
    let mut statuses = Vec::new();
    while let Some(end) = input.windows(4).position(|w| w == b"\r\n\r\n") {
        let head = String::from_utf8_lossy(&input[..end]).to_ascii_lowercase();
        let status: u16 = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map_or(0, |value| value.trim().parse().unwrap_or(0));
        let length = if status == 100 || heads > 0 {
            0
        } else {
            length
        };
        if status != 100 {
            heads = heads.saturating_sub(1);
            statuses.push(status);
        }
        input = &input[(end + 4 + length).min(input.len())..];
    }
    statuses
}

/// The reference: hyper 1.x answering as a plugin would, 200 for
/// `POST /Plugin.Activate` (with any path form), 404 for other paths, 405
/// for other methods; the body is read whole first.
async fn hyper_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let service = service_fn(|request: Request<Incoming>| async move {
                    let (parts, body) = request.into_parts();
                    let status = if body.collect().await.is_err() {
                        StatusCode::BAD_REQUEST
                    } else if parts.method != Method::POST {
                        StatusCode::METHOD_NOT_ALLOWED
                    } else if parts.uri.path() == "/Plugin.Activate" {
                        StatusCode::OK
                    } else {
                        StatusCode::NOT_FOUND
                    };
                    let body = Full::new(Bytes::from_static(br#"{"Implements":[]}"#));
                    let mut response = Response::new(body);
                    *response.status_mut() = status;
                    Ok::<_, Infallible>(response)
                });
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    address
}

/// How many answers to `HEAD` open the vector (the only `HEAD` vector
/// starts with one).
fn heads(vector: &Vector) -> usize {
    usize::from(vector.bytes.starts_with(b"HEAD "))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dknet_and_hyper_answer_alike_but_where_the_rfcs_say_otherwise() {
    let plugin = serve_driver(Empty, Transport::Tcp).await;
    let dknet::LocalAddr::Tcp(dknet) = plugin.addr.clone() else {
        panic!("not TCP");
    };
    let hyper = hyper_server().await;
    let vectors = vectors();
    let mut runs = JoinSet::new();
    for vector in &vectors {
        for (server, address) in [("dknet", dknet), ("hyper", hyper)] {
            let (name, bytes, heads) = (vector.name, vector.bytes.clone(), heads(vector));
            runs.spawn(async move { (name, server, send(address, vec![bytes], heads).await) });
        }
    }
    let mut outcomes = BTreeMap::<&str, BTreeMap<&str, Outcome>>::new();
    while let Some(run) = within("the vectors", runs.join_next()).await {
        let (name, server, outcome) = run.unwrap();
        outcomes.entry(name).or_default().insert(server, outcome);
    }
    let mut report = String::new();
    let mut differing = Vec::new();
    for (name, by_server) in &outcomes {
        let (dknet, hyper) = (&by_server["dknet"], &by_server["hyper"]);
        if dknet != hyper {
            differing.push(*name);
            report.push_str(&format!("{name}: dknet {dknet:?}, hyper {hyper:?}\n"));
        }
    }
    println!("{report}");
    let mut listed: Vec<&str> = DIFFERENCES.iter().map(|(name, _)| *name).collect();
    listed.sort_unstable();
    assert_eq!(differing, listed, "differences:\n{report}");
    plugin.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_split_at_every_byte_is_answered_as_when_whole() {
    let plugin = serve_driver(Empty, Transport::Tcp).await;
    let dknet::LocalAddr::Tcp(dknet) = plugin.addr.clone() else {
        panic!("not TCP");
    };
    let hyper = hyper_server().await;
    let wire = [
        chunked("2;x=y\r\n{}\r\n0\r\nX-Sum: 1\r\n\r\n"),
        post("Content-Length: 2\r\n", "{}"),
    ]
    .concat();
    let whole = Outcome {
        statuses: vec![200, 200],
        closed: false,
    };
    let mut runs = JoinSet::new();
    for split in 1..wire.len() {
        for (server, address) in [("dknet", dknet), ("hyper", hyper)] {
            let pieces = vec![wire[..split].to_vec(), wire[split..].to_vec()];
            runs.spawn(async move { (split, server, send(address, pieces, 0).await) });
        }
    }
    while let Some(run) = within("the splits", runs.join_next()).await {
        let (split, server, outcome) = run.unwrap();
        assert_eq!(outcome, whole, "{server}, split at byte {split}");
    }
    plugin.stop().await.unwrap();
}
