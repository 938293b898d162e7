#![doc = include_str!("testing.md")]

mod client;
mod connect;
mod error;
mod fixture;

pub use client::{Client, IpamClient};
pub use error::{CallError, RawResponse};
pub use fixture::{load_fixture, FixtureEntry, Replay, Replayed};
