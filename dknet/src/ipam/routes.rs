//! Routes `/IpamDriver.<Method>` calls to an [`IpamDriver`].

use super::protocol::ipam_protocol;
use super::*;
use crate::dispatch::RequestIds;
use crate::protocol::routes;

ipam_protocol!(routes);

// IPAM requests name pools, not networks or endpoints.
impl RequestIds for RequestPoolRequest {}
impl RequestIds for ReleasePoolRequest {}
impl RequestIds for RequestAddressRequest {}
impl RequestIds for ReleaseAddressRequest {}
