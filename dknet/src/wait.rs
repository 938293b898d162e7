//! Waiting on a [`Notify`] for a condition, without missing a wake-up that
//! comes between looking and listening.

use std::pin::pin;

use tokio::sync::Notify;

/// Completes once `done()` is true, looking again each time `notify` wakes
/// its waiters.
pub(crate) async fn until(notify: &Notify, done: impl Fn() -> bool) {
    loop {
        let mut notified = pin!(notify.notified());
        // Listening before looking, so that a wake-up in between is not lost.
        notified.as_mut().enable();
        if done() {
            return;
        }
        notified.await;
    }
}
