//! `Lab`: what one test makes (its plugin, networks and containers), removed again when the
//! test ends, passed or failed; and small queries about containers and the host.

use std::process;
use std::sync::OnceLock;
use std::thread;
use std::time::Duration;

use tempfile::TempDir;

use super::cli::{docker, docker_ok, run, tail, COMMAND_TIMEOUT};
use super::plugin::{Kind, PluginProcess};

/// The image every container runs: busybox, imported by scripts/lib/dockerd.sh. It has no
/// default command.
pub(crate) const IMAGE: &str = "busybox:dknet";

/// One test's plugin, networks and containers. Dropping it removes the containers, then the
/// networks (restarting the plugin first if the test left it stopped), then stops the plugin
/// with SIGTERM (which it must survive cleanly); if the test is failing, it first prints the
/// plugin's log and the end of dockerd's log.
/// A clean-up that fails fails the test, and keeps the plugin's temporary directory.
pub(crate) struct Lab {
    /// `dknet-t-<label>-<pid>`: the plugin's name and the prefix of every name made.
    name: String,
    containers: Vec<String>,
    networks: Vec<String>,
    /// The plugin, to stop, kill or restart it.
    pub(crate) plugin: PluginProcess,
    dir: TempDir,
}

impl Lab {
    /// Checks that Docker is usable (failing the test if not), then starts a plugin of
    /// `kind` named after `label` with a fresh state directory.
    #[track_caller]
    pub(crate) fn start(kind: Kind, label: &str) -> Self {
        preflight();
        let name = format!("dknet-t-{label}-{}", process::id());
        let dir = tempfile::Builder::new()
            .prefix(&format!("{name}-"))
            .tempdir()
            .expect("a temporary directory");
        let plugin = PluginProcess::start(kind, &name, dir.path());
        Self {
            name,
            containers: Vec::new(),
            networks: Vec::new(),
            plugin,
            dir,
        }
    }

    /// The plugin's name, for `-d`.
    pub(crate) fn driver(&self) -> &str {
        self.plugin.name()
    }

    /// `docker network create -d <plugin> ARGS <lab>-<suffix>` (`args` split at whitespace),
    /// which must succeed; the network's name.
    #[track_caller]
    pub(crate) fn network(&mut self, suffix: &str, args: &str) -> String {
        let name = format!("{}-{suffix}", self.name);
        let mut command = vec!["network", "create", "-d", self.plugin.name()];
        command.extend(args.split_whitespace());
        command.push(&name);
        docker_ok(&command);
        self.networks.push(name.clone());
        name
    }

    /// `docker network create --ipam-driver <plugin> ARGS <lab>-<suffix>` (Docker's own
    /// bridge driver, this plugin's addresses), which must succeed; the network's name.
    #[track_caller]
    pub(crate) fn ipam_network(&mut self, suffix: &str, args: &str) -> String {
        let name = format!("{}-{suffix}", self.name);
        let mut command = vec!["network", "create", "--ipam-driver", self.plugin.name()];
        command.extend(args.split_whitespace());
        command.push(&name);
        docker_ok(&command);
        self.networks.push(name.clone());
        name
    }

    /// A name for a container that this lab removes at the end, however it is started.
    pub(crate) fn container_name(&mut self, suffix: &str) -> String {
        let name = format!("{}-{suffix}", self.name);
        self.containers.push(name.clone());
        name
    }

    /// `docker run -d --name <lab>-<suffix> --network NETWORK busybox sleep 300`, which must
    /// succeed; the container's name.
    #[track_caller]
    pub(crate) fn container(&mut self, suffix: &str, network: &str) -> String {
        let name = self.container_name(suffix);
        let command = format!("run -d --name {name} --network {network} {IMAGE} sleep 300");
        docker_ok(&command.split_whitespace().collect::<Vec<_>>());
        name
    }

