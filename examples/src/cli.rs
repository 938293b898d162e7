//! What every example plugin shares: start-up ([`start`]), the options that say where to
//! listen, logging, and serving ([`serve`], [`serve_reconciled`]).

use std::fmt::Display;
use std::future::Future;
use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;

use dknet::{BoundPlugin, Plugin};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

use crate::managed::{ManagedPlugin, Packaging};

/// What every example's `main` does first: logging set up ([`init_tracing`]), the
/// arguments read, and a packaging question (`--managed-plugin-config`) answered about
/// `managed`, which ends the process. Returns the arguments otherwise.
pub fn start<A: clap::Parser>(
    packaging: impl FnOnce(&A) -> &Packaging,
    managed: impl FnOnce() -> ManagedPlugin,
) -> A {
    init_tracing();
    let args = A::parse();
    packaging(&args).answer_and_exit(managed);
    args
}

/// Serves `plugin` where `listen` says (see [`serve_reconciled`]) when there is nothing to
/// bring back in line at start-up.
pub async fn serve(listen: Listen, plugin: Plugin, default_name: &str) -> Result<(), dknet::Error> {
    let nothing = std::future::ready(Vec::<dknet::Error>::new());
    serve_reconciled(listen, plugin, default_name, nothing).await
}

/// The restart pattern of [`dknet::store`]: binds `plugin` where `listen` says first
/// (dockerd finds the socket at once, and requests that arrive meanwhile wait in the
/// backlog instead of failing), then runs `reconcile` (which brings the kernel back in
/// line with the state; each failure it returns is logged), then serves until SIGINT or
/// SIGTERM.
pub async fn serve_reconciled<E: Display>(
    listen: Listen,
    plugin: Plugin,
    default_name: &str,
    reconcile: impl Future<Output = Vec<E>>,
) -> Result<(), dknet::Error> {
    let bound = listen.bind(plugin, default_name).await?;
    for failure in reconcile.await {
        tracing::warn!("{failure}");
    }
    bound.run().await
}

/// Where a plugin listens: the socket systemd passed (socket activation, `LISTEN_FDS`) when
/// there is one, else `--name NAME` (the default, with the program's name), `--socket PATH`
/// or `--tcp ADDR`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct Listen {
    /// The plugin's name (`docker network create -d NAME`): listen on
    /// /run/docker/plugins/NAME.sock [default: the program's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
    /// Listen on this Unix socket instead (an absolute path; dockerd names the plugin after
    /// the file)
    #[arg(long, value_name = "PATH", value_parser = absolute_path, conflicts_with_all = ["name", "tcp"])]
    pub socket: Option<PathBuf>,
    /// Listen on TCP at ADDR (e.g. 127.0.0.1:0) and write /etc/docker/plugins/NAME.spec
    #[arg(long, value_name = "ADDR")]
    pub tcp: Option<SocketAddr>,
}

impl Listen {
    /// Starts listening where the options say, with `plugin`'s drivers; `default_name` is
    /// the plugin's name when `--name` is not given. A socket passed by systemd wins over
    /// the options (they are then ignored, with a warning): the unit's `ListenStream=` says
    /// where the plugin listens, and the socket file stays systemd's when the plugin stops.
    /// Serve with [`BoundPlugin::run`](dknet::BoundPlugin::run), which returns on SIGINT or
    /// SIGTERM.
    pub async fn bind(
        self,
        plugin: Plugin,
        default_name: &str,
    ) -> Result<BoundPlugin, dknet::Error> {
        if Plugin::systemd_activated() {
            if self.name.is_some() || self.socket.is_some() || self.tcp.is_some() {
                tracing::warn!(
                    "serving the socket systemd passed: --name/--socket/--tcp are ignored"
                );
            }
            let bound = plugin.bind_systemd()?;
            tracing::info!(address = %bound.local_addr(), "using the socket passed by systemd");
            return Ok(bound);
        }
        let name = self.name.unwrap_or_else(|| default_name.to_owned());
        match (self.socket, self.tcp) {
            (_, Some(address)) => plugin.bind_tcp(&name, address).await,
            (Some(path), None) => plugin.bind_unix(path).await,
            (None, None) => plugin.bind_unix(&name).await,
        }
    }
}

