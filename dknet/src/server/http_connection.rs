//! One HTTP/1.1 connection: request heads and bodies read into one buffer,
//! each request answered in turn (pipelined ones included), the answer
//! written in one piece, and the connection's [`Conn`] told each phase.
//! A hang-up while a driver call runs drops the call, which moves to a task
//! of its own with its context cancelled (see
//! [`in_place_call`](super::in_place_call)).

use std::future::poll_fn;
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::{timeout, timeout_at, Instant};
use tokio_util::io::poll_read_buf;

use super::budget::Charge;
use super::chunked::{ChunkedBody, ChunkedError};
use super::head::{self, Framing, Head};
use super::registry::Conn;
use super::request;
use super::response::{Answer, CONTINUE};
use super::{Limits, Server};
use crate::context::Cancellations;

/// How much room each read asks for.
const READ_SIZE: usize = 4096;

/// A buffer grown past this by a large request is not kept for the next.
/// Request bodies are charged to the server's [`Budget`](super::budget)
/// for what the buffers hold beyond it.
const KEPT_BUFFER: usize = 32 * 1024;

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
    /// What the body being read holds of the server's memory budget.
    charge: Charge<'a>,
    /// Set when the plugin stops: the request being handled is the last.
    stopping: &'a AtomicBool,
}