    /// Removes every container, then every network; each removal must succeed (this is how
    /// tests check that removal works, e.g. after the plugin restarted).
    #[track_caller]
    pub(crate) fn remove_all(&mut self) {
        let problems = self.try_remove_all();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Removes what is left; returns what went wrong.
    fn try_remove_all(&mut self) -> Vec<String> {
        let mut problems = Vec::new();
        for container in std::mem::take(&mut self.containers) {
            match run("docker", &["rm", "-f", &container], COMMAND_TIMEOUT) {
                Ok(output) if output.success() || output.stderr.contains("No such container") => {}
                Ok(output) => problems.push(output.to_string()),
                Err(e) => problems.push(e),
            }
        }
        for network in std::mem::take(&mut self.networks).into_iter().rev() {
            match run("docker", &["network", "rm", &network], COMMAND_TIMEOUT) {
                Ok(output) if output.success() => {}
                Ok(output) => problems.push(output.to_string()),
                Err(e) => problems.push(e),
            }
        }
        problems
    }

    /// What to look at when a test fails.
    fn print_diagnostics(&self) {
        eprintln!(
            "===== plugin {} (state in {}) logged:\n{}",
            self.plugin.name(),
            self.dir.path().display(),
            self.plugin.log()
        );
        match std::env::var("DKNET_DOCKERD_LOG") {
            Ok(path) => eprintln!("===== the end of {path}:\n{}", tail(&path, 60)),
            Err(_) => eprintln!("===== DKNET_DOCKERD_LOG is not set: no dockerd log to show"),
        }
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        let failing = thread::panicking();
        if failing {
            self.print_diagnostics();
        }
        let mut problems = Vec::new();
        let anything_left = !(self.containers.is_empty() && self.networks.is_empty());
        if anything_left && !self.plugin.is_running() {
            // dockerd needs the plugin to remove its networks and endpoints.
            if let Err(e) = self.plugin.try_restart() {
                problems.push(e);
            }
        }
        problems.extend(self.try_remove_all());
        if !failing && self.plugin.is_running() {
            // Every plugin must exit cleanly on SIGTERM (if it fails, dropping it kills it).
            problems.extend(self.plugin.try_stop().err());
        }
        if problems.is_empty() {
            return;
        }
        // Keep the plugin's state and log: they say what is left (scripts/docker-tests deletes
        // the links named in the state files it finds).
        self.dir.disable_cleanup(true);
        let message = format!(
            "clean-up of {} failed (its state and log are kept in {}):\n{}",
            self.name,
            self.dir.path().display(),
            problems.join("\n")
        );
        if failing {
            eprintln!("{message}");
        } else {
            panic!("{message}");
        }
    }
}

/// Fails (never skips) unless Docker is usable: root, a daemon that answers, the version
/// scripts/docker-tests announced, and the busybox image. Checked once per test binary.
#[track_caller]
fn preflight() {
    static CHECK: OnceLock<Result<(), String>> = OnceLock::new();
    if let Err(e) = CHECK.get_or_init(check_docker) {
        panic!("{e}");
    }
}

fn check_docker() -> Result<(), String> {
    let hint = if std::env::var("DKNET_DOCKER_SUITE").as_deref() == Ok("1") {
        ""
    } else {
        "\n(this suite is meant to be run by scripts/docker-tests, as root, which starts \
         private Docker daemons for it)"
    };
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return Err(format!(
            "the Docker suite must run as root: plugins listen in /run/docker/plugins{hint}"
        ));
    }
    let timeout = Duration::from_secs(30);
    let version = run("docker", &["version", "-f", "{{.Server.Version}}"], timeout)
        .map_err(|e| format!("Docker is not usable: {e}{hint}"))?;
    if !version.success() {
        return Err(format!("Docker is not usable: {version}{hint}"));
    }
    let server = version.stdout.trim();
    if let Ok(expected) = std::env::var("DKNET_DOCKERD_VERSION") {
        if !server.starts_with(&expected) {
            return Err(format!(
                "DKNET_DOCKERD_VERSION is {expected} but the daemon is {server}"
            ));
        }
    }
    let image = run("docker", &["image", "inspect", IMAGE], timeout)?;
    if !image.success() {
        return Err(format!("the image {IMAGE} is missing: {image}{hint}"));
    }
    Ok(())
}

/// Starts `docker run -d --name <lab>-<suffix> --network NETWORK OPTIONS busybox nc ...`,
/// a server answering `pong` to every TCP connection on port 80; its name.
#[track_caller]
pub(crate) fn pong_server(lab: &mut Lab, suffix: &str, network: &str, options: &str) -> String {
    let name = lab.container_name(suffix);
    let mut args = vec!["run", "-d", "--name", &name, "--network", network];
    args.extend(options.split_whitespace());
    args.extend([IMAGE, "nc", "-ll", "-p", "80", "-e", "echo", "pong"]);
    docker_ok(&args);
    name
}

