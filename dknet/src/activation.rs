//! The `Plugin.Activate` handshake.

use serde::{Deserialize, Serialize};

use crate::wire::nullable;

/// Answer to `/Plugin.Activate`: the subsystems this plugin serves
/// (`NetworkDriver`, `IpamDriver`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivateResponse {
    /// Subsystem names, compared case-sensitively by dockerd.
    #[serde(
        rename = "Implements",
        default,
        deserialize_with = "nullable::deserialize"
    )]
    pub implements: Vec<String>,
}
