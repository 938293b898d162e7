//! [`Plugin`]: the drivers a plugin serves and how it serves them, and the
//! one-line entry points [`serve_unix`] and [`serve_tcp`].

mod bound;

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use tokio::net::ToSocketAddrs;

pub use self::bound::BoundPlugin;
use crate::dispatch::Subsystem;
use crate::ipam::{self, IpamDriver};
use crate::network::{self, NetworkDriver};
use crate::server::{Limits, Server};
use crate::shutdown::{ShutdownSignal, DEFAULT_GRACE_PERIOD};
use crate::transport::group::SocketGroup;
use crate::transport::{self, Listener, OwnedFile};
use crate::Error;

/// Where dockerd looks for plugin sockets.
pub const DEFAULT_PLUGIN_DIR: &str = "/run/docker/plugins";
/// Where dockerd looks for `.spec` files.
pub const DEFAULT_SPEC_DIR: &str = "/etc/docker/plugins";

/// A Docker plugin: its drivers, and the options for serving them.
///
/// ```no_run
/// # #[derive(Default)] struct Bridge;
/// # impl dknet::network::NetworkDriver for Bridge {}
/// # async fn run() -> Result<(), dknet::Error> {
/// dknet::Plugin::new()
///     .network_driver(Bridge::default())
///     .socket_group("docker")
///     .serve_unix("bridge") // /run/docker/plugins/bridge.sock
///     .await
/// # }
/// ```
///
/// # Which entry point
///
/// | you have | call |
/// |---|---|
/// | one network driver, default options, a unix socket | [`serve_unix`](crate::serve_unix)`(driver, "name")` |
/// | the same, for dockerd on another host or in a VM | [`serve_tcp`](crate::serve_tcp)`(driver, "name", address)`: a TCP port and a `.spec` file |
/// | an IPAM driver, both drivers on one socket, or options (socket group, limits, grace period) | `Plugin::new()...`, then [`serve_unix`](Plugin::serve_unix) or [`serve_tcp`](Plugin::serve_tcp) |
/// | a systemd socket unit | [`Plugin::serve_systemd`] (check [`Plugin::systemd_activated`] to fall back) |
/// | a listener of your own (a test, an inherited descriptor) | [`Plugin::serve_listener`] |
/// | slow start-up work to do once the socket exists, or a need for the bound address (port 0) | a `bind_*` method, then [`BoundPlugin::run`] |
/// | a test without a socket | `dknet::testing::Client::in_process(plugin)` (feature `testing`) |
///
/// Serving stops on SIGINT or SIGTERM (or [`Plugin::shutdown_signal`]):
/// the plugin stops accepting connections, removes its socket or spec file,
/// lets requests in flight finish within the [grace period](Plugin::grace_period),
/// cancels the rest (their [`Context`](crate::Context)s), and returns `Ok(())`.
pub struct Plugin {
    subsystems: Vec<Arc<dyn Subsystem>>,
    socket_group: Option<SocketGroup>,
    socket_mode: u32,
    plugin_dir: PathBuf,
    spec_dir: PathBuf,
    limits: Limits,
    grace_period: Duration,
    shutdown: Option<ShutdownSignal>,
}

impl Default for Plugin {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.implements().collect();
        f.debug_struct("Plugin")
            .field("implements", &names)
            .field("socket_group", &self.socket_group)
            .field("socket_mode", &format_args!("{:#o}", self.socket_mode))
            .field("plugin_dir", &self.plugin_dir)
            .field("spec_dir", &self.spec_dir)
            .field("limits", &self.limits)
            .field("grace_period", &self.grace_period)
            .field("shutdown_signal", &self.shutdown.is_some())
            .finish()
    }
}

impl Plugin {
    /// A plugin with no drivers yet and the default options: socket mode
    /// `0o660`, the process's group, `/run/docker/plugins`,
    /// `/etc/docker/plugins`, 1 MiB bodies, 10 s grace period, SIGINT/SIGTERM,
    /// and the connection limits below (10 s to send a request head or
    /// body, 90 s idle, 512 connections).
    pub fn new() -> Self {
        Self {
            subsystems: Vec::new(),
            socket_group: None,
            socket_mode: 0o660,
            plugin_dir: PathBuf::from(DEFAULT_PLUGIN_DIR),
            spec_dir: PathBuf::from(DEFAULT_SPEC_DIR),
            limits: Limits::default(),
            grace_period: DEFAULT_GRACE_PERIOD,
            shutdown: None,
        }
    }

    /// Serves `driver` as the plugin's `NetworkDriver` (replacing any earlier one).
    pub fn network_driver<D: NetworkDriver>(self, driver: D) -> Self {
        self.network_driver_shared(Arc::new(driver))
    }

    /// Like [`Plugin::network_driver`], for a driver you keep a handle to.
    pub fn network_driver_shared<D: NetworkDriver>(self, driver: Arc<D>) -> Self {
        self.subsystem(Arc::new(network::protocol::Routes(driver)))
    }

