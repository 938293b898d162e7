//! [`DriverError`]: how a driver method says it failed.

use std::fmt;

use crate::network::OptionsError;

/// A failed driver call, as dockerd will see it.
///
/// [`DriverError::new`] answers HTTP 500 with `{"Err": "<message>"}`; dockerd
/// shows the message to the user (`Error response from daemon:
/// NetworkDriver.CreateNetwork: <message>`). [`DriverError::not_supported`]
/// answers 404, which dockerd reads as "this driver does not implement that
/// method" (and, for the external-connectivity calls, as success).
///
/// Macro-built drivers rarely need this type: their methods return any
/// `Result<T, E: Display>` and the error's `Display` text becomes the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverError {
    message: String,
    not_supported: bool,
}

impl DriverError {
    /// A failure with `message` (HTTP 500).
    pub fn new(message: impl fmt::Display) -> Self {
        Self {
            message: message.to_string(),
            not_supported: false,
        }
    }

    /// The driver does not implement `method` (HTTP 404).
    pub fn not_supported(method: &str) -> Self {
        Self {
            message: format!("{method} is not supported by this driver"),
            not_supported: true,
        }
    }

    /// True for [`DriverError::not_supported`].
    pub fn is_not_supported(&self) -> bool {
        self.not_supported
    }

    /// The message dockerd will show.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DriverError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DriverError {}

impl From<OptionsError> for DriverError {
    fn from(error: OptionsError) -> Self {
        Self::new(error)
    }
}
