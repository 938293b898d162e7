//! What `scripts/build-managed-plugin` asks an example binary: `--managed-plugin-config`
//! prints the managed (v2) plugin's `config.json` (see [`dknet::managed`]) and
//! `--managed-plugin-programs` the host programs its root filesystem must hold.

use std::io::Write;

use dknet::managed::ManagedConfig;
use dknet::DEFAULT_PLUGIN_DIR;

/// The packaging questions a binary answers (then exits) instead of serving.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Packaging {
    /// Print this plugin's config.json for `docker plugin create` and exit
    #[arg(long, conflicts_with = "managed_plugin_programs")]
    pub managed_plugin_config: bool,
    /// Print the programs this plugin runs (one a line; its root filesystem must hold
    /// them) and exit
    #[arg(long)]
    pub managed_plugin_programs: bool,
}

/// How a binary runs as a managed plugin.
#[derive(Debug, Clone)]
pub struct ManagedPlugin {
    /// Its `config.json`.
    pub config: ManagedConfig,
    /// The programs it runs, found on the build machine's `PATH` (e.g. `iptables`).
    pub programs: &'static [&'static str],
}

impl Packaging {
    /// When a packaging question was asked, prints the answer about `plugin` on standard
    /// output and exits the process (with failure if it cannot print); else returns.
    pub fn answer_and_exit(&self, plugin: impl FnOnce() -> ManagedPlugin) {
        let text = if self.managed_plugin_config {
            let json = plugin().config.to_json();
            format!("{json:#}\n")
        } else if self.managed_plugin_programs {
            plugin().programs.iter().map(|p| format!("{p}\n")).collect()
        } else {
            return;
        };
        match std::io::stdout().write_all(text.as_bytes()) {
            Ok(()) => std::process::exit(0),
            Err(error) => {
                eprintln!("cannot print the answer: {error}");
                std::process::exit(1)
            }
        }
    }
}

/// What every example shares as a managed plugin: the binary at `/usr/bin/NAME`, listening
/// on `/run/docker/plugins/NAME.sock` inside the plugin, and `RUST_LOG` settable
/// (`docker plugin set PLUGIN RUST_LOG=debug`). The caller adds the drivers.
pub fn example_config(name: &str) -> ManagedConfig {
    ManagedConfig::new(&format!("/usr/bin/{name}"), &format!("{name}.sock"))
        .entrypoint_args([
            "--socket".to_owned(),
            format!("{DEFAULT_PLUGIN_DIR}/{name}.sock"),
        ])
        .env(
            "RUST_LOG",
            "What the plugin logs to dockerd's log (tracing-subscriber's filter syntax, e.g. \
             debug or info,dknet=debug)",
            "info",
        )
}
