//! A real network driver: each network is a Linux bridge, each container a veth pair on it.
//!
//! Teaches: keeping driver state across restarts (dockerd never replays `CreateNetwork`),
//! reading `-o key=value` options into a struct, answering `CreateEndpoint` and `Join` the
//! way dockerd needs, and binding the socket before slow start-up work. The driver itself
//! is in `src/bridge/`.
//!
//! Run (as root; needs `iptables`/`ip6tables`):
//!
//! ```text
//! sudo dknet-bridge [--state-dir /var/lib/dknet-bridge] [--name dknet-bridge]
//! docker network create -d dknet-bridge -o mtu=1400 --subnet 10.90.0.0/24 lab
//! docker run --rm --network lab busybox ip addr show eth0
//! ```
//!
//! Options: `-o mtu=N`, `-o bridge_name=NAME` (default `dkb-<network id>`); `--internal`
//! networks only talk among themselves. Stop it with Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use dknet::Plugin;
use dknet_examples::bridge::state::DEFAULT_STATE_DIR;
use dknet_examples::bridge::BridgeDriver;
use dknet_examples::cli::{serve_reconciled, start, Listen};
use dknet_examples::ipam::{IpamAllocator, PoolRangeArgs};
use dknet_examples::managed::{example_config, ManagedPlugin, Packaging};
use dknet_examples::report_exit;

/// A Docker network plugin that puts each network on a Linux bridge.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    listen: Listen,
    /// Where networks and endpoints are recorded
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// Also serve the `dknet-ipam` allocator as this plugin's IPAM driver, on the same
    /// socket (`docker network create -d NAME --ipam-driver NAME`); its state goes in
    /// STATE_DIR/ipam
    #[arg(long)]
    ipam: bool,
    #[command(flatten)]
    pools: PoolRangeArgs,
    #[command(flatten)]
    packaging: Packaging,
}

/// As a managed plugin: in the host's network namespace with `CAP_NET_ADMIN` (netlink and
/// iptables), its state in a `propagatedMount` (kept by Docker under its data root across
/// `disable`/`enable` and restarts, deleted by `docker plugin rm`), and iptables/ip6tables
/// in its root filesystem. It never enters a container's namespace (dockerd moves the veth),
/// so it needs neither `CAP_SYS_ADMIN` nor dockerd's netns directory.
fn managed() -> ManagedPlugin {
    let config = example_config(env!("CARGO_BIN_NAME"))
        .network_driver()
        .description("dknet-bridge: each network a Linux bridge, each container a veth pair on it")
        .entrypoint_args(["--state-dir", DEFAULT_STATE_DIR])
        .capability("CAP_NET_ADMIN")
        .propagated_mount(DEFAULT_STATE_DIR)
        .args_description("More dknet-bridge options");
    ManagedPlugin {
        config,
        programs: &[
            "iptables",
            "ip6tables",
            "iptables-restore",
            "ip6tables-restore",
        ],
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = start(|args: &Args| &args.packaging, managed);
    report_exit(run(args).await)
}

async fn run(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let driver = Arc::new(BridgeDriver::open(&args.state_dir).await?);
    let mut plugin = Plugin::new().network_driver_shared(driver.clone());
    if args.ipam {
        let ipam_dir = args.state_dir.join("ipam");
        plugin = plugin.ipam_driver(IpamAllocator::open(ipam_dir, args.pools.ranges()).await?);
    }
    serve_reconciled(
        args.listen,
        plugin,
        env!("CARGO_BIN_NAME"),
        driver.reconcile(),
    )
    .await?;
    Ok(())
}
