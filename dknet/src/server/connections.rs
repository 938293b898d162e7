//! The plugin's live connections: each one's [`Phase`] (idle, receiving a
//! request head, handling a request), the deadline that follows from it,
//! the cap on how many are served at once, kept by evicting the idle
//! ones first and never one with a request in flight, and the [`Order`]s
//! that stop them.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Context;

use atomic_waker::AtomicWaker;
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};

use super::limits::Limits;

/// Where a connection is in its request cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the next request; nothing of it has arrived.
    Idle,
    /// Part of a request head has arrived, not all of it.
    Head,
    /// A request is being handled: its body read, the driver called.
    Busy,
    /// The handler answered; the answer is being written.
    Answering,
}

impl Phase {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Idle,
            1 => Self::Head,
            2 => Self::Busy,
            _ => Self::Answering,
        }
    }
}

/// What a connection's task is told to do, from the mildest to the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Order {
    /// Go on serving.
    Serve,
    /// The plugin is stopping: finish the request in flight, then close.
    Stop,
    /// The registry was full and this connection was the one to go: close.
    Evicted,
    /// The grace period is over: close at once.
    Close,
}

impl Order {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Serve,
            1 => Self::Stop,
            2 => Self::Evicted,
            _ => Self::Close,
        }
    }
}

/// The registry of a server's connections.
pub(crate) struct Connections {
    shared: Arc<Shared>,
}

struct Shared {
    /// When the registry was made, on tokio's clock (for timers) and on
    /// the clock that times phases.
    epoch: Instant,
    epoch_ms: u64,
    max: usize,
    live: Mutex<HashMap<u64, Arc<Conn>>>,
    count: AtomicUsize,
    next_id: AtomicU64,
    /// Woken when a connection closes, or turns idle while the registry is full.
    room: Notify,
    /// The [`Order`] for every connection: serve, stop or close.
    order: AtomicU8,
}

/// One connection's state, shared by its task, its I/O and its requests.
pub(crate) struct Conn {
    phase: AtomicU8,
    /// When the connection last turned idle or began receiving a head, in
    /// milliseconds since the registry's epoch, by [`coarse_millis`] (the
    /// in-flight phases need no clock: they have no deadline and are never
    /// evicted).
    since: AtomicU64,
    evicted: AtomicBool,
    /// The connection's task, woken when its [`Order`] changes.
    task: AtomicWaker,
    shared: Arc<Shared>,
}

/// A connection's place in the registry, given up when dropped.
pub(crate) struct Registration {
    id: u64,
    conn: Arc<Conn>,
}

/// Marks a request in flight from its head to its answer.
pub(crate) struct InFlight(Arc<Conn>);

impl Connections {
    /// A registry serving at most `max` connections at once.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                epoch: Instant::now(),
                epoch_ms: coarse_millis(),
                max: max.max(1),
                live: Mutex::default(),
                count: AtomicUsize::new(0),
                next_id: AtomicU64::new(0),
                room: Notify::new(),
                order: AtomicU8::new(Order::Serve as u8),
            }),
        }
    }

    /// Completes when a new connection can be admitted: the registry is not
    /// full, or one of its connections can be evicted.
    pub(crate) async fn room(&self) {
        let shared = &self.shared;
        crate::wait::until(&shared.room, || {
            shared.count.load(Ordering::Relaxed) < shared.max
                || shared.lock().values().any(|conn| !conn.in_flight())
        })
        .await;
    }

    /// Registers a new connection, first evicting one if the registry is full.
    pub(crate) fn admit(&self) -> Registration {
        let conn = Arc::new(Conn {
            phase: AtomicU8::new(Phase::Idle as u8),
            since: AtomicU64::new(self.shared.now()),
            evicted: AtomicBool::new(false),
            task: AtomicWaker::new(),
            shared: Arc::clone(&self.shared),
        });
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let mut live = self.shared.lock();
        if live.len() >= self.shared.max && evict(&mut live).is_none() {
            tracing::warn!(
                connections = live.len(),
                "every connection has a request in flight: serving one more than the limit"
            );
        }
        live.insert(id, Arc::clone(&conn));
        self.shared.count.store(live.len(), Ordering::Relaxed);
        Registration { id, conn }
    }

    /// Gives every connection, present and future, `order` (an order is
    /// never taken back for a milder one).
    pub(crate) fn order_all(&self, order: Order) {
        self.shared.order.fetch_max(order as u8, Ordering::SeqCst);
        for conn in self.shared.lock().values() {
            conn.task.wake();
        }
    }

    /// Evicts one connection without a request in flight; false if none.
    pub(crate) fn evict_one(&self) -> bool {
        let mut live = self.shared.lock();
        let evicted = evict(&mut live).is_some();
        self.shared.count.store(live.len(), Ordering::Relaxed);
        evicted
    }
}

