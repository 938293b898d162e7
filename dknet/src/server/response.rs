//! The answers the server sends: JSON bodies, `{"Err": ...}` failures, and
//! the headers every response carries.

use std::any::Any;

use bytes::Bytes;
use serde::Serialize;

use super::date::push_date;
use crate::dispatch::Failure;

/// The media type of every answer (the one dockerd asks for in `Accept`).
pub(crate) const MEDIA_TYPE: &str = "application/vnd.docker.plugins.v1.2+json";

/// How a request ended, before it becomes an HTTP response.
#[derive(Debug, PartialEq, Eq)]
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

    /// Appends the answer as an HTTP/1.1 response: status line, headers
    /// and body; with `Connection: close` if `closing`; without the body
    /// (its length still announced) if `bodiless`, the answer to `HEAD`
    /// (RFC 9110 9.3.2).
    pub(super) fn write(self, out: &mut Vec<u8>, closing: bool, bodiless: bool) {
        let status = self.status();
        let body = match self {
            Self::Json(body) => body,
            Self::Declined(failure) | Self::Failed(failure) => err_body(&failure),
        };
        push_status_line(out, status);
        out.extend_from_slice(b"content-type: ");
        out.extend_from_slice(MEDIA_TYPE.as_bytes());
        out.extend_from_slice(b"\r\ncontent-length: ");
        out.extend_from_slice(itoa::Buffer::new().format(body.len()).as_bytes());
        out.extend_from_slice(b"\r\ndate: ");
        push_date(out);
        out.extend_from_slice(b"\r\n");
        if status == 405 {
            out.extend_from_slice(b"allow: POST\r\n");
        }
        if closing {
            out.extend_from_slice(b"connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        if !bodiless {
            out.extend_from_slice(&body);
        }
    }
}

/// The interim answer to `Expect: 100-continue`.
pub(super) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Appends `HTTP/1.1 <status> <reason>` and its CRLF.
fn push_status_line(out: &mut Vec<u8>, status: u16) {
    if status == 200 {
        out.extend_from_slice(b"HTTP/1.1 200 OK\r\n");
        return;
    }
    out.extend_from_slice(b"HTTP/1.1 ");
    out.extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
    out.push(b' ');
    out.extend_from_slice(reason(status).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// The reason phrase for each status the server answers with (it is only
/// for people reading the exchange: clients go by the number).
fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "",
    }
}

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

/// `{"Err": "<message>"}`, the body of every failure.
fn err_body(failure: &Failure) -> Bytes {
    let body = serde_json::to_vec(&ErrBody {
        err: &failure.message,
    })
    .expect("a string encodes");
    Bytes::from(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(answer: Answer, closing: bool) -> String {
        let mut out = Vec::new();
        answer.write(&mut out, closing, false);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn answers_are_written_with_their_status_headers_and_body() {
        let ok = written(Answer::Json(Bytes::from_static(b"{}")), false);
        let (head, body) = ok.split_once("\r\n\r\n").unwrap();
        let lines: Vec<_> = head.lines().collect();
        assert_eq!(lines[0], "HTTP/1.1 200 OK");
        assert_eq!(lines[1], format!("content-type: {MEDIA_TYPE}"));
        assert_eq!(lines[2], "content-length: 2");
        assert!(lines[3].starts_with("date: ") && lines[3].ends_with(" GMT"));
        assert_eq!(lines.len(), 4);
        assert_eq!(body, "{}");

        let refused = written(Answer::failed(405, "no".to_owned()), true);
        let (head, body) = refused.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
        assert!(head.contains("\r\nallow: POST\r\nconnection: close"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        assert_eq!(body, r#"{"Err":"no"}"#);

        let too_large = written(Answer::failed(413, "big".to_owned()), true);
        assert!(too_large.starts_with("HTTP/1.1 413 Content Too Large\r\n"));
    }

    #[test]
    fn the_answer_to_head_has_no_body() {
        let mut out = Vec::new();
        Answer::failed(405, "no".to_owned()).write(&mut out, false, true);
        let text = String::from_utf8(out).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains("content-length: 12"), "{head}");
        assert_eq!(body, "");
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
