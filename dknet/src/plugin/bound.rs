//! [`BoundPlugin`]: a plugin that listens, and its accept loop.

use std::io;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::task::TaskTracker;

use crate::server::Server;
use crate::shutdown::{self, ShutdownSignal};
use crate::transport::{Listener, LocalAddr, OwnedFile, Stream};
use crate::Error;

/// A plugin that is listening but not serving yet (see
/// [`Plugin::bind_unix`](crate::Plugin::bind_unix)).
///
/// Connections that arrive before [`BoundPlugin::run`] wait in the
/// listener's backlog. Dropping it without running removes the socket or
/// spec file.
pub struct BoundPlugin {
    server: Arc<Server>,
    listener: Listener,
    local_addr: LocalAddr,
    file: Option<OwnedFile>,
    shutdown: ShutdownSignal,
    grace_period: Duration,
}

impl std::fmt::Debug for BoundPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundPlugin")
            .field("local_addr", &self.local_addr)
            .field("file", &self.file)
            .finish_non_exhaustive()
    }
}

impl BoundPlugin {
    pub(super) fn new(
        server: Arc<Server>,
        listener: Listener,
        file: Option<OwnedFile>,
        shutdown: ShutdownSignal,
        grace_period: Duration,
    ) -> Self {
        let local_addr = match (&listener, &file) {
            // The path we chose (the listener may report it differently).
            (Listener::Unix(_), Some(file)) => LocalAddr::Unix(file.path().to_path_buf()),
            _ => listener
                .local_addr()
                .unwrap_or_else(|_| LocalAddr::Unix(Default::default())),
        };
        Self {
            server,
            listener,
            local_addr,
            file,
            shutdown,
            grace_period,
        }
    }

    /// Where the plugin listens: the socket path, or the bound TCP address
    /// (with the real port when port 0 was asked for).
    pub fn local_addr(&self) -> &LocalAddr {
        &self.local_addr
    }

    /// The spec file written for a TCP plugin.
    pub fn spec_file(&self) -> Option<&Path> {
        match self.local_addr {
            LocalAddr::Tcp(_) => self.file.as_ref().map(OwnedFile::path),
            LocalAddr::Unix(_) => None,
        }
    }

    /// Serves until the shutdown signal, then shuts down gracefully and
    /// returns `Ok(())`.
    pub async fn run(self) -> Result<(), Error> {
        let Self {
            server,
            listener,
            local_addr,
            file,
            mut shutdown,
            grace_period,
        } = self;
        let connections = TaskTracker::new();
        let open_files = crate::server::raise_open_file_limit();
        tracing::info!(address = %local_addr, open_files, "serving");
        loop {
            let accepted = tokio::select! {
                biased;
                () = shutdown.requested() => break,
                // At the connection limit, accept only once one can go.
                accepted = async {
                    server.room().await;
                    listener.accept().await
                } => accepted,
            };
            match accepted {
                Ok(stream) => {
                    let server = Arc::clone(&server);
                    connections.spawn(async move {
                        match stream {
                            Stream::Unix(io) => server.serve_connection(io).await,
                            Stream::Tcp(io) => server.serve_connection(io).await,
                        }
                    });
                }
                Err(error) => accept_failed(&server, &error).await,
            }
        }
        // Nobody new can connect: close the listener and remove its file.
        drop(listener);
        drop(file);
        shutdown::drain(&server, connections, grace_period, &mut shutdown).await;
        tracing::info!(address = %local_addr, "stopped");
        Ok(())
    }
}

/// Accept errors are about one connection or a passing shortage (too many
/// open files): log, and when out of files, evict a connection (at most one
/// per connection admitted) and wait for one to close, and keep serving.
async fn accept_failed(server: &Server, error: &io::Error) {
    tracing::warn!(%error, "cannot accept a connection");
    let exhausted = matches!(
        error.raw_os_error(),
        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
    );
    if exhausted {
        server.free_a_descriptor().await;
    }
}
