//! The IPAM protocol (`/IpamDriver.*`): wire types for every request and
//! response, and the [`IpamDriver`] trait.
//!
//! The conventions are the network types' (see [`crate::network`]): Go's
//! field names on the wire (`PoolID`, `SubPool`, `V6`), snake_case in Rust,
//! absent and `null` maps empty, `""` that means "none" is `None`, typed
//! addresses ([`IpNet`](ipnet::IpNet) where the wire has CIDR,
//! [`IpAddr`](std::net::IpAddr) where it has a bare address). Methods whose
//! response is empty answer `()`.
//!
//! A failure is answered with HTTP 500 and `{"Err": "..."}`, as for the
//! network driver (dockerd reads both; IPAM's 200-level `Error` key is never
//! needed).

mod addresses;
mod capabilities;
mod driver;
pub mod options;
mod pools;
pub(crate) mod protocol;
pub(crate) mod routes;

pub use addresses::{ReleaseAddressRequest, RequestAddressRequest, RequestAddressResponse};
pub use capabilities::{
    GetCapabilitiesResponse, GetDefaultAddressSpacesResponse, GLOBAL_DEFAULT, LOCAL_DEFAULT,
};
pub use driver::IpamDriver;
pub use options::IpamOptions;
pub use pools::{ReleasePoolRequest, RequestPoolRequest, RequestPoolResponse};

pub use crate::wire::{MacAddress, OptionsError};
