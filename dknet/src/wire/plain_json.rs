//! A fast reader for the plain JSON dockerd sends: objects, arrays, strings
//! without escapes, `true`, `false`, `null` and whole numbers that are not
//! negative. It reads nothing else: for any other text, and for any text
//! that does not decode, [`decode`] gives `None` and the caller decodes with
//! `serde_json`, which reads the rest of JSON and explains what is wrong.
//! So a body decodes to the same value, or fails with the same error,
//! whichever reader takes it; only the time differs.
//!
//! What makes it faster than `serde_json` on dockerd's bodies is mostly the
//! strings (most of a body's bytes, in ids and option names): they are
//! scanned sixteen bytes at a time, and only a string with bytes outside
//! ASCII is checked for UTF-8 (the body is not checked as a whole first).

use std::fmt;

use serde::de::value::BorrowedStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde::forward_to_deserialize_any;

/// A newtype struct of this name is answered by this reader with the value's
/// JSON text, given to `visit_borrowed_str`, where `serde_json` sees an
/// ordinary newtype struct: how [`Options`](super::Options) keeps its text.
pub(crate) const RAW_TEXT: &str = "$dknet::private::RawText";

/// Nesting deeper than this is left to `serde_json` (which allows 128).
const MAX_DEPTH: u32 = 64;

/// `text` decoded as `T`, when it is plain JSON (in UTF-8) that decodes as `T`.
pub(crate) fn decode<T: DeserializeOwned>(text: &[u8]) -> Option<T> {
    let mut reader = Reader {
        bytes: text,
        at: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut reader).ok()?;
    reader.skip_whitespace();
    (reader.at == text.len()).then_some(value)
}

/// Decodes `text` with this reader and with `serde_json`: true when this
/// reader took it, and then `serde_json` must have read the same value.
///
/// # Panics
///
/// When the two disagree. (For the tests and the fuzz targets.)
#[cfg(any(test, fuzzing))]
pub(crate) fn agrees_with_serde_json<T>(text: &[u8]) -> bool
where
    T: DeserializeOwned + PartialEq + fmt::Debug,
{
    let Some(fast) = decode::<T>(text) else {
        return false;
    };
    match serde_json::from_slice::<T>(text) {
        Ok(full) => assert_eq!(fast, full, "{}", text.escape_ascii()),
        Err(error) => panic!(
            "read {fast:?} where serde_json says {error}: {}",
            text.escape_ascii()
        ),
    }
    true
}

/// Why the reader stopped; never shown to anyone, since `serde_json` then
/// decodes the same text and says what is wrong in its own words.
#[derive(Debug)]
pub(crate) struct NotPlain;

impl fmt::Display for NotPlain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not plain JSON, or not the expected shape")
    }
}

impl std::error::Error for NotPlain {}

impl de::Error for NotPlain {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Self
    }
}

struct Reader<'de> {
    bytes: &'de [u8],
    /// Where the next byte to read is.
    at: usize,
    /// How many objects and arrays the reader is in.
    depth: u32,
}

impl<'de> Reader<'de> {
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    /// The next byte that is not whitespace, not consumed.
    fn peek(&mut self) -> Result<u8, NotPlain> {
        match self.bytes.get(self.at) {
            // Go's encoder writes no whitespace: this is the common case.
            Some(&byte) if byte > b' ' => Ok(byte),
            _ => {
                self.skip_whitespace();
                self.bytes.get(self.at).copied().ok_or(NotPlain)
            }
        }
    }

    fn expect(&mut self, byte: u8) -> Result<(), NotPlain> {
        if self.peek()? != byte {
            return Err(NotPlain);
        }
        self.at += 1;
        Ok(())
    }