/// Logs to standard error through `tracing`, filtered by `RUST_LOG` (default `info`), in
/// colour only on a terminal (not in journald or a log file).
///
/// `RUST_LOG` is a list of `target=level` directives with an optional default level, such
/// as `debug` or `info,dknet=debug`. A value that does not parse is reported and `info` is
/// used instead.
pub fn init_tracing() {
    let (filter, unreadable) = log_filter(std::env::var("RUST_LOG").ok().as_deref());
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    tracing_subscriber::registry()
        .with(filter)
        .with(output)
        .init();
    if let Some(error) = unreadable {
        tracing::warn!(%error, "RUST_LOG is not a log filter; logging at info");
    }
}

/// The filter `RUST_LOG` asks for, or `info` and why its text was not used.
fn log_filter(text: Option<&str>) -> (Targets, Option<String>) {
    let info = || Targets::new().with_default(tracing::Level::INFO);
    match text.map(str::trim) {
        None | Some("") => (info(), None),
        Some(text) => match text.parse::<Targets>() {
            Ok(filter) => (filter, None),
            Err(error) => (info(), Some(format!("{text:?}: {error}"))),
        },
    }
}

fn absolute_path(text: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(text);
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(format!("{text} is not an absolute path"))
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        listen: Listen,
    }

    fn parse(args: &[&str]) -> Result<Listen, String> {
        let argv = std::iter::once("plugin").chain(args.iter().copied());
        Cli::try_parse_from(argv)
            .map(|cli| cli.listen)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn each_way_of_listening_is_read() {
        assert_eq!(parse(&[]).unwrap().name, None);
        assert_eq!(
            parse(&["--name", "lab"]).unwrap().name.as_deref(),
            Some("lab")
        );
        let socket = parse(&["--socket", "/tmp/p.sock"]).unwrap().socket;
        assert_eq!(socket, Some(PathBuf::from("/tmp/p.sock")));
        let tcp = parse(&["--name", "lab", "--tcp", "127.0.0.1:9000"])
            .unwrap()
            .tcp;
        assert_eq!(tcp, Some("127.0.0.1:9000".parse().unwrap()));
    }

    #[test]
    fn contradictions_and_relative_sockets_are_refused() {
        let error = parse(&["--socket", "p.sock"]).unwrap_err();
        assert!(error.contains("not an absolute path"), "{error}");
        assert!(parse(&["--socket", "/tmp/p.sock", "--tcp", "127.0.0.1:0"]).is_err());
        assert!(parse(&["--socket", "/tmp/p.sock", "--name", "lab"]).is_err());
        assert!(parse(&["--tcp", "localhost"]).is_err());
    }

    #[test]
    fn rust_log_sets_levels_per_target() {
        use tracing::Level;

        let (filter, error) = log_filter(None);
        assert!(error.is_none());
        assert!(filter.would_enable("dknet", &Level::INFO));
        assert!(!filter.would_enable("dknet", &Level::DEBUG));

        let (filter, error) = log_filter(Some("info,dknet=debug"));
        assert!(error.is_none());
        assert!(filter.would_enable("dknet::server", &Level::DEBUG));
        assert!(!filter.would_enable("hyper", &Level::DEBUG));
        assert!(filter.would_enable("hyper", &Level::INFO));

        let (filter, error) = log_filter(Some("debug"));
        assert!(error.is_none());
        assert!(filter.would_enable("anything", &Level::DEBUG));
    }

    #[test]
    fn an_unreadable_rust_log_falls_back_to_info_and_says_why() {
        let (filter, error) = log_filter(Some("dknet=loud"));
        let error = error.expect("an error");
        assert!(error.contains("dknet=loud"), "{error}");
        assert!(filter.would_enable("dknet", &tracing::Level::INFO));
        assert!(!filter.would_enable("dknet", &tracing::Level::DEBUG));
    }
}
