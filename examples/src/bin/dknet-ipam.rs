//! A real IPAM driver: each network gets a pool of its own, each container an address of
//! it, with no overlap and no duplicate, kept across restarts.
//!
//! Teaches: `#[dknet::ipam_driver]`, honouring what the user asked for (`--subnet`,
//! `--ip-range`, `--gateway`, `--aux-address`, `--ip`), serialising allocation and
//! persistence so that concurrent requests lose nothing. The driver is in `src/ipam/`.
//!
//! Run (any user that may create the socket):
//!
//! ```text
//! sudo dknet-ipam [--state-dir /var/lib/dknet-ipam] [--pool-range 10.240.0.0/12]
//! docker network create --ipam-driver dknet-ipam lab          # a /24 of 10.240.0.0/12
//! docker network create --ipam-driver dknet-ipam --ipv6 lab6  # plus a /64 of fd42:d0c:e7::/48
//! docker run --rm --network lab busybox ip addr show eth0
//! ```
//!
//! As a managed plugin: `scripts/build-managed-plugin dknet-ipam DIR`, then
//! `docker plugin create dknet/ipam DIR` (its state in the plugin's `propagatedMount`).
//!
//! To serve it beside the bridge driver on one socket, run `dknet-bridge --ipam` and use
//! `-d dknet-bridge --ipam-driver dknet-bridge`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use dknet::Plugin;
use dknet_examples::cli::{serve, start, Listen};
use dknet_examples::ipam::{IpamAllocator, PoolRangeArgs};
use dknet_examples::managed::{example_config, ManagedPlugin, Packaging};
use dknet_examples::report_exit;

/// The default state directory of `dknet-ipam`.
const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-ipam";

/// A Docker IPAM plugin handing out pools and addresses without overlap.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    listen: Listen,
    /// Where pools and addresses are recorded
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    #[command(flatten)]
    pools: PoolRangeArgs,
    #[command(flatten)]
    packaging: Packaging,
}

/// As a managed plugin: no capability and no program (it never touches the kernel), its
/// state in a `propagatedMount` that survives `disable`/`enable` and dockerd restarts.
fn managed() -> ManagedPlugin {
    let config = example_config(env!("CARGO_BIN_NAME"))
        .ipam_driver()
        .description("dknet-ipam: pools and addresses without overlap, kept across restarts")
        .entrypoint_args(["--state-dir", DEFAULT_STATE_DIR])
        .propagated_mount(DEFAULT_STATE_DIR)
        .args_description("More dknet-ipam options (e.g. --pool-range 10.240.0.0/12)");
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

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let driver = IpamAllocator::open(&args.state_dir, args.pools.ranges()).await?;
    let plugin = Plugin::new().ipam_driver(driver);
    serve(args.listen, plugin, env!("CARGO_BIN_NAME")).await?;
    Ok(())
}
