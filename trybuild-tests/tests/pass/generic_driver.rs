//! A generic driver: the impl's generics and where clause carry over.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use dknet::network::{CreateNetworkRequest, DeleteNetworkRequest, NetworkDriver};
use dknet::Context;

trait Store: Send + Sync + 'static {
    fn insert(&self, id: String);
    fn remove(&self, id: &str) -> bool;
}

#[derive(Default)]
struct Memory(Mutex<BTreeSet<String>>);

impl Store for Memory {
    fn insert(&self, id: String) {
        self.0.lock().unwrap().insert(id);
    }
    fn remove(&self, id: &str) -> bool {
        self.0.lock().unwrap().remove(id)
    }
}

struct Driver<S, const N: usize> {
    store: S,
}

#[dknet::network_driver]
impl<S, const N: usize> Driver<S, N>
where
    S: Store,
{
    async fn create_network(&self, request: CreateNetworkRequest) {
        self.store.insert(request.network_id);
    }

    fn delete_network(&self, request: DeleteNetworkRequest) -> Result<(), String> {
        if self.store.remove(&request.network_id) {
            Ok(())
        } else {
            Err(format!("no network {} (of {N})", request.network_id))
        }
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Driver::<Memory, 3> {
        store: Memory::default(),
    });
    driver
        .clone()
        .create_network(CreateNetworkRequest::new("n1"), Context::new())
        .await
        .unwrap();
    driver
        .clone()
        .delete_network(DeleteNetworkRequest::new("n1"), Context::new())
        .await
        .unwrap();
    let error = driver
        .delete_network(DeleteNetworkRequest::new("n1"), Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.message(), "no network n1 (of 3)");
}
