//! The benchmark behind BENCHMARKS.md.
//!
//! `cargo run --release -p dknet-bench` builds `dknet-noop` (release), starts
//! it, a bare hyper 1.x server and a dknet driver that reads every field, each
//! in its own process on its own unix socket, and loads them with one
//! closed-loop generator: dockerd's real `CreateEndpoint`, `Join` and `Leave`
//! bodies, at 1, 16 and 64 keep-alive connections and with a new connection
//! per request, in alternating rounds. It prints requests per second, p50 and
//! p99 latency and their ratios to the bare server, then start-up time,
//! memory, binary size and the build time of the README's driver.
//!
//! Options: `--seconds S` (per round, default 1), `--rounds N` (default 3),
//! `--go-plugin PATH` (or `DKNET_BENCH_GO_PLUGIN`: also measure a Go plugin
//! started as `PATH SOCKET`), `--plugin NAME=PATH` (also measure another
//! build of a dknet plugin, started as `PATH --socket SOCKET`), `--no-build`
//! (skip the build times).
//!
//! With valgrind installed, it also counts the user-space instructions per
//! request of the bare server and of dknet-noop's driver, each serving and
//! loading itself on one thread (`dknet-bench inproc KIND SOCKET METHOD
//! CLIENTS REQUESTS` is one such run): counts that, unlike timings, do not
//! move with the machine's load.
//!
//! `dknet-bench load SOCKET METHOD CLIENTS SECONDS` only loads a server that
//! is already running (to profile it): `METHOD` is one of the measured
//! methods, `CLIENTS` keep-alive connections.

mod build_time;
mod instructions;
mod load;
mod process;
mod report;
mod serve;
mod workload;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use load::Mode;
use process::{Program, Server};
use report::{mib, ms, Measured};

/// The name of the reference server in the tables.
pub(crate) const BARE: &str = "bare hyper";

/// The connection patterns measured.
const MODES: [Mode; 4] = [
    Mode::KeepAlive(1),
    Mode::KeepAlive(16),
    Mode::KeepAlive(64),
    Mode::NewConnection(16),
];

/// How many times each server is started to time its start-up.
const STARTS: usize = 7;

/// What `--help` prints.
const USAGE: &str = "usage: dknet-bench [--seconds S] [--rounds N] [--go-plugin PATH] \
[--plugin NAME=PATH]... [--no-build]
  --seconds S         length of each round (default 1)
  --rounds N          rounds per server, method and connection pattern (default 3)
  --go-plugin PATH    also measure a Go plugin started as `PATH SOCKET`
                      (or DKNET_BENCH_GO_PLUGIN=PATH)
  --plugin NAME=PATH  also measure another build of a dknet plugin, started as
                      `PATH --socket SOCKET`
  --no-build          skip the build times of the README's driver
With valgrind installed, also counts the instructions per request.
Prints Markdown on stdout, progress on stderr.";

