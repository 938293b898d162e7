#![doc = include_str!("../../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod activation;
mod context;
mod dispatch;
mod driver_error;
mod error;
pub mod network;
mod plugin;
mod server;
mod shutdown;
#[cfg(feature = "testing")]
#[cfg_attr(docsrs, doc(cfg(feature = "testing")))]
pub mod testing;
mod transport;
mod wire;

#[doc(hidden)]
pub mod __private;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzzing;

pub use activation::ActivateResponse;
pub use context::Context;
#[doc = include_str!("network_driver.md")]
pub use dknet_macros::network_driver;
pub use driver_error::DriverError;
pub use error::Error;
pub use plugin::{
    serve_tcp, serve_unix, BoundPlugin, Plugin, DEFAULT_PLUGIN_DIR, DEFAULT_SPEC_DIR,
};
/// Re-exported so option structs can derive `Deserialize` without a direct
/// serde dependency: `#[derive(dknet::serde::Deserialize)] #[serde(crate = "dknet::serde")]`.
pub use serde;
/// Any JSON value (free-form option values, `EndpointOperInfo` data).
pub use serde_json::Value as JsonValue;
pub use transport::{Listener, LocalAddr};
