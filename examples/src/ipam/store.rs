//! [`Store`]: the allocator behind one lock, each pool and each address handed out kept
//! as an entry of a [`dknet::store::Store`].
//!
//! dockerd sends requests concurrently (one `docker rm -f a b c d` releases four addresses
//! at once). Every change takes the lock, is applied to the allocator, and is written (the
//! one entry it changed, atomically) before anyone else may read or change it; a failed
//! write undoes the change. Pools are kept in `STATE_DIR/pools` by pool id and addresses in
//! `STATE_DIR/addresses` by address, so an address costs the same whether it is the first
//! or the sixty-thousandth of its pool.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::PathBuf;

use dknet::store;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use super::allocator::{AllocError, Allocator, PoolRanges, PoolRecord};

/// Why a request failed: the allocator said no, or the state could not be saved.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The request cannot be granted.
    #[error(transparent)]
    Alloc(#[from] AllocError),
    /// Reading or writing the state failed.
    #[error(transparent)]
    State(#[from] store::Error),
    /// The state file of an earlier version could not be moved into the store.
    #[error(transparent)]
    Migrate(#[from] crate::migrate::Error),
}

/// One pool handed out, as persisted (its addresses are entries of their own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolEntry {
    /// The pool.
    pub pool: IpNet,
    /// The `--ip-range` addresses are handed out from, if the user gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<IpNet>,
}

/// One address handed out, as persisted under the address itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddressEntry {
    /// The id of the pool it was handed out from.
    pub pool: String,
}

/// The persisted allocator.
#[derive(Debug)]
pub struct Store {
    allocator: Mutex<Allocator>,
    pools: store::Store<PoolEntry>,
    addresses: store::Store<AddressEntry>,
}

impl Store {
    /// Opens the state in `dir` (created, mode 0700, if missing): the pools and addresses
    /// handed out before a restart are taken again. Addresses of a pool that is gone (a
    /// release cut short by a crash) are forgotten.
    pub async fn open(dir: impl Into<PathBuf>, ranges: PoolRanges) -> Result<Self, StoreError> {
        let dir = dir.into();
        let pools = store::Store::<PoolEntry>::open(dir.join("pools")).await?;
        let addresses = store::Store::<AddressEntry>::open(dir.join("addresses")).await?;
        if let Some(old) = crate::migrate::old_state::<BTreeMap<String, PoolRecord>>(&dir)? {
            migrate(old, &pools, &addresses).await?;
            crate::migrate::retire(&dir)?;
        }
        let mut records: BTreeMap<String, PoolRecord> = pools
            .snapshot()
            .await
            .into_iter()
            .map(|(id, entry)| {
                let record = PoolRecord {
                    pool: entry.pool,
                    range: entry.range,
                    addresses: Vec::new(),
                };
                (id, record)
            })
            .collect();
        let mut orphans = Vec::new();
        for (address, entry) in addresses.snapshot().await {
            let parsed: Option<IpAddr> = address.parse().ok();
            match (parsed, records.get_mut(&entry.pool)) {
                (Some(ip), Some(record)) => record.addresses.push(ip),
                _ => orphans.push(address),
            }
        }
        if !orphans.is_empty() {
            tracing::info!(
                count = orphans.len(),
                "forgetting addresses of released pools"
            );
            addresses
                .update(|entries| {
                    for address in &orphans {
                        entries.remove(address);
                    }
                })
                .await?;
        }
        let allocator = Allocator::from_records(ranges, records)?;
        Ok(Self {
            allocator: Mutex::new(allocator),
            pools,
            addresses,
        })
    }

    /// Hands out a pool (see [`Allocator::request_pool`]) and records it.
    pub async fn request_pool(
        &self,
        asked: Option<IpNet>,
        range: Option<IpNet>,
        v6: bool,
    ) -> Result<(String, IpNet), StoreError> {
        let mut allocator = self.allocator.lock().await;
        let (id, pool) = allocator.request_pool(asked, range, v6)?;
        let entry = PoolEntry { pool, range };
        if let Err(e) = self
            .pools
            .update(|pools| pools.insert(id.clone(), entry))
            .await
        {
            allocator.release_pool(&id)?;
            return Err(e.into());
        }
        Ok((id, pool))
    }

    /// Takes a pool back, with whatever addresses were still taken in it. The pool's
    /// entry goes first: addresses left behind by a crash are forgotten at the next open.
    pub async fn release_pool(&self, id: &str) -> Result<(), StoreError> {
        let mut allocator = self.allocator.lock().await;
        if !allocator.has_pool(id) {
            return Err(AllocError::UnknownPool(id.to_owned()).into());
        }
        self.pools.update(|pools| pools.remove(id)).await?;
        allocator.release_pool(id)?;
        let forgotten = self
            .addresses
            .update(|addresses| addresses.retain(|_, entry| entry.pool != id))
            .await;
        if let Err(e) = forgotten {
            tracing::warn!(pool = %id, "could not forget the pool's addresses: {e}");
        }
        Ok(())
    }

