//! `dknet-sanity`: checks a Docker network or IPAM plugin against what dockerd sends and
//! accepts. See `dknet-sanity --help`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use dknet_sanity::{catalog, check, DaemonVersion, Options, Outcome, Scope, Subsystems, Target};

/// Checks a Docker network or IPAM plugin (in any language) the way dockerd uses it.
///
/// It activates the plugin, replays the calls dockerd 20.10.24, 28.5.2 and 29.7.2 were
/// recorded sending (with fresh ids and addresses from --pool/--pool6), and checks every
/// answer against what dockerd accepts. It prints one line per check (pass, FAIL, skip,
/// with what it found; for a failure, what dockerd does then) and exits 0 only when no
/// check failed. It removes every network, endpoint, pool and address it created.
/// Progress goes to standard error.
#[derive(Debug, Parser)]
#[command(version, after_help = checks_help())]
struct Args {
    /// The plugin's name, found as dockerd finds it: /run/docker/plugins/NAME.sock, then
    /// NAME.spec or NAME.json in /etc/docker/plugins and /usr/lib/docker/plugins
    #[arg(value_name = "NAME", required_unless_present_any = ["socket", "tcp", "list_checks"])]
    name: Option<String>,
    /// The plugin's unix socket instead of a name
    #[arg(long, value_name = "PATH", conflicts_with_all = ["name", "tcp"])]
    socket: Option<PathBuf>,
    /// The plugin's TCP address (HOST:PORT) instead of a name
    #[arg(long, value_name = "ADDR", conflicts_with = "name")]
    tcp: Option<SocketAddr>,
    /// The IPv4 range the checker's networks, subnets and addresses come from (keep it
    /// outside the plugin's own default pools and your real networks)
    #[arg(long = "pool", value_name = "CIDR", default_value = "10.203.0.0/16")]
    pool_v4: ipnet::Ipv4Net,
    /// The IPv6 range the checker's networks come from
    #[arg(
        long = "pool6",
        value_name = "CIDR",
        default_value = "fd00:dead:203::/48"
    )]
    pool_v6: ipnet::Ipv6Net,
    /// The subsystems to check: network, ipam or both [default: what Plugin.Activate lists]
    #[arg(long, value_name = "WHICH")]
    subsystems: Option<Subsystems>,
    /// The daemon versions whose recorded calls are replayed (20.10, 28, 29; repeat or
    /// separate with commas) [default: all]
    #[arg(long = "daemon", value_name = "VERSION", value_delimiter = ',')]
    versions: Vec<DaemonVersion>,
    /// The scope the network driver must declare: local or global [default: either]
    #[arg(long, value_name = "SCOPE")]
    scope: Option<Scope>,
    /// How long each answer may take, in seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// A shell command that restarts the plugin (e.g. "systemctl restart my-plugin"):
    /// rely.restart then checks the plugin keeps its networks, endpoints, pools and
    /// addresses across it
    #[arg(long, value_name = "COMMAND")]
    restart_cmd: Option<String>,
    /// A driver option every network is created with, as `docker network create -o
    /// KEY=VALUE` (repeatable); the recordings' own options are not sent
    #[arg(long = "opt", short = 'o', value_name = "KEY=VALUE", value_parser = key_value)]
    opts: Vec<(String, String)>,
    /// How many containers' calls rely.concurrent-endpoints sends at once
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// Output: text (one line per check) or json (one document, for CI)
    #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
    format: String,
    /// Print every check with its rule and what dockerd does when it fails, and exit
    #[arg(long)]
    list_checks: bool,
}

/// Prints `text` to standard output; a reader that went away (`| head`) is not an error.
fn print_out(text: &str) {
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn key_value(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => Err(format!("{text:?} is not KEY=VALUE")),
    }
}

fn checks_help() -> String {
    let names: Vec<_> = catalog::ALL
        .iter()
        .map(|c| format!("  {}", c.name))
        .collect();
    format!(
        "Checks (--list-checks describes each):\n{}\n\nExit status: 0 when every check passed or was skipped, 1 when one failed, 2 when the plugin could not be found or the options are wrong.",
        names.join("\n")
    )
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    if args.list_checks {
        let list: Vec<_> = catalog::ALL
            .iter()
            .map(|c| {
                format!(
                    "{}\n  rule:    {}\n  dockerd: {}\n",
                    c.name, c.rule, c.dockerd
                )
            })
            .collect();
        print_out(&list.join("\n"));
        return ExitCode::SUCCESS;
    }
    let target = match (&args.name, &args.socket, args.tcp) {
        (_, Some(path), _) => Ok(Target::Unix(path.clone())),
        (_, _, Some(address)) => Ok(Target::Tcp(address)),
        (Some(name), _, _) => Target::find(name),
        (None, None, None) => Err("name a plugin, or give --socket or --tcp".to_owned()),
    };
    let target = match target {
        Ok(target) => target,
        Err(error) => {
            eprintln!("dknet-sanity: {error}");
            return ExitCode::from(2);
        }
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        eprintln!("dknet-sanity: --timeout must be a positive number of seconds");
        return ExitCode::from(2);
    }
    let options = Options {
        pool_v4: args.pool_v4,
        pool_v6: args.pool_v6,
        subsystems: args.subsystems,
        versions: if args.versions.is_empty() {
            DaemonVersion::ALL.to_vec()
        } else {
            args.versions
        },
        scope: args.scope,
        timeout: Duration::from_secs_f64(args.timeout),
        restart_cmd: args.restart_cmd,
        concurrency: args.concurrency.max(1),
        driver_opts: args.opts.into_iter().collect(),
    };
    eprintln!("dknet-sanity: checking {target}");
    let report = check(&target, options, &mut |result| {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "  {} {}", result.outcome, result.name);
    })
    .await;
    if args.format == "json" {
        print_out(&report.to_json());
    } else {
        print_out(&report.to_string());
    }
    let failed = report.checks.iter().any(|c| c.outcome == Outcome::Fail);
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}
