//! dknet: write Docker network plugins in Rust.
//!
//! Put [`#[dknet::network_driver]`](network_driver) on an `impl` block with
//! the protocol methods your driver needs, and serve it with [`serve_unix`]
//! or [`serve_tcp`]: dknet answers `Plugin.Activate`, `GetCapabilities` and
//! every method you did not write, decodes requests into typed structs
//! ([`network`]), and turns your errors into what dockerd expects.

mod activation;
mod context;
mod dispatch;
mod driver_error;
pub mod network;
mod wire;

#[doc(hidden)]
pub mod __private;

pub use activation::ActivateResponse;
pub use context::Context;
pub use driver_error::DriverError;
pub use dknet_macros::network_driver;
/// Re-exported so option structs can derive `Deserialize` without a direct
/// serde dependency: `#[derive(dknet::serde::Deserialize)] #[serde(crate = "dknet::serde")]`.
pub use serde;
/// Any JSON value (free-form option values, `EndpointOperInfo` data).
pub use serde_json::Value as JsonValue;