    /// Hands out `asked`, or the next free address of pool `id`, and records it.
    pub async fn request_address(
        &self,
        id: &str,
        asked: Option<IpAddr>,
    ) -> Result<IpNet, StoreError> {
        let mut allocator = self.allocator.lock().await;
        let address = allocator.request_address(id, asked)?;
        let entry = AddressEntry {
            pool: id.to_owned(),
        };
        let recorded = self
            .addresses
            .update(|addresses| addresses.insert(address.addr().to_string(), entry))
            .await;
        if let Err(e) = recorded {
            allocator.release_address(id, address.addr())?;
            return Err(e.into());
        }
        Ok(address)
    }

    /// Frees `address` of pool `id` and forgets it.
    pub async fn release_address(&self, id: &str, address: IpAddr) -> Result<(), StoreError> {
        let mut allocator = self.allocator.lock().await;
        allocator.release_address(id, address)?;
        let forgotten = self
            .addresses
            .update(|addresses| addresses.remove(&address.to_string()))
            .await;
        if let Err(e) = forgotten {
            allocator.request_address(id, Some(address))?;
            return Err(e.into());
        }
        Ok(())
    }

    /// Reads the allocator.
    pub async fn read<T>(&self, read: impl FnOnce(&Allocator) -> T) -> T {
        read(&*self.allocator.lock().await)
    }
}

/// Moves the pools and addresses of an earlier version's state file into the stores.
async fn migrate(
    old: BTreeMap<String, PoolRecord>,
    pools: &store::Store<PoolEntry>,
    addresses: &store::Store<AddressEntry>,
) -> Result<(), store::Error> {
    for (id, record) in old {
        let entry = PoolEntry {
            pool: record.pool,
            range: record.range,
        };
        pools
            .update(|entries| entries.insert(id.clone(), entry))
            .await?;
        addresses
            .update(|entries| {
                for address in record.addresses {
                    let entry = AddressEntry { pool: id.clone() };
                    entries.insert(address.to_string(), entry);
                }
            })
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::fs;
    use std::sync::Arc;

    use super::*;

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
        let (id, _) = store.request_pool(None, None, false).await.unwrap();
        let first = store.request_address(&id, None).await.unwrap();
        drop(store);
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        let second = store.request_address(&id, None).await.unwrap();
        assert_ne!(first, second);
        let (other, _) = store.request_pool(None, None, false).await.unwrap();
        assert_ne!(id, other, "the restored pool is not handed out again");
        store.release_address(&id, first.addr()).await.unwrap();
        drop(store);
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        assert_eq!(
            store.read(|a| a.taken(&id)).await,
            1,
            "the release was saved"
        );
    }

    #[tokio::test]
    async fn a_released_pool_takes_its_addresses_with_it_even_after_a_crash() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        let (id, _) = store.request_pool(None, None, false).await.unwrap();
        let address = store.request_address(&id, None).await.unwrap();
        store.release_pool(&id).await.unwrap();
        assert!(fs::read_dir(dir.path().join("addresses"))
            .unwrap()
            .all(|f| f.unwrap().file_name() == ".lock"));
        drop(store);
        // A crash after the pool's entry went but before its addresses did.
        fs::write(
            dir.path()
                .join(format!("addresses/{}.json", address.addr())),
            format!(r#"{{"pool": "{id}"}}"#),
        )
        .unwrap();
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        let (again, _) = store.request_pool(None, None, false).await.unwrap();
        assert_eq!(again, id, "the pool is free again");
        assert_eq!(store.read(|a| a.taken(&again)).await, 0);
    }

    #[tokio::test]
    async fn the_state_file_of_an_earlier_version_is_moved_into_the_store() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(
            dir.path().join("state.json"),
            r#"{"10.212.0.0/24": {"pool": "10.212.0.0/24", "addresses": ["10.212.0.1", "10.212.0.7"]}}"#,
        )
        .unwrap();
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        assert_eq!(store.read(|a| a.taken("10.212.0.0/24")).await, 2);
        assert!(dir.path().join("state.json.migrated").exists());
        assert!(!dir.path().join("state.json").exists());
        drop(store);
        let store = Store::open(dir.path(), ranges()).await.unwrap();
        assert_eq!(store.read(|a| a.taken("10.212.0.0/24")).await, 2, "kept");
        let taken = store
            .request_address("10.212.0.0/24", Some("10.212.0.7".parse().unwrap()))
            .await;
        assert!(taken.is_err(), "a migrated address is not handed out again");
    }

    #[tokio::test]
    async fn concurrent_requests_lose_nothing_and_never_share_an_address() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), ranges()).await.unwrap());
        let (id, _) = store.request_pool(None, None, false).await.unwrap();
        let tasks: Vec<_> = (0..40)
            .map(|_| {
                let (store, id) = (Arc::clone(&store), id.clone());
                tokio::spawn(async move { store.request_address(&id, None).await })
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
        assert!(store.release_pool("nope").await.is_err());
        assert_eq!(fs::read_dir(dir.path().join("pools")).unwrap().count(), 1);
        drop(store);
        fs::write(dir.path().join("pools/x.json"), b"{").unwrap();
        let error = Store::open(dir.path(), ranges()).await.unwrap_err();
        assert!(error.to_string().contains("corrupt"), "{error}");
    }
}
