//! A multi-host network driver for Docker swarm: each network is a bridge on every node,
//! joined to the other nodes' bridges by a VXLAN device.
//!
//! Teaches: a global-scope driver (`AllocateNetwork` on the manager, whose answer the swarm
//! hands to every node's `CreateNetwork`; `DiscoverNew`/`DiscoverDelete` for the nodes),
//! state that survives restarts on every node, and packaging as a managed plugin (swarm
//! refuses legacy plugins). The driver itself is in `src/overlay/`.
//!
//! Run on every node, before the node joins the swarm (see docs/multi-host.md):
//!
//! ```text
//! scripts/build-managed-plugin dknet-overlay /tmp/dknet-overlay
//! docker plugin create dknet/overlay /tmp/dknet-overlay && docker plugin enable dknet/overlay
//! docker swarm init   # or join
//! docker network create -d dknet/overlay --attachable [-o vni=N] ov1   # on a manager
//! ```
//!
//! Options: `-o vni=N` (a VXLAN id of your choice), `-o mtu=N` (default: the underlay's
//! MTU minus 50). Stop it with Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use dknet::Plugin;
use dknet_examples::cli::{serve_reconciled, start, Listen};
use dknet_examples::managed::{example_config, ManagedPlugin, Packaging};
use dknet_examples::overlay::state::DEFAULT_STATE_DIR;
use dknet_examples::overlay::vni::VniRange;
use dknet_examples::overlay::OverlayDriver;
use dknet_examples::report_exit;

/// A Docker swarm network plugin: VXLAN between the nodes' bridges.
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    listen: Listen,
    /// Where allocations, peers, networks and endpoints are recorded
    #[arg(long, value_name = "DIR", default_value = DEFAULT_STATE_DIR)]
    state_dir: PathBuf,
    /// The VXLAN ids a manager allocates from (`-o vni=N` may ask for any id)
    #[arg(long, value_name = "FIRST-LAST", default_value_t = VniRange::default())]
    vni_range: VniRange,
    #[command(flatten)]
    packaging: Packaging,
}

/// As a managed plugin (the only kind swarm accepts): in the host's network namespace with
/// `CAP_NET_ADMIN` (netlink and iptables), its state in a `propagatedMount` (kept across
/// `disable`/`enable` and restarts), iptables/ip6tables in its root filesystem.
fn managed() -> ManagedPlugin {
    let config = example_config(env!("CARGO_BIN_NAME"))
        .network_driver()
        .description("dknet-overlay: a swarm network driver, VXLAN between the nodes' bridges")
        .entrypoint_args(["--state-dir", DEFAULT_STATE_DIR])
        .capability("CAP_NET_ADMIN")
        .propagated_mount(DEFAULT_STATE_DIR)
        .args_description("More dknet-overlay options (e.g. --vni-range 1000-1999)");
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
    let driver = Arc::new(OverlayDriver::open(&args.state_dir, args.vni_range).await?);
    let plugin = Plugin::new().network_driver_shared(driver.clone());
    serve_reconciled(
        args.listen,
        plugin,
        env!("CARGO_BIN_NAME"),
        driver.reconcile(),
    )
    .await?;
    Ok(())
}
