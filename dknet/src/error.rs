//! [`Error`]: why a plugin could not start or serve.

use std::fmt;
use std::io;
use std::path::PathBuf;

/// Why a plugin could not start serving. Each message says what to do about it.
///
/// `Debug` prints the same sentence as `Display`, so a `main` that returns
/// `Result<(), dknet::Error>` ends with `Error: another plugin is already serving
/// on /run/docker/plugins/demo.sock; stop it first or choose another name or
/// address` rather than a struct dump. Match on the variants to tell them apart.
///
/// Driver failures are not reported here: they go to dockerd as
/// [`DriverError`](crate::DriverError)s.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plugin name cannot become a file name.
    #[error("invalid plugin name {name:?}: {reason}")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },

    /// A folder for the socket or spec file cannot be created or written.
    #[error(
        "cannot use the folder {}: {source}; run as root or choose another folder with Plugin::{option}",
        path.display()
    )]
    Folder {
        /// The folder.
        path: PathBuf,
        /// The [`Plugin`](crate::Plugin) option that chooses it (`plugin_dir`, `spec_dir`).
        option: &'static str,
        /// What the system said.
        #[source]
        source: io::Error,
    },

    /// Another process is already serving on the socket path or TCP address.
    #[error(
        "another plugin is already serving on {address}; stop it first or choose another name or address"
    )]
    AddressInUse {
        /// The socket path or TCP address.
        address: String,
    },

    /// Something that is not a socket is in the way of the socket file.
    #[error("{} exists and is not a socket; remove it or choose another name", path.display())]
    NotASocket {
        /// The path.
        path: PathBuf,
    },

    /// [`Plugin::socket_group`](crate::Plugin::socket_group) names no group on this host.
    #[error(
        "unknown group `{0}`: create it (groupadd {0}) or choose an existing one with Plugin::socket_group or Plugin::socket_gid"
    )]
    UnknownGroup(String),

    /// The socket's group or mode could not be set.
    #[error(
        "cannot set the group or mode of {}: {source}; run as root or change Plugin::socket_group / Plugin::socket_mode",
        path.display()
    )]
    Permissions {
        /// The socket file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: io::Error,
    },

    /// Listening failed for another reason.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The socket path or TCP address.
        address: String,
        /// What the system said.
        #[source]
        source: io::Error,
    },

    /// The SIGINT/SIGTERM handlers could not be installed.
    #[error(
        "cannot install the SIGINT/SIGTERM handlers: {0}; pass your own future to Plugin::shutdown_signal"
    )]
    Signal(#[source] io::Error),

    /// systemd socket activation was asked for but no usable socket was passed.
    #[error("systemd socket activation: {0}")]
    Systemd(String),

    /// Another I/O failure, with what was being done.
    #[error("{context}: {source}")]
    Io {
        /// What dknet was doing.
        context: String,
        /// What the system said.
        #[source]
        source: io::Error,
    },
}

/// The sentence, as `Display` has it: what `main` prints when it returns the error.
impl fmt::Debug for Error {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, formatter)
    }
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    /// `fn main() -> Result<(), dknet::Error>` prints `Error: {:?}`: a sentence.
    #[test]
    fn debug_prints_the_sentence_main_shows() {
        let error = Error::AddressInUse {
            address: "/run/docker/plugins/demo.sock".to_owned(),
        };
        assert_eq!(
            format!("{error:?}"),
            "another plugin is already serving on /run/docker/plugins/demo.sock; \
             stop it first or choose another name or address"
        );
        let error = Error::io(
            "reading the state",
            std::io::Error::from(std::io::ErrorKind::PermissionDenied),
        );
        assert_eq!(format!("{error:?}"), "reading the state: permission denied");
    }
}
