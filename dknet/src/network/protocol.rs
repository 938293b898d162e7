//! The network-driver protocol's runtime code: the [`NetworkDriver`] trait,
//! the router and the testing client's typed methods, generated from the
//! protocol table (see `crate::protocol`).

use super::*;

dknet_macros::__protocol!(network => crate::protocol::define {
    /// A Docker network driver (libnetwork's "remote" driver protocol).
    ///
    /// You normally do not implement this by hand: put
    /// [`#[dknet::network_driver]`](crate::network_driver) on an `impl` block with
    /// the methods you need and the macro implements it, filling in the rest.
    /// Implementing it by hand works too (every method has a default):
    ///
    /// ```
    /// use std::sync::Arc;
    /// use dknet::network::{CreateNetworkRequest, NetworkDriver};
    /// use dknet::{Context, DriverError};
    ///
    /// struct Logger;
    ///
    /// impl NetworkDriver for Logger {
    ///     async fn create_network(
    ///         self: Arc<Self>,
    ///         request: CreateNetworkRequest,
    ///         _context: Context,
    ///     ) -> Result<(), DriverError> {
    ///         println!("network {} created", request.network_id);
    ///         Ok(())
    ///     }
    /// }
    /// ```
    ///
    /// Methods take `self: Arc<Self>` so that their futures own what they use and
    /// blocking work can move to another thread.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` is not a Docker network driver",
        label = "this type has no `#[dknet::network_driver]` impl",
        note = "add `#[dknet::network_driver]` to an `impl {Self} {{ ... }}` block (it may be empty)"
    )]
    trait;
    client: crate::testing::Client;
});
