//! `dknet-bridge` as a managed (v2) plugin: `docker plugin create` from the directory
//! `scripts/build-managed-plugin dknet-bridge DIR` made (scripts/docker-tests builds it once
//! and passes it in `DKNET_MANAGED_BRIDGE_DIR`), `enable`, networks, `disable`, `set`, a
//! dockerd restart and `rm`.
//!
//! Plugins are named `dknet-t/bridge-<label>-<pid>:test`; subnets are 10.220.<n>.0/24.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::Duration;

use super::cli::{docker, docker_fails, docker_ok, run, tail, wait_for, COMMAND_TIMEOUT};
use super::lab::{firewall_rules_mentioning, host_links, ipv4_of, network_id, IMAGE};
use super::{assert_reaches, SOON};
use dknet_examples::linux::names;

/// How long dockerd may take to stop or to answer again after a restart.
const DOCKERD_TIMEOUT: Duration = Duration::from_secs(60);

/// A managed plugin made by one test, with its networks and containers; dropping it removes
/// them and the plugin (`docker plugin rm -f`), and prints the end of dockerd's log when the
/// test is failing.
struct Managed {
    /// `dknet-t/bridge-<label>-<pid>:test`.
    name: String,
    /// `<label>-<pid>`, the prefix of the test's network and container names.
    prefix: String,
    containers: Vec<String>,
    networks: Vec<String>,
    /// Whether the test removed the plugin itself.
    removed: bool,
}

impl Managed {
    /// `docker plugin create` from the packaged directory, then `docker plugin enable`.
    #[track_caller]
    fn create_and_enable(label: &str) -> Self {
        let dir = std::env::var("DKNET_MANAGED_BRIDGE_DIR").unwrap_or_else(|_| {
            panic!(
                "DKNET_MANAGED_BRIDGE_DIR is not set: scripts/docker-tests builds the managed \
                 plugin with scripts/build-managed-plugin and sets it"
            )
        });
        let prefix = format!("dknet-t-{label}-{}", std::process::id());
        let plugin = Self {
            name: format!("dknet-t/bridge-{label}-{}:test", std::process::id()),
            prefix,
            containers: Vec::new(),
            networks: Vec::new(),
            removed: false,
        };
        docker_ok(&["plugin", "create", &plugin.name, &dir]);
        docker_ok(&["plugin", "enable", &plugin.name]);
        plugin
    }

    /// The plugin's id (names its directories on the host).
    fn id(&self) -> String {
        docker_ok(&["plugin", "inspect", "-f", "{{.Id}}", &self.name])
    }

    fn enabled(&self) -> bool {
        docker_ok(&["plugin", "inspect", "-f", "{{.Enabled}}", &self.name]) == "true"
    }

    /// `docker network create -d <plugin> --subnet SUBNET <prefix>-<suffix>`.
    #[track_caller]
    fn network(&mut self, suffix: &str, subnet: &str) -> String {
        let name = format!("{}-{suffix}", self.prefix);
        docker_ok(&[
            "network", "create", "-d", &self.name, "--subnet", subnet, &name,
        ]);
        self.networks.push(name.clone());
        name
    }

    /// `docker run -d` of a busybox that sleeps, on `network`.
    #[track_caller]
    fn container(&mut self, suffix: &str, network: &str) -> String {
        let name = format!("{}-{suffix}", self.prefix);
        docker_ok(&[
            "run",
            "-d",
            "--name",
            &name,
            "--network",
            network,
            IMAGE,
            "sleep",
            "300",
        ]);
        self.containers.push(name.clone());
        name
    }

    /// Removes the containers and networks; each removal must succeed.
    #[track_caller]
    fn remove_containers_and_networks(&mut self) {
        for container in std::mem::take(&mut self.containers) {
            docker_ok(&["rm", "-f", &container]);
        }
        for network in std::mem::take(&mut self.networks) {
            docker_ok(&["network", "rm", &network]);
        }
    }
}

impl Drop for Managed {
    fn drop(&mut self) {
        if thread::panicking() {
            if let Ok(path) = std::env::var("DKNET_DOCKERD_LOG") {
                eprintln!("===== the end of {path}:\n{}", tail(&path, 80));
            }
        }
        let mut problems = Vec::new();
        let containers = std::mem::take(&mut self.containers);
        let networks = std::mem::take(&mut self.networks);
        let commands = containers
            .iter()
            .map(|c| vec!["rm", "-f", c.as_str()])
            .chain(networks.iter().map(|n| vec!["network", "rm", n.as_str()]))
            .chain((!self.removed).then(|| vec!["plugin", "rm", "-f", self.name.as_str()]));
        for command in commands {
            match run("docker", &command, COMMAND_TIMEOUT) {
                Ok(output) if output.success() => {}
                Ok(output) => problems.push(output.to_string()),
                Err(e) => problems.push(e),
            }
        }
        let message = format!("clean-up of {} failed:\n{}", self.name, problems.join("\n"));
        if thread::panicking() {
            if !problems.is_empty() {
                eprintln!("{message}");
            }
        } else {
            assert!(problems.is_empty(), "{message}");
        }
    }
}

