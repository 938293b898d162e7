#![doc = include_str!("../../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod activation;
mod context;
mod dispatch;
mod driver_error;
mod error;
pub mod ipam;
pub mod managed;
pub mod network;
mod plugin;
mod protocol;
mod server;
mod shutdown;
#[cfg(feature = "store")]
#[cfg_attr(docsrs, doc(cfg(feature = "store")))]
pub mod store;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod transport;
mod wait;
mod wire;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzzing;

pub use activation::ActivateResponse;
pub use context::Context;
#[doc = include_str!("ipam_driver.md")]
pub use dknet_macros::ipam_driver;
#[doc = include_str!("network_driver.md")]
pub use dknet_macros::network_driver;
pub use driver_error::DriverError;
pub use error::Error;
/// Re-exported for the address types of the wire types (`IpNet` and
/// friends), so IPAM drivers need no direct dependency on it.
pub use ipnet;
pub use plugin::{
    serve_tcp, serve_unix, BoundPlugin, Plugin, DEFAULT_PLUGIN_DIR, DEFAULT_SPEC_DIR,
};
/// Re-exported so option structs can derive `Deserialize` without a direct
/// serde dependency: `#[derive(dknet::serde::Deserialize)] #[serde(crate = "dknet::serde")]`.
pub use serde;
/// Any JSON value (free-form option values, `EndpointOperInfo` data).
pub use serde_json::Value as JsonValue;
pub use transport::{Listener, LocalAddr};
