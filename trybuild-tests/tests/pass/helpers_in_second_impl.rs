//! Helpers live in a second, unannotated impl. Paths (`Counting::join`) and
//! calls on `&Counting` reach the author's method; on an `Arc<Counting>`,
//! method-call syntax finds the trait's `join(self: Arc<Self>, ..)` first.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use dknet::network::{JoinRequest, JoinResponse, NetworkDriver};
use dknet::Context;

#[derive(Default)]
struct Counting {
    joins: AtomicUsize,
}

impl Counting {
    const PREFIX: &'static str = "eth";

    fn count(&self) -> usize {
        self.joins.fetch_add(1, Ordering::SeqCst) + 1
    }
}

#[dknet::network_driver]
impl Counting {
    fn join(&self, request: JoinRequest) -> JoinResponse {
        let _ = (request, self.count(), Self::PREFIX);
        JoinResponse::default()
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Counting::default());
    // The author's synchronous method, by path and on a reference.
    let _: JoinResponse = Counting::join(&driver, JoinRequest::default());
    let _: JoinResponse = driver.as_ref().join(JoinRequest::default());
    // Through the trait: the generated method calls the author's.
    let _ = NetworkDriver::join(driver.clone(), JoinRequest::default(), Context::new())
        .await
        .unwrap();
    assert_eq!(driver.joins.load(Ordering::SeqCst), 3);
}
