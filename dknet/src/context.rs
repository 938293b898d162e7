//! The per-request [`Context`] a driver method may take as its last argument.

use tokio_util::sync::CancellationToken;

/// What a driver method knows about the call it is answering.
///
/// Add it as the last parameter of a method to get it:
/// `async fn join(&self, request: JoinRequest, context: dknet::Context)`.
#[derive(Debug, Clone, Default)]
pub struct Context {
    request_id: u64,
    cancellation: CancellationToken,
}

impl Context {
    /// A context that is never cancelled, for calling a driver directly in tests.
    pub fn new() -> Self {
        Self::default()
    }

    /// A context for request `request_id`, cancelled through `cancellation`.
    pub(crate) fn for_request(request_id: u64, cancellation: CancellationToken) -> Self {
        Self {
            request_id,
            cancellation,
        }
    }

    /// A number identifying this request in the plugin's logs (unique per process).
    pub fn request_id(&self) -> u64 {
        self.request_id
    }

    /// True once dockerd has dropped the connection this request came on (or
    /// the plugin is shutting down and the grace period ran out).
    pub fn is_cancelled(&self) -> bool {
        self.cancellation.is_cancelled()
    }

    /// Completes when the request is cancelled; use it in `tokio::select!` to
    /// stop long work nobody waits for any more.
    pub async fn cancelled(&self) {
        self.cancellation.cancelled().await;
    }
}