/// Closes and removes the connection that matters least: the longest idle,
/// else the one slowest to send its request head.
fn evict(live: &mut HashMap<u64, Arc<Conn>>) -> Option<Arc<Conn>> {
    let (&id, _) = live
        .iter()
        .filter(|(_, conn)| !conn.in_flight())
        .min_by_key(|(_, conn)| {
            (
                conn.phase() != Phase::Idle,
                conn.since.load(Ordering::Relaxed),
            )
        })?;
    let conn = live.remove(&id)?;
    tracing::debug!(phase = ?conn.phase(), "connection limit reached: closing a connection");
    conn.evicted.store(true, Ordering::SeqCst);
    conn.task.wake();
    Some(conn)
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Milliseconds since the registry was made.
    fn now(&self) -> u64 {
        coarse_millis().saturating_sub(self.epoch_ms)
    }
}

/// A monotonic clock in milliseconds, for timing phases: read twice per
/// request, so on Linux the coarse clock, which is read in a fraction of
/// the time of a precise one and is behind it by at most one tick (a few
/// milliseconds, nothing against timeouts of seconds).
fn coarse_millis() -> u64 {
    #[cfg(target_os = "linux")]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC_COARSE;
    #[cfg(not(target_os = "linux"))]
    const CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid place for the reading; a monotonic clock
    // always exists, so the call cannot fail.
    unsafe { libc::clock_gettime(CLOCK, &mut now) };
    let seconds = u64::try_from(now.tv_sec).unwrap_or_default();
    let nanoseconds = u64::try_from(now.tv_nsec).unwrap_or_default();
    seconds * 1000 + nanoseconds / 1_000_000
}

impl Conn {
    pub(crate) fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::Relaxed))
    }

    fn enter(&self, phase: Phase) {
        if matches!(phase, Phase::Idle | Phase::Head) {
            self.since.store(self.shared.now(), Ordering::Relaxed);
        }
        self.phase.store(phase as u8, Ordering::Relaxed);
    }

    /// True from a request's complete head until its answer is written.
    pub(crate) fn in_flight(&self) -> bool {
        matches!(self.phase(), Phase::Busy | Phase::Answering)
    }

    /// Bytes arrived: an idle connection has started a request head.
    pub(crate) fn received(&self) {
        if self.phase() == Phase::Idle {
            self.enter(Phase::Head);
        }
    }

    /// A request head was read; the request is in flight until the guard
    /// is dropped and then its answer written ([`Conn::flushed`]).
    pub(crate) fn request(self: &Arc<Self>) -> InFlight {
        self.enter(Phase::Busy);
        InFlight(Arc::clone(self))
    }

    /// Everything written so far reached the socket: an answer is complete.
    pub(crate) fn flushed(&self) {
        if self.phase() == Phase::Answering {
            self.enter(Phase::Idle);
            if self.shared.count.load(Ordering::Relaxed) >= self.shared.max {
                self.shared.room.notify_waiters();
            }
        }
    }

    /// When the connection is to be closed if it stays in its phase: idle
    /// ones after `idle_timeout`, unfinished heads after
    /// `header_read_timeout`; never while a request is in flight.
    pub(crate) fn deadline(&self, limits: &Limits) -> Option<Instant> {
        let limit = match self.phase() {
            Phase::Idle => limits.idle_timeout,
            Phase::Head => limits.header_read_timeout,
            Phase::Busy | Phase::Answering => return None,
        };
        let since = Duration::from_millis(self.since.load(Ordering::Relaxed));
        Some(self.shared.epoch + since + limit)
    }

    /// The connection's order; `cx`'s task is woken when it changes.
    pub(crate) fn order(&self, cx: &Context<'_>) -> Order {
        // Registered before reading, so that no change goes unnoticed.
        self.task.register(cx.waker());
        let server = Order::from_u8(self.shared.order.load(Ordering::SeqCst));
        if self.evicted.load(Ordering::SeqCst) {
            server.max(Order::Evicted)
        } else {
            server
        }
    }
}