    /// The string that starts at the current `"`, without its quotes.
    fn string(&mut self) -> Result<&'de str, NotPlain> {
        let start = self.at + 1;
        let rest = self.bytes.get(start..).ok_or(NotPlain)?;
        let PlainString { length, ascii } = plain_string(rest).ok_or(NotPlain)?;
        self.at = start + length + 1;
        let string = &rest[..length];
        if ascii {
            // SAFETY: every byte of `string` is ASCII.
            Ok(unsafe { std::str::from_utf8_unchecked(string) })
        } else {
            std::str::from_utf8(string).map_err(|_| NotPlain)
        }
    }

    /// The key of the object entry that starts here, where
    /// [`Entries::has_next`] left the reader, and the `:` after it.
    fn key(&mut self) -> Result<&'de str, NotPlain> {
        if self.bytes.get(self.at) != Some(&b'"') {
            return Err(NotPlain);
        }
        let key = self.string()?;
        self.expect(b':')?;
        Ok(key)
    }

    fn literal(&mut self, word: &str) -> Result<(), NotPlain> {
        if !self.bytes[self.at..].starts_with(word.as_bytes()) {
            return Err(NotPlain);
        }
        self.at += word.len();
        Ok(())
    }

    /// A whole number that is not negative and fits in a `u64`, as JSON
    /// writes it (no leading zero, no fraction, no exponent).
    fn number(&mut self) -> Result<u64, NotPlain> {
        let bytes = self.bytes;
        let start = self.at;
        let mut value = 0u64;
        while let Some(&digit @ b'0'..=b'9') = bytes.get(self.at) {
            value = value
                .checked_mul(10)
                .and_then(|value| value.checked_add(u64::from(digit - b'0')))
                .ok_or(NotPlain)?;
            self.at += 1;
        }
        let leading_zero = self.at - start > 1 && bytes[start] == b'0';
        if leading_zero || matches!(bytes.get(self.at), Some(b'.' | b'e' | b'E')) {
            return Err(NotPlain);
        }
        Ok(value)
    }

    /// The JSON text of the next value, which is read past.
    fn raw_text(&mut self) -> Result<&'de str, NotPlain> {
        self.skip_whitespace();
        let start = self.at;
        self.skip_value()?;
        let text = &self.bytes[start..self.at];
        // SAFETY: `skip_value` read past ASCII only (punctuation, literals,
        // digits, whitespace) and strings that `string` checked for UTF-8.
        Ok(unsafe { std::str::from_utf8_unchecked(text) })
    }

    /// Reads past the next value, checking it as strictly as when decoding
    /// it: what it reads past is UTF-8 text.
    fn skip_value(&mut self) -> Result<(), NotPlain> {
        match self.peek()? {
            b'"' => self.string().map(drop),
            b'{' => self.skip_entries(b'}', |reader| {
                reader.key()?;
                reader.skip_value()
            }),
            b'[' => self.skip_entries(b']', Self::skip_value),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            b'0'..=b'9' => self.number().map(drop),
            _ => Err(NotPlain),
        }
    }

    /// Reads past an object's entries or an array's items, each with `entry`.
    fn skip_entries(
        &mut self,
        close: u8,
        entry: fn(&mut Self) -> Result<(), NotPlain>,
    ) -> Result<(), NotPlain> {
        self.nested(close, |mut entries| {
            while entries.has_next(close)? {
                entry(entries.reader)?;
            }
            Ok(())
        })
    }

    /// Reads the object or array that starts here with `read`, which is
    /// given its entries, up to the `close` that must end it.
    fn nested<T>(
        &mut self,
        close: u8,
        read: impl FnOnce(Entries<'_, 'de>) -> Result<T, NotPlain>,
    ) -> Result<T, NotPlain> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(NotPlain);
        }
        self.at += 1;
        let value = read(Entries {
            reader: &mut *self,
            first: true,
        })?;
        self.depth -= 1;
        self.expect(close)?;
        Ok(value)
    }
}

/// A string's bytes, up to its closing `"`.
struct PlainString {
    length: usize,
    /// Whether they are all ASCII (then they need no UTF-8 check).
    ascii: bool,
}

/// The string at the start of `text`, when it has a closing `"` and none of
/// its bytes is a `\` or a control character (which a JSON string cannot
/// hold as is).
fn plain_string(text: &[u8]) -> Option<PlainString> {
    let mut at = 0;
    let mut high_bits = 0;
    while let Some(chunk) = text
        .get(at..at + 16)
        .and_then(|chunk| chunk.try_into().ok())
    {
        let bytes = chunk::classify(chunk);
        if bytes.special == 0 {
            high_bits |= bytes.non_ascii;
            at += 16;
            continue;
        }
        let offset = bytes.special.trailing_zeros();
        high_bits |= bytes.non_ascii & ((1 << offset) - 1);
        let length = at + offset as usize;
        return (text[length] == b'"').then_some(PlainString {
            length,
            ascii: high_bits == 0,
        });
    }
    let offset = text[at..]
        .iter()
        .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
    let length = at + offset;
    (text[length] == b'"').then(|| PlainString {
        length,
        ascii: high_bits == 0 && text[at..length].is_ascii(),
    })
}

