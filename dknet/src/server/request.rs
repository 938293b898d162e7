//! One request, from its method, path and body to a driver call and back:
//! method and path checks, the request's [`Context`], panic isolation, and
//! the request's tracing span.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use tracing::field::{display, Empty};
use tracing::Span;

use super::in_place_call::{InPlace, Outcome};
use super::log_text::Escaped;
use super::response::Answer;
use super::Server;
use crate::context::{Cancellations, Context};

/// The last request id given; ids are unique in the process.
static LAST_REQUEST_ID: AtomicU64 = AtomicU64::new(0);

/// A request id never given before in this process (the first is 1).
fn next_request_id() -> u64 {
    LAST_REQUEST_ID.fetch_add(1, Ordering::Relaxed) + 1
}

/// Answers one request. Never fails: every problem is an HTTP answer.
pub(super) async fn handle(
    server: &Server,
    cancellations: &Arc<Cancellations>,
    http_method: &str,
    path: &str,
    body: Bytes,
) -> Answer {
    let id = next_request_id();
    let start = Instant::now();
    // At debug level: building and formatting a span for every request
    // costs more than the rest of dknet's work on it. Failures are logged
    // at warn with the same fields either way.
    let span = tracing::debug_span!(
        "request",
        id,
        method = %Escaped(path),
        network_id = Empty,
        endpoint_id = Empty,
        status = Empty,
        duration_ms = Empty,
    );
    let context = cancellations.context(id);
    let answer = answer(server, context, http_method, path, body, &span)
        .await
        .shortened();
    log(&span, id, start, path, &answer);
    answer
}

async fn answer(
    server: &Server,
    context: Context,
    http_method: &str,
    path: &str,
    body: Bytes,
    span: &Span,
) -> Answer {
    if http_method != "POST" {
        let message = format!("{path}: method {http_method} is not allowed; use POST");
        return Answer::failed(405, message);
    }
    if path == "/Plugin.Activate" {
        return Answer::Json(server.activation.clone());
    }
    let Some((subsystem, method)) = split_path(path) else {
        return unknown_path(server, path);
    };
    let Some(target) = server.subsystem(subsystem) else {
        return unknown_path(server, path);
    };
    let canceller = context.clone();
    // A hand-written driver may panic before its future exists. Decoding
    // puts the request's ids on its span.
    let routed = span
        .in_scope(|| panic::catch_unwind(AssertUnwindSafe(|| target.route(method, body, context))));
    let call = match routed {
        Ok(Some(call)) => call,
        Ok(None) => return unknown_path(server, path),
        Err(payload) => return Answer::panicked(&*payload),
    };
    // The call runs here, in the connection's task; if dockerd hangs up
    // first, it moves to a task of its own and finishes there.
    let call = InPlace::new(call, &server.calls, canceller, span.clone());
    match call.run(&server.calls_cut).await {
        Outcome::Returned(Ok(json)) => Answer::Json(json),
        Outcome::Returned(Err(failure)) if failure.status == 404 => Answer::Declined(failure),
        Outcome::Returned(Err(failure)) => Answer::Failed(failure),
        Outcome::Panicked(payload) => Answer::panicked(&*payload),
        // The grace period is over: answer now; the call goes on with its
        // context cancelled.
        Outcome::Cut => {
            let message =
                format!("{method}: the plugin is stopping and the call did not finish in time");
            Answer::failed(500, message)
        }
    }
}

/// `/NetworkDriver.Join` -> (`NetworkDriver`, `Join`).
fn split_path(path: &str) -> Option<(&str, &str)> {
    let name = path.strip_prefix('/')?;
    let dot = name.bytes().position(|byte| byte == b'.')?;
    let (subsystem, method) = (&name[..dot], &name[dot + 1..]);
    (!subsystem.is_empty() && !method.is_empty()).then_some((subsystem, method))
}

/// The driver method a path names: `/NetworkDriver.Join` -> `Join`.
pub(super) fn method_name(path: &str) -> Option<&str> {
    split_path(path).map(|(_, method)| method)
}

fn unknown_path(server: &Server, path: &str) -> Answer {
    let implements: Vec<_> = server.implements().collect();
    let message = if implements.is_empty() {
        format!("{path}: no such method; this plugin has no drivers")
    } else {
        let implements = implements.join(", ");
        format!("{path}: no such method; this plugin implements {implements}")
    };
    Answer::failed(404, message)
}

/// Records the outcome on the span and logs one line: debug for answers,
/// warn for failures (with the request's id, method, status and duration
/// when the span is filtered out).
fn log(span: &Span, id: u64, start: Instant, path: &str, answer: &Answer) {
    let status = answer.status();
    if span.is_disabled() {
        if let Answer::Failed(failure) = answer {
            let duration_ms = start.elapsed().as_secs_f64() * 1000.0;
            let (method, error) = (Escaped(path), Escaped(&failure.message));
            tracing::warn!(id, %method, status, duration_ms, %error, "request failed");
        }
        return;
    }
    span.record("status", status);
    span.record("duration_ms", start.elapsed().as_secs_f64() * 1000.0);
    match answer {
        Answer::Json(_) => tracing::debug!(parent: span, "answered"),
        Answer::Declined(failure) => {
            let error = display(Escaped(&failure.message));
            tracing::debug!(parent: span, error, "not supported")
        }
        Answer::Failed(failure) => {
            let error = display(Escaped(&failure.message));
            tracing::warn!(parent: span, error, "request failed")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::{next_request_id, split_path};

    #[test]
    fn request_ids_are_unique_across_threads() {
        let per_thread = 3000;
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || {
                    (0..per_thread)
                        .map(|_| next_request_id())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for thread in threads {
            for id in thread.join().unwrap() {
                assert!(id > 0);
                assert!(seen.insert(id), "id {id} given twice");
            }
        }
        assert_eq!(seen.len(), 4 * per_thread);
    }

    #[test]
    fn paths_split_into_subsystem_and_method() {
        assert_eq!(
            split_path("/NetworkDriver.Join"),
            Some(("NetworkDriver", "Join"))
        );
        assert_eq!(
            split_path("/IpamDriver.RequestPool"),
            Some(("IpamDriver", "RequestPool"))
        );
        assert_eq!(split_path("/NetworkDriver."), None);
        assert_eq!(split_path("/.Join"), None);
        assert_eq!(split_path("/nothing"), None);
        assert_eq!(split_path("NetworkDriver.Join"), None);
    }
}
