//! A request head: the request line and headers, parsed by `httparse`
//! into where the method and path are, how the body is framed, and
//! whether the connection stays open after the answer. Every other
//! header is ignored.

use std::mem::MaybeUninit;
use std::ops::Range;

use super::limits::Limits;
use super::response::Answer;

/// The most headers a request head may have (dockerd sends five).
const MAX_HEADERS: usize = 64;

/// A complete request head at the front of a connection's buffer.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Head {
    /// The head's length in bytes, blank line included: the body starts here.
    pub(super) len: usize,
    /// Where the method is in the head.
    pub(super) method: Range<usize>,
    /// Where the path is in the head, without any query.
    pub(super) path: Range<usize>,
    /// How the body that follows is delimited.
    pub(super) body: Framing,
    /// The client asked for the connection to close after the answer, or
    /// spoke HTTP/1.0 (whose keep-alive dknet does not offer).
    pub(super) close: bool,
    /// The client waits for `100 Continue` before it sends the body.
    pub(super) expects_continue: bool,
}

/// How the request's body is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Framing {
    /// `Content-Length` bytes (none without the header).
    Length(u64),
    /// `Transfer-Encoding: chunked`.
    Chunked,
}

/// Parses the head at the front of `input`: `None` until all of it has
/// arrived, an answer (sent before closing) if it cannot be served.
pub(super) fn parse(input: &[u8]) -> Result<Option<Head>, Answer> {
    // Left uninitialised: httparse writes only the headers it finds.
    let mut headers = [const { MaybeUninit::uninit() }; MAX_HEADERS];
    let mut request = httparse::Request::new(&mut []);
    let len = match request.parse_with_uninit_headers(input, &mut headers) {
        Ok(httparse::Status::Complete(len)) if len <= Limits::MAX_HEAD_BYTES => len,
        Ok(httparse::Status::Partial) if input.len() <= Limits::MAX_HEAD_BYTES => return Ok(None),
        Ok(_) => return Err(too_large()),
        Err(httparse::Error::TooManyHeaders) => {
            return Err(Answer::failed(
                431,
                format!("the request has more than {MAX_HEADERS} headers"),
            ))
        }
        Err(error) => return Err(not_http(&error.to_string())),
    };
    let (Some(method), Some(target)) = (request.method, request.path) else {
        return Err(not_http("no request line"));
    };
    let path = origin_path(target);
    let mut head = Head {
        len,
        method: range_in(input, method),
        path: range_in(input, path),
        body: Framing::Length(0),
        close: request.version == Some(0),
        expects_continue: false,
    };
    let mut length = None;
    // Every coding named, in order, across all Transfer-Encoding fields.
    let mut codings: Vec<&[u8]> = Vec::new();
    for header in request.headers.iter() {
        let name = header.name;
        if name.eq_ignore_ascii_case("content-length") {
            let value = content_length(header.value)?;
            if length.is_some_and(|earlier| earlier != value) {
                return Err(not_http("Content-Length is given twice, differently"));
            }
            length = Some(value);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            codings.extend(
                header
                    .value
                    .split(|&byte| byte == b',')
                    .map(<[u8]>::trim_ascii)
                    .filter(|coding| !coding.is_empty()),
            );
        } else if name.eq_ignore_ascii_case("connection") {
            head.close |= has_token(header.value, b"close");
        } else if name.eq_ignore_ascii_case("expect") {
            head.expects_continue = header
                .value
                .trim_ascii()
                .eq_ignore_ascii_case(b"100-continue");
        }
    }
    let chunked = transfer_codings(&codings, request.version)?;
    head.body = match (length, chunked) {
        (Some(_), true) => {
            // Two framings: a proxy in front could read another body than
            // this server does.
            return Err(not_http("both Content-Length and Transfer-Encoding"));
        }
        (_, true) => Framing::Chunked,
        (length, false) => Framing::Length(length.unwrap_or(0)),
    };
    head.expects_continue &= request.version == Some(1);
    Ok(Some(head))
}

