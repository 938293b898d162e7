//! One example plugin running as a child process: started, stopped (SIGTERM), killed
//! (SIGKILL) and restarted with the same name and state, and stopped when dropped.

use std::fs::OpenOptions;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use super::cli::{poll, signal};

/// How long a plugin may take to listen, or to exit after SIGTERM.
const START_STOP_TIMEOUT: Duration = Duration::from_secs(20);

/// Which example binary, and how it listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `dknet-noop --name NAME`: /run/docker/plugins/NAME.sock.
    Noop,
    /// `dknet-noop --name NAME --tcp 127.0.0.1:0`: /etc/docker/plugins/NAME.spec.
    NoopTcp,
    /// `dknet-bridge --name NAME --state-dir DIR`.
    Bridge,
    /// `dknet-ipam --name NAME --state-dir DIR` with the IPAM tests' pool ranges.
    Ipam,
    /// `dknet-bridge --ipam ...`: bridge and allocator on one socket.
    BridgeIpam,
    /// `dknet-noop --name NAME --idle-timeout 2`: closes idle connections after 2 s.
    NoopShortIdle,
}

/// The pool ranges the IPAM tests give the allocator.
const TEST_POOL_RANGES: [&str; 4] = [
    "--pool-range",
    "10.212.0.0/16",
    "--pool-range-v6",
    "fd00:210:1::/48",
];

/// A plugin process (or, between `stop` and `start`, the memory of one).
pub(crate) struct PluginProcess {
    kind: Kind,
    name: String,
    state_dir: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl PluginProcess {
    /// Starts the plugin `name` and waits until it accepts connections; `dir` holds its
    /// state and its log (standard error of every run, appended).
    pub(crate) fn start(kind: Kind, name: &str, dir: &Path) -> Self {
        let mut plugin = Self {
            kind,
            name: name.to_owned(),
            state_dir: dir.join("state"),
            log: dir.join("plugin.log"),
            child: None,
        };
        plugin.restart();
        plugin
    }

    /// The name dockerd knows the plugin by (`docker network create -d NAME`).
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The Unix socket the plugin listens on (`Kind::Noop` and `Kind::Bridge`).
    pub(crate) fn socket(&self) -> PathBuf {
        PathBuf::from(format!("/run/docker/plugins/{}.sock", self.name))
    }

    /// The spec file that announces a TCP plugin (`Kind::NoopTcp`).
    pub(crate) fn spec_file(&self) -> PathBuf {
        PathBuf::from(format!("/etc/docker/plugins/{}.spec", self.name))
    }

    /// The plugin's state as one JSON object (see `read_state`), `None` before the plugin
    /// made its state directory.
    #[track_caller]
    pub(crate) fn state(&self) -> Option<serde_json::Value> {
        self.state_dir
            .exists()
            .then(|| crate::state_files::read_state(&self.state_dir))
    }

    /// Whether the process is running (it may have died on its own).
    pub(crate) fn is_running(&mut self) -> bool {
        self.child.is_some() && matches!(self.reap(), Ok(None))
    }

    /// Everything the plugin has logged so far, over all its runs.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log)
            .unwrap_or_else(|e| format!("(cannot read {}: {e})", self.log.display()))
    }

    /// Starts the plugin again with the same name and state directory and waits until it
    /// accepts connections. It must not be running.
    #[track_caller]
    pub(crate) fn restart(&mut self) {
        if let Err(e) = self.try_restart() {
            panic!("{e}");
        }
    }

