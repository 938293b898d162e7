//! The IPAM protocol (`/IpamDriver.*`): wire types for every request and
//! response, and the [`IpamDriver`] trait.
//!
//! The conventions are the network types' (see [`crate::network`]): Go's
//! field names on the wire (`PoolID`, `SubPool`, `V6`), snake_case in Rust,
//! absent and `null` maps empty, `""` that means "none" is `None`, typed
//! addresses ([`IpNet`](ipnet::IpNet) where the wire has CIDR,
//! [`IpAddr`](std::net::IpAddr) where it has a bare address). Methods whose
//! response is empty answer `()`. The types both subsystems use
//! ([`MacAddress`](crate::network::MacAddress),
//! [`OptionsError`](crate::network::OptionsError)) are in [`crate::network`].
//!
//! A failure is answered with HTTP 500 and `{"Err": "..."}`, as for the
//! network driver (dockerd reads both; IPAM's 200-level `Error` key is never
//! needed).

mod addresses;
mod capabilities;
mod ipam_options;
pub mod options;
mod pools;
pub(crate) mod protocol;

pub use addresses::*;
pub use capabilities::*;
pub use ipam_options::IpamOptions;
pub use pools::*;
pub use protocol::IpamDriver;
