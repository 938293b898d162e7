//! A crash-safe JSON state store for plugins (cargo feature `store`).
//!
//! dockerd never replays `CreateNetwork`, `RequestPool` or `CreateEndpoint` after a plugin
//! restarts: whatever later calls need must be on disk. [`Store`] keeps a map from string
//! keys to values of one type, each entry in a JSON file of its own in one directory, and
//! the whole map in memory:
//!
//! - **Atomic replacement.** An entry is written to a temporary file, flushed (`fsync`),
//!   renamed over the old file, and the directory flushed, so a crash at any point leaves
//!   the old entry or the new one, never a mixture; a removal is an unlink followed by a
//!   flush of the directory. A temporary file left by a crash is deleted at the next
//!   [`Store::open`].
//! - **A change costs the same whatever the store's size.** Only the entries a change
//!   touched are written: the thousandth endpoint costs what the tenth did.
//! - **One lock from read to write.** [`Store::update`] holds the store's lock from the
//!   moment the change reads the map until its entries are on disk, so two concurrent
//!   changes never start from the same old map and lose one. An update that changes
//!   nothing writes nothing. Entries are written in the order the change first touched
//!   them; if a write fails (or the process dies), the entries written before stay changed
//!   and the rest stay as they were, in memory as on disk. Order the steps of a change so
//!   that every such prefix is a state the plugin can restart from.
//! - **Claims for work that spans several steps.** [`Store::claim`] serialises the work on
//!   one id (a veth pair created, then recorded) without blocking the other ids: dockerd
//!   retries a call whose connection was reset while the first may still be running.
//! - **Nothing is forgotten silently.** A file that does not parse as a value, or that the
//!   store did not write, makes [`Store::open`] fail naming it, and the file is left as it
//!   is: a plugin that started with an empty state would forget networks dockerd still
//!   has. Give the value types `#[serde(deny_unknown_fields)]` so that another program's
//!   JSON is refused too.
//! - **One process at a time.** The directory is locked (`flock`) while the store is open;
//!   a second plugin opening it gets [`Error::Busy`]. The kernel drops the lock when the
//!   process dies, even by `kill -9`.
//!
//! # Restarting
//!
//! A plugin that is restarted (by `kill -9`, a reboot, an upgrade) comes back to a kernel
//! that may not match its state: links made before the state recorded them, or links a
//! reboot removed. The pattern that keeps dockerd's calls working:
//!
//! 1. **Open the store** ([`Store::open`]): a corrupt state is an error, before anything
//!    listens.
//! 2. **Bind the socket** ([`Plugin::bind_unix`](crate::Plugin::bind_unix) and friends):
//!    dockerd finds the plugin at once, and calls that arrive during the next step wait in
//!    the socket's backlog instead of failing.
//! 3. **Reconcile with the kernel**: make what the state records exist again, and remove
//!    what the plugin made but never recorded (work cut short between its kernel step and
//!    its [`Store::update`]). Log what cannot be restored and go on.
//! 4. **Serve** ([`BoundPlugin::run`](crate::BoundPlugin::run)).
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use dknet::network::{CreateNetworkRequest, DeleteNetworkRequest};
//! use dknet::store::Store;
//! use dknet::Plugin;
//!
//! #[derive(Clone, PartialEq, serde::Serialize, serde::Deserialize)]
//! #[serde(deny_unknown_fields)]
//! struct Network {
//!     bridge: String,
//! }
//!
//! struct Driver {
//!     networks: Store<Network>,
//! }
//!
//! #[dknet::network_driver]
//! impl Driver {
//!     async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), dknet::store::Error> {
//!         let bridge = format!("br-{}", &request.network_id[..8.min(request.network_id.len())]);
//!         // ... create the bridge in the kernel, then record it:
//!         self.networks
//!             .update(|networks| networks.insert(request.network_id, Network { bridge }))
//!             .await?;
//!         Ok(())
//!     }
//!
//!     async fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), dknet::store::Error> {
//!         // ... delete the bridge, then forget it:
//!         self.networks.update(|networks| networks.remove(&request.network_id)).await?;
//!         Ok(())
//!     }
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let driver = Arc::new(Driver { networks: Store::open("/var/lib/my-plugin/networks").await? });
//! let bound = Plugin::new()
//!     .network_driver_shared(driver.clone())
//!     .bind_unix("my-plugin")
//!     .await?;
//! for (id, network) in driver.networks.snapshot().await {
//!     // ... make sure network.bridge exists; log what cannot be restored.
//!     # let _ = (id, network);
//! }
//! bound.run().await?;
//! # Ok(())
//! # }
//! ```

mod change;
mod claims;
mod disk;
mod error;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

pub use change::Change;
pub use claims::Claim;
pub use error::Error;

use claims::Claims;
use disk::{Directory, Write};