impl Registration {
    pub(crate) fn conn(&self) -> &Arc<Conn> {
        &self.conn
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let shared = &self.conn.shared;
        let mut live = shared.lock();
        live.remove(&self.id);
        shared.count.store(live.len(), Ordering::Relaxed);
        drop(live);
        shared.room.notify_waiters();
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.enter(Phase::Answering);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_registry_evicts_the_longest_idle_and_never_a_busy_one() {
        let connections = Connections::new(2);
        let busy = connections.admit();
        let _request = busy.conn().request();
        let idle = connections.admit();
        // Full, but the idle one can go.
        connections.room().await;
        let third = connections.admit();
        assert!(idle.conn().evicted.load(Ordering::SeqCst));
        assert!(!busy.conn().evicted.load(Ordering::SeqCst));
        // Now both have requests in flight: no room, nothing to evict.
        let _other = third.conn().request();
        assert!(!connections.evict_one());
        let waiting = tokio::time::timeout(Duration::from_millis(20), connections.room());
        assert!(
            waiting.await.is_err(),
            "room while every connection is busy"
        );
        drop(third);
        connections.room().await;
    }

    /// A waker that counts its wake-ups.
    struct Counter(AtomicUsize);

    impl std::task::Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A counter and a waker that counts on it.
    fn counting_waker() -> (Arc<Counter>, std::task::Waker) {
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        (Arc::clone(&counter), std::task::Waker::from(counter))
    }

    #[test]
    fn orders_reach_every_connection_and_wake_it() {
        let connections = Connections::new(2);
        let (counter, waker) = counting_waker();
        let cx = Context::from_waker(&waker);
        let early = connections.admit();
        assert_eq!(early.conn().order(&cx), Order::Serve);
        connections.order_all(Order::Stop);
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "not woken");
        assert_eq!(early.conn().order(&cx), Order::Stop);
        // One admitted after the order has it too.
        let late = connections.admit();
        assert_eq!(late.conn().order(&cx), Order::Stop);
        connections.order_all(Order::Close);
        assert_eq!(early.conn().order(&cx), Order::Close);
        // Never taken back for a milder one.
        connections.order_all(Order::Stop);
        assert_eq!(late.conn().order(&cx), Order::Close);
    }

    #[test]
    fn an_evicted_connection_is_told_and_woken() {
        let connections = Connections::new(1);
        let (counter, waker) = counting_waker();
        let cx = Context::from_waker(&waker);
        let idle = connections.admit();
        assert_eq!(idle.conn().order(&cx), Order::Serve);
        let _newcomer = connections.admit();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1, "not woken");
        assert_eq!(idle.conn().order(&cx), Order::Evicted);
    }

    #[tokio::test]
    async fn heads_being_received_go_after_idle_connections() {
        let connections = Connections::new(2);
        let slow = connections.admit();
        slow.conn().received();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let idle = connections.admit();
        let _third = connections.admit();
        assert!(idle.conn().evicted.load(Ordering::SeqCst));
        assert!(!slow.conn().evicted.load(Ordering::SeqCst));
    }

    #[test]
    fn deadlines_follow_the_phase() {
        let limits = Limits {
            idle_timeout: Duration::from_secs(90),
            header_read_timeout: Duration::from_secs(10),
            ..Limits::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let _entered = runtime.enter();
        let connections = Connections::new(4);
        let registration = connections.admit();
        let conn = registration.conn();
        let idle = conn.deadline(&limits).unwrap();
        conn.received();
        let head = conn.deadline(&limits).unwrap();
        assert!(head + Duration::from_secs(70) < idle);
        let request = conn.request();
        assert_eq!(conn.deadline(&limits), None);
        drop(request);
        assert_eq!(conn.phase(), Phase::Answering);
        assert_eq!(conn.deadline(&limits), None);
        conn.flushed();
        assert_eq!(conn.phase(), Phase::Idle);
        assert!(conn.deadline(&limits).is_some());
    }
}
