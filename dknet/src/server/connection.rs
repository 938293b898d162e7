//! One HTTP/1.1 connection: request heads and bodies read into one buffer,
//! each request answered in turn (pipelined ones included), the answer
//! written in one piece, and the connection's [`Conn`] told each phase.
//! A hang-up while a driver call runs drops the call, which moves to a task
//! of its own with its context cancelled (see [`call`](super::call)).

use std::future::{poll_fn, Future};
use std::io;
use std::ops::Range;
use std::pin::{pin, Pin};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio_util::io::poll_read_buf;

use super::chunked::{ChunkedBody, ChunkedError};
use super::connections::Conn;
use super::head::{self, Framing, Head};
use super::http;
use super::response::{Answer, CONTINUE};
use super::{Limits, Server};
use crate::context::Cancellations;

/// How much room each read asks for.
const READ_SIZE: usize = 4096;

/// A buffer grown past this by a large request is not kept for the next.
const KEPT_BUFFER: usize = 64 * 1024;

/// A connection being served.
pub(super) struct Connection<'a, I> {
    io: I,
    server: &'a Server,
    conn: &'a Arc<Conn>,
    cancellations: Arc<Cancellations>,
    /// What has arrived and is not yet consumed.
    input: BytesMut,
    /// The answer being written.
    output: Vec<u8>,
    /// Set when the plugin stops: the request in flight is the last.
    stopping: &'a AtomicBool,
}

/// What a body's framing gave.
enum Framed {
    /// The whole body.
    Whole(Bytes),
    /// A chunked body that cannot be read.
    Broken(ChunkedError),
    /// The client hung up.
    HungUp,
}

/// How reading a request's body ended.
enum Body {
    /// All of it is here.
    Read(Bytes),
    /// It cannot be served; the answer closes the connection.
    Refused(Answer),
    /// The client hung up.
    HungUp,
}

impl<'a, I: AsyncRead + AsyncWrite + Unpin> Connection<'a, I> {
    pub(super) fn new(
        io: I,
        server: &'a Server,
        conn: &'a Arc<Conn>,
        stopping: &'a AtomicBool,
    ) -> Self {
        Self {
            io,
            server,
            conn,
            cancellations: Arc::default(),
            input: BytesMut::new(),
            output: Vec::new(),
            stopping,
        }
    }

    /// Serves requests until the client closes the connection, asks for it
    /// to close, or sends one that cannot be served, or the plugin stops.
    pub(super) async fn serve(mut self) -> io::Result<()> {
        loop {
            let head = match self.read_head().await? {
                Some(Ok(head)) => head,
                Some(Err(refusal)) => return self.close_with(refusal).await,
                None => return Ok(()),
            };
            let in_flight = self.conn.request();
            let head_bytes = self.input.split_to(head.len).freeze();
            let (Some(http_method), Some(path)) = (
                text(&head_bytes, &head.method),
                text(&head_bytes, &head.path),
            ) else {
                // httparse has checked both as text already; they are
                // checked again (a few instructions) to take them as text
                // from the frozen head without `unsafe`.
                let message = "the request is not valid HTTP/1.1: the request line is not text";
                return self
                    .close_with(Answer::failed(400, message.to_owned()))
                    .await;
            };
            let body = match self.read_body(&head, path).await? {
                Body::Read(body) => body,
                Body::Refused(refusal) => return self.close_with(refusal).await,
                Body::HungUp => return Ok(()),
            };
            let request_size = head.len + body.len();
            let Some(answer) = self.answer(http_method, path, body).await else {
                return Ok(());
            };
            drop(in_flight);
            let closing = head.close || self.stopping.load(Ordering::SeqCst);
            self.write(answer, closing).await?;
            if closing {
                return self.io.shutdown().await;
            }
            self.settle_buffers(request_size);
        }
    }

    /// The next request head, once all of it is here; `None` if the client
    /// closes the connection first.
    async fn read_head(&mut self) -> io::Result<Option<Result<Head, Answer>>> {
        // What a pipelining client sent already is looked at first.
        let mut new_line = true;
        loop {
            // The head is parsed again only when a line was completed: a
            // client sending it a byte at a time costs one parse per line,
            // not one per byte.
            let worth_parsing = new_line || self.input.len() > Limits::MAX_HEAD_BYTES;
            if worth_parsing && !self.input.is_empty() {
                match head::parse(&self.input) {
                    Ok(None) => {}
                    parsed => return Ok(parsed.transpose()),
                }
            }
            let before = self.input.len();
            if self.read_some(READ_SIZE).await? == 0 {
                return Ok(None);
            }
            self.conn.received();
            new_line = self.input[before..].contains(&b'\n');
        }
    }

    /// Reads the body `head` announces, within the body limit and
    /// timeout; `path` names the method in refusals.
    async fn read_body(&mut self, head: &Head, path: &str) -> io::Result<Body> {
        let limits = self.server.limits;
        // Named only in a refusal.
        let method = || http::method_name(path).unwrap_or("the request");
        let too_large = || {
            let (method, limit) = (method(), limits.body_limit);
            let message = format!("{method}: the request body is larger than {limit} bytes");
            Body::Refused(Answer::failed(413, message))
        };
        if let Framing::Length(length) = head.body {
            // Refused before it is read: closing the connection is the
            // only way not to read it.
            if length > limits.body_limit as u64 {
                return Ok(too_large());
            }
        }
        let reading = self.read_framed_body(head.body, head.expects_continue);
        let Some(read) = within(limits.body_read_timeout, reading).await else {
            let (method, seconds) = (method(), limits.body_read_timeout.as_secs_f64());
            let message = format!("{method}: the request body did not arrive within {seconds} s");
            return Ok(Body::Refused(Answer::failed(408, message)));
        };
        Ok(match read? {
            Framed::Whole(body) => Body::Read(body),
            Framed::HungUp => Body::HungUp,
            Framed::Broken(ChunkedError::TooLarge) => too_large(),
            Framed::Broken(ChunkedError::Malformed(what)) => {
                let message = format!("{}: cannot read the request body: {what}", method());
                Body::Refused(Answer::failed(400, message))
            }
        })
    }

