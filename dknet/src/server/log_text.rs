//! [`Escaped`]: text that came from a request, made safe to log. A client
//! must not be able to forge log lines or drive the terminal of whoever
//! reads the log: control characters (CR, LF, ESC...), Unicode line
//! separators and bidirectional overrides are written as `\u{..}` escapes.
//! A backslash stays as it is: text already escaped (a decode error's)
//! reads the same, and a client that writes `\u{a}` itself forges nothing.

use std::fmt::{self, Write};

/// Displays the text with everything that could forge a log line escaped.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        let mut start = 0;
        for (at, c) in text.char_indices() {
            if !needs_escape(c) {
                continue;
            }
            f.write_str(&text[start..at])?;
            write!(f, "\\u{{{:x}}}", u32::from(c))?;
            start = at + c.len_utf8();
        }
        f.write_str(&text[start..])
    }
}

impl fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        fmt::Display::fmt(self, f)?;
        f.write_char('"')
    }
}

/// Control characters, line and paragraph separators, and bidirectional
/// formatting characters.
fn needs_escape(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}')
        || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::Escaped;

    #[test]
    fn controls_and_separators_are_escaped() {
        let forged = "x\r\n2026-01-01T00:00:00Z  INFO fake\u{1b}[2J\u{202e}\u{2028}\\u{a}é\t";
        let escaped = Escaped(forged).to_string();
        assert_eq!(
            escaped,
            "x\\u{d}\\u{a}2026-01-01T00:00:00Z  INFO fake\\u{1b}[2J\\u{202e}\\u{2028}\\u{a}é\\u{9}"
        );
        assert!(!escaped.chars().any(char::is_control));
        assert_eq!(
            Escaped("plain /NetworkDriver.Join").to_string(),
            "plain /NetworkDriver.Join"
        );
        assert_eq!(format!("{:?}", Escaped("a\nb")), "\"a\\u{a}b\"");
    }
}
