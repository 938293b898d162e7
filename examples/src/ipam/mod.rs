//! A real IPAM driver: pools for networks and addresses for containers,
//! without overlap or duplicates, kept across restarts.
//!
//! - [`allocator`]: which pools and addresses are handed out (no I/O);
//! - [`bitmap`]: the taken addresses of a pool, searched a word at a time;
//! - [`store`]: the allocator behind one lock, saved atomically on every change;
//! - [`IpamAllocator`]: the `#[dknet::ipam_driver]` serving it.
//!
//! Run alone as `dknet-ipam`, or beside the bridge driver on one socket as
//! `dknet-bridge --ipam`.

pub mod allocator;
pub mod bitmap;
mod cli;
mod driver;
pub mod store;

pub use cli::PoolRangeArgs;
pub use driver::IpamAllocator;
