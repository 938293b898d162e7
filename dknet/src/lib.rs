//! Docker network and IPAM plugins in Rust.
//!
//! A Docker network plugin is a small HTTP server on a unix socket that dockerd
//! calls whenever a network, endpoint or container changes: `CreateNetwork`,
//! `Join`, `RequestAddress` and a dozen more. dknet is that server. Write the
//! protocol methods your driver needs as ordinary Rust on an `impl` block, put
//! [`#[network_driver]`](network_driver) (or [`#[ipam_driver]`](ipam_driver)) on
//! it, and dknet answers the handshake, decodes each request into a typed struct,
//! gives every method you left out the answer dockerd expects, turns your errors
//! into the messages `docker` shows, and shuts down cleanly on SIGINT/SIGTERM.
//!
//! # A minimal driver
//!
//! ```no_run
//! use dknet::network::{CreateNetworkRequest, JoinRequest, JoinResponse};
//!
//! struct Demo;
//!
//! #[dknet::network_driver(scope = "local")]
//! impl Demo {
//!     async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
//!         let Some(pool) = request.ipv4_data.first() else {
//!             return Err("this driver needs an IPv4 subnet".to_owned());
//!         };
//!         tracing::info!(network = %request.network_id, pool = %pool.pool, "created");
//!         Ok(())
//!     }
//!
//!     fn join(&self, _request: JoinRequest) -> JoinResponse {
//!         JoinResponse::default()
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), dknet::Error> {
//!     // Serves /run/docker/plugins/demo.sock: `docker network create -d demo ...`.
//!     dknet::serve_unix(Demo, "demo").await
//! }
//! ```
//!
//! Every method takes `&self`, its request and optionally a trailing [`Context`],
//! may be `async fn` or plain `fn`, and returns its response or a `Result` whose
//! error is any `Display` type. A misspelt method or a wrong request type is a
//! compile error at that token. The methods, their types and their default answers
//! are listed under [`network_driver`] and [`ipam_driver`].
//!
//! # Modules
//!
//! - [`network`]: the network driver protocol, the [`NetworkDriver`](network::NetworkDriver)
//!   trait the attribute implements, and each call's request and response types.
//! - [`ipam`]: the same for IP address management (`RequestPool`, `RequestAddress`, ...).
//! - [`Plugin`]: one plugin serving a network driver, an IPAM driver or both on one
//!   socket, with its options (socket group and mode, folders, limits, grace period,
//!   your own shutdown signal), on a unix socket, TCP, your own listener or a socket
//!   passed by systemd. [`serve_unix`] and [`serve_tcp`] are the one-line forms.
//! - [`managed`]: the `config.json` of a managed (v2) plugin for `docker plugin create`.
//! - `testing` (feature `testing`): a client that talks to a plugin as dockerd does,
//!   in process or over a socket, and replays recordings of real dockerd traffic.
//! - `store` (feature `store`): a crash-safe JSON state store, one file per entry, and
//!   the restart pattern a plugin follows (bind, reconcile with the kernel, serve).
//!
//! # Features
//!
//! - `testing`: the `dknet::testing` module and its dependencies (hyper's client).
//!   Enable it for your tests only: `cargo add --dev dknet --features testing`.
//! - `store`: the `dknet::store` module (no extra dependencies), for a plugin that keeps
//!   state across its own and dockerd's restarts: `cargo add dknet --features store`.
//!
//! No feature is on by default.
//!
//! # Logging
//!
//! dknet logs through [`tracing`](https://docs.rs/tracing): each call at `debug`,
//! failures at `warn` and `error`. Nothing is printed until the plugin installs a
//! subscriber, such as `tracing-subscriber` reading `RUST_LOG`; the
//! [README](https://github.com/dknet-rs/dknet/blob/main/README.md#a-complete-driver) shows one.
//!
//! # Guides
//!
//! - [Deploying](https://github.com/dknet-rs/dknet/blob/main/docs/deploying.md): a process, a systemd socket unit, or a managed plugin.
//! - [Multi-host](https://github.com/dknet-rs/dknet/blob/main/docs/multi-host.md): a swarm (global-scope) driver.
//! - [An IPAM driver, step by step](https://github.com/dknet-rs/dknet/blob/main/docs/ipam.md).
//! - [Limits](https://github.com/dknet-rs/dknet/blob/main/docs/limits.md): time, size and connection limits.
//! - [Troubleshooting](https://github.com/dknet-rs/dknet/blob/main/docs/troubleshooting.md).
//! - [Performance](https://github.com/dknet-rs/dknet/blob/main/docs/performance.md).
//! - [The protocol](https://github.com/dknet-rs/dknet/blob/main/docs/protocol.md): every call dockerd makes, field by field.
//! - [Examples](https://github.com/dknet-rs/dknet/blob/main/examples/README.md): a bridge driver, an IPAM allocator and a
//!   VXLAN swarm driver, and a template to start a plugin from.
//!
//! dknet builds with Rust 1.85 or later.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod activation;
mod context;
mod dispatch;
mod driver_error;
mod error;
mod file_lock;
pub mod ipam;
pub mod managed;
pub mod network;
mod plugin;
mod protocol;
mod server;
mod shutdown;
#[cfg(feature = "store")]
#[cfg_attr(docsrs, doc(cfg(feature = "store")))]
pub mod store;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod transport;
mod wait;
mod wire;

#[doc(hidden)]
pub mod __private;

/// The README's examples, compiled as doctests (the package carries the README).
#[cfg(all(doctest, feature = "testing"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(fuzzing)]
#[doc(hidden)]
pub mod __fuzzing;

pub use activation::ActivateResponse;
pub use context::Context;
#[doc = include_str!("ipam_driver.md")]
pub use dknet_macros::ipam_driver;
#[doc = include_str!("network_driver.md")]
pub use dknet_macros::network_driver;
pub use driver_error::DriverError;
pub use error::Error;
/// Re-exported for the address types of the wire types (`IpNet` and
/// friends), so IPAM drivers need no direct dependency on it.
pub use ipnet;
pub use plugin::{
    serve_tcp, serve_unix, BoundPlugin, Plugin, DEFAULT_PLUGIN_DIR, DEFAULT_SPEC_DIR,
};
/// Re-exported so option structs can derive `Deserialize` without a direct
/// serde dependency: `#[derive(dknet::serde::Deserialize)] #[serde(crate = "dknet::serde")]`.
pub use serde;
/// Any JSON value (free-form option values, `EndpointOperInfo` data).
pub use serde_json::Value as JsonValue;
pub use transport::{Listener, LocalAddr};
