//! A driver call, run in place in its connection's task: no task per
//! request, yet the same promises as one. A panic is caught and becomes the
//! call's outcome; if the connection's task lets go of the call before it
//! finishes (dockerd hung up, or the shutdown grace period ended), the
//! request's [`Context`](crate::Context) is cancelled and the call moves to
//! a task of its own, where it runs to completion. Only then is it counted
//! by the server's call tracker: in place, its connection's task counts it.

use std::any::Any;
use std::future::{poll_fn, Future};
use std::panic::{self, AssertUnwindSafe};
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{Instrument, Span};

use crate::dispatch::{CallFuture, Failure};
use crate::Context;

/// How a call ended.
pub(super) enum Outcome {
    /// The call returned this.
    Returned(Result<Bytes, Failure>),
    /// The call panicked with this payload.
    Panicked(Box<dyn Any + Send>),
    /// `cut` fired first; the call goes on in a task of its own.
    Cut,
}

/// A call in flight; dropping it unfinished detaches it (see the module).
pub(super) struct InPlace<'a> {
    call: Option<CallFuture>,
    /// Where the call is counted if it moves to a task of its own.
    calls: &'a TaskTracker,
    /// The call's context, cancelled if the call is detached.
    context: Context,
    span: Span,
}

impl<'a> InPlace<'a> {
    /// `call`, counted in `calls` if it is detached; `context` is a clone
    /// of its context, `span` the request's.
    pub(super) fn new(
        call: CallFuture,
        calls: &'a TaskTracker,
        context: Context,
        span: Span,
    ) -> Self {
        Self {
            call: Some(call),
            calls,
            context,
            span,
        }
    }

    /// Runs the call until it returns or panics, or until `cut` is
    /// cancelled (then the call is detached and goes on).
    pub(super) async fn run(mut self, cut: &CancellationToken) -> Outcome {
        tokio::select! {
            biased;
            outcome = self.finish() => outcome,
            () = cut.cancelled() => {
                self.detach();
                Outcome::Cut
            }
        }
    }

    /// Polls the call, in the request's span and catching panics, until it
    /// returns or panics.
    async fn finish(&mut self) -> Outcome {
        poll_fn(|cx| {
            let Some(call) = self.call.as_mut() else {
                return Poll::Ready(Outcome::Cut);
            };
            // What the driver logs belongs to the request.
            let polled = self.span.in_scope(|| {
                panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *call).poll(cx)))
            });
            let outcome = match polled {
                Ok(Poll::Pending) => return Poll::Pending,
                Ok(Poll::Ready(result)) => Outcome::Returned(result),
                Err(payload) => Outcome::Panicked(payload),
            };
            // A future that finished or panicked is never polled again.
            self.call = None;
            Poll::Ready(outcome)
        })
        .await
    }

    /// Cancels the context and moves the unfinished call to its own task.
    fn detach(&mut self) {
        let Some(call) = self.call.take() else {
            return;
        };
        self.context.cancel();
        // Outside a runtime (it is shutting down) the call cannot go on. A
        // panic there is caught by the task, with nobody left to answer.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let call = call.instrument(self.span.clone());
            runtime.spawn(self.calls.track_future(call));
        }
    }
}

impl Drop for InPlace<'_> {
    fn drop(&mut self) {
        self.detach();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use tokio::sync::oneshot;

    use super::*;
    use crate::context::Cancellations;

    /// The context of a connection's first request.
    fn first_context() -> Context {
        Arc::new(Cancellations::default()).context(1)
    }

    fn in_place(call: CallFuture, calls: &TaskTracker) -> (InPlace<'_>, Context) {
        let context = first_context();
        let call = InPlace::new(call, calls, context.clone(), Span::none());
        (call, context)
    }

    #[tokio::test]
    async fn a_call_returns_its_result_in_place() {
        let calls = TaskTracker::new();
        let (call, context) = in_place(Box::pin(async { Ok(Bytes::from("{}")) }), &calls);
        assert!(
            calls.is_empty(),
            "in place, the connection's task counts the call"
        );
        let outcome = call.run(&CancellationToken::new()).await;
        assert!(matches!(outcome, Outcome::Returned(Ok(json)) if json == "{}"));
        assert!(!context.is_cancelled());
        assert!(calls.is_empty());
    }

    #[tokio::test]
    async fn a_panic_is_the_outcome_not_the_callers() {
        let calls = TaskTracker::new();
        let call: CallFuture = Box::pin(async {
            tokio::task::yield_now().await;
            panic!("boom")
        });
        let (call, _) = in_place(call, &calls);
        let outcome = call.run(&CancellationToken::new()).await;
        let Outcome::Panicked(payload) = outcome else {
            panic!("the panic was not caught");
        };
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        assert!(calls.is_empty());
    }

    /// A call that waits for `go`, then reports whether its context was
    /// cancelled by then.
    fn waiting(context: &Context) -> (CallFuture, oneshot::Sender<()>, oneshot::Receiver<bool>) {
        let (go, wait) = oneshot::channel();
        let (report, finished) = oneshot::channel();
        let context = context.clone();
        let call: CallFuture = Box::pin(async move {
            let _ = wait.await;
            let _ = report.send(context.is_cancelled());
            Ok(Bytes::new())
        });
        (call, go, finished)
    }

    #[tokio::test]
    async fn a_call_dropped_unfinished_is_cancelled_and_finishes_in_its_own_task() {
        let calls = TaskTracker::new();
        let context = first_context();
        let (call, go, finished) = waiting(&context);
        let call = InPlace::new(call, &calls, context.clone(), Span::none());
        let never = CancellationToken::new();
        let running = call.run(&never);
        // Polled once (pending), then dropped, as a connection drops its
        // request's future when the client hangs up.
        let timed_out = tokio::time::timeout(Duration::from_millis(10), running).await;
        assert!(timed_out.is_err());
        assert!(context.is_cancelled());
        assert_eq!(calls.len(), 1, "the detached call is still counted");
        go.send(()).unwrap();
        let seen_cancelled = tokio::time::timeout(Duration::from_secs(5), finished).await;
        assert_eq!(seen_cancelled.expect("the call finished").ok(), Some(true));
        calls.close();
        tokio::time::timeout(Duration::from_secs(5), calls.wait())
            .await
            .expect("the tracker saw the call end");
    }

    #[tokio::test]
    async fn a_cut_answers_at_once_and_the_call_goes_on() {
        let calls = TaskTracker::new();
        let context = first_context();
        let (call, go, finished) = waiting(&context);
        let call = InPlace::new(call, &calls, context.clone(), Span::none());
        let cut = CancellationToken::new();
        cut.cancel();
        assert!(matches!(call.run(&cut).await, Outcome::Cut));
        assert!(context.is_cancelled());
        go.send(()).unwrap();
        let seen_cancelled = tokio::time::timeout(Duration::from_secs(5), finished).await;
        assert_eq!(seen_cancelled.expect("the call finished").ok(), Some(true));
    }
}
