//! [`Tracked`]: a connection's byte stream, watched for the [`Conn`]
//! phases (bytes arriving, answers flushed), and with the answers hyper
//! writes on its own (400, 414, 431 for a request it cannot parse) given
//! the `{"Err": ...}` body every other failure has.

use std::io::{self, IoSlice};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::connections::Conn;
use super::limits::Limits;
use super::response::MEDIA_TYPE;

/// A connection's stream, reporting to its [`Conn`].
pub(super) struct Tracked<I> {
    io: I,
    conn: Arc<Conn>,
    /// hyper's own error answer, rewritten, and how much of it is written.
    rewritten: Option<(Vec<u8>, usize)>,
}

impl<I> Tracked<I> {
    pub(super) fn new(io: I, conn: Arc<Conn>) -> Self {
        Self {
            io,
            conn,
            rewritten: None,
        }
    }

    /// hyper writes outside a request only to answer one it could not
    /// parse; takes `written` as that answer and keeps a JSON one instead.
    fn rewrites(&mut self, written: impl FnOnce() -> Vec<u8>) -> bool {
        if self.rewritten.is_none() && self.conn.in_flight() {
            return false;
        }
        if self.rewritten.is_none() {
            self.rewritten = Some((json_error(&written()), 0));
        }
        true
    }
}

impl<I: AsyncWrite + Unpin> Tracked<I> {
    /// Writes what remains of the rewritten answer.
    fn poll_rewritten(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.rewritten {
            if *written == bytes.len() {
                break;
            }
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *written += n;
        }
        Poll::Ready(Ok(()))
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for Tracked<I> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.io).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.conn.received();
        }
        Poll::Ready(Ok(()))
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for Tracked<I> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rewrites(|| buf.to_vec()) {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.io).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.rewrites(|| bufs.iter().flat_map(|buf| buf.iter().copied()).collect()) {
            return Poll::Ready(Ok(bufs.iter().map(|buf| buf.len()).sum()));
        }
        Pin::new(&mut this.io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        ready!(Pin::new(&mut this.io).poll_flush(cx))?;
        this.conn.flushed();
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_rewritten(cx))?;
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// The answer for hyper's `HTTP/1.1 <status> <reason>` head: the same
/// status, with a JSON body saying what was wrong.
fn json_error(hyper_head: &[u8]) -> Vec<u8> {
    let status_line = hyper_head
        .split(|&byte| byte == b'\r')
        .next()
        .and_then(|line| std::str::from_utf8(line).ok())
        .unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .filter(|code| code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("400");
    let message = match status {
        "431" => format!(
            "the request head is larger than {} bytes",
            Limits::MAX_HEAD_BYTES
        ),
        "414" => "the request path is too long".to_owned(),
        "400" => "the request is not valid HTTP/1.1: malformed request line or header".to_owned(),
        _ => format!("the request cannot be read: {status_line}"),
    };
    let body = serde_json::json!({ "Err": message }).to_string();
    let reason = status_line.splitn(3, ' ').nth(2).unwrap_or("Bad Request");
    let mut answer = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: {MEDIA_TYPE}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(body.as_bytes());
    answer
}

#[cfg(test)]
mod tests {
    use super::json_error;

    #[test]
    fn hyper_answers_get_a_json_body_and_keep_their_status() {
        let answer = json_error(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\n\r\n",
        );
        let text = String::from_utf8(answer).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(
            head.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"),
            "{head}"
        );
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(json["Err"].as_str().unwrap().contains("larger than"));

        let garbage = String::from_utf8(json_error(b"\xff")).unwrap();
        assert!(
            garbage.starts_with("HTTP/1.1 400 Bad Request\r\n"),
            "{garbage}"
        );
    }
}
