//! Throughput of a dknet plugin against a bare hyper server, in the same run.
//!
//! Both serve HTTP/1.1 over a unix socket; the bare server reads the body and
//! answers `{}`, dknet decodes a `Leave` request, calls a macro-built driver
//! and encodes its answer. Clients keep their connections alive, as dockerd
//! does. Rounds alternate between the two servers so that the machine's noise
//! falls on both; the figure that matters is the ratio of the medians.
//!
//! Run: `cargo bench -p dknet --bench throughput` (add `-- CONNECTIONS REQUESTS
//! ROUNDS` to change the defaults 8, 2000, 5).

use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::time::Instant;

use bytes::Bytes;
use dknet::network::LeaveRequest;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::{UnixListener, UnixStream};

const LEAVE: &[u8] = br#"{"NetworkID":"3606f0af9ad79783c460c9fb83f62e285e1a3a8d87a9838fed85a9d748e31cd8","EndpointID":"d2e664ab1a754de0f6a8d57416abb7e5a232d8c0dc59e5fd70f613b230ed8b97"}
"#;

/// A driver with one method, so each request is decoded and dispatched.
struct Bench;

#[dknet::network_driver]
impl Bench {
    async fn leave(&self, request: LeaveRequest) -> Result<(), String> {
        if request.endpoint_id.is_empty() {
            return Err("no endpoint".to_owned());
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|arg| arg.parse().ok())
        .collect();
    let connections = args.first().copied().unwrap_or(8);
    let requests = args.get(1).copied().unwrap_or(2000);
    let rounds = args.get(2).copied().unwrap_or(5);

    let dir = std::env::temp_dir().join(format!("dknet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let bare = serve_bare(dir.join("bare.sock"));
    let (dknet, stop) = serve_dknet(&dir).await;

    let (mut bare_rates, mut dknet_rates) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        bare_rates.push(load(&bare, connections, requests).await);
        dknet_rates.push(load(&dknet, connections, requests).await);
    }
    let _ = stop.send(());
    let _ = std::fs::remove_dir_all(&dir);

    let (bare, dknet) = (median(bare_rates), median(dknet_rates));
    println!("{connections} connections x {requests} requests, {rounds} rounds, medians:");
    println!("bare hyper: {bare:>9.0} requests/s");
    println!("dknet:      {dknet:>9.0} requests/s");
    println!("ratio dknet/bare: {:.2}", dknet / bare);
}

/// A bare hyper server: reads the body, answers `{}`.
fn serve_bare(path: PathBuf) -> PathBuf {
    let listener = UnixListener::bind(&path).expect("bind the bare server");
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|request: Request<Incoming>| async {
                    let _body = request.into_body().collect().await;
                    Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"{}"))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    path
}

/// The dknet plugin, served until the returned sender fires.
async fn serve_dknet(dir: &Path) -> (PathBuf, tokio::sync::oneshot::Sender<()>) {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bound = dknet::Plugin::new()
        .network_driver(Bench)
        .plugin_dir(dir)
        .shutdown_signal(async {
            let _ = stopped.await;
        })
        .bind_unix("dknet")
        .await
        .expect("bind the dknet server");
    let path = dir.join("dknet.sock");
    tokio::spawn(bound.run());
    (path, stop)
}

/// Requests per second over `connections` keep-alive connections.
async fn load(path: &Path, connections: usize, requests: usize) -> f64 {
    let start = Instant::now();
    let clients: Vec<_> = (0..connections)
        .map(|_| tokio::spawn(client(path.to_owned(), requests)))
        .collect();
    for client in clients {
        client.await.expect("client task");
    }
    (connections * requests) as f64 / start.elapsed().as_secs_f64()
}

async fn client(path: PathBuf, requests: usize) {
    let stream = UnixStream::connect(&path).await.expect("connect");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    for _ in 0..requests {
        let request = Request::post("/NetworkDriver.Leave")
            .header("Accept", "application/vnd.docker.plugins.v1.2+json")
            .body(Full::new(Bytes::from_static(LEAVE)))
            .expect("request");
        let response = sender.send_request(request).await.expect("answer");
        assert!(response.status().is_success(), "{}", response.status());
        response.into_body().collect().await.expect("body");
    }
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}
