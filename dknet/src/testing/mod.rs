//! Test your driver the way dockerd will use it.
//!
//! [`Client`] speaks exactly as dockerd does (see its documentation) over a
//! unix socket, TCP, or in-process with no socket at all
//! ([`Client::in_process`]), and returns typed answers or a [`CallError`]
//! carrying the status and the `Err` text. [`load_fixture`] and
//! [`Client::replay`] send recorded dockerd traffic.
//!
//! ```
//! use std::sync::Arc;
//! use dknet::network::{JoinRequest, JoinResponse, InterfaceName, NetworkDriver};
//! use dknet::testing::Client;
//! use dknet::{Context, DriverError, Plugin};
//!
//! struct Veth;
//!
//! impl NetworkDriver for Veth {
//!     async fn join(
//!         self: Arc<Self>,
//!         request: JoinRequest,
//!         _context: Context,
//!     ) -> Result<JoinResponse, DriverError> {
//!         if request.endpoint_id == "gone" {
//!             return Err(DriverError::new("no endpoint"));
//!         }
//!         Ok(JoinResponse {
//!             interface_name: Some(InterfaceName::new("veth0", "eth")),
//!             ..Default::default()
//!         })
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = Client::in_process(Plugin::new().network_driver(Veth));
//!
//! let activated = client.activate().await.unwrap();
//! assert_eq!(activated.implements, ["NetworkDriver"]);
//!
//! let joined = client.join(&JoinRequest::new("net1", "ep1")).await.unwrap();
//! assert_eq!(joined.interface_name.unwrap().src_name, "veth0");
//!
//! let error = client.join(&JoinRequest::new("net1", "gone")).await.unwrap_err();
//! assert_eq!(error.status(), Some(500));
//! assert_eq!(error.to_string(), "NetworkDriver.Join: no endpoint");
//! # }
//! ```

mod client;
mod connect;
mod error;
mod fixture;

pub use client::Client;
pub use error::{CallError, RawResponse};
pub use fixture::{load_fixture, FixtureEntry, Replay, Replayed};
