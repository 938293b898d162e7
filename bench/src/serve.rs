//! The servers this binary runs itself, each in its own process like the
//! plugins it is compared with: a bare hyper server and a dknet driver that
//! reads every field of the requests it is sent (and, for the instruction
//! counts, `dknet-noop`'s driver).

use std::convert::Infallible;
use std::hint::black_box;
use std::path::PathBuf;

use bytes::Bytes;
use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, InterfaceName, JoinRequest, JoinResponse,
    LeaveRequest, Options,
};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::UnixListener;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::prelude::*;

/// Serves `kind` (`bare` or `fields`) on `socket` until killed.
pub(crate) fn run(kind: &str, socket: PathBuf) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|error| error.to_string())?;
    match kind {
        "bare" => runtime.block_on(bare(socket)),
        "fields" => runtime.block_on(fields(socket)),
        other => Err(format!("no server called `{other}`: bare or fields")),
    }
}

/// A bare hyper 1.x server: one task per connection, reads the body, answers `{}`.
pub(crate) async fn bare(socket: PathBuf) -> Result<(), String> {
    let listener = UnixListener::bind(&socket).map_err(|error| error.to_string())?;
    loop {
        let (stream, _) = listener.accept().await.map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            let service = hyper::service::service_fn(|request: Request<Incoming>| async {
                let body = request.into_body().collect().await;
                black_box(body.map(|body| body.to_bytes()).ok());
                Ok::<_, Infallible>(Response::new(Full::new(Bytes::from_static(b"{}"))))
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// `dknet-noop`'s driver, logging as it does.
pub(crate) async fn noop(socket: PathBuf) -> Result<(), String> {
    driver(Noop, socket).await
}

/// A driver with no methods: dknet answers every call.
struct Noop;

#[dknet::network_driver]
impl Noop {}

/// A dknet plugin whose methods read every field, logging like the examples.
async fn fields(socket: PathBuf) -> Result<(), String> {
    driver(Fields, socket).await
}

/// Serves `driver` with info-level logs to stderr, as the examples have them.
async fn driver(driver: impl dknet::network::NetworkDriver, socket: PathBuf) -> Result<(), String> {
    let info = Targets::new().with_default(LevelFilter::INFO);
    let output = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    tracing_subscriber::registry()
        .with(info)
        .with(output)
        .init();
    dknet::serve_unix(driver, socket)
        .await
        .map_err(|error| error.to_string())
}

/// Reads everything dockerd sends on a container start.
struct Fields;

#[dknet::network_driver]
impl Fields {
    async fn create_endpoint(
        &self,
        request: CreateEndpointRequest,
    ) -> Result<CreateEndpointResponse, String> {
        check_ids(&request.network_id, &request.endpoint_id)?;
        let interface = &request.interface;
        black_box((
            interface.address,
            interface.address_ipv6,
            interface.mac_address,
        ));
        read_options(&request.options)?;
        Ok(CreateEndpointResponse::default())
    }

    async fn join(&self, request: JoinRequest) -> Result<JoinResponse, String> {
        check_ids(&request.network_id, &request.endpoint_id)?;
        black_box(&request.sandbox_key);
        read_options(&request.options)?;
        Ok(JoinResponse {
            interface_name: Some(InterfaceName::new("veth-bench", "eth")),
            ..JoinResponse::default()
        })
    }

    async fn leave(&self, request: LeaveRequest) -> Result<(), String> {
        check_ids(&request.network_id, &request.endpoint_id)
    }
}

fn check_ids(network_id: &str, endpoint_id: &str) -> Result<(), String> {
    if black_box(network_id).is_empty() || black_box(endpoint_id).is_empty() {
        return Err("a network and an endpoint id are required".to_owned());
    }
    Ok(())
}

fn read_options(options: &Options) -> Result<(), String> {
    let ports = options.exposed_ports().map_err(|e| e.to_string())?;
    let bindings = options.port_bindings().map_err(|e| e.to_string())?;
    let mac = options.mac_address().map_err(|e| e.to_string())?;
    black_box((ports, bindings, mac, options.generic_map()));
    Ok(())
}
