//! The closed-loop load generator: each client sends a request, reads the
//! whole answer, and sends the next, until the round's time is up. Every
//! server is measured with this same code.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use crate::workload::Workload;

/// How clients use connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// This many clients, each on one keep-alive connection (as dockerd does).
    KeepAlive(usize),
    /// This many clients, each opening a new connection for every request.
    NewConnection(usize),
}

impl Mode {
    /// A short label for tables.
    pub(crate) fn label(self) -> String {
        match self {
            Self::KeepAlive(n) => format!("{n} conn"),
            Self::NewConnection(n) => format!("{n} new/req"),
        }
    }

    fn clients(self) -> usize {
        match self {
            Self::KeepAlive(n) | Self::NewConnection(n) => n,
        }
    }
}

/// What one round measured.
pub(crate) struct Round {
    /// Answered requests per second.
    pub(crate) rate: f64,
    /// Every request's latency, sorted.
    pub(crate) latencies: Vec<Duration>,
    /// The server's CPU time per request, when measured.
    pub(crate) cpu_per_request: Option<Duration>,
}

impl Round {
    /// The latency below which `fraction` of the requests were answered.
    pub(crate) fn percentile(&self, fraction: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        let index = ((last as f64) * fraction).round() as usize;
        self.latencies.get(index).copied().unwrap_or_default()
    }
}

/// Loads the server at `socket` with `workload` for `duration`.
pub(crate) async fn round(
    socket: &Path,
    workload: &Workload,
    mode: Mode,
    duration: Duration,
) -> io::Result<Round> {
    let start = Instant::now();
    let until = Until::Deadline(start + duration);
    let fresh_connections = matches!(mode, Mode::NewConnection(_));
    let mut latencies = clients(socket, workload, mode.clients(), fresh_connections, until).await?;
    let elapsed = start.elapsed();
    latencies.sort_unstable();
    Ok(Round {
        rate: latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies,
        cpu_per_request: None,
    })
}

/// Sends `requests` requests on each of `clients` keep-alive connections.
pub(crate) async fn exactly(
    socket: &Path,
    workload: &Workload,
    clients: usize,
    requests: usize,
) -> io::Result<()> {
    let until = Until::Requests(requests);
    self::clients(socket, workload, clients, false, until).await?;
    Ok(())
}

/// Runs `count` clients until `until`; the latencies of all their requests.
async fn clients(
    socket: &Path,
    workload: &Workload,
    count: usize,
    fresh_connections: bool,
    until: Until,
) -> io::Result<Vec<Duration>> {
    let request: Arc<[u8]> = workload.bytes.clone().into();
    let clients: Vec<_> = (0..count)
        .map(|_| {
            let client = Client {
                socket: socket.to_owned(),
                request: Arc::clone(&request),
                fresh_connections,
            };
            tokio::spawn(client.run(until))
        })
        .collect();
    let mut latencies = Vec::new();
    for client in clients {
        latencies.extend(client.await.map_err(io::Error::other)??);
    }
    Ok(latencies)
}

/// When a client stops.
#[derive(Clone, Copy)]
enum Until {
    Deadline(Instant),
    Requests(usize),
}

struct Client {
    socket: PathBuf,
    request: Arc<[u8]>,
    fresh_connections: bool,
}

impl Client {
    async fn run(self, until: Until) -> io::Result<Vec<Duration>> {
        let mut latencies = Vec::with_capacity(1 << 16);
        let mut buffer = Vec::with_capacity(4096);
        let mut stream = None;
        loop {
            let sent = Instant::now();
            let done = match until {
                Until::Deadline(deadline) => sent >= deadline,
                Until::Requests(requests) => latencies.len() >= requests,
            };
            if done {
                return Ok(latencies);
            }
            let connection = match &mut stream {
                Some(connection) if !self.fresh_connections => connection,
                _ => stream.insert(UnixStream::connect(&self.socket).await?),
            };
            connection.write_all(&self.request).await?;
            read_answer(connection, &mut buffer).await?;
            latencies.push(sent.elapsed());
        }
    }
}

/// Reads one whole HTTP/1.1 answer and checks that it is a 200.
async fn read_answer(stream: &mut UnixStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    buffer.clear();
    let (head_len, body_len) = loop {
        if let Some(parsed) = parse_head(buffer)? {
            break parsed;
        }
        read_more(stream, buffer).await?;
    };
    while buffer.len() < head_len + body_len {
        read_more(stream, buffer).await?;
    }
    Ok(())
}

async fn read_more(stream: &mut UnixStream, buffer: &mut Vec<u8>) -> io::Result<()> {
    buffer.reserve(4096);
    if stream.read_buf(buffer).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection before answering",
        ));
    }
    Ok(())
}

/// `Some((head length, Content-Length))` once the head is complete.
///
/// Read with `httparse` (hyper's own head parser): the client's work is
/// counted with the server's (instructions per request) and shares the
/// cores with it, so it stays small and grows little with the head's length.
fn parse_head(buffer: &[u8]) -> io::Result<Option<(usize, usize)>> {
    let mut headers = [httparse::EMPTY_HEADER; 16];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buffer) {
        Ok(httparse::Status::Complete(length)) => length,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(error) => return Err(io::Error::other(format!("a malformed answer: {error}"))),
    };
    if response.code != Some(200) {
        let reason = response.reason.unwrap_or_default();
        let code = response.code.unwrap_or_default();
        return Err(io::Error::other(format!(
            "the server answered `HTTP/1.1 {code} {reason}`"
        )));
    }
    let length = response
        .headers
        .iter()
        .find(|header| header.name.eq_ignore_ascii_case("content-length"))
        .and_then(|header| std::str::from_utf8(header.value).ok()?.trim().parse().ok())
        .ok_or_else(|| io::Error::other("an answer without Content-Length"))?;
    Ok(Some((head_len, length)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_once_complete() {
        assert!(parse_head(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n")
            .unwrap()
            .is_none());
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_head(head).unwrap(), Some((head.len() - 2, 2)));
        assert!(parse_head(b"HTTP/1.1 500 Internal Server Error\r\n\r\n").is_err());
        assert!(parse_head(b"HTTP/1.1 200 OK\r\n\r\n").is_err());
    }

    #[test]
    fn percentiles_pick_from_the_sorted_latencies() {
        let round = Round {
            rate: 0.0,
            latencies: (1..=100).map(Duration::from_micros).collect(),
            cpu_per_request: None,
        };
        assert_eq!(round.percentile(0.5), Duration::from_micros(51));
        assert_eq!(round.percentile(0.99), Duration::from_micros(99));
    }
}
