//! The HTTP server: serves a plugin's [`Subsystem`]s over any byte stream,
//! one task per connection, HTTP/1.1 keep-alive, with the error contract of
//! `docs/design.md` (see [`http_connection`] for reading requests and
//! writing answers, [`request`] for routing and panic isolation and
//! [`response`] for the answers), within the [`Limits`] that keep clients
//! from starving it ([`registry`], [`budget`]).

mod budget;
mod chunked;
mod date;
mod fd_limit;
mod head;
mod http_connection;
mod in_place_call;
mod limits;
mod log_text;
mod registry;
mod request;
mod response;

pub(crate) use fd_limit::raise_open_file_limit;
pub(crate) use limits::Limits;
pub(crate) use log_text::Escaped;
#[cfg(feature = "testing")]
pub(crate) use response::MEDIA_TYPE;

use std::future::poll_fn;
use std::io;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use self::budget::Budget;
use self::http_connection::Connection;
use self::registry::{Conn, Connections, Order};
use crate::dispatch::Subsystem;
use crate::ActivateResponse;

/// Out of file descriptors, how long to wait for a connection to close
/// before trying to accept again (the descriptor freed may have gone to
/// the connection accepted just before).
const DESCRIPTOR_PATIENCE: Duration = Duration::from_millis(100);

/// What every connection of a plugin shares: the subsystems, the
/// precomputed `Plugin.Activate` answer, the limits, the live connections
/// and the driver calls running.
pub(crate) struct Server {
    subsystems: Box<[Arc<dyn Subsystem>]>,
    activation: Bytes,
    limits: Limits,
    /// What request bodies may hold in memory, all connections together.
    budget: Budget,
    connections: Connections,
    calls: TaskTracker,
    /// Cancelled when the shutdown grace period is over: calls still
    /// running are answered 500 and their contexts cancelled.
    calls_cut: CancellationToken,
}

/// Why a connection's task ended.
enum End {
    Closed(io::Result<()>),
    Stopped,
    Forced,
    Evicted,
}

impl Server {
    /// A server for `subsystems`, answering `Plugin.Activate` with their
    /// names in this order.
    pub(crate) fn new(subsystems: Vec<Arc<dyn Subsystem>>, limits: Limits) -> Self {
        let activation = ActivateResponse {
            implements: subsystems.iter().map(|s| s.name().to_owned()).collect(),
        };
        let activation = serde_json::to_vec(&activation).expect("a list of names encodes");
        Self {
            subsystems: subsystems.into_boxed_slice(),
            activation: Bytes::from(activation),
            limits,
            budget: Budget::new(limits.body_budget),
            connections: Connections::new(limits.max_connections),
            calls: TaskTracker::new(),
            calls_cut: CancellationToken::new(),
        }
    }

    /// The names in the `Implements` list, in registration order.
    pub(crate) fn implements(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.subsystems.iter().map(|s| s.name())
    }

    fn subsystem(&self, name: &str) -> Option<&Arc<dyn Subsystem>> {
        self.subsystems.iter().find(|s| s.name() == name)
    }

    /// Completes when one more connection can be served.
    pub(crate) async fn room(&self) {
        self.connections.room().await;
    }

    /// Out of file descriptors: evicts one connection (at most one per
    /// connection admitted), then completes once a connection has closed,
    /// or after a while, for the listener to try again.
    pub(crate) async fn free_a_descriptor(&self) {
        self.connections
            .free_a_descriptor(DESCRIPTOR_PATIENCE)
            .await;
    }

    /// The driver calls started and not finished.
    pub(crate) fn calls(&self) -> &TaskTracker {
        &self.calls
    }

    /// Tells every connection to close once its driver call (if one
    /// runs) is answered; the others close at once.
    pub(crate) fn stop_connections(&self) {
        self.connections.order_all(Order::Stop);
    }

    /// Closes every connection at once.
    pub(crate) fn close_connections(&self) {
        self.connections.order_all(Order::Close);
    }

    /// Ends the grace period: calls still running are answered 500 and
    /// their contexts cancelled.
    pub(crate) fn cut_calls(&self) {
        self.calls_cut.cancel();
    }

    /// Serves one connection until the peer closes it, a limit closes it,
    /// or an [`Order`] ends it (to stop, a running call finishes first).
    pub(crate) async fn serve_connection<I>(self: Arc<Self>, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let registration = self.connections.admit();
        let conn = registration.conn();
        let stopping = AtomicBool::new(false);
        let mut connection = pin!(Connection::new(io, &self, conn, &stopping).serve());
        let mut seen = Order::Serve;
        let end = loop {
            tokio::select! {
                biased;
                result = &mut connection => break End::Closed(result),
                order = changed_order(conn, seen) => {
                    seen = order;
                    match order {
                        Order::Serve => {}
                        Order::Stop if !conn.call_running() => break End::Stopped,
                        // Finish the call, answer, then close.
                        Order::Stop => stopping.store(true, Ordering::SeqCst),
                        Order::Evicted => break End::Evicted,
                        Order::Close => break End::Forced,
                    }
                }
            }
        };
        if let End::Closed(Err(error)) = end {
            tracing::debug!(%error, "connection closed");
        }
    }
}

/// Completes with `conn`'s order once it differs from `seen`.
async fn changed_order(conn: &Conn, seen: Order) -> Order {
    poll_fn(|cx| match conn.order(cx) {
        order if order == seen => Poll::Pending,
        order => Poll::Ready(order),
    })
    .await
}
