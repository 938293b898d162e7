//! The keys of the IPAM option maps ([`IpamOptions`](super::IpamOptions))
//! that dockerd fills in.

use crate::wire::options::MAC_ADDRESS;

/// The key of a `RequestAddress` option saying what the address is for.
pub const REQUEST_ADDRESS_TYPE: &str = "RequestAddressType";
/// The value of [`REQUEST_ADDRESS_TYPE`] for the network's gateway; in
/// `RequestPool`'s answer `Data`, the key of a gateway chosen by the driver.
pub const GATEWAY: &str = "com.docker.network.gateway";
/// The endpoint (container) name, in endpoint `RequestAddress` options (dockerd 29+).
pub const ENDPOINT_NAME: &str = "com.docker.network.endpoint.name";
/// The endpoint's MAC address (colon-hex) when the driver `RequiresMACAddress`.
pub const ENDPOINT_MAC_ADDRESS: &str = MAC_ADDRESS;