    /// Serves `driver` as the plugin's `IpamDriver` (replacing any earlier
    /// one), beside the network driver if there is one: dockerd sees one
    /// plugin implementing both, so `docker network create -d NAME
    /// --ipam-driver NAME` talks to one socket. One type may implement both
    /// traits: share it with [`Plugin::ipam_driver_shared`].
    pub fn ipam_driver<D: IpamDriver>(self, driver: D) -> Self {
        self.ipam_driver_shared(Arc::new(driver))
    }

    /// Like [`Plugin::ipam_driver`], for a driver you keep a handle to (or
    /// also serve as the network driver).
    pub fn ipam_driver_shared<D: IpamDriver>(self, driver: Arc<D>) -> Self {
        self.subsystem(Arc::new(ipam::protocol::Routes(driver)))
    }

    /// The names dockerd knows the plugin's drivers by (`NetworkDriver`, ...), in
    /// registration order.
    pub(crate) fn implements(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.subsystems.iter().map(|s| s.name())
    }

    /// Adds a subsystem, replacing one of the same name in place (so the
    /// `Implements` list keeps registration order).
    pub(crate) fn subsystem(mut self, subsystem: Arc<dyn Subsystem>) -> Self {
        match self
            .subsystems
            .iter_mut()
            .find(|s| s.name() == subsystem.name())
        {
            Some(slot) => *slot = subsystem,
            None => self.subsystems.push(subsystem),
        }
        self
    }

    /// The unix socket's group, by name (looked up when binding; an unknown
    /// group is an error). Default: the process's group.
    pub fn socket_group(mut self, name: impl Into<String>) -> Self {
        self.socket_group = Some(SocketGroup::Name(name.into()));
        self
    }

    /// The unix socket's group, by number.
    pub fn socket_gid(mut self, gid: u32) -> Self {
        self.socket_group = Some(SocketGroup::Gid(gid));
        self
    }

    /// The unix socket's permission bits. Default: `0o660`.
    pub fn socket_mode(mut self, mode: u32) -> Self {
        self.socket_mode = mode;
        self
    }

