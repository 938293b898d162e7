//! The `Date` header every answer carries (RFC 9110 6.6.1), formatted once
//! a second per thread rather than once per answer.

use std::cell::RefCell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The length of an IMF-fixdate: `Sun, 06 Nov 1994 08:49:37 GMT`.
const DATE_LEN: usize = 29;

thread_local! {
    /// The second last formatted on this thread, and its text.
    static CACHED: RefCell<(u64, [u8; DATE_LEN])> = const { RefCell::new((u64::MAX, [0; DATE_LEN])) };
}

/// Appends the current time as an IMF-fixdate.
pub(super) fn push_date(out: &mut Vec<u8>) {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    CACHED.with_borrow_mut(|(second, text)| {
        if *second != seconds {
            *second = seconds;
            let formatted = httpdate::fmt_http_date(UNIX_EPOCH + Duration::from_secs(seconds));
            text.copy_from_slice(&formatted.as_bytes()[..DATE_LEN]);
        }
        out.extend_from_slice(text);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_date_is_an_imf_fixdate_of_now() {
        let mut out = Vec::new();
        push_date(&mut out);
        let text = std::str::from_utf8(&out).unwrap();
        assert_eq!(text.len(), DATE_LEN);
        assert!(text.ends_with(" GMT"), "{text}");
        let parsed = httpdate::parse_http_date(text).unwrap();
        let off = SystemTime::now().duration_since(parsed).unwrap();
        assert!(off < Duration::from_secs(5), "{text} is {off:?} old");
        // From the cache: the same text, appended.
        push_date(&mut out);
        assert_eq!(out.len(), 2 * DATE_LEN);
    }
}
