//! The HTTP server: serves a plugin's [`Subsystem`]s over any byte stream,
//! one task per connection, HTTP/1.1 keep-alive, with DESIGN.md's error
//! contract (see [`connection`] for reading requests and writing answers,
//! [`http`] for the request path and [`response`] for the answers), within
//! the [`Limits`] that keep clients from starving it ([`connections`]).

mod call;
mod chunked;
mod connection;
mod connections;
mod date;
mod fd_limit;
mod head;
mod http;
mod limits;
mod response;

pub(crate) use fd_limit::raise_open_file_limit;
pub(crate) use limits::Limits;
#[cfg(feature = "testing")]
pub(crate) use response::MEDIA_TYPE;

use std::future::{poll_fn, Future};
use std::io;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use self::connection::Connection;
use self::connections::{Connections, Order, Phase};
use crate::dispatch::Subsystem;
use crate::ActivateResponse;

/// What every connection of a plugin shares: the subsystems, the
/// precomputed `Plugin.Activate` answer, the limits, the live connections
/// and the driver calls running.
pub(crate) struct Server {
    subsystems: Box<[Arc<dyn Subsystem>]>,
    activation: Bytes,
    limits: Limits,
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
    TimedOut(Phase),
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

    /// Closes a connection without a request in flight, to free its file
    /// descriptor; false if every connection has one.
    pub(crate) fn evict_idle(&self) -> bool {
        self.connections.evict_one()
    }

    /// The driver calls started and not finished.
    pub(crate) fn calls(&self) -> &TaskTracker {
        &self.calls
    }

    /// Tells every connection to close once its request in flight (if
    /// any) is answered.
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
    /// or an [`Order`] ends it (to stop, the request in flight finishes
    /// first).
    pub(crate) async fn serve_connection<I>(self: Arc<Self>, io: I)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let registration = self.connections.admit();
        let conn = registration.conn();
        let stopping = AtomicBool::new(false);
        let mut connection = pin!(Connection::new(io, &self, conn, &stopping).serve());
        let mut timer = DeadlineTimer {
            sleep: pin!(tokio::time::sleep(self.limits.idle_timeout)),
            armed: None,
            waiting: None,
        };
        let end = poll_fn(|cx| {
            if let Poll::Ready(result) = connection.as_mut().poll(cx) {
                return Poll::Ready(End::Closed(result));
            }
            match conn.order(cx) {
                Order::Serve => {}
                Order::Stop if !conn.in_flight() => return Poll::Ready(End::Stopped),
                // Finish the request in flight, then close.
                Order::Stop => stopping.store(true, Ordering::SeqCst),
                Order::Evicted => return Poll::Ready(End::Evicted),
                Order::Close => return Poll::Ready(End::Forced),
            }
            // Polling the connection may have moved the phase on.
            if timer.expired(cx, conn.deadline(&self.limits)) {
                return Poll::Ready(End::TimedOut(conn.phase()));
            }
            Poll::Pending
        })
        .await;
        log_end(end, &self.limits);
    }
}

/// A connection's timer, set lazily: sooner when its deadline comes sooner,
/// otherwise only when it fires. Each request moves the deadline on, and
/// setting a timer every time costs more than looking again once it fires.
struct DeadlineTimer<'a> {
    sleep: Pin<&'a mut Sleep>,
    /// What the timer is set to, if anything: never later than the deadline.
    armed: Option<Instant>,
    /// Who the armed timer wakes, once it has been polled: until it fires,
    /// polling it again for the same task only costs time.
    waiting: Option<Waker>,
}

impl DeadlineTimer<'_> {
    /// True once `deadline`, the connection's as of now, has passed; else
    /// `cx` is woken when it may have.
    fn expired(&mut self, cx: &mut Context<'_>, deadline: Option<Instant>) -> bool {
        if let Some(deadline) = deadline.filter(|&d| self.armed.is_none_or(|armed| d < armed)) {
            self.set(deadline);
        }
        if self.armed.is_none() || self.pending(cx) {
            return false;
        }
        self.armed = None;
        match deadline {
            None => false,
            Some(deadline) if deadline > Instant::now() => {
                self.set(deadline);
                !self.pending(cx)
            }
            Some(_) => true,
        }
    }

    /// True while the armed timer has not fired; it wakes `cx` when it does.
    fn pending(&mut self, cx: &mut Context<'_>) -> bool {
        let waits_for_cx = self
            .waiting
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()));
        if waits_for_cx && !self.sleep.is_elapsed() {
            return true;
        }
        if self.sleep.as_mut().poll(cx).is_ready() {
            self.waiting = None;
            return false;
        }
        if !waits_for_cx {
            self.waiting = Some(cx.waker().clone());
        }
        true
    }

    fn set(&mut self, deadline: Instant) {
        self.armed = Some(deadline);
        self.waiting = None;
        self.sleep.as_mut().reset(deadline);
    }
}

fn log_end(end: End, limits: &Limits) {
    match end {
        End::Closed(Err(error)) => tracing::debug!(%error, "connection closed"),
        End::TimedOut(Phase::Head) => tracing::warn!(
            timeout_ms = limits.header_read_timeout.as_millis(),
            "closing a connection: its request head did not arrive in time"
        ),
        End::TimedOut(_) => tracing::debug!(
            timeout_ms = limits.idle_timeout.as_millis(),
            "closing an idle connection"
        ),
        End::Closed(Ok(())) | End::Stopped | End::Forced | End::Evicted => {}
    }
}