/// Sixteen bytes of a string at a time.
mod chunk {
    /// A bit for each of sixteen bytes.
    #[derive(Debug, PartialEq, Eq)]
    pub(super) struct Chunk {
        /// `"`, `\` and control characters.
        pub(super) special: u32,
        /// Bytes outside ASCII.
        pub(super) non_ascii: u32,
    }

    /// With SSE2, which every x86-64 processor has.
    #[cfg(target_arch = "x86_64")]
    pub(super) fn classify(chunk: &[u8; 16]) -> Chunk {
        // SAFETY: SSE2 is part of every x86-64 processor.
        unsafe { classify_sse2(chunk) }
    }

    /// # Safety
    ///
    /// The processor must have SSE2 (every x86-64 processor does).
    // An `unsafe fn`: a safe `#[target_feature]` fn needs Rust 1.87, and the
    // crate builds on 1.85.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "sse2")]
    unsafe fn classify_sse2(chunk: &[u8; 16]) -> Chunk {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8,
            _mm_or_si128, _mm_set1_epi8,
        };

        // SAFETY: the caller vouches for SSE2; the load reads the 16 bytes of
        // `chunk`, unaligned.
        unsafe {
            let bytes = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(bytes, _mm_set1_epi8(b'\\' as i8));
            // A byte is below 0x20 when raising it to at least 0x1f leaves it 0x1f.
            let low = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(bytes, low), low);
            let special = _mm_or_si128(_mm_or_si128(quote, backslash), control);
            Chunk {
                special: _mm_movemask_epi8(special) as u32,
                non_ascii: _mm_movemask_epi8(bytes) as u32,
            }
        }
    }

    /// A byte at a time, elsewhere (and in the tests, against SSE2's answers).
    #[cfg(any(test, not(target_arch = "x86_64")))]
    pub(super) fn classify_bytes(chunk: &[u8; 16]) -> Chunk {
        let mut bits = Chunk {
            special: 0,
            non_ascii: 0,
        };
        for (at, &byte) in chunk.iter().enumerate() {
            if byte == b'"' || byte == b'\\' || byte < 0x20 {
                bits.special |= 1 << at;
            }
            if !byte.is_ascii() {
                bits.non_ascii |= 1 << at;
            }
        }
        bits
    }

    #[cfg(not(target_arch = "x86_64"))]
    pub(super) use classify_bytes as classify;
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = NotPlain;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotPlain> {
        match self.peek()? {
            b'"' => visitor.visit_borrowed_str(self.string()?),
            b'{' => self.nested(b'}', |entries| visitor.visit_map(entries)),
            b'[' => self.nested(b']', |entries| visitor.visit_seq(entries)),
            b't' => {
                self.literal("true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.literal("false")?;
                visitor.visit_bool(false)
            }
            b'n' => {
                self.literal("null")?;
                visitor.visit_unit()
            }
            b'0'..=b'9' => visitor.visit_u64(self.number()?),
            _ => Err(NotPlain),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotPlain> {
        if self.peek()? == b'n' {
            self.literal("null")?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NotPlain> {
        if name == RAW_TEXT {
            visitor.visit_borrowed_str(self.raw_text()?)
        } else {
            visitor.visit_newtype_struct(self)
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, NotPlain> {
        self.skip_value()?;
        visitor.visit_unit()
    }

    /// `serde_json` has its own ways with these: left to it.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, NotPlain> {
        Err(NotPlain)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotPlain> {
        Err(NotPlain)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, _: V) -> Result<V::Value, NotPlain> {
        Err(NotPlain)
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        unit unit_struct seq tuple tuple_struct map struct identifier
    }
}

/// The entries of an object or the items of an array, after its `{` or `[`.
struct Entries<'a, 'de> {
    reader: &'a mut Reader<'de>,
    first: bool,
}

impl Entries<'_, '_> {
    /// Whether another entry comes before `close`; reads the `,` before it
    /// and leaves the reader at the entry's first byte.
    fn has_next(&mut self, close: u8) -> Result<bool, NotPlain> {
        let next = self.reader.peek()?;
        if std::mem::take(&mut self.first) {
            return Ok(next != close);
        }
        if next == close {
            return Ok(false);
        }
        if next != b',' {
            return Err(NotPlain);
        }
        self.reader.at += 1;
        // JSON has no trailing comma.
        if self.reader.peek()? == close {
            return Err(NotPlain);
        }
        Ok(true)
    }
}

impl<'de> MapAccess<'de> for Entries<'_, 'de> {
    type Error = NotPlain;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, NotPlain> {
        if !self.has_next(b'}')? {
            return Ok(None);
        }
        let key = self.reader.key()?;
        seed.deserialize(BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, NotPlain> {
        seed.deserialize(&mut *self.reader)
    }
}

impl<'de> SeqAccess<'de> for Entries<'_, 'de> {
    type Error = NotPlain;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, NotPlain> {
        if !self.has_next(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::fmt::Debug;

    use serde::de::DeserializeOwned;
    use serde_json::Value;

    use super::{agrees_with_serde_json, decode};
    use crate::ipam::{
        ReleaseAddressRequest, ReleasePoolRequest, RequestAddressRequest, RequestPoolRequest,
    };
    use crate::network::{
        AllocateNetworkRequest, CreateEndpointRequest, CreateNetworkRequest, DeleteEndpointRequest,
        DeleteNetworkRequest, DiscoverDeleteRequest, DiscoverNewRequest, EndpointOperInfoRequest,
        FreeNetworkRequest, GwAllocCheckRequest, JoinRequest, LeaveRequest,
        ProgramExternalConnectivityRequest, RevokeExternalConnectivityRequest,
    };

    fn agrees<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> bool {
        agrees_with_serde_json::<T>(text.as_bytes())
    }

    /// Checks `text` as any JSON value and as the request of `path`; true
    /// when this reader took it as that request.
    fn agrees_as_request_of(path: &str, text: &str) -> bool {
        agrees::<Value>(text);
        agrees::<BTreeMap<String, Value>>(text);
        let method = path.rsplit('.').next().unwrap_or_default();
        match method {
            "CreateNetwork" => agrees::<CreateNetworkRequest>(text),
            "DeleteNetwork" => agrees::<DeleteNetworkRequest>(text),
            "AllocateNetwork" => agrees::<AllocateNetworkRequest>(text),
            "FreeNetwork" => agrees::<FreeNetworkRequest>(text),
            "CreateEndpoint" => agrees::<CreateEndpointRequest>(text),
            "EndpointOperInfo" => agrees::<EndpointOperInfoRequest>(text),
            "DeleteEndpoint" => agrees::<DeleteEndpointRequest>(text),
            "Join" => agrees::<JoinRequest>(text),
            "Leave" => agrees::<LeaveRequest>(text),
            "ProgramExternalConnectivity" => agrees::<ProgramExternalConnectivityRequest>(text),
            "RevokeExternalConnectivity" => agrees::<RevokeExternalConnectivityRequest>(text),
            "DiscoverNew" => agrees::<DiscoverNewRequest>(text),
            "DiscoverDelete" => agrees::<DiscoverDeleteRequest>(text),
            "GwAllocCheck" => agrees::<GwAllocCheckRequest>(text),
            "RequestPool" => agrees::<RequestPoolRequest>(text),
            "ReleasePool" => agrees::<ReleasePoolRequest>(text),
            "RequestAddress" => agrees::<RequestAddressRequest>(text),
            "ReleaseAddress" => agrees::<ReleaseAddressRequest>(text),
            other => panic!("no request type for {other}"),
        }
    }

    /// Every request body dockerd sent in the fixtures, compact as Go writes it.
    fn dockerd_bodies() -> Vec<(String, String)> {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
        let mut bodies = Vec::new();
        for daemon in ["20.10.24", "28.5.2", "29.7.2"] {
            let path = format!("{folder}/dockerd-{daemon}.jsonl");
            let text = std::fs::read_to_string(&path).expect("the fixture");
            for line in text.lines().filter(|line| !line.trim().is_empty()) {
                let entry: Value = serde_json::from_str(line).expect("a fixture line");
                let Some(request) = entry.get("request").filter(|r| r.is_object()) else {
                    continue;
                };
                let path = entry["path"].as_str().expect("a path").to_owned();
                bodies.push((path, serde_json::to_string(request).expect("JSON")));
            }
        }
        bodies
    }

    #[test]
    fn every_body_dockerd_sent_is_read_here_as_serde_json_reads_it() {
        let bodies = dockerd_bodies();
        assert!(bodies.len() > 100, "{} bodies", bodies.len());
        for (path, body) in &bodies {
            if path == "/Plugin.Activate" || path.ends_with("GetCapabilities") {
                continue;
            }
            assert!(
                agrees_as_request_of(path, body),
                "not read here: {path} {body}"
            );
        }
    }

    /// Each of dockerd's bodies with one byte changed, left out or added, at
    /// every place: whatever this reader takes, `serde_json` takes the same.
    #[test]
    fn damaged_bodies_are_read_as_serde_json_reads_them_or_left_to_it() {
        let bodies = dockerd_bodies();
        let mut seen = std::collections::HashSet::new();
        let samples: Vec<_> = bodies
            .iter()
            .filter(|(path, _)| seen.insert(path.clone()))
            .filter(|(path, _)| !path.ends_with("Activate") && !path.ends_with("Capabilities"))
            .collect();
        let replacements = [
            "",
            "\"",
            "\\",
            ",",
            ":",
            "{",
            "}",
            "[",
            "]",
            "0",
            "01",
            "-1",
            "1.5",
            "1e3",
            " ",
            "\t",
            "\u{1}",
            "\u{7f}",
            "é",
            "null",
            "true",
            "\"\"",
            "18446744073709551616",
        ];
        for (path, body) in samples {
            let mut boundaries: Vec<usize> = body.char_indices().map(|(at, _)| at).collect();
            boundaries.push(body.len());
            for window in boundaries.windows(2) {
                let (at, next) = (window[0], window[1]);
                for replacement in replacements {
                    let replaced = format!("{}{replacement}{}", &body[..at], &body[next..]);
                    let inserted = format!("{}{replacement}{}", &body[..at], &body[at..]);
                    for text in [replaced, inserted] {
                        agrees_as_request_of(path, &text);
                    }
                }
            }
        }
    }

    #[test]
    fn what_is_not_plain_json_is_left_to_serde_json() {
        let left = [
            r#"[1,]"#,
            r#"{"a":1,}"#,
            r#"{"a":01}"#,
            r#"{"a":-1}"#,
            r#"{"a":1.5}"#,
            r#"{"a":1e3}"#,
            r#"{"a":18446744073709551616}"#,
            r#"{"a":"b\"c"}"#,
            r#"{"a":"\u0041"}"#,
            "{\"a\":\"b\u{1}\"}",
            r#"{"a":1} x"#,
            r#"{"a" 1}"#,
            r#"{"a":tru}"#,
            r#"{"a":1"#,
            r#"{,"a":1}"#,
        ];
        for text in left {
            assert!(decode::<Value>(text.as_bytes()).is_none(), "{text}");
        }
        let not_utf8: [&[u8]; 5] = [
            b"{\"a\":\"\xff\"}",
            b"{\"a\":\"\xc3\"}",
            b"{\"a\":\"0123456789abcdef\xe9t\xe9\"}",
            b"{\"a\":\"\xc3\xa9\xc3\"}",
            b"{\"a\":1,\xc3\xa9:2}",
        ];
        for text in not_utf8 {
            assert!(decode::<Value>(text).is_none(), "{}", text.escape_ascii());
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(decode::<Value>(deep.as_bytes()).is_none());
        assert!(serde_json::from_str::<Value>(&deep).is_ok());
    }

    #[test]
    fn chunks_are_classified_the_same_by_either_way() {
        use super::chunk::{classify, classify_bytes};

        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..20_000 {
            let mut chunk = [0u8; 16];
            for byte in &mut chunk {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Mostly the bytes that matter, sometimes any byte.
                let interesting = [b'"', b'\\', 0x1f, 0x20, 0x00, 0x7f, 0x80, 0xff, b'a'];
                *byte = if round % 2 == 0 {
                    interesting[(state % interesting.len() as u64) as usize]
                } else {
                    state as u8
                };
            }
            assert_eq!(classify(&chunk), classify_bytes(&chunk), "{chunk:?}");
        }
    }

    #[test]
    fn plain_json_reads_as_serde_json_reads_it() {
        let texts = [
            r#"{}"#,
            r#" { "a" : [ 1 , 2 , { "b" : null } ] , "c" : true , "d" : false } "#,
            "{\"a\":\"\",\"b\":\"ünïcödé\",\"c\":\"~\u{7f}\",\"d\":0,\"e\":18446744073709551615}",
            r#"[[],[[]],{},"x"]"#,
            r#"{"a":1,"a":2}"#,
        ];
        for text in texts {
            assert!(agrees::<Value>(text), "not read here: {text}");
        }
        let long = format!(r#"{{"{}":"{}"}}"#, "k".repeat(40), "v".repeat(1000));
        assert!(agrees::<Value>(&long));
    }
}
