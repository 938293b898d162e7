//! [`Store`]: the allocator behind one lock, persisted atomically.
//!
//! dockerd sends requests concurrently (one `docker rm -f a b c d` releases
//! four addresses at once). Every change takes the lock, is applied to a copy,
//! written to `state.json` (atomically, as the bridge example writes its
//! state) and only then becomes the allocator everyone sees: no update is
//! lost, no address is handed out twice, and a failed write changes nothing.

use std::collections::BTreeMap;
use std::path::PathBuf;

use tokio::sync::Mutex;

use super::allocator::{AllocError, Allocator, PoolRanges, PoolRecord};
use crate::bridge::state::{blocking, load, write_atomically, Error};

/// Why a request failed: the allocator said no, or the state could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request cannot be granted.
    #[error(transparent)]
    Alloc(#[from] AllocError),
    /// Reading or writing the state failed.
    #[error(transparent)]
    State(#[from] Error),
}

/// The persisted allocator.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    allocator: Mutex<Allocator>,
}

impl Store {
    /// Opens the state in `dir` (created, mode 0700, if missing): the pools
    /// and addresses handed out before a restart are taken again.
    pub async fn open(dir: impl Into<PathBuf>, ranges: PoolRanges) -> Result<Self, StoreError> {
        let dir = dir.into();
        let records = blocking({
            let dir = dir.clone();
            move || load::<BTreeMap<String, PoolRecord>>(&dir)
        })
        .await?;
        let allocator = Allocator::from_records(ranges, records)?;
        Ok(Self {
            dir,
            allocator: Mutex::new(allocator),
        })
    }

    /// Applies `change` to the allocator and saves the result before anyone
    /// else may read or change it. On any error nothing changes.
    pub async fn update<T>(
        &self,
        change: impl FnOnce(&mut Allocator) -> Result<T, AllocError>,
    ) -> Result<T, StoreError> {
        let mut allocator = self.allocator.lock().await;
        let mut next = allocator.clone();
        let result = change(&mut next)?;
        let bytes = serde_json::to_vec_pretty(&next.records()).expect("records always serialise");
        let dir = self.dir.clone();
        blocking(move || write_atomically(&dir, &bytes)).await?;
        *allocator = next;
        Ok(result)
    }

    /// Reads the allocator.
    pub async fn read<T>(&self, read: impl FnOnce(&Allocator) -> T) -> T {
        read(&*self.allocator.lock().await)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fs;
    use std::sync::Arc;

    use super::*;
    use crate::bridge::state::STATE_FILE;

    fn ranges() -> PoolRanges {
        PoolRanges {
            v4: "10.212.0.0/16".parse().unwrap(),
            ..PoolRanges::default()
        }
    }

    #[tokio::test]
    async fn allocations_survive_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        let (id, _) = store
            .update(|a| a.request_pool(None, None, false))
            .await
            .unwrap();
        let first = store
            .update(|a| a.request_address(&id, None))
            .await
            .unwrap();
        drop(store);
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        let second = store
            .update(|a| a.request_address(&id, None))
            .await
            .unwrap();
        assert_ne!(first, second);
        let (other, _) = store
            .update(|a| a.request_pool(None, None, false))
            .await
            .unwrap();
        assert_ne!(id, other, "the restored pool is not handed out again");
    }

    #[tokio::test]
    async fn concurrent_requests_lose_nothing_and_never_share_an_address() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), ranges()).await.unwrap());
        let (id, _) = store
            .update(|a| a.request_pool(None, None, false))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let (store, id) = (Arc::clone(&store), id.clone());
                tokio::spawn(async move { store.update(|a| a.request_address(&id, None)).await })
            })
            .collect();
        let mut addresses = BTreeSet::new();
        for task in tasks {
            assert!(addresses.insert(task.await.unwrap().unwrap()));
        }
        drop(store);
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        assert_eq!(
            store.read(|a| a.taken(&id)).await,
            40,
            "every change was saved"
        );
    }

    #[tokio::test]
    async fn a_refused_request_writes_nothing_and_a_corrupt_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        assert!(store.update(|a| a.release_pool("nope")).await.is_err());
        assert!(!dir.path().join(STATE_FILE).exists());
        fs::write(dir.path().join(STATE_FILE), b"{").unwrap();
        let error = Store::open(dir.path(), ranges()).await.unwrap_err();
        assert!(error.to_string().contains("corrupt"), "{error}");
    }
}
