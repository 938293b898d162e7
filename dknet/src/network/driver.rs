//! The `NetworkDriver` trait: one method per protocol call, each with the
//! answer dockerd expects when a driver has nothing to do there. Generated
//! from the protocol's definition (`protocol.rs`).

use super::protocol::network_protocol;
use super::*;
use crate::protocol::driver_trait;
use crate::DriverError;

network_protocol!(driver_trait);
