//! The per-request [`Context`] a driver method may take as its last argument.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// What a driver method knows about the call it is answering.
///
/// Add it as the last parameter of a method to get it:
/// `async fn join(&self, request: JoinRequest, context: dknet::Context)`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    request_id: u64,
    cancellation: Arc<Cancellation>,
}

/// Whether a call was cancelled, and who waits to hear of it. Cheaper than
/// a general cancellation token: a context has no children, and is made,
/// cloned and dropped on every request.
#[derive(Debug, Default)]
struct Cancellation {
    cancelled: AtomicBool,
    waiters: Notify,
}

impl Context {
    /// A context that is never cancelled, for calling a driver directly in tests.
    pub fn new() -> Self {
        Self::default()
    }

    /// A context for request `request_id`, not cancelled yet.
    pub(crate) fn for_request(request_id: u64) -> Self {
        Self {
            request_id,
            cancellation: Arc::default(),
        }
    }

    /// Cancels the request, for every clone of its context.
    pub(crate) fn cancel(&self) {
        self.cancellation.cancelled.store(true, Ordering::SeqCst);
        self.cancellation.waiters.notify_waiters();
    }

    /// A number identifying this request in the plugin's logs (unique per process).
    pub fn request_id(&self) -> u64 {
        self.request_id
    }

    /// True once dockerd has dropped the connection this request came on (or
    /// the plugin is shutting down and the grace period ran out).
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.cancelled.load(Ordering::SeqCst)
    }

    /// Completes when the request is cancelled; use it in `tokio::select!` to
    /// stop long work nobody waits for any more.
    pub async fn cancelled(&self) {
        crate::wait::until(&self.cancellation.waiters, || self.is_cancelled()).await;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Context;

    #[tokio::test]
    async fn a_cancel_reaches_every_clone_and_every_waiter() {
        let context = Context::for_request(7);
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
}
