//! [`ChunkedBody`]: an incremental decoder for `Transfer-Encoding: chunked`
//! request bodies (RFC 9112 section 7.1), fed whatever arrived from the
//! socket, and bounded in memory and work whatever a client sends.

use bytes::{Buf, Bytes, BytesMut};

/// The longest chunk-size line, extensions included, CRLF not. Clients
/// send a few hex digits; the bound keeps an endless line from holding
/// the connection.
const MAX_SIZE_LINE: usize = 4096;

/// The longest trailer section, its fields' CRLFs included, the final
/// CRLF not. dknet ignores trailers; the bound keeps them from being
/// endless.
const MAX_TRAILERS: usize = 16 * 1024;

/// The CRLF that ends a line, counted in the bounds' budgets.
const CRLF_LEN: usize = 2;

// What `ChunkedError::Malformed` says; named for the tests to match.
const SIZE_MISSING: &str = "a chunk size is missing";
const SIZE_NOT_HEX: &str = "a chunk size is not hexadecimal";
const SIZE_OVERFLOWS: &str = "a chunk size overflows";
const SPACE_NOT_BEFORE_EXTENSION: &str = "spaces after a chunk size are not followed by ';'";
const SIZE_LINE_TOO_LONG: &str = "a chunk size line is too long";
const BARE_LF: &str = "a line ends in a bare LF";
const CR_WITHOUT_LF: &str = "a CR is not followed by LF";
const DATA_WITHOUT_CRLF: &str = "a chunk's data is not followed by CRLF";
const TRAILERS_TOO_LONG: &str = "the trailers are too long";
const TRAILER_NOT_A_FIELD: &str = "a trailer line is not `name: value`";
const TRAILER_CONTROL: &str = "a trailer value holds a control character";

/// Decodes one chunked body, fed piece by piece.
pub(super) struct ChunkedBody {
    /// The most data the body may declare.
    limit: usize,
    /// The sum of the chunk sizes read so far, at most `limit`.
    declared: usize,
    /// Bytes of the current size line or of the trailer section consumed
    /// so far, for their bounds.
    framing_bytes: usize,
    /// Where in the body the decoder is.
    state: State,
    /// The data so far: the chunks joined.
    data: BytesMut,
}

/// Why a chunked body cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ChunkedError {
    /// The data is longer than the limit given to `ChunkedBody::new`.
    TooLarge,
    /// Not valid chunked framing; the text says what was wrong.
    Malformed(&'static str),
}

/// Where in the body the decoder is.
#[derive(Debug, Clone, Copy)]
enum State {
    /// In the framing around the data, read byte by byte.
    Framing(Framing),
    /// In a chunk's data; this many bytes of it are still to come.
    Data(usize),
    /// The whole body was consumed.
    Done,
}

/// The framing around the data.
#[derive(Debug, Clone, Copy)]
enum Framing {
    /// In a chunk-size line, the last chunk's too.
    Size(SizeLine),
    /// After a chunk's data, where its CR must come.
    DataCr,
    /// After a chunk's data and CR, where the LF must come.
    DataLf,
    /// In the trailer section, up to the final CRLF.
    Trailers(Trailers),
}

/// Where in a chunk-size line; each holds the size read so far.
#[derive(Debug, Clone, Copy)]
enum SizeLine {
    /// Before the first hex digit.
    Start,
    /// In the hex digits.
    Digits(u64),
    /// In spaces or tabs after the digits, which only a `;` may end.
    Space(u64),
    /// In the ignored extensions, which the CR ends.
    Extensions(u64),
    /// After the CR, where the LF must come.
    Cr(u64),
}

/// Where in the trailer section, whose field lines are checked (RFC 9112
/// 5: a name, a colon, a value without controls; no obs-fold) and ignored.
#[derive(Debug, Clone, Copy)]
enum Trailers {
    /// At the start of a field line, or of the final empty line.
    LineStart,
    /// In a field's name, which a colon ends.
    Name,
    /// In a field's value, which the CR ends.
    Value,
    /// After a field line's CR, where the LF must come.
    FieldCr,
    /// After the final empty line's CR, where the LF ending the body must
    /// come.
    FinalCr,
}