/// What a body's framing gave.
enum Framed {
    /// The whole body.
    Whole(Bytes),
    /// A chunked body that cannot be read.
    Broken(ChunkedError),
    /// The bodies of all connections would hold more memory than the
    /// server's budget.
    OverBudget,
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

/// How waiting for a request head ended.
enum HeadRead {
    /// All of it is here.
    Complete(Head),
    /// It cannot be served; the answer closes the connection.
    Refused(Answer),
    /// The client closed the connection, or let it idle too long.
    Gone,
    /// It did not arrive within the header read timeout.
    TooSlow,
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
            charge: server.budget.charge(),
            stopping,
        }
    }

    /// Serves requests until the client closes the connection, asks for it
    /// to close, or sends one that cannot be served, or the plugin stops.
    pub(super) async fn serve(mut self) -> io::Result<()> {
        loop {
            let head = match self.read_head().await? {
                HeadRead::Complete(head) => head,
                HeadRead::Refused(refusal) => return self.close_with(refusal, false).await,
                HeadRead::Gone => return Ok(()),
                HeadRead::TooSlow => {
                    let timeout_ms = self.server.limits.header_read_timeout.as_millis();
                    tracing::warn!(
                        timeout_ms,
                        "closing a connection: its request head did not arrive in time"
                    );
                    return Ok(());
                }
            };
            self.conn.head_read();
            let head_bytes = self.input.split_to(head.len).freeze();
            let (Some(http_method), Some(path)) = (
                text(&head_bytes, &head.method),
                text(&head_bytes, &head.path),
            ) else {
                // httparse has checked both as text already; they are
                // checked again (a few instructions) to take them as text
                // from the frozen head without `unsafe`.
                let message = "the request is not valid HTTP/1.1: the request line is not text";
                let refusal = Answer::failed(400, message.to_owned());
                return self.close_with(refusal, false).await;
            };
            let bodiless = http_method == "HEAD";
            let body = match self.read_body(&head, path).await? {
                Body::Read(body) => body,
                Body::Refused(refusal) => return self.close_with(refusal, bodiless).await,
                Body::HungUp => return Ok(()),
            };
            // The request is complete: the connection turns busy, unless it
            // was evicted first (then nothing of the request has run).
            let Some(busy) = self.conn.request_complete() else {
                return Ok(());
            };
            let request_size = head.len + body.len();
            let Some(answer) = self.answer(http_method, path, body).await else {
                return Ok(());
            };
            drop(busy);
            self.charge.release();
            let closing = head.close || self.stopping.load(Ordering::SeqCst);
            self.write(answer, closing, bodiless).await?;
            if closing {
                return self.io.shutdown().await;
            }
            self.settle_buffers(request_size);
        }
    }

    /// The next request head, once all of it is here; the connection may
    /// idle for the idle timeout before its first byte, then the head has
    /// the header read timeout to arrive.
    async fn read_head(&mut self) -> io::Result<HeadRead> {
        let limits = self.server.limits;
        let mut deadline = if self.input.is_empty() {
            Instant::now() + limits.idle_timeout
        } else {
            // A pipelined request's first bytes are here.
            Instant::now() + limits.header_read_timeout
        };
        // The head is parsed again only when a line was completed, or when
        // what arrived of the request line doubled: a client sending it a
        // byte at a time costs one parse per line, not one per byte, and
        // what cannot be HTTP (a TLS handshake) is refused at once.
        let mut parsed_at = 0;
        let mut new_line = true;
        loop {
            let worth_parsing = new_line
                || self.input.len() >= 2 * parsed_at
                || self.input.len() > Limits::MAX_HEAD_BYTES;
            if worth_parsing && !self.input.is_empty() {
                parsed_at = self.input.len();
                match head::parse(&self.input) {
                    Ok(None) => {}
                    Ok(Some(head)) => return Ok(HeadRead::Complete(head)),
                    Err(refusal) => return Ok(HeadRead::Refused(refusal)),
                }
            }
            let before = self.input.len();
            let Ok(read) = timeout_at(deadline, self.read_some(READ_SIZE)).await else {
                return Ok(if before == 0 {
                    tracing::debug!(
                        timeout_ms = limits.idle_timeout.as_millis(),
                        "closing an idle connection"
                    );
                    HeadRead::Gone
                } else {
                    HeadRead::TooSlow
                });
            };
            if read? == 0 {
                return Ok(HeadRead::Gone);
            }
            if before == 0 {
                self.conn.received();
                deadline = Instant::now() + limits.header_read_timeout;
            }
            new_line = self.input[before..].contains(&b'\n');
        }
    }

    /// Reads the body `head` announces, within the body limit, the memory
    /// budget and the body read timeout; `path` names the method in
    /// refusals.
    async fn read_body(&mut self, head: &Head, path: &str) -> io::Result<Body> {
        let limits = self.server.limits;
        // Named only in a refusal.
        let method = || request::method_name(path).unwrap_or("the request");
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
        let Ok(read) = timeout(limits.body_read_timeout, reading).await else {
            let (method, seconds) = (method(), limits.body_read_timeout.as_secs_f64());
            let message = format!("{method}: the request body did not arrive within {seconds} s");
            return Ok(Body::Refused(Answer::failed(408, message)));
        };
        Ok(match read? {
            Framed::Whole(body) => Body::Read(body),
            Framed::HungUp => Body::HungUp,
            Framed::OverBudget => {
                let (method, budget) = (method(), limits.body_budget);
                let message = format!(
                    "{method}: the plugin holds its limit of {budget} bytes of request bodies \
                     already; try again"
                );
                Body::Refused(Answer::failed(503, message))
            }
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
                    if !self.reserve_charged(missing, 0) {
                        return Ok(Framed::OverBudget);
                    }
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
                    if !self.reserve_charged(READ_SIZE, body.held()) {
                        return Ok(Framed::OverBudget);
                    }
                    if self.read_some(READ_SIZE).await? == 0 {
                        return Ok(Framed::HungUp);
                    }
                }
                Ok(Framed::Whole(body.into_body()))
            }
        }
    }

    /// Makes room in the input buffer for `wanted` more bytes (see
    /// [`Connection::read_some`]) and charges what the buffer and `held`
    /// bytes of a decoded body take beyond [`KEPT_BUFFER`] to the budget;
    /// false if the budget has not that much left.
    fn reserve_charged(&mut self, wanted: usize, held: usize) -> bool {
        self.input.reserve(read_size(wanted));
        let holding = self.input.capacity() + held;
        self.charge.hold(holding.saturating_sub(KEPT_BUFFER))
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
        tokio::select! {
            answer = request::handle(server, cancellations, http_method, path, body) => Some(answer),
            () = hang_up(io, input) => None,
        }
    }

    /// Writes `answer` (its head only if `bodiless`), which the client
    /// must take within the body read timeout: a client that stops reading
    /// does not hold its connection.
    async fn write(&mut self, answer: Answer, closing: bool, bodiless: bool) -> io::Result<()> {
        let Self { io, output, .. } = self;
        output.clear();
        answer.write(output, closing, bodiless);
        let writing = async {
            io.write_all(output).await?;
            io.flush().await
        };
        let Ok(written) = timeout(self.server.limits.body_read_timeout, writing).await else {
            let message = "the client did not take its answer in time";
            return Err(io::Error::new(io::ErrorKind::TimedOut, message));
        };
        written?;
        self.conn.flushed();
        Ok(())
    }

    /// Answers a request that cannot be served (its head only if
    /// `bodiless`), and closes.
    async fn close_with(&mut self, refusal: Answer, bodiless: bool) -> io::Result<()> {
        tracing::debug!(status = refusal.status(), "refusing a request and closing");
        self.charge.release();
        self.write(refusal, true, bodiless).await?;
        self.io.shutdown().await
    }

    /// Readies the buffers for the next request: those a large request
    /// grew are let go (`request_size` bytes were read into the input
    /// buffer), and a pipelined request's first bytes start its head.
    fn settle_buffers(&mut self, request_size: usize) {
        if request_size > KEPT_BUFFER || self.input.capacity() > KEPT_BUFFER {
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
        self.input.reserve(read_size(wanted));
        self.io.read_buf(&mut self.input).await
    }
}

/// How much room one read asks for when `wanted` bytes are expected.
fn read_size(wanted: usize) -> usize {
    wanted.clamp(READ_SIZE, 16 * READ_SIZE)
}

/// Completes if the client hangs up (or the connection fails) while its
/// request is being answered. Bytes of a pipelined request are kept, up to
/// a head's worth; beyond that, nothing more is read until the answer is
/// written.
async fn hang_up<I: AsyncRead + Unpin>(io: &mut I, input: &mut BytesMut) {
    poll_fn(|cx| {
        if hung_up(cx, io, input) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await;
}

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
