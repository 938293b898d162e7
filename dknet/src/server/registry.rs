//! The plugin's live connections: each one's [`Phase`], the cap on how
//! many are served at once, kept by evicting the one that has waited
//! longest and never one whose driver call runs, and the [`Order`]s that
//! stop them.
//!
//! Only a running call protects a connection: one waiting for a head, a
//! body, or for its client to read an answer can be evicted once the cap
//! is reached, so no mix of stalled clients can keep a new one out. A
//! connection turns busy by one atomic step that fails if it was evicted
//! first, so a call that started is never cut off by eviction.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Context;

use atomic_waker::AtomicWaker;
use tokio::sync::Notify;
use tokio::time::{Duration, Instant};

/// Where a connection is in its request cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the next request; nothing of it has arrived.
    Idle,
    /// Part of a request head has arrived, not all of it.
    Head,
    /// The head is complete; the body is being read.
    Body,
    /// The request is complete and being handled: a driver call may run.
    /// The only phase eviction never touches.
    Busy,
    /// The answer is ready and being written.
    Answering,
    /// Evicted: the connection is closing.
    Evicted,
}

impl Phase {
    fn from_u8(value: u8) -> Self {
        match value {
            0 => Self::Idle,
            1 => Self::Head,
            2 => Self::Body,
            3 => Self::Busy,
            4 => Self::Answering,
            _ => Self::Evicted,
        }
    }

    /// Whether a connection in this phase may be evicted: it waits on its
    /// client, and no call of its runs.
    fn evictable(self) -> bool {
        !matches!(self, Self::Busy | Self::Evicted)
    }
}

/// What a connection's task is told to do, from the mildest to the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Order {
    /// Go on serving.
    Serve,
    /// The plugin is stopping: finish the call running, if any, then close.
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
    /// When the registry was made: phases are timed from here.
    epoch: Instant,
    max: usize,
    live: Mutex<HashMap<u64, Arc<Conn>>>,
    count: AtomicUsize,
    next_id: AtomicU64,
    /// Woken when a connection closes, or turns evictable while the
    /// registry is full.
    room: Notify,
    /// The [`Order`] for every connection: serve, stop or close.
    order: AtomicU8,
    /// Set once a connection was evicted to free a file descriptor, until
    /// the next connection is admitted: at most one eviction per admission.
    evicted_for_descriptor: AtomicBool,
}

/// One connection's state, shared by its task, its I/O and its requests.
pub(crate) struct Conn {
    phase: AtomicU8,
    /// When the connection entered its phase, in nanoseconds since the
    /// registry's epoch.
    since: AtomicU64,
    /// The connection's task, woken when its [`Order`] changes.
    task: AtomicWaker,
    shared: Arc<Shared>,
}

/// A connection's place in the registry, given up when dropped.
pub(crate) struct Registration {
    id: u64,
    conn: Arc<Conn>,
}

/// Marks a request being handled, from its last byte to its answer.
pub(crate) struct Busy(Arc<Conn>);

impl Connections {
    /// A registry serving at most `max` connections at once.
    pub(crate) fn new(max: usize) -> Self {
        Self {
            shared: Arc::new(Shared {
                epoch: Instant::now(),
                max: max.max(1),
                live: Mutex::default(),
                count: AtomicUsize::new(0),
                next_id: AtomicU64::new(0),
                room: Notify::new(),
                order: AtomicU8::new(Order::Serve as u8),
                evicted_for_descriptor: AtomicBool::new(false),
            }),
        }
    }

    /// Completes when a new connection can be admitted: the registry is not
    /// full, or one of its connections can be evicted.
    pub(crate) async fn room(&self) {
        let shared = &self.shared;
        crate::wait::until(&shared.room, || {
            shared.count.load(Ordering::Relaxed) < shared.max
                || shared.lock().values().any(|conn| conn.phase().evictable())
        })
        .await;
    }

