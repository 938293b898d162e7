//! A request body decoded as its method's request type with `serde_json`,
//! and, when it does not decode, an error that says what is wrong and where:
//! the path of the field when it is known, else the line and column.

use std::fmt::{self, Write as _};

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;

/// Why a request body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// No body, or only whitespace.
    Empty,
    /// The body is JSON `null`.
    Null,
    /// The body is JSON but not an object (an array would otherwise be
    /// taken as the fields in order, which Go, and dockerd, never send).
    NotAnObject,
    /// The body is not UTF-8.
    NotUtf8,
    /// `serde_json` refused the body.
    Invalid {
        /// The field the error is in (`Interface.Address`), when known.
        field: Option<String>,
        /// `serde_json`'s message, which ends with the line and column.
        message: String,
    },
}

impl fmt::Display for BodyError {
    /// The error's text, with the control characters and other invisible
    /// characters of the request's own text (field names, values) escaped as
    /// Rust writes them (`\n`, `\u{1b}`): the text is safe to log and to
    /// print on a terminal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the request body is empty; expected a JSON object"),
            Self::Null => f.write_str("the request body is null; expected a JSON object"),
            Self::NotAnObject => f.write_str("the request body is not a JSON object"),
            Self::NotUtf8 => f.write_str("the request body is not UTF-8 text"),
            Self::Invalid { field, message } => {
                f.write_str("invalid request body")?;
                if let Some(field) = field {
                    f.write_str(" at `")?;
                    write_escaped(f, field)?;
                    f.write_str("`")?;
                }
                f.write_str(": ")?;
                write_escaped(f, message)
            }
        }
    }
}

impl std::error::Error for BodyError {}

/// Writes `text` with each character that is not printable (control
/// characters such as ESC, CR and LF, and invisible ones such as the
/// direction overrides) escaped; quotes and backslashes are left as they are.
fn write_escaped(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    for character in text.chars() {
        match character {
            '"' | '\'' | '\\' => f.write_char(character)?,
            _ => write!(f, "{}", character.escape_debug())?,
        }
    }
    Ok(())
}

/// Decodes `body`, a JSON object, as `T`.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, BodyError> {
    let text = body.trim_ascii();
    match text.first() {
        None => return Err(BodyError::Empty),
        Some(b'{') => {}
        Some(_) if text == b"null" => return Err(BodyError::Null),
        Some(_) => return Err(BodyError::NotAnObject),
    }
    // Checking the whole body once is faster than serde_json checking each string.
    let text = std::str::from_utf8(text).map_err(|_| BodyError::NotUtf8)?;
    // Only a body that fails is decoded again, tracking the path, to say
    // where it went wrong: the path costs time on every body otherwise.
    serde_json::from_str(text).map_err(|_| explain_failure::<T>(text))
}

/// Why `text`, which `serde_json` refused as `T`, was refused, and where.
#[cold]
fn explain_failure<T: DeserializeOwned>(text: &str) -> BodyError {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Err(error) => error,
        // What is left after the object (the only other way `from_str` fails).
        Ok(_) => {
            return BodyError::Invalid {
                field: None,
                message: match deserializer.end() {
                    Err(error) => error.to_string(),
                    Ok(()) => "cannot decode it".to_owned(),
                },
            }
        }
    };
    BodyError::Invalid {
        field: known_field(error.path()),
        message: error.into_inner().to_string(),
    }
}

/// The path of the field an error is in, up to the first part that is not
/// known (a key cut short, or one that is not a string); `None` when not
/// even the first part is known.
fn known_field(path: &serde_path_to_error::Path) -> Option<String> {
    let mut field = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Unknown => break,
            Segment::Seq { index } => write!(field, "[{index}]").ok()?,
            Segment::Map { key } | Segment::Enum { variant: key } => {
                if !field.is_empty() {
                    field.push('.');
                }
                field.push_str(key);
            }
        }
    }
    (!field.is_empty()).then_some(field)
}

#[cfg(test)]
mod tests {
    use super::{decode, BodyError};
    use crate::network::{CreateEndpointRequest, CreateNetworkRequest};

    /// dockerd 28.5.2's `CreateEndpoint` body, as in the fixtures.
    const CREATE_ENDPOINT: &str = concat!(
        r#"{"NetworkID":"0ca2b7f4","EndpointID":"3f5e0a1c","#,
        r#""Interface":{"Address":"10.0.0.2/24","AddressIPv6":"","MacAddress":""},"#,
        r#""Options":{"com.docker.network.endpoint.exposedports":[],"#,
        r#""com.docker.network.portmap":[]}}"#
    );

