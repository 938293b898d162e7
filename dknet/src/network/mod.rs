//! The network-driver protocol (`/NetworkDriver.*`): wire types for every
//! request and response, and the [`NetworkDriver`] trait.
//!
//! Field names on the wire are Go's (`NetworkID`, `IPv4Data`, `AddressIPv6`);
//! Rust fields are their snake_case (`network_id`, `ipv4_data`,
//! `address_ipv6`). Every map, list and object accepts absence and `null`;
//! `""` that means "none" is `None`; unknown fields are ignored. Addresses
//! are typed: [`IpNet`](ipnet::IpNet) where the wire has CIDR,
//! [`IpAddr`](std::net::IpAddr) where it has a bare address.
//!
//! Methods whose response is empty answer `()`.

mod capabilities;
mod connectivity;
mod discovery;
mod endpoints;
mod networks;
pub(crate) mod protocol;
mod sandbox;
#[cfg(test)]
mod tests;

pub use capabilities::*;
pub use connectivity::*;
pub use discovery::*;
pub use endpoints::*;
pub use networks::*;
pub use protocol::NetworkDriver;
pub use sandbox::*;

pub use crate::wire::{
    ExposedPort, MacAddress, MacAddressError, Options, OptionsError, PortBinding, Protocol,
};

/// The option keys dockerd fills in, for [`Options::get`] and
/// [`Options::as_map`]; [`Options`] reads most of them for you.
pub mod options {
    pub use crate::wire::options::{
        ENABLE_IPV4, ENABLE_IPV6, EXPOSED_PORTS, GENERIC, INTERNAL, MAC_ADDRESS, PORT_MAP,
    };
}