    /// Registers a new connection, first evicting one if the registry is full.
    pub(crate) fn admit(&self) -> Registration {
        let conn = Arc::new(Conn {
            phase: AtomicU8::new(Phase::Idle as u8),
            since: AtomicU64::new(self.shared.now()),
            task: AtomicWaker::new(),
            shared: Arc::clone(&self.shared),
        });
        let id = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        self.shared
            .evicted_for_descriptor
            .store(false, Ordering::Relaxed);
        let mut live = self.shared.lock();
        if live.len() >= self.shared.max && !evict(&mut live) {
            tracing::warn!(
                connections = live.len(),
                "every connection has a driver call running: serving one more than the limit"
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

    /// Out of file descriptors: evicts one connection, unless one was
    /// evicted for that already since the last admission, then completes
    /// once a connection has closed or `patience` has passed.
    pub(crate) async fn free_a_descriptor(&self, patience: Duration) {
        let shared = &self.shared;
        let closed = shared.room.notified();
        let mut closed = std::pin::pin!(closed);
        closed.as_mut().enable();
        if !shared.evicted_for_descriptor.swap(true, Ordering::Relaxed) {
            let mut live = shared.lock();
            evict(&mut live);
            shared.count.store(live.len(), Ordering::Relaxed);
        }
        tokio::select! {
            () = closed => {}
            () = tokio::time::sleep(patience) => {}
        }
    }
}

/// Evicts the evictable connection that has waited longest in its phase;
/// false if every connection has a call running.
fn evict(live: &mut HashMap<u64, Arc<Conn>>) -> bool {
    loop {
        let Some((&id, conn)) = live
            .iter()
            .filter(|(_, conn)| conn.phase().evictable())
            .min_by_key(|(_, conn)| conn.since.load(Ordering::Relaxed))
        else {
            return false;
        };
        // Fails if the connection's call started in the meantime; then it
        // is no longer a candidate.
        if let Some(phase) = conn.evict() {
            tracing::debug!(?phase, "connection limit reached: closing a connection");
            conn.task.wake();
            live.remove(&id);
            return true;
        }
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<u64, Arc<Conn>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Nanoseconds since the registry was made.
    fn now(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }
}

impl Conn {
    pub(crate) fn phase(&self) -> Phase {
        Phase::from_u8(self.phase.load(Ordering::SeqCst))
    }

    /// Moves from a phase `from` accepts to `to`, timing it from now;
    /// gives the phase left, or `None` if `from` refused it.
    fn advance(&self, from: impl Fn(Phase) -> bool, to: Phase) -> Option<Phase> {
        self.since.store(self.shared.now(), Ordering::Relaxed);
        self.phase
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |current| {
                from(Phase::from_u8(current)).then_some(to as u8)
            })
            .ok()
            .map(Phase::from_u8)
    }

    /// Marks the connection evicted, unless its call runs; gives the phase
    /// it was evicted from.
    fn evict(&self) -> Option<Phase> {
        self.advance(Phase::evictable, Phase::Evicted)
    }

    /// True while a driver call runs for this connection.
    pub(crate) fn call_running(&self) -> bool {
        self.phase() == Phase::Busy
    }

    /// Bytes arrived: an idle connection has started a request head.
    pub(crate) fn received(&self) {
        if self.phase() == Phase::Idle {
            self.advance(|phase| phase == Phase::Idle, Phase::Head);
        }
    }

    /// A request head is complete; its body is to be read.
    pub(crate) fn head_read(&self) {
        self.advance(
            |phase| matches!(phase, Phase::Idle | Phase::Head),
            Phase::Body,
        );
    }

    /// The request is complete: the connection is busy, and cannot be
    /// evicted, until the guard is dropped and then its answer written
    /// ([`Conn::flushed`]). `None` if it was evicted first: the request
    /// must not be handled.
    pub(crate) fn request_complete(self: &Arc<Self>) -> Option<Busy> {
        let from = |phase| matches!(phase, Phase::Idle | Phase::Head | Phase::Body);
        self.advance(from, Phase::Busy)?;
        Some(Busy(Arc::clone(self)))
    }

    /// Everything written so far reached the socket: an answer is complete.
    pub(crate) fn flushed(&self) {
        if self.phase() == Phase::Answering {
            self.advance(|phase| phase == Phase::Answering, Phase::Idle);
        }
    }

    /// The connection's order; `cx`'s task is woken when it changes.
    pub(crate) fn order(&self, cx: &Context<'_>) -> Order {
        // Registered before reading, so that no change goes unnoticed.
        self.task.register(cx.waker());
        let server = Order::from_u8(self.shared.order.load(Ordering::SeqCst));
        if self.phase() == Phase::Evicted {
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

impl Drop for Busy {
    fn drop(&mut self) {
        let conn = &self.0;
        conn.advance(|phase| phase == Phase::Busy, Phase::Answering);
        let shared = &conn.shared;
        if shared.count.load(Ordering::Relaxed) >= shared.max {
            shared.room.notify_waiters();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evicted(registration: &Registration) -> bool {
        registration.conn().phase() == Phase::Evicted
    }

    #[tokio::test]
    async fn a_full_registry_evicts_and_never_a_connection_whose_call_runs() {
        let connections = Connections::new(2);
        let busy = connections.admit();
        let _call = busy.conn().request_complete().unwrap();
        let idle = connections.admit();
        // Full, but the idle one can go.
        connections.room().await;
        let third = connections.admit();
        assert!(evicted(&idle));
        assert!(!evicted(&busy));
        // Now both have calls running: no room, nothing to evict.
        let _other = third.conn().request_complete().unwrap();
        let waiting = tokio::time::timeout(Duration::from_millis(20), connections.room());
        assert!(waiting.await.is_err(), "room while every call runs");
        drop(third);
        connections.room().await;
    }

    #[tokio::test]
    async fn heads_bodies_and_unread_answers_are_evictable_longest_waiting_first() {
        let connections = Connections::new(3);
        let answering = connections.admit();
        drop(answering.conn().request_complete().unwrap());
        assert_eq!(answering.conn().phase(), Phase::Answering);
        tokio::time::sleep(Duration::from_millis(2)).await;
        let body = connections.admit();
        body.conn().head_read();
        tokio::time::sleep(Duration::from_millis(2)).await;
        let head = connections.admit();
        head.conn().received();
        // Each newcomer evicts the one that has waited longest.
        let _fourth = connections.admit();
        assert!(evicted(&answering) && !evicted(&body) && !evicted(&head));
        let _fifth = connections.admit();
        assert!(evicted(&body) && !evicted(&head));
        let _sixth = connections.admit();
        assert!(evicted(&head));
    }

    #[test]
    fn an_evicted_connection_never_starts_its_call() {
        let connections = Connections::new(1);
        let slow = connections.admit();
        slow.conn().head_read();
        let _newcomer = connections.admit();
        assert!(slow.conn().request_complete().is_none());
        assert_eq!(slow.conn().phase(), Phase::Evicted);
    }

    #[tokio::test]
    async fn one_eviction_per_admission_to_free_descriptors() {
        let connections = Connections::new(8);
        let first = connections.admit();
        let second = connections.admit();
        let patience = Duration::from_millis(5);
        connections.free_a_descriptor(patience).await;
        assert!(evicted(&first) && !evicted(&second));
        // No admission since: waiting again evicts nobody.
        connections.free_a_descriptor(patience).await;
        assert!(!evicted(&second));
        let _admitted = connections.admit();
        connections.free_a_descriptor(patience).await;
        assert!(evicted(&second));
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

    #[test]
    fn phases_follow_the_request() {
        let connections = Connections::new(4);
        let registration = connections.admit();
        let conn = registration.conn();
        assert_eq!(conn.phase(), Phase::Idle);
        conn.received();
        assert_eq!(conn.phase(), Phase::Head);
        conn.head_read();
        assert_eq!(conn.phase(), Phase::Body);
        let request = conn.request_complete().unwrap();
        assert!(conn.call_running());
        drop(request);
        assert_eq!(conn.phase(), Phase::Answering);
        conn.flushed();
        assert_eq!(conn.phase(), Phase::Idle);
    }
}