impl ChunkedBody {
    /// A decoder accepting at most `limit` bytes of data.
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            declared: 0,
            framing_bytes: 0,
            state: State::Framing(Framing::Size(SizeLine::Start)),
            data: BytesMut::new(),
        }
    }

    /// Consumes from the front of `input` all it can decode, and nothing
    /// past the body's end (a pipelined request's bytes stay in `input`).
    /// `Ok(true)` once the whole body, trailers and final CRLF included,
    /// is consumed; `Ok(false)` when more input is needed. An incomplete
    /// line is consumed too, its state kept within the bounds, so `input`
    /// never has to grow. After an error the framing is lost: the caller
    /// must not read the connection further.
    pub(super) fn decode(&mut self, input: &mut BytesMut) -> Result<bool, ChunkedError> {
        loop {
            self.state = match self.state {
                State::Done => return Ok(true),
                State::Data(_) if input.is_empty() => return Ok(false),
                State::Data(remaining) => self.take_data(input, remaining),
                State::Framing(at) => {
                    let Some(byte) = take_byte(input) else {
                        return Ok(false);
                    };
                    self.framing(at, byte)?
                }
            };
        }
    }

    /// The bytes the data so far holds in memory.
    pub(super) fn held(&self) -> usize {
        self.data.capacity()
    }

    /// The whole body's data, once `decode` returned `Ok(true)`. A body
    /// whose data arrived in one piece of the input is not copied.
    pub(super) fn into_body(self) -> Bytes {
        self.data.freeze()
    }

    /// Moves up to `remaining` bytes of a chunk's data from the non-empty
    /// `input` to the body. `unsplit` keeps the first piece uncopied, and
    /// joins pieces that were adjacent in the input without a copy.
    fn take_data(&mut self, input: &mut BytesMut, remaining: usize) -> State {
        let taken = remaining.min(input.len());
        self.data.unsplit(input.split_to(taken));
        match remaining - taken {
            0 => State::Framing(Framing::DataCr),
            left => State::Data(left),
        }
    }

    /// Reads one byte of framing.
    fn framing(&mut self, at: Framing, byte: u8) -> Result<State, ChunkedError> {
        match at {
            Framing::Size(at) => {
                self.count_framing(MAX_SIZE_LINE + CRLF_LEN, SIZE_LINE_TOO_LONG)?;
                self.size_line(at, byte)
            }
            Framing::DataCr if byte == b'\r' => Ok(State::Framing(Framing::DataLf)),
            Framing::DataLf if byte == b'\n' => Ok(self.start_size_line()),
            Framing::DataCr | Framing::DataLf => Err(malformed(DATA_WITHOUT_CRLF)),
            Framing::Trailers(at) => {
                self.count_framing(MAX_TRAILERS + CRLF_LEN, TRAILERS_TOO_LONG)?;
                trailers(at, byte)
            }
        }
    }

    /// Counts one more byte of the current size line or trailer section,
    /// failing with `too_long` past `budget`.
    fn count_framing(&mut self, budget: usize, too_long: &'static str) -> Result<(), ChunkedError> {
        if self.framing_bytes >= budget {
            return Err(malformed(too_long));
        }
        self.framing_bytes += 1;
        Ok(())
    }

    /// Reads one byte of a chunk-size line.
    fn size_line(&mut self, at: SizeLine, byte: u8) -> Result<State, ChunkedError> {
        let next = match (at, byte) {
            (SizeLine::Start | SizeLine::Digits(_) | SizeLine::Extensions(_), b'\n') => {
                return Err(malformed(BARE_LF))
            }
            (SizeLine::Start, b'\r' | b';' | b' ' | b'\t') => return Err(malformed(SIZE_MISSING)),
            (SizeLine::Start, _) => SizeLine::Digits(push_hex_digit(0, byte)?),
            (SizeLine::Digits(size) | SizeLine::Space(size), b' ' | b'\t') => SizeLine::Space(size),
            (SizeLine::Digits(size) | SizeLine::Space(size), b';') => SizeLine::Extensions(size),
            (SizeLine::Digits(size) | SizeLine::Extensions(size), b'\r') => SizeLine::Cr(size),
            (SizeLine::Digits(size), _) => SizeLine::Digits(push_hex_digit(size, byte)?),
            (SizeLine::Space(_), _) => return Err(malformed(SPACE_NOT_BEFORE_EXTENSION)),
            (SizeLine::Extensions(size), _) => SizeLine::Extensions(size),
            (SizeLine::Cr(size), b'\n') => return self.end_size_line(size),
            (SizeLine::Cr(_), _) => return Err(malformed(CR_WITHOUT_LF)),
        };
        Ok(State::Framing(Framing::Size(next)))
    }

    /// Starts the chunk a size line declared, checking the limit now so
    /// that an oversized body is refused before its data is waited for.
    fn end_size_line(&mut self, size: u64) -> Result<State, ChunkedError> {
        if size == 0 {
            return Ok(self.start_trailers());
        }
        let size = usize::try_from(size).map_err(|_| ChunkedError::TooLarge)?;
        self.declared = self
            .declared
            .checked_add(size)
            .filter(|&declared| declared <= self.limit)
            .ok_or(ChunkedError::TooLarge)?;
        Ok(State::Data(size))
    }

    /// The start of a size line, which has its own bound.
    fn start_size_line(&mut self) -> State {
        self.framing_bytes = 0;
        State::Framing(Framing::Size(SizeLine::Start))
    }

    /// The start of the trailer section, which has its own bound.
    fn start_trailers(&mut self) -> State {
        self.framing_bytes = 0;
        State::Framing(Framing::Trailers(Trailers::LineStart))
    }
}

