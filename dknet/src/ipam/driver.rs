//! The `IpamDriver` trait, generated from the protocol's definition
//! (`protocol.rs`).

use super::protocol::ipam_protocol;
use super::*;
use crate::protocol::driver_trait;
use crate::DriverError;

ipam_protocol!(driver_trait);