/// `docker exec CONTAINER COMMAND...`, which must succeed; its output, trimmed.
#[track_caller]
pub(crate) fn exec(container: &str, command: &[&str]) -> String {
    let mut args = vec!["exec", container];
    args.extend_from_slice(command);
    docker_ok(&args)
}

/// `docker run --rm --network NETWORK busybox COMMAND...` (`command` split at whitespace),
/// which must succeed; its output, trimmed.
#[track_caller]
pub(crate) fn run_once(network: &str, command: &str) -> String {
    run_once_with(network, "", command)
}

/// [`run_once`] with more `docker run` options (split at whitespace).
#[track_caller]
pub(crate) fn run_once_with(network: &str, options: &str, command: &str) -> String {
    let mut args = vec!["run", "--rm", "--network", network];
    args.extend(options.split_whitespace());
    args.push(IMAGE);
    args.extend(command.split_whitespace());
    docker_ok(&args)
}

/// A field of the container's endpoint on `network`, as `docker inspect` shows it
/// (`IPAddress`, `GlobalIPv6Address`, `EndpointID`, `Gateway`, ...).
#[track_caller]
pub(crate) fn endpoint_field(container: &str, network: &str, field: &str) -> String {
    let format = format!("{{{{(index .NetworkSettings.Networks \"{network}\").{field}}}}}");
    let value = docker_ok(&["inspect", "-f", &format, container]);
    assert!(
        !value.is_empty() && value != "<no value>",
        "{container} has no {field} on {network}"
    );
    value
}

/// The container's IPv4 address on `network`.
#[track_caller]
pub(crate) fn ipv4_of(container: &str, network: &str) -> String {
    endpoint_field(container, network, "IPAddress")
}

/// The container's IPv6 address on `network`.
#[track_caller]
pub(crate) fn ipv6_of(container: &str, network: &str) -> String {
    endpoint_field(container, network, "GlobalIPv6Address")
}

/// The network's full id.
#[track_caller]
pub(crate) fn network_id(network: &str) -> String {
    docker_ok(&["network", "inspect", "-f", "{{.Id}}", network])
}

/// The network interfaces in the container, sorted (`ls /sys/class/net`).
#[track_caller]
pub(crate) fn interfaces(container: &str) -> Vec<String> {
    let mut names: Vec<String> = exec(container, &["ls", "/sys/class/net"])
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    names.sort();
    names
}

/// One ping from `container` to `address` (IPv4 or IPv6), with a 2 s wait for the answer;
/// the command's output on failure.
pub(crate) fn ping(container: &str, address: &str) -> Result<(), String> {
    let family = if address.contains(':') { "-6" } else { "-4" };
    let output = docker(&[
        "exec", container, "ping", family, "-c", "1", "-W", "2", address,
    ]);
    if output.success() {
        Ok(())
    } else {
        Err(output.to_string())
    }
}

/// The host's network interfaces whose names start with one of `prefixes`.
pub(crate) fn host_links(prefixes: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir("/sys/class/net")
        .expect("listing /sys/class/net")
        .map(|entry| entry.expect("a /sys/class/net entry").file_name())
        .map(|name| name.to_string_lossy().into_owned())
        .filter(|name| prefixes.iter().any(|prefix| name.starts_with(prefix)))
        .collect();
    names.sort();
    names
}

/// The host's firewall rules (`iptables -S` and `ip6tables -S` of the filter, nat and mangle
/// tables) that mention `word`.
pub(crate) fn firewall_rules_mentioning(word: &str) -> Vec<String> {
    let mut found = Vec::new();
    for command in ["iptables", "ip6tables"] {
        for table in ["filter", "nat", "mangle"] {
            let output = run(command, &["-w", "-t", table, "-S"], Duration::from_secs(30))
                .unwrap_or_else(|e| panic!("{e}"));
            assert!(output.success(), "{output}");
            found.extend(
                output
                    .stdout
                    .lines()
                    .filter(|rule| rule.split_whitespace().any(|w| w == word))
                    .map(|rule| format!("{command} -t {table}: {rule}")),
            );
        }
    }
    found
}
