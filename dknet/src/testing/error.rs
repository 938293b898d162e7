//! [`CallError`] and [`RawResponse`]: what a test client gets back.

use std::fmt;

use bytes::Bytes;
use serde::Deserialize;

use crate::JsonValue;

/// An answer as it came over the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body as JSON.
    pub fn json(&self) -> Result<JsonValue, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body's `Err` field, when it is a non-empty string.
    pub fn err(&self) -> Option<String> {
        #[derive(Deserialize)]
        struct ErrField {
            #[serde(rename = "Err", default)]
            err: Option<String>,
        }
        let field: Option<ErrField> = serde_json::from_slice(&self.body).ok()?;
        field?.err.filter(|err| !err.is_empty())
    }

    /// The body as text (lossy), for messages.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A call that did not succeed, described as dockerd would see it.
///
/// Its `Display` is what dockerd reports: `NetworkDriver.Join: <Err>` for a
/// failed status, `remote: <Err>` for a 200 carrying an `Err`.
#[derive(Debug)]
#[non_exhaustive]
pub enum CallError {
    /// The plugin answered with a status other than 200.
    Status {
        /// `Subsystem.Method`, e.g. `NetworkDriver.Join`.
        method: String,
        /// The HTTP status.
        status: u16,
        /// The `Err` text, or the raw body when it has none.
        message: String,
    },
    /// The plugin answered 200 with a non-empty `Err`.
    Remote {
        /// `Subsystem.Method`.
        method: String,
        /// The `Err` text.
        message: String,
    },
    /// A 200 answer that is not the JSON dockerd expects.
    Decode {
        /// `Subsystem.Method`.
        method: String,
        /// The body received.
        body: String,
        /// What is wrong with it.
        error: serde_json::Error,
    },
    /// No answer: connecting or talking to the plugin failed.
    Transport {
        /// `Subsystem.Method`.
        method: String,
        /// What failed.
        error: std::io::Error,
    },
}

impl CallError {
    /// The HTTP status of the answer, if there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Status { status, .. } => Some(*status),
            Self::Remote { .. } | Self::Decode { .. } => Some(200),
            Self::Transport { .. } => None,
        }
    }

    /// The plugin's `Err` text (or the raw body of a failed status without one).
    pub fn message(&self) -> Option<&str> {
        match self {
            Self::Status { message, .. } | Self::Remote { message, .. } => Some(message),
            Self::Decode { .. } | Self::Transport { .. } => None,
        }
    }

    /// The error for a non-200 `response` to `method`.
    pub(super) fn from_status(method: &str, response: &RawResponse) -> Self {
        Self::Status {
            method: method.to_owned(),
            status: response.status,
            message: response.err().unwrap_or_else(|| response.text()),
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Status {
                method, message, ..
            } => write!(f, "{method}: {message}"),
            Self::Remote { message, .. } => write!(f, "remote: {message}"),
            Self::Decode {
                method,
                body,
                error,
            } => write!(f, "{method}: cannot decode the answer {body:?}: {error}"),
            Self::Transport { method, error } => write!(f, "{method}: {error}"),
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Decode { error, .. } => Some(error),
            Self::Transport { error, .. } => Some(error),
            _ => None,
        }
    }
}