/// Reads one byte of the trailer section, whose fields are checked and
/// skipped.
fn trailers(at: Trailers, byte: u8) -> Result<State, ChunkedError> {
    let next = match (at, byte) {
        (Trailers::LineStart | Trailers::Value, b'\n') => return Err(malformed(BARE_LF)),
        (Trailers::LineStart, b'\r') => Trailers::FinalCr,
        (Trailers::LineStart | Trailers::Name, _) if is_token(byte) => Trailers::Name,
        (Trailers::Name, b':') => Trailers::Value,
        (Trailers::LineStart | Trailers::Name, _) => return Err(malformed(TRAILER_NOT_A_FIELD)),
        (Trailers::Value, b'\r') => Trailers::FieldCr,
        (Trailers::Value, b' ' | b'\t' | 0x21..=0x7e | 0x80..) => Trailers::Value,
        (Trailers::Value, _) => return Err(malformed(TRAILER_CONTROL)),
        (Trailers::FieldCr, b'\n') => Trailers::LineStart,
        (Trailers::FinalCr, b'\n') => return Ok(State::Done),
        (Trailers::FieldCr | Trailers::FinalCr, _) => return Err(malformed(CR_WITHOUT_LF)),
    };
    Ok(State::Framing(Framing::Trailers(next)))
}

