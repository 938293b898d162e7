//! The HTTP server: serves a plugin's [`Subsystem`]s over any byte stream,
//! one task per connection, HTTP/1.1 keep-alive, with DESIGN.md's error
//! contract (see [`http`] for the request path and [`response`] for the
//! answers).

mod http;
mod response;

pub(crate) use response::MEDIA_TYPE;

use std::sync::Arc;

use bytes::Bytes;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_util::sync::CancellationToken;

use crate::dispatch::Subsystem;
use crate::ActivateResponse;

/// The default request body limit: 1 MiB.
pub(crate) const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// What every connection of a plugin shares: the subsystems, the
/// precomputed `Plugin.Activate` answer, the body limit.
pub(crate) struct Server {
    subsystems: Box<[Arc<dyn Subsystem>]>,
    activation: Bytes,
    body_limit: usize,
    http: http1::Builder,
}

/// How the serving loop tells a connection to stop: `stop` finishes the
/// request in flight and closes; `force` drops the connection at once.
#[derive(Clone, Default)]
pub(crate) struct ConnSignals {
    pub(crate) stop: CancellationToken,
    pub(crate) force: CancellationToken,
}

impl Server {
    /// A server for `subsystems`, answering `Plugin.Activate` with their
    /// names in this order.
    pub(crate) fn new(subsystems: Vec<Arc<dyn Subsystem>>, body_limit: usize) -> Self {
        let activation = ActivateResponse {
            implements: subsystems.iter().map(|s| s.name().to_owned()).collect(),
        };
        let activation = serde_json::to_vec(&activation).expect("a list of names encodes");
        let mut http = http1::Builder::new();
        // dockerd keeps idle connections open; never time them out.
        http.keep_alive(true).header_read_timeout(None);
        Self {
            subsystems: subsystems.into_boxed_slice(),
            activation: Bytes::from(activation),
            body_limit,
            http,
        }
    }

    /// The names in the `Implements` list, in registration order.
    pub(crate) fn implements(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.subsystems.iter().map(|s| s.name())
    }

    fn subsystem(&self, name: &str) -> Option<&Arc<dyn Subsystem>> {
        self.subsystems.iter().find(|s| s.name() == name)
    }

    /// Serves one connection until the peer closes it, `signals.stop` fires
    /// (then the request in flight finishes first) or `signals.force` fires.
    pub(crate) async fn serve_connection<I>(self: Arc<Self>, io: I, signals: ConnSignals)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let server = Arc::clone(&self);
        let service = service_fn(move |request| http::handle(Arc::clone(&server), request));
        let connection = self.http.serve_connection(TokioIo::new(io), service);
        let mut connection = std::pin::pin!(connection);
        tokio::select! {
            result = connection.as_mut() => return log_connection_end(result),
            () = signals.stop.cancelled() => {}
            () = signals.force.cancelled() => return,
        }
        connection.as_mut().graceful_shutdown();
        tokio::select! {
            result = connection => log_connection_end(result),
            () = signals.force.cancelled() => {}
        }
    }
}

fn log_connection_end(result: Result<(), hyper::Error>) {
    if let Err(error) = result {
        tracing::debug!(%error, "connection closed");
    }
}
