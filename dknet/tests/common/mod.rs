//! Helpers shared by the runtime tests: temporary folders, serving a plugin
//! over a real socket, and a raw HTTP/1.1 connection for what the testing
//! client deliberately cannot send.
#![allow(dead_code, unreachable_pub)]

mod child;

#[allow(unused_imports)] // used by the process tests only
pub use child::{serve_as_child, ChildPlugin};

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dknet::testing::Client;
use dknet::{Error, LocalAddr, Plugin};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::{TcpStream, UnixStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How long any single wait in a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Awaits `future`, failing the test if it takes longer than [`DEADLINE`].
pub async fn within<F: Future>(what: &str, future: F) -> F::Output {
    match tokio::time::timeout(DEADLINE, future).await {
        Ok(output) => output,
        Err(_) => panic!("{what}: nothing within {DEADLINE:?}"),
    }
}

/// A driver that writes no method: every answer is a default.
pub struct Empty;

impl dknet::network::NetworkDriver for Empty {}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("dk-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The two socket transports every contract test runs over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Unix,
    Tcp,
}

pub const TRANSPORTS: [Transport; 2] = [Transport::Unix, Transport::Tcp];

/// A plugin served in the background until [`Running::stop`].
pub struct Running {
    pub addr: LocalAddr,
    pub client: Client,
    pub dir: TempDir,
    pub spec_file: Option<PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), Error>>,
}

impl Running {
    /// Triggers shutdown and waits for `run` to return.
    pub async fn stop(mut self) -> Result<(), Error> {
        let _ = self.stop.take().unwrap().send(());
        (&mut self.task).await.unwrap()
    }

    /// A new client (its own connection) for this plugin.
    pub fn client(&self) -> Client {
        Client::for_addr(&self.addr)
    }

    pub async fn raw(&self) -> RawConn {
        RawConn::connect(&self.addr).await
    }
}

/// Serves `plugin` over `transport` in a fresh temp folder.
pub async fn serve(plugin: Plugin, transport: Transport) -> Running {
    let dir = TempDir::new("srv");
    let (stop, stopped) = oneshot::channel::<()>();
    let plugin = plugin
        .plugin_dir(dir.path())
        .spec_dir(dir.path())
        .shutdown_signal(async move {
            let _ = stopped.await;
        });
    let bound = match transport {
        Transport::Unix => plugin.bind_unix("test").await.unwrap(),
        Transport::Tcp => plugin.bind_tcp("test", "127.0.0.1:0").await.unwrap(),
    };
    let addr = bound.local_addr().clone();
    let spec_file = bound.spec_file().map(Path::to_path_buf);
    let task = tokio::spawn(bound.run());
    Running {
        client: Client::for_addr(&addr),
        addr,
        dir,
        spec_file,
        stop: Some(stop),
        task,
    }
}

/// Serves `driver` (alone) over `transport`.
pub async fn serve_driver<D: dknet::network::NetworkDriver>(
    driver: D,
    transport: Transport,
) -> Running {
    serve(Plugin::new().network_driver(driver), transport).await
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A bare HTTP/1.1 connection: write any bytes, read answers one by one.
pub struct RawConn(BufReader<Box<dyn Io>>);

/// One answer read off a [`RawConn`].
#[derive(Debug)]
pub struct RawHttp {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawHttp {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, value)| value.as_str())
    }

    /// The header names, sorted.
    pub fn header_names(&self) -> Vec<&str> {
        let mut names: Vec<_> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        names.sort_unstable();
        names
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

impl RawConn {
    pub async fn connect(addr: &LocalAddr) -> Self {
        let io: Box<dyn Io> = match addr {
            LocalAddr::Unix(path) => Box::new(UnixStream::connect(path).await.unwrap()),
            LocalAddr::Tcp(address) => Box::new(TcpStream::connect(address).await.unwrap()),
            other => panic!("unexpected address {other}"),
        };
        Self(BufReader::new(io))
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.0.get_mut().write_all(bytes).await.unwrap();
        self.0.get_mut().flush().await.unwrap();
    }

    /// Writes `bytes`, ignoring a peer that closed before reading them all
    /// (it may answer and close on the first bytes of a huge request).
    pub async fn send_lossy(&mut self, bytes: &[u8]) {
        let _ = self.0.get_mut().write_all(bytes).await;
        let _ = self.0.get_mut().flush().await;
    }

    /// Writes `bytes` for up to `patience`, until the peer stops reading;
    /// true if it stopped reading (the write blocked).
    pub async fn send_until_blocked(&mut self, bytes: &[u8], patience: Duration) -> bool {
        let writing = async {
            loop {
                if self.0.get_mut().write_all(bytes).await.is_err() {
                    return;
                }
            }
        };
        tokio::time::timeout(patience, writing).await.is_err()
    }

    /// Reads one answer's status line and headers only (the answer to
    /// `HEAD` announces a body it does not carry).
    pub async fn read_head(&mut self) -> RawHttp {
        within("reading an answer's head", self.read_answer_head()).await
    }

    /// Reads one answer (the server always sends Content-Length).
    pub async fn read(&mut self) -> RawHttp {
        within("reading an answer", self.read_answer()).await
    }

    async fn read_answer(&mut self) -> RawHttp {
        let mut answer = self.read_answer_head().await;
        let length: usize = answer
            .header("content-length")
            .map_or(0, |value| value.parse().unwrap());
        let mut body = vec![0; length];
        self.0.read_exact(&mut body).await.unwrap();
        answer.body = body;
        answer
    }

    async fn read_answer_head(&mut self) -> RawHttp {
        let mut line = String::new();
        self.0.read_line(&mut line).await.unwrap();
        let status = line
            .split(' ')
            .nth(1)
            .expect("a status line")
            .parse()
            .unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.0.read_line(&mut line).await.unwrap();
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            let (name, value) = header.split_once(':').unwrap();
            headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
        }
        RawHttp {
            status,
            headers,
            body: Vec::new(),
        }
    }

    pub async fn exchange(&mut self, request: &[u8]) -> RawHttp {
        self.send(request).await;
        self.read().await
    }

    /// True once the server closed the connection (reads EOF).
    pub async fn closed(&mut self) -> bool {
        let mut byte = [0_u8; 1];
        let read = within("reading from the connection", self.0.read(&mut byte)).await;
        matches!(read, Ok(0) | Err(_))
    }
}

/// A request as dockerd writes it, plus `extra` header lines.
pub fn post(path: &str, extra: &[&str], body: &[u8]) -> Vec<u8> {
    let mut request = format!("POST {path} HTTP/1.1\r\nContent-Length: {}\r\n", body.len());
    let has = |name: &str| {
        extra
            .iter()
            .any(|line| line.to_ascii_lowercase().starts_with(name))
    };
    if !has("host:") {
        request.push_str("Host: plugin.moby.localhost\r\n");
    }
    if !has("accept:") {
        request.push_str("Accept: application/vnd.docker.plugins.v1.2+json\r\n");
    }
    request.push_str("User-Agent: Go-http-client/1.1\r\n");
    for line in extra {
        request.push_str(line);
        request.push_str("\r\n");
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

pub const MEDIA_TYPE: &str = "application/vnd.docker.plugins.v1.2+json";

/// Asserts the `{"Err": ...}` body of a failed answer and returns the text.
pub fn err_text(body: &[u8]) -> String {
    let json: serde_json::Value = serde_json::from_slice(body).unwrap();
    let err = json["Err"].as_str().expect("an Err string").to_owned();
    assert!(!err.is_empty());
    assert_eq!(json.as_object().unwrap().len(), 1, "only Err: {json}");
    err
}