/// Whether `byte` may be in a field name (RFC 9110 5.6.2's `tchar`).
fn is_token(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// `size` with the hex digit `byte` appended.
fn push_hex_digit(size: u64, byte: u8) -> Result<u64, ChunkedError> {
    let digit = char::from(byte)
        .to_digit(16)
        .ok_or(malformed(SIZE_NOT_HEX))?;
    size.checked_mul(16)
        .and_then(|size| size.checked_add(u64::from(digit)))
        .ok_or(malformed(SIZE_OVERFLOWS))
}

/// Removes and returns the first byte of `input`, if any.
fn take_byte(input: &mut BytesMut) -> Option<u8> {
    let &byte = input.first()?;
    input.advance(1);
    Some(byte)
}

/// Not valid chunked framing, as `what` says.
fn malformed(what: &'static str) -> ChunkedError {
    ChunkedError::Malformed(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: usize = 1024;

    /// A body in several chunks, with extensions and trailers, and what
    /// it decodes to.
    const WIRE: &[u8] = concat!(
        "5;name=value\r\nhello\r\n",
        "1 ;x\r\n \r\n",
        "6\r\nworld!\r\n",
        "0;last\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n",
    )
    .as_bytes();
    const DATA: &[u8] = b"hello world!";

    /// A pipelined request after the body, to be left alone.
    const NEXT: &[u8] = b"POST /Plugin.Activate HTTP/1.1\r\nHost: plugin\r\n\r\n";

    /// Feeds `pieces` in turn to one decoder; returns the body and what
    /// was left in the input once all were fed.
    fn feed(pieces: &[&[u8]], limit: usize) -> Result<(Bytes, Bytes), ChunkedError> {
        let (answer, rest, data) = outcome(pieces.iter().copied(), limit);
        assert!(answer?, "the body should be complete");
        Ok((data, rest.freeze()))
    }

    fn decode_whole(wire: &[u8], limit: usize) -> Result<(Bytes, Bytes), ChunkedError> {
        feed(&[wire], limit)
    }

    /// The error `wire` gives, fed whole and fed byte by byte, which must
    /// agree: the position of a fault does not depend on how input
    /// arrived.
    fn error(wire: &[u8], limit: usize) -> ChunkedError {
        let (whole, ..) = outcome([wire], limit);
        let (byte_by_byte, ..) = outcome(wire.chunks(1), limit);
        assert_eq!(whole, byte_by_byte);
        whole.expect_err("the body should be refused")
    }

    /// `wire` fed whole: incomplete, with all of it consumed.
    fn assert_incomplete(wire: &[u8], limit: usize) {
        let mut input = BytesMut::from(wire);
        assert_eq!(ChunkedBody::new(limit).decode(&mut input), Ok(false));
        assert!(input.is_empty());
    }

    /// What feeding `pieces` in turn gives, stopping at an error: the
    /// last answer, what is left of the input, and the data so far.
    fn outcome<'a>(
        pieces: impl IntoIterator<Item = &'a [u8]>,
        limit: usize,
    ) -> (Result<bool, ChunkedError>, BytesMut, Bytes) {
        let mut body = ChunkedBody::new(limit);
        let mut input = BytesMut::new();
        let mut answer = Ok(false);
        for piece in pieces {
            input.extend_from_slice(piece);
            answer = body.decode(&mut input);
            if answer.is_err() {
                break;
            }
        }
        (answer, input, body.into_body())
    }

    fn joined(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn one_chunk() {
        let (body, rest) = decode_whole(b"5\r\nhello\r\n0\r\n\r\n", LIMIT).unwrap();
        assert_eq!(&body[..], b"hello");
        assert!(rest.is_empty());
    }

    #[test]
    fn several_chunks_are_joined() {
        let (body, _) = decode_whole(b"3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n", LIMIT).unwrap();
        assert_eq!(&body[..], b"abcdef");
    }

    #[test]
    fn empty_body() {
        let (body, rest) = decode_whole(b"0\r\n\r\n", LIMIT).unwrap();
        assert!(body.is_empty());
        assert!(rest.is_empty());
        assert!(decode_whole(b"0\r\n\r\n", 0).unwrap().0.is_empty());
    }

    #[test]
    fn extensions_are_ignored() {
        let wire = b"3;a=b;c=\"d;e\"\r\nabc\r\n3 \t; x\r\ndef\r\n0;end\r\n\r\n";
        assert_eq!(&decode_whole(wire, LIMIT).unwrap().0[..], b"abcdef");
    }

    #[test]
    fn uppercase_and_lowercase_hex_and_leading_zeros() {
        let data = [b'x'; 0xAB];
        for size_line in ["AB", "ab", "aB", "00000000000000000000000000ab"] {
            let wire = joined(&[size_line.as_bytes(), b"\r\n", &data, b"\r\n000\r\n\r\n"]);
            assert_eq!(
                &decode_whole(&wire, LIMIT).unwrap().0[..],
                &data[..],
                "{size_line}"
            );
        }
    }

    #[test]
    fn trailers_are_skipped() {
        let wire = b"2\r\nok\r\n0\r\nA: 1\r\nB:\r\nX-Y_z:\t v \xff\r\n\r\n";
        let (body, rest) = decode_whole(wire, LIMIT).unwrap();
        assert_eq!(&body[..], b"ok");
        assert!(rest.is_empty());
    }

    #[test]
    fn malformed_trailer_lines_are_refused() {
        for wire in [
            &b"0\r\nA: 1\r\n \t folded\r\n\r\n"[..],
            b"0\r\nno colon\r\n\r\n",
            b"0\r\n: no name\r\n\r\n",
            b"0\r\nA : space before the colon\r\n\r\n",
            b"0\r\nA\r\n\r\n",
        ] {
            assert_eq!(
                error(wire, LIMIT),
                malformed(TRAILER_NOT_A_FIELD),
                "{wire:?}"
            );
        }
        assert_eq!(
            error(b"0\r\nA: \x00\r\n\r\n", LIMIT),
            malformed(TRAILER_CONTROL)
        );
        assert_eq!(
            error(b"0\r\nA: \x1b[2J\r\n\r\n", LIMIT),
            malformed(TRAILER_CONTROL)
        );
    }

    #[test]
    fn bytes_after_the_end_stay_in_the_input() {
        let wire = joined(&[WIRE, NEXT]);
        let (body, rest) = decode_whole(&wire, LIMIT).unwrap();
        assert_eq!(&body[..], DATA);
        assert_eq!(&rest[..], NEXT);
    }

    #[test]
    fn a_done_body_consumes_nothing_more() {
        let mut body = ChunkedBody::new(LIMIT);
        let mut input = BytesMut::from(WIRE);
        assert_eq!(body.decode(&mut input), Ok(true));
        input.extend_from_slice(NEXT);
        assert_eq!(body.decode(&mut input), Ok(true));
        assert_eq!(&input[..], NEXT);
        assert_eq!(&body.into_body()[..], DATA);
    }

    #[test]
    fn every_split_gives_the_same_result() {
        let wire = joined(&[WIRE, NEXT]);
        let expected = decode_whole(&wire, LIMIT).unwrap();
        for first in 0..=wire.len() {
            for second in first..=wire.len() {
                let pieces = [&wire[..first], &wire[first..second], &wire[second..]];
                assert_eq!(
                    feed(&pieces, LIMIT),
                    Ok(expected.clone()),
                    "split at {first}, {second}"
                );
            }
        }
    }

    #[test]
    fn one_byte_at_a_time() {
        let wire = joined(&[WIRE, NEXT]);
        let pieces: Vec<&[u8]> = wire.chunks(1).collect();
        let (body, rest) = feed(&pieces, LIMIT).unwrap();
        assert_eq!(&body[..], DATA);
        assert_eq!(&rest[..], NEXT);
    }

    #[test]
    fn one_chunk_in_one_piece_is_not_copied() {
        let mut input = BytesMut::from(&b"5\r\nhello\r\n0\r\n\r\n"[..]);
        let data_at = input[3..].as_ptr();
        let mut body = ChunkedBody::new(LIMIT);
        assert_eq!(body.decode(&mut input), Ok(true));
        let body = body.into_body();
        assert_eq!(&body[..], b"hello");
        assert_eq!(body.as_ptr(), data_at);
    }

    #[test]
    fn incomplete_input_is_consumed_and_waited_for() {
        for wire in [
            &b"5"[..],
            b"5;ext",
            b"5\r",
            b"5\r\nhel",
            b"5\r\nhello\r",
            b"0\r\nA: 1",
            b"0\r\n\r",
        ] {
            assert_incomplete(wire, LIMIT);
        }
    }

    #[test]
    fn any_altered_byte_decodes_alike_whole_and_byte_by_byte() {
        let wire = joined(&[WIRE, NEXT]);
        for at in 0..wire.len() {
            for &byte in b"0Af;= \t\r\nx\xff" {
                let mut altered = wire.clone();
                altered[at] = byte;
                let (whole, rest, data) = outcome([&altered[..]], 0x10);
                let (one_by_one, one_rest, one_data) = outcome(altered.chunks(1), 0x10);
                assert_eq!(whole, one_by_one, "{:?}", String::from_utf8_lossy(&altered));
                if whole.is_ok() {
                    assert_eq!((rest, data), (one_rest, one_data));
                }
            }
        }
    }

    #[test]
    fn too_large_from_the_size_line_alone() {
        assert_eq!(error(b"401\r\n", LIMIT), ChunkedError::TooLarge);
        assert_eq!(
            error(b"ffffffffffffffff\r\n", LIMIT),
            ChunkedError::TooLarge
        );
    }

    #[test]
    fn too_large_counts_all_chunks() {
        let wire = joined(&[b"200\r\n", &[b'x'; 0x200], b"\r\n201\r\n"]);
        assert_eq!(error(&wire, LIMIT), ChunkedError::TooLarge);
    }

    #[test]
    fn exactly_the_limit_is_accepted() {
        let data = [b'x'; LIMIT];
        let wire = joined(&[
            b"200\r\n",
            &data[..0x200],
            b"\r\n200\r\n",
            &data[0x200..],
            b"\r\n0\r\n\r\n",
        ]);
        assert_eq!(decode_whole(&wire, LIMIT).unwrap().0.len(), LIMIT);
    }

    #[test]
    fn size_not_hexadecimal() {
        assert_eq!(error(b"g\r\n", LIMIT), malformed(SIZE_NOT_HEX));
        assert_eq!(error(b"1g\r\n", LIMIT), malformed(SIZE_NOT_HEX));
        assert_eq!(error(b"+1\r\n", LIMIT), malformed(SIZE_NOT_HEX));
        assert_eq!(error(b"0x1\r\n", LIMIT), malformed(SIZE_NOT_HEX));
    }

    #[test]
    fn size_missing() {
        assert_eq!(error(b"\r\n", LIMIT), malformed(SIZE_MISSING));
        assert_eq!(error(b";ext\r\n", LIMIT), malformed(SIZE_MISSING));
        assert_eq!(error(b" 1\r\n", LIMIT), malformed(SIZE_MISSING));
    }

    #[test]
    fn spaces_only_before_an_extension() {
        assert_eq!(
            error(b"1 \r\nx\r\n", LIMIT),
            malformed(SPACE_NOT_BEFORE_EXTENSION)
        );
        assert_eq!(
            error(b"1 1\r\nx\r\n", LIMIT),
            malformed(SPACE_NOT_BEFORE_EXTENSION)
        );
    }

    #[test]
    fn size_overflow() {
        assert_eq!(
            error(b"ffffffffffffffffffff\r\n", LIMIT),
            malformed(SIZE_OVERFLOWS)
        );
        assert_eq!(
            error(b"10000000000000000\r\n", LIMIT),
            malformed(SIZE_OVERFLOWS)
        );
    }

    #[test]
    fn data_without_crlf() {
        assert_eq!(error(b"3\r\nabcX\r\n", LIMIT), malformed(DATA_WITHOUT_CRLF));
        assert_eq!(error(b"3\r\nabc\rX", LIMIT), malformed(DATA_WITHOUT_CRLF));
        assert_eq!(
            error(b"3\r\nabc\n0\r\n\r\n", LIMIT),
            malformed(DATA_WITHOUT_CRLF)
        );
    }

    #[test]
    fn bare_lf_line_endings() {
        assert_eq!(error(b"3\nabc\r\n0\r\n\r\n", LIMIT), malformed(BARE_LF));
        assert_eq!(error(b"3;ext\nabc\r\n", LIMIT), malformed(BARE_LF));
        assert_eq!(error(b"\n", LIMIT), malformed(BARE_LF));
        assert_eq!(error(b"0\r\nA: 1\n\r\n", LIMIT), malformed(BARE_LF));
        assert_eq!(error(b"0\r\n\n", LIMIT), malformed(BARE_LF));
    }

    #[test]
    fn cr_without_lf() {
        assert_eq!(error(b"3\rabc\r\n", LIMIT), malformed(CR_WITHOUT_LF));
        assert_eq!(error(b"3;a\rb\r\nabc\r\n", LIMIT), malformed(CR_WITHOUT_LF));
        assert_eq!(
            error(b"0\r\nA: 1\rB\r\n\r\n", LIMIT),
            malformed(CR_WITHOUT_LF)
        );
        assert_eq!(error(b"0\r\n\rX", LIMIT), malformed(CR_WITHOUT_LF));
    }

    #[test]
    fn size_line_too_long_without_crlf() {
        // Only hex digits: too large a number long before too long a line.
        assert!(matches!(
            error(&[b'1'; 5000], LIMIT),
            ChunkedError::Malformed(_)
        ));
        assert_eq!(error(&[b'0'; 5000], LIMIT), malformed(SIZE_LINE_TOO_LONG));
        let extension = joined(&[b"1;", &[b'a'; 5000]]);
        assert_eq!(error(&extension, LIMIT), malformed(SIZE_LINE_TOO_LONG));
    }

    #[test]
    fn size_line_at_its_bound() {
        let longest = joined(&[b"1;", &[b'a'; MAX_SIZE_LINE - 2], b"\r\nx\r\n0\r\n\r\n"]);
        assert_eq!(&decode_whole(&longest, LIMIT).unwrap().0[..], b"x");
        let too_long = joined(&[b"1;", &[b'a'; MAX_SIZE_LINE - 1], b"\r\nx\r\n0\r\n\r\n"]);
        assert_eq!(error(&too_long, LIMIT), malformed(SIZE_LINE_TOO_LONG));
    }

    #[test]
    fn each_size_line_has_its_own_bound() {
        let line = joined(&[b"1;", &[b'a'; MAX_SIZE_LINE - 2], b"\r\nx\r\n"]);
        let wire = joined(&[&line, &line, &line, b"0\r\n\r\n"]);
        assert_eq!(&decode_whole(&wire, LIMIT).unwrap().0[..], b"xxx");
    }

    /// A trailer section of `len` bytes, CRLFs included, in `a:aaa` lines
    /// of at most 100.
    fn trailer_fields(len: usize) -> Vec<u8> {
        let mut fields = Vec::new();
        while fields.len() < len {
            let line = (len - fields.len()).min(100);
            let start = fields.len();
            fields.resize(start + line - CRLF_LEN, b'a');
            fields[start + 1] = b':';
            fields.extend_from_slice(b"\r\n");
        }
        assert_eq!(fields.len(), len);
        fields
    }

    #[test]
    fn trailers_at_their_bound() {
        let longest = joined(&[b"0\r\n", &trailer_fields(MAX_TRAILERS), b"\r\n"]);
        assert!(decode_whole(&longest, LIMIT).unwrap().0.is_empty());
        let too_long = joined(&[b"0\r\n", &trailer_fields(MAX_TRAILERS + 1), b"\r\n"]);
        assert_eq!(error(&too_long, LIMIT), malformed(TRAILERS_TOO_LONG));
    }

    #[test]
    fn endless_trailer_line() {
        let endless = joined(&[b"0\r\nX: ", &vec![b'a'; MAX_TRAILERS + 10]]);
        assert_eq!(error(&endless, LIMIT), malformed(TRAILERS_TOO_LONG));
    }
}
