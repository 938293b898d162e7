//! The per-request [`Context`] a driver method may take as its last argument.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

/// What a driver method knows about the call it is answering.
///
/// Add it as the last parameter of a method to get it:
/// `async fn method(&self, request: MethodRequest, context: dknet::Context)`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    request_id: u64,
    cancellations: Arc<Cancellations>,
}

/// Which requests of one connection were cancelled, and who waits to hear
/// of it. One per connection rather than one per request: the server makes
/// a context for every request, and cancels one only when dockerd hangs up
/// on it or the shutdown grace period ends.
#[derive(Debug, Default)]
pub(crate) struct Cancellations {
    /// Whether `requests` holds any: the common answer needs no lock.
    any: AtomicBool,
    /// The ids of the cancelled requests.
    requests: Mutex<Vec<u64>>,
    waiters: Notify,
}

impl Cancellations {
    /// The context of request `request_id`, cancelled through this record.
    pub(crate) fn context(self: &Arc<Self>, request_id: u64) -> Context {
        Context {
            request_id,
            cancellations: Arc::clone(self),
        }
    }

    fn contains(&self, request_id: u64) -> bool {
        self.any.load(Ordering::SeqCst) && self.requests().contains(&request_id)
    }

    fn requests(&self) -> MutexGuard<'_, Vec<u64>> {
        self.requests.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Context {
    /// A context that is never cancelled, for calling a driver directly in tests.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels the request, for every clone of its context.
    pub(crate) fn cancel(&self) {
        let cancellations = &self.cancellations;
        cancellations.requests().push(self.request_id);
        cancellations.any.store(true, Ordering::SeqCst);
        cancellations.waiters.notify_waiters();
    }

    /// A number identifying this request in the plugin's logs (unique per process).
    pub fn request_id(&self) -> u64 {
        self.request_id
    }

    /// True once dockerd has dropped the connection this request came on (or
    /// the plugin is shutting down and the grace period ran out).
    pub fn is_cancelled(&self) -> bool {
        self.cancellations.contains(self.request_id)
    }

    /// Completes when the request is cancelled; use it in `tokio::select!` to
    /// stop long work nobody waits for any more.
    pub async fn cancelled(&self) {
        crate::wait::until(&self.cancellations.waiters, || self.is_cancelled()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::{Cancellations, Context};

    #[tokio::test]
    async fn a_cancel_reaches_every_clone_and_every_waiter() {
        let context = Arc::new(Cancellations::default()).context(7);
        let waiting = context.clone();
        let waiter = tokio::spawn(async move { waiting.cancelled().await });
        tokio::task::yield_now().await;
        assert!(!context.is_cancelled());
        context.clone().cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter was woken")
            .unwrap();
        assert!(context.is_cancelled());
        // Once cancelled, waiting ends at once.
        tokio::time::timeout(Duration::from_secs(5), context.cancelled())
            .await
            .expect("already cancelled");
        assert!(!Context::new().is_cancelled());
    }

    #[tokio::test]
    async fn cancelling_one_request_leaves_the_others_of_its_connection_alone() {
        let connection = Arc::new(Cancellations::default());
        let (earlier, later) = (connection.context(1), connection.context(2));
        let waiting = earlier.clone();
        let waiter = tokio::spawn(async move { waiting.cancelled().await });
        tokio::task::yield_now().await;
        later.cancel();
        assert!(later.is_cancelled());
        assert!(!earlier.is_cancelled());
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiter.is_finished(),
            "a request not cancelled stopped waiting"
        );
        earlier.cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("the waiter was woken")
            .unwrap();
    }
}