struct Settings {
    round: Duration,
    rounds: usize,
    go_plugin: Option<PathBuf>,
    /// More dknet plugins (`NAME=PATH`, started as `PATH --socket SOCKET`).
    others: Vec<(&'static str, PathBuf)>,
    build_times: bool,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [serve, kind, socket] if serve == "serve" => serve::run(kind, PathBuf::from(socket)),
        [load, socket, method, clients, seconds] if load == "load" => {
            load_only(socket.as_ref(), method, clients, seconds)
        }
        [inproc, kind, socket, method, clients, requests] if inproc == "inproc" => {
            in_process(kind, socket.as_ref(), method, clients, requests)
        }
        [help] if help == "--help" || help == "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        _ => settings(&args).and_then(|settings| bench(&settings)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("dknet-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn settings(args: &[String]) -> Result<Settings, String> {
    let mut settings = Settings {
        round: Duration::from_secs(1),
        rounds: 3,
        go_plugin: std::env::var_os("DKNET_BENCH_GO_PLUGIN").map(PathBuf::from),
        others: Vec::new(),
        build_times: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--seconds" => {
                let seconds: f64 = value()?.parse().map_err(|_| "--seconds: a number")?;
                settings.round = Duration::try_from_secs_f64(seconds)
                    .map_err(|_| "--seconds: a positive number")?;
            }
            "--rounds" => {
                settings.rounds = value()?.parse().map_err(|_| "--rounds: a count")?;
                if settings.rounds == 0 {
                    return Err("--rounds: at least 1".to_owned());
                }
            }
            "--go-plugin" => settings.go_plugin = Some(PathBuf::from(value()?)),
            "--plugin" => {
                let value = value()?;
                let (name, path) = value.split_once('=').ok_or("--plugin NAME=PATH")?;
                // The name lives as long as the run.
                let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
                settings.others.push((name, PathBuf::from(path)));
            }
            "--no-build" => settings.build_times = false,
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(settings)
}

fn bench(settings: &Settings) -> Result<(), String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?;
    let cargo = PathBuf::from(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let this = std::env::current_exe().map_err(|e| format!("cannot find myself: {e}"))?;
    let noop = this.with_file_name("dknet-noop");
    eprintln!("building dknet-noop (release)...");
    run(Command::new(&cargo)
        .args([
            "build",
            "--quiet",
            "--release",
            "-p",
            "dknet-examples",
            "--bin",
        ])
        .arg("dknet-noop")
        .current_dir(workspace))?;
    let workloads = workload::load(workspace)?;
    let dir = std::env::temp_dir().join(format!("dknet-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;

    machine();
    let programs = programs(&this, &noop, settings);
    let outcome = measure(settings, &programs, &workloads, &dir, &noop);
    let outcome = outcome.and_then(|()| count_instructions(&this, &workloads, &dir));
    let outcome = outcome.and_then(|()| {
        if !settings.build_times {
            return Ok(());
        }
        eprintln!("building the README's driver, cold then after an edit...");
        let times = build_time::measure(&cargo, workspace, &dir)?;
        println!("\n## Building the README's complete driver (debug, own target dir)\n");
        println!(
            "- cold (every dependency): {:.1} s",
            times.cold.as_secs_f64()
        );
        println!(
            "- incremental (after editing main.rs): {:.2} s",
            times.incremental.as_secs_f64()
        );
        Ok(())
    });
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

fn programs(this: &Path, noop: &Path, settings: &Settings) -> Vec<Program> {
    let own = |name, kind: &str| Program {
        name,
        path: this.to_owned(),
        args: vec!["serve".into(), kind.into()],
        socket_flag: None,
    };
    let mut programs = vec![
        own(BARE, "bare"),
        Program {
            name: "dknet-noop",
            path: noop.to_owned(),
            args: Vec::new(),
            socket_flag: Some("--socket"),
        },
        own("dknet fields", "fields"),
    ];
    for (name, path) in &settings.others {
        programs.push(Program {
            name,
            path: path.clone(),
            args: Vec::new(),
            socket_flag: Some("--socket"),
        });
    }
    if let Some(go) = &settings.go_plugin {
        programs.push(Program {
            name: "go-plugins-helpers",
            path: go.to_owned(),
            args: Vec::new(),
            socket_flag: None,
        });
    }
    programs
}

fn machine() {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|m| m.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let rustc = Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .arg("-V")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("# dknet-bench\n");
    println!("- machine: {cores} cores, {cpu}, Linux {}", kernel.trim());
    println!("- {rustc}");
}

fn measure(
    settings: &Settings,
    programs: &[Program],
    workloads: &[workload::Workload],
    dir: &Path,
    noop: &Path,
) -> Result<(), String> {
    eprintln!("measuring; this takes a few minutes...");
    println!("\n## Start-up: exec to the first accepted connection (median of {STARTS})\n");
    for program in programs {
        let mut times = Vec::new();
        for _ in 0..STARTS {
            times.push(
                Server::start(program, dir)
                    .map_err(|e| e.to_string())?
                    .start_time,
            );
        }
        times.sort();
        println!("- {}: {}", program.name, ms(times[STARTS / 2]));
    }

    let mut servers = Vec::new();
    for program in programs {
        servers.push(Server::start(program, dir).map_err(|e| e.to_string())?);
    }
    std::thread::sleep(Duration::from_millis(200));
    let idle: Vec<_> = servers
        .iter()
        .map(|s| s.memory())
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;

    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let mut results = Vec::new();
    for workload in workloads {
        for mode in MODES {
            for server in &mut servers {
                server.check_alive().map_err(|e| e.to_string())?;
                let warm_up = settings.round / 5;
                runtime
                    .block_on(load::round(&server.socket, workload, mode, warm_up))
                    .map_err(|e| format!("{}: {e}", server.program.name))?;
            }
            let mut rounds: Vec<Vec<_>> = servers.iter().map(|_| Vec::new()).collect();
            for round in 0..settings.rounds {
                // Alternate, and rotate who goes first, so noise falls on all.
                for offset in 0..servers.len() {
                    let index = (round + offset) % servers.len();
                    let server = &servers[index];
                    let failed = |e: std::io::Error| format!("{}: {e}", server.program.name);
                    let cpu = server.cpu_time().map_err(failed)?;
                    let mut measured = runtime
                        .block_on(load::round(&server.socket, workload, mode, settings.round))
                        .map_err(failed)?;
                    let used = server.cpu_time().map_err(failed)?.saturating_sub(cpu);
                    let requests =
                        u32::try_from(measured.latencies.len().max(1)).unwrap_or(u32::MAX);
                    measured.cpu_per_request = Some(used / requests);
                    rounds[index].push(measured);
                }
            }
            for (server, rounds) in servers.iter().zip(rounds) {
                results.push(Measured::median(
                    workload.method,
                    mode,
                    server.program.name,
                    rounds,
                ));
            }
        }
    }
    println!(
        "\n## Requests over a unix socket (closed loop, median of {} rounds of {:.1} s)",
        settings.rounds,
        settings.round.as_secs_f64()
    );
    let methods: Vec<_> = workloads.iter().map(|w| (w.method, w.body_len)).collect();
    report::throughput(&results, &methods);

    println!("\n## Memory (resident set, from /proc/PID/status)\n");
    println!("| server | idle (VmRSS at start) | peak (VmHWM after the load) |");
    println!("|---|---:|---:|");
    for (server, (idle_rss, _)) in servers.iter().zip(idle) {
        let (_, peak) = server.memory().map_err(|e| e.to_string())?;
        println!(
            "| {} | {} | {} |",
            server.program.name,
            mib(idle_rss),
            mib(peak)
        );
    }
    drop(servers);

    println!("\n## Size of dknet-noop (release)\n");
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let stripped = dir.join("dknet-noop.stripped");
    let strip = Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(noop)
        .status();
    println!("- as built: {:.2} MB", size(noop) as f64 / 1e6);
    match strip {
        Ok(status) if status.success() => {
            println!("- stripped: {:.2} MB", size(&stripped) as f64 / 1e6)
        }
        _ => println!("- stripped: not measured (`strip` from binutils is missing)"),
    }
    Ok(())
}

/// Prints the instructions per request, or why they were not counted.
fn count_instructions(
    this: &Path,
    workloads: &[workload::Workload],
    dir: &Path,
) -> Result<(), String> {
    eprintln!("counting instructions...");
    println!("\n## User-space instructions per request (valgrind, one thread, in process)\n");
    let Some(rows) = instructions::measure(this, workloads, dir)? else {
        println!("Not counted: valgrind is not installed.");
        return Ok(());
    };
    println!("| request | bare hyper | dknet-noop | ratio |");
    println!("|---|---:|---:|---:|");
    for row in rows {
        let [bare, noop] = row.per_request;
        let ratio = noop as f64 / bare.max(1) as f64;
        println!("| {} | {bare} | {noop} | {ratio:.2}x |", row.method);
    }
    Ok(())
}

/// Serves and loads itself in this process (what valgrind counts).
fn in_process(
    kind: &str,
    socket: &Path,
    method: &str,
    clients: &str,
    requests: &str,
) -> Result<(), String> {
    let workload = workload_named(method)?;
    let clients = clients.parse().map_err(|_| "CLIENTS: a count")?;
    let requests = requests.parse().map_err(|_| "REQUESTS: a count")?;
    instructions::run(kind, socket, &workload, clients, requests)
}

/// The workload of `method`.
fn workload_named(method: &str) -> Result<workload::Workload, String> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .ok_or("no workspace")?;
    workload::load(workspace)?
        .into_iter()
        .find(|w| w.method == method)
        .ok_or_else(|| format!("no method {method}: {:?}", workload::METHODS))
}

/// Loads a running server and prints what one round measured.
fn load_only(socket: &Path, method: &str, clients: &str, seconds: &str) -> Result<(), String> {
    let workload = workload_named(method)?;
    let clients = clients.parse().map_err(|_| "CLIENTS: a count")?;
    let seconds: f64 = seconds.parse().map_err(|_| "SECONDS: a number")?;
    let duration = Duration::try_from_secs_f64(seconds).map_err(|_| "SECONDS: positive")?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
    let round = runtime
        .block_on(load::round(
            socket,
            &workload,
            Mode::KeepAlive(clients),
            duration,
        ))
        .map_err(|e| e.to_string())?;
    println!(
        "{method}, {clients} connections: {:.0} requests/s, p50 {} µs, p99 {} µs",
        round.rate,
        round.percentile(0.5).as_micros(),
        round.percentile(0.99).as_micros()
    );
    Ok(())
}

/// Runs a command to completion; its output is shown only if it fails.
pub(crate) fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {command:?}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    Err(format!("{command:?} failed:\n{stderr}"))
}