/// Whether the `codings` of a request of HTTP/1.`version` frame its body
/// as chunked (none: no). RFC 9112 6.1: a request whose final coding is not
/// `chunked` cannot be framed, nor can an HTTP/1.0 one with any coding
/// (both 400, and the connection closes); `chunked` applies once. dknet
/// decodes no other coding: one before a final `chunked` is 501 (RFC 9110
/// 15.6.2).
fn transfer_codings(codings: &[&[u8]], version: Option<u8>) -> Result<bool, Answer> {
    let Some((last, earlier)) = codings.split_last() else {
        return Ok(false);
    };
    if version == Some(0) {
        return Err(not_http("Transfer-Encoding in an HTTP/1.0 request"));
    }
    let is_chunked = |coding: &&[u8]| coding.eq_ignore_ascii_case(b"chunked");
    if !is_chunked(last) {
        return Err(not_http("the final transfer coding is not chunked"));
    }
    if earlier.iter().any(is_chunked) {
        return Err(not_http("chunked is applied more than once"));
    }
    if !earlier.is_empty() {
        let message = "only one transfer coding is supported: chunked".to_owned();
        return Err(Answer::failed(501, message));
    }
    Ok(true)
}

/// The path of a request target, without its query: an origin-form target
/// (`/Plugin.Activate?x`) as it is, an absolute-form one
/// (`http://plugin/Plugin.Activate`) by its path, which RFC 9112 3.2.2 says
/// a server must accept (empty if it has none).
fn origin_path(target: &str) -> &str {
    let target = target.split('?').next().unwrap_or_default();
    let Some(scheme_end) = target.find("://") else {
        return target;
    };
    let scheme = &target[..scheme_end];
    if !(scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https")) {
        return target;
    }
    let authority_and_path = &target[scheme_end + 3..];
    let path_start = authority_and_path
        .find('/')
        .unwrap_or(authority_and_path.len());
    &authority_and_path[path_start..]
}

/// Where `part`, a slice of `whole`, lies in it.
fn range_in(whole: &[u8], part: &str) -> Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

fn content_length(value: &[u8]) -> Result<u64, Answer> {
    let digits = value.trim_ascii();
    // At most 19 digits: the value fits in a u64.
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return Err(not_http("Content-Length is not a number"));
    }
    Ok(digits
        .iter()
        .fold(0, |sum, digit| sum * 10 + u64::from(digit - b'0')))
}

/// Whether the comma-separated `list` holds `token`, in any case.
fn has_token(list: &[u8], token: &[u8]) -> bool {
    list.split(|&byte| byte == b',')
        .any(|item| item.trim_ascii().eq_ignore_ascii_case(token))
}

fn not_http(what: &str) -> Answer {
    Answer::failed(400, format!("the request is not valid HTTP/1.1: {what}"))
}