/// The private daemon's directory (scripts/lib/dockerd.sh: `DOCKER_HOST` is
/// `unix://WORKDIR/docker.sock`, with `exec/`, `data/` and `docker.pid` beside it).
fn daemon_dir() -> PathBuf {
    let host = std::env::var("DOCKER_HOST").expect("DOCKER_HOST is set by scripts/docker-tests");
    let socket = host
        .strip_prefix("unix://")
        .unwrap_or_else(|| panic!("DOCKER_HOST={host} is not a unix socket"));
    Path::new(socket)
        .parent()
        .expect("the socket is in a directory")
        .to_path_buf()
}

/// The plugin's socket on the host: `/run/docker/plugins/<id>/dknet-bridge.sock` (dockerd
/// puts managed plugins' sockets there whatever its `--exec-root`).
fn host_socket(id: &str) -> PathBuf {
    PathBuf::from(format!("/run/docker/plugins/{id}/dknet-bridge.sock"))
}

/// The plugin's state directory: its propagated mount under dockerd's data root.
fn state_dir(id: &str) -> PathBuf {
    daemon_dir().join(format!("data/plugins/{id}/propagated-mount"))
}

/// The bridge the plugin made for `network`.
fn bridge_of(network: &str) -> String {
    names::bridge_name(&network_id(network))
}

/// How many lines of dockerd's log there are now (to read only what comes later).
fn dockerd_log_lines() -> usize {
    dockerd_log().lines().count()
}

