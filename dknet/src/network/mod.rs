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
mod driver;
mod endpoints;
mod networks;
pub(crate) mod protocol;
pub(crate) mod routes;
mod sandbox;
#[cfg(test)]
mod tests;

pub use capabilities::{GetCapabilitiesResponse, GwAllocCheckRequest, GwAllocCheckResponse, Scope};
pub use connectivity::{ProgramExternalConnectivityRequest, RevokeExternalConnectivityRequest};
pub use discovery::{DiscoverDeleteRequest, DiscoverNewRequest, NodeDiscoveryData};
pub use driver::NetworkDriver;
pub use endpoints::{
    CreateEndpointRequest, CreateEndpointResponse, DeleteEndpointRequest, EndpointInterface,
    EndpointOperInfoRequest, EndpointOperInfoResponse,
};
pub use networks::{
    AllocateNetworkRequest, AllocateNetworkResponse, CreateNetworkRequest, DeleteNetworkRequest,
    FreeNetworkRequest, IpamData,
};
pub use sandbox::{InterfaceName, JoinRequest, JoinResponse, LeaveRequest, RouteType, StaticRoute};

pub use crate::wire::{
    options, ExposedPort, MacAddress, MacAddressError, Options, OptionsError, PortBinding, Protocol,
};
pub use crate::ActivateResponse;
