//! The smallest dknet plugin: a network driver with no methods at all.
//!
//! Teaches: `#[dknet::network_driver]` on an empty `impl` block is a complete plugin.
//! dknet answers `Plugin.Activate`, `GetCapabilities` (local scope) and every network call
//! with success, so `docker network create -d dknet-noop n` works; containers on such a
//! network get no interface from it.
//!
//! Run: `sudo dknet-noop` (listens on /run/docker/plugins/dknet-noop.sock; `--name`,
//! `--socket PATH` or `--tcp ADDR` to change that; `--idle-timeout SECONDS` to close idle
//! connections sooner than dknet's 90 s; `RUST_LOG=debug` for more logs), then
//! `docker network create -d dknet-noop n`. Stop it with Ctrl-C.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use dknet::Plugin;
use dknet_examples::cli::{serve, start, Listen};
use dknet_examples::managed::{example_config, ManagedPlugin, Packaging};
use dknet_examples::report_exit;

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
    #[command(flatten)]
    packaging: Packaging,
    /// Close connections idle for this many seconds [default: 90]
    #[arg(long, value_name = "SECONDS")]
    idle_timeout: Option<u64>,
}

/// As a managed plugin: no capability, no state, no program to run.
fn managed() -> ManagedPlugin {
    let config = example_config(env!("CARGO_BIN_NAME"))
        .drivers_of(&Plugin::new().network_driver(Noop))
        .description("dknet-noop: a network driver that accepts every request and does nothing");
    ManagedPlugin {
        config,
        programs: &[],
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = start(|args: &Args| &args.packaging, managed);
    report_exit(run(args).await)
}

async fn run(args: Args) -> Result<(), dknet::Error> {
    let mut plugin = Plugin::new().network_driver(Noop);
    if let Some(seconds) = args.idle_timeout {
        plugin = plugin.idle_timeout(Duration::from_secs(seconds));
    }
    serve(args.listen, plugin, env!("CARGO_BIN_NAME")).await
}
