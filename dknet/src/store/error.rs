//! What opening or changing a [`Store`](super::Store) can fail at.

use std::io;
use std::path::PathBuf;

/// Opening, reading or writing a store failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system call failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// An entry's file does not parse as a value: the store refuses to open rather than
    /// forget the entry.
    #[error(
        "state file {} is corrupt: {source}; it was left as it is: repair it, or move it \
         away to start without it",
        path.display()
    )]
    Corrupt {
        /// The entry's file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
    /// A file in the store's directory that the store did not write.
    #[error(
        "{} was not written by this state store; it was left as it is: move it out of the \
         directory",
        path.display()
    )]
    UnknownFile {
        /// The file.
        path: PathBuf,
    },
    /// Another process has the store open.
    #[error("the state in {} is in use by another process", dir.display())]
    Busy {
        /// The store's directory.
        dir: PathBuf,
    },
    /// A key that cannot name a file (empty, or too long).
    #[error("invalid state key {0:?}: a key has 1 to 160 bytes")]
    InvalidKey(String),
    /// A value that cannot be written as JSON (a map with keys that are not strings).
    #[error("the state entry {key:?} cannot be written as JSON: {source}")]
    Serialize {
        /// The entry's key.
        key: String,
        /// What serde_json said.
        source: serde_json::Error,
    },
}
