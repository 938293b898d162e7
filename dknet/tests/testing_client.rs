//! `dknet::testing::Client` itself: it writes requests byte for byte as
//! dockerd does, and reads answers as dockerd does.

mod common;

use common::TempDir;
use dknet::network::{CreateNetworkRequest, JoinRequest};
use dknet::testing::{CallError, Client};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::UnixListener;

/// A fake plugin: records each request's head and body, answers `answer`.
async fn fake_plugin(listener: UnixListener, answer: &'static str) -> Vec<(String, Vec<u8>)> {
    let (stream, _) = listener.accept().await.unwrap();
    let mut stream = BufReader::new(stream);
    let mut seen = Vec::new();
    loop {
        let mut head = String::new();
        loop {
            let mut line = String::new();
            if stream.read_line(&mut line).await.unwrap() == 0 {
                return seen;
            }
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        let length = head
            .lines()
            .find_map(|line| {
                line.to_ascii_lowercase()
                    .strip_prefix("content-length: ")
                    .map(str::to_owned)
            })
            .map_or(0, |value| value.trim().parse().unwrap());
        let mut body = vec![0; length];
        stream.read_exact(&mut body).await.unwrap();
        seen.push((head, body));
        stream.get_mut().write_all(answer.as_bytes()).await.unwrap();
    }
}

const OK_EMPTY: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";

#[tokio::test]
async fn requests_look_like_dockerds() {
    let dir = TempDir::new("fake");
    let path = dir.join("fake.sock");
    let fake = tokio::spawn(fake_plugin(UnixListener::bind(&path).unwrap(), OK_EMPTY));
    let client = Client::unix(&path);
    client.call("/Plugin.Activate", None).await.unwrap();
    client
        .create_network(&CreateNetworkRequest::new("n1"))
        .await
        .unwrap();
    drop(client);
    let seen = fake.await.unwrap();
    assert_eq!(seen.len(), 2, "both on one keep-alive connection");

    let (head, body) = &seen[0];
    assert!(
        head.starts_with("POST /Plugin.Activate HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        head.contains("Accept: application/vnd.docker.plugins.v1.2+json\r\n"),
        "{head}"
    );
    assert!(head.contains("Host: plugin.moby.localhost\r\n"), "{head}");
    assert!(
        head.contains("User-Agent: Go-http-client/1.1\r\n"),
        "{head}"
    );
    assert!(head.contains("Content-Length: 0\r\n"), "{head}");
    assert!(
        !head.to_ascii_lowercase().contains("content-type"),
        "{head}"
    );
    assert!(body.is_empty());

    let (head, body) = &seen[1];
    assert!(
        head.starts_with("POST /NetworkDriver.CreateNetwork HTTP/1.1\r\n"),
        "{head}"
    );
    assert!(
        !head.to_ascii_lowercase().contains("content-type"),
        "{head}"
    );
    assert!(body.ends_with(b"}\n"), "Go's encoder ends with a newline");
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    assert_eq!(json["NetworkID"], "n1");
}

/// The request line and headers (name, value), in order, of a request head.
fn head_lines(head: &str) -> (String, Vec<(String, String)>) {
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_owned();
    let headers = lines
        .take_while(|line| !line.is_empty())
        .map(|line| {
            let (name, value) = line.split_once(": ").unwrap_or((line, ""));
            (name.to_owned(), value.to_owned())
        })
        .collect();
    (request_line, headers)
}

/// Every header dockerd 29.7.2 sent, in its order, byte for byte: the
/// recording `fixtures/dockerd-29.7.2-headers.jsonl` (see the folder's
/// README), replayed through `Client` to a fake plugin on a unix socket.
#[tokio::test]
async fn the_headers_are_dockerd_29s() {
    let recording = include_str!("fixtures/dockerd-29.7.2-headers.jsonl");
    let recorded: Vec<serde_json::Value> = recording
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert!(recorded.len() >= 4, "the recording has its requests");
    let dir = TempDir::new("headers");
    let path = dir.join("fake.sock");
    let fake = tokio::spawn(fake_plugin(UnixListener::bind(&path).unwrap(), OK_EMPTY));
    let client = Client::unix(&path);
    let calls = async {
        for request in &recorded {
            let line = request["request_line"].as_str().unwrap();
            let target = line.split(' ').nth(1).unwrap();
            let body = request["body"].as_str().unwrap();
            let body = (!body.is_empty()).then_some(body.as_bytes());
            client.call(target, body).await.unwrap();
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), calls)
        .await
        .expect("the fake plugin answers");
    drop(client);
    let seen = tokio::time::timeout(std::time::Duration::from_secs(10), fake)
        .await
        .expect("the client closes its connection")
        .unwrap();
    assert_eq!(seen.len(), recorded.len());
    for ((head, body), request) in seen.iter().zip(&recorded) {
        let (request_line, headers) = head_lines(head);
        let expected: Vec<(String, String)> = request["headers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|pair| {
                let text = |at: usize| pair[at].as_str().unwrap().to_owned();
                (text(0), text(1))
            })
            .collect();
        assert_eq!(request_line, request["request_line"].as_str().unwrap());
        assert_eq!(headers, expected, "the headers of `{request_line}`");
        assert_eq!(body, request["body"].as_str().unwrap().as_bytes());
    }
}

#[tokio::test]
async fn answers_are_read_as_dockerd_reads_them() {
    let cases: [(&str, &str, Option<u16>); 4] = [
        (
            "HTTP/1.1 200 OK\r\ncontent-length: 22\r\n\r\n{\"Err\":\"from remote!\"}",
            "remote: from remote!",
            Some(200),
        ),
        (
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 14\r\n\r\n{\"Err\":\"oops\"}",
            "NetworkDriver.Join: oops",
            Some(500),
        ),
        (
            "HTTP/1.1 404 Not Found\r\ncontent-length: 19\r\n\r\n404 page not found\n",
            "NetworkDriver.Join: 404 page not found\n",
            Some(404),
        ),
        (
            "HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nnot",
            "NetworkDriver.Join: cannot decode the answer",
            Some(200),
        ),
    ];
    for (answer, shown, status) in cases {
        let dir = TempDir::new("answers");
        let path = dir.join("fake.sock");
        let fake = tokio::spawn(fake_plugin(UnixListener::bind(&path).unwrap(), answer));
        let client = Client::unix(&path);
        let error = client.join(&JoinRequest::new("n", "e")).await.unwrap_err();
        assert!(error.to_string().starts_with(shown), "{error} vs {shown}");
        assert_eq!(error.status(), status);
        drop(client);
        fake.await.unwrap();
    }
}

#[tokio::test]
async fn no_plugin_is_a_transport_error() {
    let dir = TempDir::new("none");
    let client = Client::unix(dir.join("absent.sock"));
    let error = client.activate().await.unwrap_err();
    assert!(matches!(error, CallError::Transport { .. }), "{error:?}");
    assert_eq!(error.status(), None);
    assert!(
        error.to_string().starts_with("Plugin.Activate: "),
        "{error}"
    );
}