fn dockerd_log() -> String {
    let path = std::env::var("DKNET_DOCKERD_LOG").expect("DKNET_DOCKERD_LOG is set");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The lines the plugin `id` logged (dockerd writes them with `plugin=<id>`) after line
/// `from` of dockerd's log.
fn plugin_lines_since(id: &str, from: usize) -> Vec<String> {
    let field = format!("plugin={id}");
    dockerd_log()
        .lines()
        .skip(from)
        .filter(|line| line.contains(&field))
        .map(str::to_owned)
        .collect()
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn managed_bridge_serves_networks_refuses_disable_in_use_takes_settings_and_leaves_nothing() {
    let mut plugin = Managed::create_and_enable("mgd");
    let id = plugin.id();
    assert!(plugin.enabled());
    let socket = host_socket(&id);
    assert!(socket.exists(), "no socket at {}", socket.display());

    let net = plugin.network("n", "10.220.1.0/24");
    let bridge = bridge_of(&net);
    let a = plugin.container("a", &net);
    let b = plugin.container("b", &net);
    assert_reaches(&a, &ipv4_of(&b, &net));
    assert!(host_links(&[&bridge]).contains(&bridge));
    let state = crate::state_files::read_state(&state_dir(&id)).to_string();
    assert!(state.contains(&network_id(&net)), "{state}");

    // In use: refused (without -f), and still serving.
    let refused = docker_fails(&["plugin", "disable", &plugin.name]);
    assert!(refused.contains("in use"), "{refused}");
    assert!(plugin.enabled());
    assert_reaches(&b, &ipv4_of(&a, &net));

    plugin.remove_containers_and_networks();
    docker_ok(&["plugin", "disable", &plugin.name]);
    assert!(!plugin.enabled());

    // The log level is a setting: disabled, set, enabled again.
    let from = dockerd_log_lines();
    docker_ok(&["plugin", "set", &plugin.name, "RUST_LOG=debug"]);
    let env = docker_ok(&["plugin", "inspect", "-f", "{{.Settings.Env}}", &plugin.name]);
    assert!(env.contains("RUST_LOG=debug"), "{env}");
    docker_ok(&["plugin", "enable", &plugin.name]);
    let probe = plugin.network("probe", "10.220.2.0/24");
    docker_ok(&["network", "rm", &probe]);
    plugin.networks.clear();
    let lines = wait_for("the plugin logging at debug level", SOON, || {
        let lines = plugin_lines_since(&id, from);
        if lines.iter().any(|line| line.contains("DEBUG")) {
            Ok(lines)
        } else {
            Err(format!("{lines:#?}"))
        }
    });
    assert!(
        lines.iter().all(|line| !line.contains('\u{1b}')),
        "colour codes in dockerd's log: {lines:#?}"
    );

    docker_ok(&["plugin", "disable", &plugin.name]);
    docker_ok(&["plugin", "rm", &plugin.name]);
    plugin.removed = true;
    let left = docker_ok(&["plugin", "ls", "-q", "--no-trunc"]);
    assert!(!left.contains(&id), "{left}");
    assert!(!socket.exists(), "{} is left", socket.display());
    assert!(!socket.parent().expect("a directory").exists());
    assert!(!state_dir(&id).exists(), "the state is left");
    let links = host_links(&[&bridge]);
    assert!(links.is_empty(), "links left: {links:?}");
    let rules = firewall_rules_mentioning(&bridge);
    assert!(rules.is_empty(), "rules left: {rules:#?}");
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn managed_bridge_comes_back_with_its_networks_after_a_dockerd_restart() {
    let mut plugin = Managed::create_and_enable("mgr");
    let net = plugin.network("n", "10.220.3.0/24");
    let a = plugin.container("a", &net);
    let b = plugin.container("b", &net);
    assert_reaches(&a, &ipv4_of(&b, &net));
    // busybox's sleep ignores SIGTERM as PID 1: stop the containers first, so dockerd does
    // not wait 10 s for each at shutdown.
    docker_ok(&["kill", &a, &b]);

    restart_dockerd();

    assert!(
        plugin.enabled(),
        "the plugin is not enabled after the restart"
    );
    docker_ok(&["start", &a, &b]);
    assert_reaches(&a, &ipv4_of(&b, &net));
    assert_reaches(&b, &ipv4_of(&a, &net));
    let bridge = bridge_of(&net);
    assert!(host_links(&[&bridge]).contains(&bridge));
    plugin.remove_containers_and_networks();
    assert!(
        !host_links(&[&bridge]).contains(&bridge),
        "{bridge} is left"
    );
}

/// Stops the private dockerd (SIGTERM, by the pid in its pid file) and starts it again with
/// the same command line and environment, its output appended to its log, then waits until
/// it answers. scripts/lib/dockerd.sh stops it later by the new pid file.
fn restart_dockerd() {
    let dir = daemon_dir();
    let pid_file = dir.join("docker.pid");
    let pid: u32 = std::fs::read_to_string(&pid_file)
        .expect("dockerd's pid file")
        .trim()
        .parse()
        .expect("a pid");
    let proc = PathBuf::from(format!("/proc/{pid}"));
    let split = |bytes: Vec<u8>| -> Vec<String> {
        bytes
            .split(|b| *b == 0)
            .filter(|part| !part.is_empty())
            .map(|part| String::from_utf8_lossy(part).into_owned())
            .collect()
    };
    let argv = split(std::fs::read(proc.join("cmdline")).expect("dockerd's command line"));
    let environment = split(std::fs::read(proc.join("environ")).expect("dockerd's environment"));
    assert!(
        argv.first().is_some_and(|a| a.ends_with("dockerd")),
        "pid {pid} is not dockerd: {argv:?}"
    );

    // SAFETY: kill has no memory-safety preconditions; the pid is dockerd's, just read.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    wait_for("dockerd to exit", DOCKERD_TIMEOUT, || {
        if proc.exists() && !is_zombie(&proc) {
            Err(format!("pid {pid} still runs"))
        } else {
            Ok(())
        }
    });

    let log = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("dockerd.log"))
        .expect("dockerd's log");
    // `setsid --fork`: dockerd runs on in a session of its own, as the first time, and
    // scripts/lib/dockerd.sh stops it by its pid file; setsid itself returns at once.
    let status = Command::new("setsid")
        .arg("--fork")
        .args(&argv)
        .env_clear()
        .envs(environment.iter().filter_map(|kv| kv.split_once('=')))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("the log"))
        .stderr(log)
        .status()
        .expect("starting dockerd again");
    assert!(status.success(), "setsid --fork dockerd: {status}");
    wait_for("dockerd answering again", DOCKERD_TIMEOUT, || {
        let output = docker(&["info", "-f", "{{.ID}}"]);
        if output.success() {
            Ok(())
        } else {
            Err(output.to_string())
        }
    });
}

fn is_zombie(proc: &Path) -> bool {
    std::fs::read_to_string(proc.join("stat"))
        .map(|stat| {
            stat.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
        .unwrap_or(true)
}
