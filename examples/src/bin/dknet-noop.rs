//! The smallest dknet plugin: a network driver with no methods at all.
//!
//! Teaches: `#[dknet::network_driver]` on an empty `impl` block is a complete plugin.
//! dknet answers `Plugin.Activate`, `GetCapabilities` (local scope) and every network call
//! with success, so `docker network create -d dknet-noop n` works; containers on such a
//! network get no interface from it.
//!
//! Run: `sudo dknet-noop` (listens on /run/docker/plugins/dknet-noop.sock; `--name`,
//! `--socket PATH` or `--tcp ADDR` to change that; `RUST_LOG=debug` for more logs), then
//! `docker network create -d dknet-noop n`. Stop it with Ctrl-C.

use clap::Parser;
use dknet::Plugin;
use dknet_examples::cli::{init_tracing, Listen};

/// A driver that does nothing, successfully.
struct Noop;

#[dknet::network_driver]
impl Noop {}

/// A Docker network plugin that accepts every request and does nothing.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    listen: Listen,
}

#[tokio::main]
async fn main() -> Result<(), dknet::Error> {
    init_tracing();
    let args = Args::parse();
    let plugin = Plugin::new().network_driver(Noop);
    let bound = args.listen.bind(plugin, env!("CARGO_BIN_NAME")).await?;
    bound.run().await
}