    /// The body framed as `framing` says.
    async fn read_framed_body(
        &mut self,
        framing: Framing,
        expects_continue: bool,
    ) -> io::Result<Framed> {
        match framing {
            Framing::Length(length) => {
                // Within the body limit, so it fits in a usize.
                let length = length as usize;
                if expects_continue && self.input.len() < length {
                    self.io.write_all(CONTINUE).await?;
                }
                while self.input.len() < length {
                    let missing = length - self.input.len();
                    if self.read_some(missing).await? == 0 {
                        return Ok(Framed::HungUp);
                    }
                }
                Ok(Framed::Whole(self.input.split_to(length).freeze()))
            }
            Framing::Chunked => {
                if expects_continue && self.input.is_empty() {
                    self.io.write_all(CONTINUE).await?;
                }
                let mut body = ChunkedBody::new(self.server.limits.body_limit);
                loop {
                    match body.decode(&mut self.input) {
                        Ok(true) => break,
                        Ok(false) => {}
                        Err(error) => return Ok(Framed::Broken(error)),
                    }
                    if self.read_some(READ_SIZE).await? == 0 {
                        return Ok(Framed::HungUp);
                    }
                }
                Ok(Framed::Whole(body.into_body()))
            }
        }
    }

    /// The answer to a request, or `None` if the client hung up first.
    async fn answer(&mut self, http_method: &str, path: &str, body: Bytes) -> Option<Answer> {
        let Self {
            io,
            server,
            cancellations,
            input,
            ..
        } = self;
        let mut answering = pin!(http::handle(server, cancellations, http_method, path, body));
        poll_fn(|cx| {
            if let Poll::Ready(answer) = answering.as_mut().poll(cx) {
                return Poll::Ready(Some(answer));
            }
            if hung_up(cx, io, input) {
                return Poll::Ready(None);
            }
            Poll::Pending
        })
        .await
    }

    /// Writes `answer`, which the client must take within the body read
    /// timeout: a client that stops reading does not hold its connection.
    async fn write(&mut self, answer: Answer, closing: bool) -> io::Result<()> {
        let Self { io, output, .. } = self;
        output.clear();
        answer.write(output, closing);
        let writing = async {
            io.write_all(output).await?;
            io.flush().await
        };
        let Some(written) = within(self.server.limits.body_read_timeout, writing).await else {
            let message = "the client did not take its answer in time";
            return Err(io::Error::new(io::ErrorKind::TimedOut, message));
        };
        written?;
        self.conn.flushed();
        Ok(())
    }

    /// Answers a request that cannot be served, and closes.
    async fn close_with(&mut self, refusal: Answer) -> io::Result<()> {
        tracing::debug!(status = refusal.status(), "refusing a request and closing");
        self.write(refusal, true).await?;
        self.io.shutdown().await
    }

    /// Readies the buffers for the next request: those a large request
    /// grew are let go (`request_size` bytes were read into the input
    /// buffer), and a pipelined request's first bytes start its head's clock.
    fn settle_buffers(&mut self, request_size: usize) {
        if request_size > KEPT_BUFFER {
            // What is left (a pipelined request's first bytes) is small.
            self.input = BytesMut::from(&self.input[..]);
        }
        if self.output.capacity() > KEPT_BUFFER {
            self.output = Vec::new();
        }
        if !self.input.is_empty() {
            self.conn.received();
        }
    }

    /// Reads what has arrived, with room for at least `wanted` bytes (up
    /// to [`READ_SIZE`] at a time); 0 at the end of the stream.
    async fn read_some(&mut self, wanted: usize) -> io::Result<usize> {
        self.input.reserve(wanted.clamp(READ_SIZE, 16 * READ_SIZE));
        self.io.read_buf(&mut self.input).await
    }
}

/// What `work` gives if it finishes within `limit`. The timer is set only
/// if it does not finish at once: dockerd sends each request, and takes
/// each answer, in one piece.
async fn within<F: Future>(limit: Duration, work: F) -> Option<F::Output> {
    let mut work = pin!(work);
    match poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await {
        Poll::Ready(done) => Some(done),
        Poll::Pending => tokio::time::timeout(limit, work).await.ok(),
    }
}

/// Whether the client hung up (or the connection failed) while its request
/// was being answered. Bytes of a pipelined request are kept, up to a head's
/// worth; beyond that, nothing more is read until the answer is written.
fn hung_up<I: AsyncRead + Unpin>(cx: &mut Context<'_>, io: &mut I, input: &mut BytesMut) -> bool {
    while input.len() < Limits::MAX_HEAD_BYTES {
        input.reserve(READ_SIZE);
        match poll_read_buf(Pin::new(&mut *io), cx, input) {
            Poll::Ready(Ok(0) | Err(_)) => return true,
            Poll::Ready(Ok(_)) => {}
            Poll::Pending => return false,
        }
    }
    false
}

/// The text at `range` of a request head.
fn text<'h>(head: &'h [u8], range: &Range<usize>) -> Option<&'h str> {
    std::str::from_utf8(head.get(range.clone())?).ok()
}
