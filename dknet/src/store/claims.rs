//! [`Claim`]: exclusive use of one id, for work that spans several steps.

use std::collections::HashMap;
use std::sync::{Arc, MutexGuard, PoisonError};

use tokio::sync::{Mutex, OwnedMutexGuard};

type Locks = HashMap<String, Arc<Mutex<()>>>;

/// The locks of the ids being worked on; an entry goes with its last user.
#[derive(Debug, Default)]
pub(super) struct Claims {
    locks: std::sync::Mutex<Locks>,
}

impl Claims {
    /// Waits until no one else claims `id`, then claims it until the [`Claim`] is dropped.
    pub(super) async fn claim(&self, id: &str) -> Claim<'_> {
        let lock = self.locks().entry(id.to_owned()).or_default().clone();
        let guard = lock.lock_owned().await;
        Claim {
            claims: self,
            id: id.to_owned(),
            guard: Some(guard),
        }
    }

    /// How many ids are claimed or waited for.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.locks().len()
    }

    /// The map of locks; it stays consistent even if a holder panicked (every change is
    /// one call).
    fn locks(&self) -> MutexGuard<'_, Locks> {
        self.locks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Exclusive use of one id until dropped (see [`Store::claim`](super::Store::claim)).
#[derive(Debug)]
pub struct Claim<'a> {
    claims: &'a Claims,
    id: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut locks = self.claims.locks();
        // Nobody else holds or waits for this lock: forget it.
        if locks
            .get(&self.id)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            locks.remove(&self.id);
        }
    }
}