    /// [`Self::restart`] that reports failure instead of panicking (for clean-up code).
    pub(crate) fn try_restart(&mut self) -> Result<(), String> {
        if self.child.is_some() {
            return Err(format!("plugin {} is running", self.name));
        }
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .map_err(|e| format!("opening {}: {e}", self.log.display()))?;
        let mut command = match self.kind {
            Kind::Noop | Kind::NoopTcp | Kind::NoopShortIdle => {
                Command::new(env!("CARGO_BIN_EXE_dknet-noop"))
            }
            Kind::Bridge | Kind::BridgeIpam => {
                let mut command = Command::new(env!("CARGO_BIN_EXE_dknet-bridge"));
                command.arg("--state-dir").arg(&self.state_dir);
                if self.kind == Kind::BridgeIpam {
                    command.arg("--ipam").args(TEST_POOL_RANGES);
                }
                command
            }
            Kind::Ipam => {
                let mut command = Command::new(env!("CARGO_BIN_EXE_dknet-ipam"));
                command.arg("--state-dir").arg(&self.state_dir);
                command.args(TEST_POOL_RANGES);
                command
            }
        };
        command.args(["--name", &self.name]);
        if self.kind == Kind::NoopTcp {
            command.args(["--tcp", "127.0.0.1:0"]);
        }
        if self.kind == Kind::NoopShortIdle {
            command.args(["--idle-timeout", "2"]);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "info,dknet=debug");
        }
        let stdout = log
            .try_clone()
            .map_err(|e| format!("cloning the log file: {e}"))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("starting plugin {}: {e}", self.name))?;
        self.child = Some(child);
        let what = format!("plugin {} accepting connections", self.name);
        poll(&what, START_STOP_TIMEOUT, || {
            if let Some(status) = self.reap()? {
                return Err(format!("it exited with {status}; its log:\n{}", self.log()));
            }
            self.probe()
        })
    }

    /// Stops the plugin with SIGTERM; it must exit successfully, having removed its socket
    /// (or spec file).
    #[track_caller]
    pub(crate) fn stop(&mut self) {
        if let Err(e) = self.try_stop() {
            panic!("{e}");
        }
    }

    /// [`Self::stop`] that reports failure instead of panicking (for clean-up code).
    pub(crate) fn try_stop(&mut self) -> Result<(), String> {
        let status = self.signal_and_wait(libc::SIGTERM)?;
        if !status.success() {
            return Err(format!(
                "plugin {} exited with {status} after SIGTERM; its log:\n{}",
                self.name,
                self.log()
            ));
        }
        let file = self.listen_file();
        if file.exists() {
            return Err(format!(
                "plugin {} left {} behind after SIGTERM",
                self.name,
                file.display()
            ));
        }
        Ok(())
    }

    /// Kills the plugin with SIGKILL (`kill -9`): it can clean nothing up.
    #[track_caller]
    pub(crate) fn kill(&mut self) {
        if let Err(e) = self.signal_and_wait(libc::SIGKILL) {
            panic!("{e}");
        }
    }

    /// The file dockerd discovers the plugin by: its socket or its spec file.
    pub(crate) fn listen_file(&self) -> PathBuf {
        match self.kind {
            Kind::NoopTcp => self.spec_file(),
            Kind::Noop | Kind::NoopShortIdle | Kind::Bridge | Kind::Ipam | Kind::BridgeIpam => {
                self.socket()
            }
        }
    }

    /// Sends `sig` and waits (bounded) for the process to exit.
    fn signal_and_wait(&mut self, sig: libc::c_int) -> Result<ExitStatus, String> {
        let Some(child) = self.child.as_ref() else {
            return Err(format!("plugin {} is not running", self.name));
        };
        signal(child.id(), sig);
        let what = format!("plugin {} exiting on signal {sig}", self.name);
        poll(&what, START_STOP_TIMEOUT, || {
            self.reap()?.ok_or_else(|| "still running".to_owned())
        })
    }

    /// The exit status if the process has exited (it is then forgotten).
    fn reap(&mut self) -> Result<Option<ExitStatus>, String> {
        let Some(child) = self.child.as_mut() else {
            return Err("not started".to_owned());
        };
        match child.try_wait() {
            Ok(Some(status)) => {
                self.child = None;
                Ok(Some(status))
            }
            Ok(None) => Ok(None),
            Err(e) => Err(format!("waiting for the plugin: {e}")),
        }
    }

    /// Whether the plugin accepts a connection where dockerd will look for it.
    fn probe(&self) -> Result<(), String> {
        match self.kind {
            Kind::Noop | Kind::NoopShortIdle | Kind::Bridge | Kind::Ipam | Kind::BridgeIpam => {
                UnixStream::connect(self.socket())
                    .map(drop)
                    .map_err(|e| format!("connecting to {}: {e}", self.socket().display()))
            }
            Kind::NoopTcp => {
                let spec = std::fs::read_to_string(self.spec_file())
                    .map_err(|e| format!("reading {}: {e}", self.spec_file().display()))?;
                let address = spec
                    .trim()
                    .strip_prefix("tcp://")
                    .ok_or_else(|| format!("spec file says {spec:?}"))?;
                std::net::TcpStream::connect(address)
                    .map(drop)
                    .map_err(|e| format!("connecting to {address}: {e}"))
            }
        }
    }
}

impl Drop for PluginProcess {
    /// SIGTERM, then SIGKILL if it does not exit in time; never panics. Then removes the
    /// lock file dknet keeps beside the socket or spec file (`.NAME.sock.lock`), which a
    /// plugin leaves on purpose and a test's plugin name, used once, does not need.
    fn drop(&mut self) {
        if self.child.is_some() && self.signal_and_wait(libc::SIGTERM).is_err() {
            if let Some(mut child) = self.child.take() {
                eprintln!("plugin {} ignored SIGTERM: killing it", self.name);
                let _ = child.kill();
                let _ = child.wait();
            }
        }
        let listen_file = self.listen_file();
        if let Some(name) = listen_file.file_name() {
            let mut lock = std::ffi::OsString::from(".");
            lock.push(name);
            lock.push(".lock");
            let _ = std::fs::remove_file(listen_file.with_file_name(lock));
        }
    }
}
