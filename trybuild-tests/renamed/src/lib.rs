//! `#[network_driver(crate = "...")]` where dknet is a dependency named
//! `renamed`: this crate has no `dknet` at all, so any `::dknet` path in the
//! expansion would fail to build.

use renamed::network::{JoinRequest, JoinResponse};

/// A driver naming the runtime `renamed`.
#[derive(Debug)]
pub struct Renamed;

#[renamed::network_driver(crate = "renamed", scope = "global")]
impl Renamed {
    fn join(&self, _request: JoinRequest) -> JoinResponse {
        JoinResponse::default()
    }
}

/// The same with an absolute path.
#[derive(Debug)]
pub struct Absolute;

#[renamed::network_driver(crate = "::renamed")]
impl Absolute {}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use renamed::network::{NetworkDriver, Scope};
    use renamed::Context;

    use super::*;

    #[tokio::test]
    async fn renamed_crate_drivers_work() {
        let capabilities = Arc::new(Renamed)
            .get_capabilities(Context::new())
            .await
            .unwrap();
        assert_eq!(capabilities.scope, Scope::Global);
        let join = Arc::new(Renamed)
            .join(JoinRequest::default(), Context::new())
            .await
            .unwrap();
        assert_eq!(join, JoinResponse::default());
        let capabilities = Arc::new(Absolute)
            .get_capabilities(Context::new())
            .await
            .unwrap();
        assert_eq!(capabilities.scope, Scope::Local);
    }
}