/// Values of type `V` by string key, each in a JSON file of its own in one directory (see
/// the [module documentation](self)).
pub struct Store<V> {
    directory: Arc<Directory>,
    entries: Mutex<BTreeMap<String, V>>,
    claims: Claims,
}

impl<V> fmt::Debug for Store<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("dir", &self.directory.path())
            .finish_non_exhaustive()
    }
}

impl<V> Store<V>
where
    V: Clone + PartialEq + Serialize + DeserializeOwned + Send + 'static,
{
    /// Opens the store in `dir`, creating the directory (mode 0700) if needed, and locks it
    /// for this process. A missing directory is an empty store; temporary files left by a
    /// crash are deleted; a file that does not parse, or that this store did not write, is
    /// an error and is left as it is.
    pub async fn open(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        let (directory, entries) = blocking(move || Directory::open(&dir)).await?;
        Ok(Self {
            directory: Arc::new(directory),
            entries: Mutex::new(entries),
            claims: Claims::default(),
        })
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        self.directory.path()
    }

    /// A copy of the value of `key`.
    pub async fn get(&self, key: &str) -> Option<V> {
        self.entries.lock().await.get(key).cloned()
    }

    /// Reads the entries without copying them; changes wait until `read` returns.
    pub async fn read<R>(&self, read: impl FnOnce(&BTreeMap<String, V>) -> R) -> R {
        read(&*self.entries.lock().await)
    }

    /// A copy of every entry (for start-up work such as reconciliation; calls that need
    /// one entry should use [`Store::get`] or [`Store::read`]).
    pub async fn snapshot(&self) -> BTreeMap<String, V> {
        self.entries.lock().await.clone()
    }

    /// How many entries there are.
    pub async fn len(&self) -> usize {
        self.entries.lock().await.len()
    }

    /// Whether the store has no entry.
    pub async fn is_empty(&self) -> bool {
        self.entries.lock().await.is_empty()
    }

    /// Applies `change` to the entries and writes the entries it changed to disk before
    /// anyone else may read or change them; returns what `change` returned.
    ///
    /// Entries are written in the order `change` first touched them. On an error (a key
    /// that cannot name a file, a value that does not serialise, a failed write), the
    /// entries already written keep their new values and the others their old ones, in
    /// memory as on disk.
    pub async fn update<R>(
        &self,
        change: impl FnOnce(&mut Change<'_, V>) -> R,
    ) -> Result<R, Error> {
        let mut entries = self.entries.lock().await;
        let mut pending = Change::new(&mut entries);
        let result = change(&mut pending);
        let touched = pending.finish();
        if touched.is_empty() {
            return Ok(result);
        }
        let writes = match writes_of(&entries, &touched) {
            Ok(writes) => writes,
            Err(e) => {
                revert(&mut entries, touched);
                return Err(e);
            }
        };
        let directory = Arc::clone(&self.directory);
        let (done, outcome) = tokio::task::spawn_blocking(move || directory.apply(&writes))
            .await
            .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()));
        if let Err(e) = outcome {
            revert(&mut entries, touched.into_iter().skip(done));
            return Err(e);
        }
        Ok(result)
    }

    /// Waits until no one else claims `id`, then claims it until the [`Claim`] is dropped.
    /// Claims are not persisted and do not lock the entries: they only serialise the
    /// callers that take them.
    pub async fn claim(&self, id: &str) -> Claim<'_> {
        self.claims.claim(id).await
    }

    /// Makes the `nth` file system step from now fail as a crash there would leave the
    /// directory (for the crash tests).
    #[cfg(test)]
    fn crash_at_step(&self, nth: usize) {
        self.directory.crash_at_step(nth);
    }
}

/// The file system work for the keys `touched` (in order): each key's new value written,
/// or its file removed.
fn writes_of<V: Serialize>(
    entries: &BTreeMap<String, V>,
    touched: &[(String, Option<V>)],
) -> Result<Vec<Write>, Error> {
    touched
        .iter()
        .map(|(key, _)| {
            let file = disk::file_name(key)?;
            match entries.get(key) {
                None => Ok(Write::Remove { file }),
                Some(value) => {
                    let bytes =
                        serde_json::to_vec_pretty(value).map_err(|source| Error::Serialize {
                            key: key.clone(),
                            source,
                        })?;
                    Ok(Write::Replace { file, bytes })
                }
            }
        })
        .collect()
}

/// Puts back the old values of `touched` entries.
fn revert<V>(
    entries: &mut BTreeMap<String, V>,
    touched: impl IntoIterator<Item = (String, Option<V>)>,
) {
    for (key, old) in touched {
        match old {
            Some(value) => entries.insert(key, value),
            None => entries.remove(&key),
        };
    }
}

/// Runs file system work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join_error| std::panic::resume_unwind(join_error.into_panic()))
}