    /// Where a plugin *name* becomes `<dir>/<name>.sock`. Default:
    /// `/run/docker/plugins`, where dockerd looks (created if missing).
    pub fn plugin_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.plugin_dir = dir.into();
        self
    }

    /// Where [`Plugin::serve_tcp`] writes `<name>.spec`. Default:
    /// `/etc/docker/plugins` (created if missing).
    pub fn spec_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.spec_dir = dir.into();
        self
    }

    /// The largest request body accepted; larger ones get 413. Default: 1 MiB.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.limits.body_limit = bytes;
        self
    }

    /// The most memory request bodies being read may hold, all
    /// connections together, besides [`Plugin::body_limit`] for each: a
    /// body that would take more is answered 503 `{"Err"}` and its
    /// connection closed. Small bodies (dockerd's are) never count against
    /// it. Default: 32 MiB. See `docs/limits.md`.
    pub fn body_budget(mut self, bytes: usize) -> Self {
        self.limits.body_budget = bytes;
        self
    }

    /// How long a client may take to send a request head once its first
    /// byte arrived; slower connections are closed. Default: 10 s.
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.header_read_timeout = timeout;
        self
    }

    /// How long a client may take to send a request body once the head
    /// arrived (slower requests get 408), and to take its answer (a client
    /// that stops reading is disconnected). Default: 10 s.
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.limits.body_read_timeout = timeout;
        self
    }

    /// How long a keep-alive connection may wait for its next request
    /// before it is closed. Default: 90 s, longer than dockerd's own 30 s,
    /// so that dockerd is the one to close the connections it keeps.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.limits.idle_timeout = timeout;
        self
    }

    /// How many connections are served at once. A new connection beyond it
    /// closes the one that has waited longest (idle, or still sending its
    /// request, or not reading its answer), never one whose driver call
    /// runs; if every connection has a call running, it waits. Default:
    /// 512 (dockerd keeps at most 6 idle ones).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.limits.max_connections = connections;
        self
    }

    /// How long requests in flight may run once shutdown starts; after
    /// that their [`Context`](crate::Context)s are cancelled. Default: 10 s.
    pub fn grace_period(mut self, grace_period: Duration) -> Self {
        self.grace_period = grace_period;
        self
    }

    /// Stop serving when `signal` completes, instead of on SIGINT/SIGTERM.
    pub fn shutdown_signal(mut self, signal: impl Future<Output = ()> + Send + 'static) -> Self {
        self.shutdown = Some(ShutdownSignal::future(signal));
        self
    }

    /// Serves on a unix socket until shutdown: `name_or_path` is a plugin
    /// name (`<plugin_dir>/<name>.sock`) or, if it contains a `/`, a path.
    pub async fn serve_unix(self, name_or_path: impl AsRef<Path>) -> Result<(), Error> {
        self.bind_unix(name_or_path).await?.run().await
    }

    /// Serves on TCP until shutdown, announced by `<spec_dir>/<name>.spec`.
    pub async fn serve_tcp(self, name: &str, address: impl ToSocketAddrs) -> Result<(), Error> {
        self.bind_tcp(name, address).await?.run().await
    }

    /// Serves on a listener you created until shutdown. No file is created
    /// or removed.
    pub async fn serve_listener(self, listener: impl Into<Listener>) -> Result<(), Error> {
        self.bind_listener(listener)?.run().await
    }

    /// Serves on the socket systemd passed (socket activation, `LISTEN_FDS`)
    /// until shutdown. The socket file is systemd's and is left in place.
    pub async fn serve_systemd(self) -> Result<(), Error> {
        self.bind_systemd()?.run().await
    }

    /// True when systemd passed this process a socket to serve on (see
    /// [`Plugin::serve_systemd`]).
    pub fn systemd_activated() -> bool {
        transport::systemd::is_activated()
    }

    /// Listens on a unix socket (as [`Plugin::serve_unix`]) without serving
    /// yet: do slow start-up work, then [`BoundPlugin::run`]. Connections
    /// wait in the backlog meanwhile, and dockerd sees the socket.
    pub async fn bind_unix(mut self, name_or_path: impl AsRef<Path>) -> Result<BoundPlugin, Error> {
        let path = transport::unix::socket_path(name_or_path.as_ref(), &self.plugin_dir)?;
        let shutdown = self.take_shutdown()?;
        let (listener, file) =
            transport::unix::bind(&path, self.socket_mode, self.socket_group.as_ref()).await?;
        Ok(self.bound(Listener::Unix(listener), Some(file), shutdown))
    }

    /// Listens on TCP and writes the spec file (as [`Plugin::serve_tcp`])
    /// without serving yet.
    pub async fn bind_tcp(
        mut self,
        name: &str,
        address: impl ToSocketAddrs,
    ) -> Result<BoundPlugin, Error> {
        let shutdown = self.take_shutdown()?;
        let (listener, spec) = transport::tcp::bind(name, address, &self.spec_dir).await?;
        Ok(self.bound(Listener::Tcp(listener), Some(spec), shutdown))
    }

    /// Prepares to serve on a listener you created.
    pub fn bind_listener(mut self, listener: impl Into<Listener>) -> Result<BoundPlugin, Error> {
        let shutdown = self.take_shutdown()?;
        Ok(self.bound(listener.into(), None, shutdown))
    }

    /// Prepares to serve on the socket systemd passed.
    pub fn bind_systemd(self) -> Result<BoundPlugin, Error> {
        let listener = transport::systemd::take_listener()?;
        self.bind_listener(listener)
    }

    /// The caller's shutdown signal, or SIGINT/SIGTERM (handlers installed
    /// now, before binding, so that a failure leaves nothing behind).
    fn take_shutdown(&mut self) -> Result<ShutdownSignal, Error> {
        match self.shutdown.take() {
            Some(signal) => Ok(signal),
            None => ShutdownSignal::os(),
        }
    }

    fn bound(
        self,
        listener: Listener,
        file: Option<OwnedFile>,
        shutdown: ShutdownSignal,
    ) -> BoundPlugin {
        let grace_period = self.grace_period;
        BoundPlugin::new(self.into_server(), listener, file, shutdown, grace_period)
    }

    /// The server for this plugin's drivers.
    pub(crate) fn into_server(self) -> Arc<Server> {
        if self.subsystems.is_empty() {
            tracing::warn!("serving a plugin with no drivers: add one with Plugin::network_driver or Plugin::ipam_driver");
        }
        Arc::new(Server::new(self.subsystems, self.limits))
    }
}

/// Serves `driver` on `/run/docker/plugins/<name>.sock` (or on the socket
/// path given, if it contains a `/`) until SIGINT or SIGTERM: the shortest
/// way to run one network driver on the same host as dockerd. For IPAM, both
/// drivers, or any option, use [`Plugin`] (see "Which entry point" there).
pub async fn serve_unix<D: NetworkDriver>(
    driver: D,
    name_or_path: impl AsRef<Path>,
) -> Result<(), Error> {
    Plugin::new()
        .network_driver(driver)
        .serve_unix(name_or_path)
        .await
}

/// Serves `driver` on TCP `address` (port 0 picks one), announced to dockerd
/// by `/etc/docker/plugins/<name>.spec`, until SIGINT or SIGTERM: for a
/// dockerd that cannot reach a unix socket of this process (another host, a
/// VM). A unix socket is the usual choice: anyone who reaches the port can
/// call the driver. For options, use [`Plugin`].
pub async fn serve_tcp<D: NetworkDriver>(
    driver: D,
    name: &str,
    address: impl ToSocketAddrs,
) -> Result<(), Error> {
    Plugin::new()
        .network_driver(driver)
        .serve_tcp(name, address)
        .await
}