    fn refusal(body: &str) -> String {
        decode::<CreateEndpointRequest>(body.as_bytes())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn dockerds_body_decodes() {
        let request: CreateEndpointRequest = decode(CREATE_ENDPOINT.as_bytes()).unwrap();
        assert_eq!(request.endpoint_id, "3f5e0a1c");
        assert_eq!(
            request.interface.address,
            Some("10.0.0.2/24".parse().unwrap())
        );
        assert!(request.options.exposed_ports().unwrap().is_empty());
    }

    #[test]
    fn a_truncated_body_names_the_field_it_stops_in() {
        let message = refusal(r#"{"NetworkID":"0ca2b7f4","EndpointID":"3f5e"#);
        assert_eq!(
            message,
            "invalid request body at `EndpointID`: EOF while parsing a string at line 1 column 42"
        );
        let message = refusal(r#"{"NetworkID":"n","EndpointID":"e","Interface":{"Address":"#);
        assert!(
            message.starts_with("invalid request body at `Interface.Address`: EOF"),
            "{message}"
        );
    }

    #[test]
    fn a_body_truncated_where_no_field_is_known_says_the_line_and_column() {
        for (body, column) in [
            (r#"{"NetworkID":"0ca2b7f4","Endpo"#, 30),
            (r#"{"#, 1),
            (r#"{"NetworkID":"n","EndpointID":"e","#, 34),
            (r#"{"NetworkID":"n","EndpointID":"e""#, 33),
        ] {
            let message = refusal(body);
            assert!(
                message.starts_with("invalid request body: EOF while parsing"),
                "{body}: {message}"
            );
            assert!(
                message.ends_with(&format!(" at line 1 column {column}")),
                "{body}: {message}"
            );
            assert!(!message.contains('?'), "{body}: {message}");
        }
        // Cut in the middle of a key inside an object: the object is known.
        let message = refusal(r#"{"NetworkID":"n","EndpointID":"e","Interface":{"Addr"#);
        assert!(
            message.starts_with("invalid request body at `Interface`: EOF while parsing"),
            "{message}"
        );
    }

    #[test]
    fn every_cut_of_dockerds_body_is_refused_saying_where() {
        for end in 1..CREATE_ENDPOINT.len() {
            let message = refusal(&CREATE_ENDPOINT[..end]);
            assert!(message.contains("at line 1 column "), "{end}: {message}");
            assert!(!message.contains('?'), "{end}: {message}");
        }
    }

    #[test]
    fn malformed_json_says_the_line_and_column() {
        let body = "{\n  \"NetworkID\": \"n\",\n  \"EndpointID\" \"e\"\n}";
        assert_eq!(
            refusal(body),
            "invalid request body: expected `:` at line 3 column 16"
        );
        let message = refusal(r#"{"NetworkID":"n","EndpointID":"e",}"#);
        assert_eq!(
            message,
            "invalid request body: trailing comma at line 1 column 35"
        );
        let message = refusal(r#"{"NetworkID":"n","EndpointID":tru}"#);
        assert!(
            message.starts_with("invalid request body at `EndpointID`: expected ident"),
            "{message}"
        );
    }

    #[test]
    fn request_text_in_the_error_is_escaped() {
        let message = refusal(concat!(
            r#"{"NetworkID":"n","EndpointID":"e","#,
            r#""Interface":{"Address":"x\r\nINFO forged\u001b[31m\u202e"}}"#
        ));
        assert!(
            message.contains(r"`x\r\nINFO forged\u{1b}[31m\u{202e}` is not an address"),
            "{message}"
        );
        assert!(!message.chars().any(char::is_control), "{message}");
        // A field name from the request, in the path.
        let message = decode::<CreateNetworkRequest>(
            br#"{"NetworkID":"n","IPv4Data":[{"AuxAddresses":{"a\nb":"x"}}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.starts_with(r"invalid request body at `IPv4Data[0].AuxAddresses`: `a\nb`"),
            "{message}"
        );
        assert!(!message.chars().any(char::is_control), "{message}");
    }

    #[test]
    fn the_shape_of_the_body_is_checked_first() {
        let cases: [(&[u8], BodyError); 6] = [
            (b"", BodyError::Empty),
            (b" \n\t", BodyError::Empty),
            (b"null", BodyError::Null),
            (b"[\"n\",\"e\"]", BodyError::NotAnObject),
            (b"\"n\"", BodyError::NotAnObject),
            (b"{\"NetworkID\":\"\xff\"}", BodyError::NotUtf8),
        ];
        for (body, expected) in cases {
            let error = decode::<CreateEndpointRequest>(body).unwrap_err();
            assert_eq!(error, expected, "{}", body.escape_ascii());
        }
    }
}
