//! Graceful shutdown: what starts it (SIGINT/SIGTERM or the caller's
//! future), and how connections are drained within the grace period.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::task::TaskTracker;

use crate::server::ConnSignals;
use crate::Error;

/// The default time requests in flight get to finish once shutdown starts.
pub(crate) const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(10);

/// A future that completes when the plugin should stop.
pub(crate) type ShutdownSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Completes on the first SIGINT or SIGTERM. The handlers are installed
/// now, so a signal that arrives before serving starts is not lost.
pub(crate) fn os_signals() -> Result<ShutdownSignal, Error> {
    let mut interrupt = signal(SignalKind::interrupt()).map_err(Error::Signal)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(Error::Signal)?;
    Ok(Box::pin(async move {
        let name = tokio::select! {
            _ = interrupt.recv() => "SIGINT",
            _ = terminate.recv() => "SIGTERM",
        };
        tracing::info!(signal = name, "shutting down");
    }))
}

/// Stops every connection: each finishes the request in flight and closes;
/// after `grace`, those still running are dropped, which cancels their
/// requests' [`Context`](crate::Context)s.
pub(crate) async fn drain(connections: TaskTracker, signals: ConnSignals, grace: Duration) {
    signals.stop.cancel();
    connections.close();
    if connections.is_empty() {
        return;
    }
    tracing::debug!(
        connections = connections.len(),
        "closing connections after their requests in flight"
    );
    if tokio::time::timeout(grace, connections.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            connections = connections.len(),
            "grace period over: cancelling the requests still running"
        );
        signals.force.cancel();
        connections.wait().await;
    }
}
