//! Building blocks shared by the wire types of every subsystem: how Go's JSON
//! conventions (`null` maps, `""` for "none", CIDR strings) map onto Rust types.

pub(crate) mod coerce;
mod mac;
pub mod options;
mod ports;
pub(crate) mod text;

pub use mac::{MacAddress, MacAddressError};
pub use options::{Options, OptionsError};
pub use ports::{ExposedPort, PortBinding, Protocol};

/// Serde helper: a field that may be absent or JSON `null` decodes to its `Default`.
pub(crate) mod nullable {
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D, T>(deserializer: D) -> Result<T, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Default,
    {
        Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
    }
}
