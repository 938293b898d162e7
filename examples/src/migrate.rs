//! State written by earlier versions of the examples: one `state.json` holding everything,
//! rewritten on every change. At start-up, a driver that finds one moves its records into
//! its [`dknet::store::Store`]s, then renames the file `state.json.migrated` (kept, so the
//! move can be checked or undone); a crash in between repeats the move, which writes the
//! same entries again.

use std::io;
use std::path::{Path, PathBuf};

use dknet::store::Store;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The file earlier versions kept their whole state in.
const OLD_STATE_FILE: &str = "state.json";

/// Reading or retiring an earlier version's state file failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read or renamed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// The file is not valid: it is left as it is.
    #[error(
        "state file {} (written by an earlier version) is corrupt: {source}; it was left as \
         it is: repair it, or move it away to start without it",
        path.display()
    )]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
}

/// The state an earlier version left in `state_dir`, if it left one.
pub fn old_state<T: DeserializeOwned>(state_dir: &Path) -> Result<Option<T>, Error> {
    let path = state_dir.join(OLD_STATE_FILE);
    match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|source| Error::Corrupt { path, source }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Io {
            action: "reading",
            path,
            source,
        }),
    }
}

/// Writes an earlier version's records (id to record) into `store`, in one update.
pub async fn insert_all<V>(
    store: &Store<V>,
    records: impl IntoIterator<Item = (String, V)>,
) -> Result<(), dknet::store::Error>
where
    V: Clone + PartialEq + Serialize + DeserializeOwned + Send + 'static,
{
    store
        .update(|entries| {
            for (id, record) in records {
                entries.insert(id, record);
            }
        })
        .await
}

/// Renames the earlier version's state file once its records are in the stores.
pub fn retire(state_dir: &Path) -> Result<(), Error> {
    let path = state_dir.join(OLD_STATE_FILE);
    let migrated = state_dir.join(format!("{OLD_STATE_FILE}.migrated"));
    std::fs::rename(&path, &migrated).map_err(|source| Error::Io {
        action: "renaming",
        path,
        source,
    })?;
    tracing::info!(file = %migrated.display(), "state of an earlier version moved into the store");
    Ok(())
}
