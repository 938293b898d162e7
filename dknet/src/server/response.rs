//! The answers the server sends: JSON bodies, `{"Err": ...}` failures, and
//! the headers every response carries.

use std::any::Any;

use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{HeaderMap, HeaderValue, ALLOW, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde::Serialize;

use crate::dispatch::Failure;

/// The media type of every answer (the one dockerd asks for in `Accept`).
pub(crate) const MEDIA_TYPE: &str = "application/vnd.docker.plugins.v1.2+json";

const MEDIA_TYPE_VALUE: HeaderValue = HeaderValue::from_static(MEDIA_TYPE);
const POST_ONLY: HeaderValue = HeaderValue::from_static("POST");

/// How a request ended, before it becomes an HTTP response.
pub(super) enum Answer {
    /// 200 with this JSON.
    Json(Bytes),
    /// The driver does not implement the method (404): an ordinary answer
    /// in this protocol, logged quietly.
    Declined(Failure),
    /// Any other failure.
    Failed(Failure),
}

impl Answer {
    pub(super) fn failed(status: u16, message: String) -> Self {
        Self::Failed(Failure { status, message })
    }

    /// A 500 for a driver that panicked with `payload`.
    pub(super) fn panicked(payload: &(dyn Any + Send)) -> Self {
        let message = if let Some(text) = payload.downcast_ref::<&str>() {
            format!("the driver panicked: {text}")
        } else if let Some(text) = payload.downcast_ref::<String>() {
            format!("the driver panicked: {text}")
        } else {
            "the driver panicked".to_owned()
        };
        Self::failed(500, message)
    }

    /// The answer with a failure's text cut to [`MAX_MESSAGE_CHARS`]: a
    /// 400 may quote a client's value of any size, and the text goes to the
    /// log as well as to dockerd.
    pub(super) fn shortened(self) -> Self {
        match self {
            Self::Failed(failure) => Self::Failed(shorten(failure)),
            Self::Declined(failure) => Self::Declined(shorten(failure)),
            json => json,
        }
    }

    /// The HTTP status this answer is sent with.
    pub(super) fn status(&self) -> u16 {
        match self {
            Self::Json(_) => 200,
            Self::Declined(failure) | Self::Failed(failure) => failure.status,
        }
    }

    /// The HTTP response, with its headers in `headers`, an emptied map
    /// (see [`reused_headers`]).
    pub(super) fn into_response(self, headers: HeaderMap) -> Response<Full<Bytes>> {
        match self {
            Self::Json(body) => json(StatusCode::OK, body, headers),
            Self::Declined(failure) | Self::Failed(failure) => error(&failure, headers),
        }
    }
}

/// The request's header map, emptied, for its answer. hyper keeps an
/// answer's map to read the connection's next request head into, so the
/// requests and answers on a connection share one map instead of each
/// allocating their own. A map grown for more headers than
/// [`KEPT_HEADERS`] is not kept: a client's hundred headers would
/// otherwise stay with its connection.
pub(super) fn reused_headers(mut request_headers: HeaderMap) -> HeaderMap {
    if request_headers.capacity() > KEPT_HEADERS {
        return HeaderMap::new();
    }
    request_headers.clear();
    request_headers
}

/// The most headers a kept map has room for (dockerd sends five).
const KEPT_HEADERS: usize = 16;

/// The longest failure text sent or logged, in characters.
const MAX_MESSAGE_CHARS: usize = 400;

/// Keeps the start (the method, where the problem is) and the end (what
/// was expected) of a long message, and says how much was left out.
fn shorten(mut failure: Failure) -> Failure {
    let message = &failure.message;
    let length = message.chars().count();
    if length <= MAX_MESSAGE_CHARS {
        return failure;
    }
    const HEAD: usize = 250;
    const TAIL: usize = 100;
    let head_end = message.char_indices().nth(HEAD).map_or(0, |(at, _)| at);
    let tail_start = message
        .char_indices()
        .nth(length - TAIL)
        .map_or(message.len(), |(at, _)| at);
    failure.message = format!(
        "{}… ({} characters left out) …{}",
        &message[..head_end],
        length - HEAD - TAIL,
        &message[tail_start..]
    );
    failure
}

#[derive(Serialize)]
struct ErrBody<'a> {
    #[serde(rename = "Err")]
    err: &'a str,
}

fn json(status: StatusCode, body: Bytes, mut headers: HeaderMap) -> Response<Full<Bytes>> {
    headers.insert(CONTENT_TYPE, MEDIA_TYPE_VALUE);
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

fn error(failure: &Failure, headers: HeaderMap) -> Response<Full<Bytes>> {
    let body = serde_json::to_vec(&ErrBody {
        err: &failure.message,
    })
    .expect("a string encodes");
    let status = StatusCode::from_u16(failure.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = json(status, Bytes::from(body), headers);
    if status == StatusCode::METHOD_NOT_ALLOWED {
        response.headers_mut().insert(ALLOW, POST_ONLY);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_map_is_kept_for_the_answer_emptied_unless_it_grew_large() {
        let mut dockerd = HeaderMap::new();
        for name in [
            "host",
            "user-agent",
            "content-length",
            "accept",
            "accept-encoding",
        ] {
            dockerd.insert(name, HeaderValue::from_static("x"));
        }
        let room = dockerd.capacity();
        let kept = reused_headers(dockerd);
        assert!(kept.is_empty());
        assert_eq!(kept.capacity(), room);

        let mut crowded = HeaderMap::new();
        for n in 0..100 {
            crowded.insert(
                format!("x-{n}")
                    .parse::<hyper::header::HeaderName>()
                    .unwrap(),
                HeaderValue::from_static("x"),
            );
        }
        let fresh = reused_headers(crowded);
        assert!(fresh.is_empty());
        assert_eq!(fresh.capacity(), 0);
    }

    #[test]
    fn long_failure_texts_keep_their_start_and_end() {
        let message = format!("Join: `{}` is not an address", "é".repeat(5000));
        let answer = Answer::failed(400, message).shortened();
        let Answer::Failed(failure) = answer else {
            panic!("not a failure")
        };
        assert!(failure.message.chars().count() < MAX_MESSAGE_CHARS + 40);
        assert!(
            failure.message.starts_with("Join: `éé"),
            "{}",
            failure.message
        );
        assert!(failure.message.ends_with("éé` is not an address"));
        assert!(failure.message.contains("(4676 characters left out)"));

        let short = Answer::failed(400, "Join: short".to_owned()).shortened();
        assert!(matches!(short, Answer::Failed(f) if f.message == "Join: short"));
    }
}
