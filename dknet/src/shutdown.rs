//! Graceful shutdown: what starts it (SIGINT/SIGTERM or the caller's
//! future), and how connections and driver calls are drained within the
//! grace period.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::signal::unix::{signal, Signal, SignalKind};
use tokio_util::task::TaskTracker;

use crate::server::Server;
use crate::Error;

/// The default time requests in flight get to finish once shutdown starts.
pub(crate) const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// Once the grace period is over, how long the `500` answers of the calls
/// cut short get to be written before their connections are dropped.
const FINAL_ANSWERS: Duration = Duration::from_secs(1);

/// What tells the plugin to stop.
pub(crate) struct ShutdownSignal(Source);

enum Source {
    /// SIGINT or SIGTERM; a second one ends the grace period at once.
    Os {
        interrupt: Signal,
        terminate: Signal,
    },
    /// The caller's future ([`Plugin::shutdown_signal`](crate::Plugin::shutdown_signal)).
    Caller(Pin<Box<dyn Future<Output = ()> + Send>>),
}

impl ShutdownSignal {
    /// SIGINT or SIGTERM. The handlers are installed now, so a signal that
    /// arrives before serving starts is not lost.
    pub(crate) fn os() -> Result<Self, Error> {
        Ok(Self(Source::Os {
            interrupt: signal(SignalKind::interrupt()).map_err(Error::Signal)?,
            terminate: signal(SignalKind::terminate()).map_err(Error::Signal)?,
        }))
    }

    /// Stops when `future` completes.
    pub(crate) fn future(future: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(Source::Caller(Box::pin(future)))
    }

    /// Completes when shutdown is asked for (cancel-safe; not to be polled
    /// again once completed).
    pub(crate) async fn requested(&mut self) {
        match &mut self.0 {
            Source::Os { .. } => {
                let name = self.next_signal().await;
                tracing::info!(signal = name, "shutting down");
            }
            Source::Caller(future) => future.await,
        }
    }

    /// Completes on a second SIGINT/SIGTERM; never for a caller's future.
    async fn again(&mut self) {
        match &mut self.0 {
            Source::Os { .. } => {
                let name = self.next_signal().await;
                tracing::warn!(signal = name, "second signal: stopping now");
            }
            Source::Caller(_) => std::future::pending().await,
        }
    }

    async fn next_signal(&mut self) -> &'static str {
        let Source::Os {
            interrupt,
            terminate,
        } = &mut self.0
        else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        }
    }
}

/// Stops every connection: those without a request in flight close at
/// once, the others after their answer. Driver calls get `grace` to
/// finish (less if a second signal comes); then those still running are
/// answered 500 and their [`Context`](crate::Context)s cancelled, and
/// every connection is closed.
pub(crate) async fn drain(
    server: &Server,
    connections: TaskTracker,
    grace: Duration,
    shutdown: &mut ShutdownSignal,
) {
    server.stop_connections();
    connections.close();
    server.calls().close();
    let finished = async {
        connections.wait().await;
        server.calls().wait().await;
    };
    tokio::select! {
        () = finished => return,
        () = tokio::time::sleep(grace) => tracing::warn!(
            connections = connections.len(),
            calls = server.calls().len(),
            "grace period over: answering the calls still running with 500"
        ),
        () = shutdown.again() => {}
    }
    server.cut_calls();
    if tokio::time::timeout(FINAL_ANSWERS, connections.wait())
        .await
        .is_err()
    {
        server.close_connections();
        connections.wait().await;
    }
}