/// The answer for a head longer than [`Limits::MAX_HEAD_BYTES`].
fn too_large() -> Answer {
    Answer::failed(
        431,
        format!(
            "the request head is larger than {} bytes",
            Limits::MAX_HEAD_BYTES
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(text: &str) -> Head {
        parse(text.as_bytes())
            .unwrap_or_else(|answer| panic!("refused with {}", answer.status()))
            .expect("complete")
    }

    fn refused(text: &[u8]) -> u16 {
        match parse(text) {
            Err(answer) => answer.status(),
            Ok(parsed) => panic!("accepted: {parsed:?}"),
        }
    }

    #[test]
    fn dockerds_head_is_read() {
        let text = "POST /NetworkDriver.Join HTTP/1.1\r\nHost: plugin\r\n\
                    User-Agent: Go-http-client/1.1\r\nContent-Length: 157\r\n\
                    Accept: application/vnd.docker.plugins.v1.2+json\r\n\
                    Accept-Encoding: gzip\r\n\r\n{\"body\"";
        let parsed = head(text);
        assert_eq!(&text[parsed.method.clone()], "POST");
        assert_eq!(&text[parsed.path.clone()], "/NetworkDriver.Join");
        assert_eq!(parsed.len, text.find("{").unwrap());
        assert_eq!(parsed.body, Framing::Length(157));
        assert!(!parsed.close);
        assert!(!parsed.expects_continue);
    }

    #[test]
    fn partial_heads_wait_and_long_ones_are_refused() {
        assert_eq!(parse(b"POST /Plugin.Activate HTTP/1.1\r\nHo"), Ok(None));
        assert_eq!(parse(b""), Ok(None));
        let mut long = b"POST /Plugin.Activate HTTP/1.1\r\nX: ".to_vec();
        long.resize(Limits::MAX_HEAD_BYTES + 1, b'a');
        assert_eq!(refused(&long), 431);
        long.extend_from_slice(b"\r\n\r\n");
        assert_eq!(refused(&long), 431);
        let many: String = (0..=MAX_HEADERS).map(|n| format!("X-{n}: y\r\n")).collect();
        assert_eq!(
            refused(format!("POST / HTTP/1.1\r\n{many}\r\n").as_bytes()),
            431
        );
    }

    #[test]
    fn framing_follows_the_headers() {
        let chunked = head("POST / HTTP/1.1\r\nTransfer-Encoding:  Chunked \r\n\r\n");
        assert_eq!(chunked.body, Framing::Chunked);
        assert_eq!(head("POST / HTTP/1.1\r\n\r\n").body, Framing::Length(0));
        let twice = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n";
        assert_eq!(head(twice).body, Framing::Length(3));
        for bad in [
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GARBAGE\r\n\r\n",
            "POST / HTTP/1.1\r\nBad Header\r\n\r\n",
            "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
        ] {
            assert_eq!(refused(bad.as_bytes()), 400, "{bad}");
        }
        for unsupported in [
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert_eq!(refused(unsupported.as_bytes()), 501, "{unsupported}");
        }
        for unframed in [
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, identity\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: xchunked\r\n\r\n",
            "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
        ] {
            assert_eq!(refused(unframed.as_bytes()), 400, "{unframed}");
        }
        let listed = head("POST / HTTP/1.1\r\nTransfer-Encoding: , chunked ,\r\n\r\n");
        assert_eq!(listed.body, Framing::Chunked);
    }

    #[test]
    fn the_connection_closes_when_asked_or_on_http_1_0() {
        assert!(head("POST / HTTP/1.1\r\nConnection: keep-alive, Close\r\n\r\n").close);
        assert!(!head("POST / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n").close);
        assert!(head("POST / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").close);
    }

    #[test]
    fn queries_are_not_part_of_the_path_and_continue_is_heard() {
        let text = "POST /Plugin.Activate?x=1 HTTP/1.1\r\nExpect: 100-continue\r\n\r\n";
        let parsed = head(text);
        assert_eq!(&text[parsed.path.clone()], "/Plugin.Activate");
        assert!(parsed.expects_continue);
        let old = head("POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n");
        assert!(!old.expects_continue);
    }

    #[test]
    fn absolute_form_targets_route_by_their_path() {
        for (target, path) in [
            ("http://plugin/Plugin.Activate", "/Plugin.Activate"),
            ("HTTP://plugin:80/Plugin.Activate?x=1", "/Plugin.Activate"),
            ("https://plugin", ""),
            ("/a://b", "/a://b"),
        ] {
            let text = format!("POST {target} HTTP/1.1\r\n\r\n");
            assert_eq!(&text[head(&text).path], path, "{target}");
        }
    }

    #[test]
    fn what_cannot_be_http_is_refused_from_its_first_bytes() {
        // The first bytes of a TLS ClientHello.
        assert_eq!(
            refused(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"),
            400
        );
        assert_eq!(refused(b"POST /\x00"), 400);
    }
}
