//! Building blocks shared by the wire types of every subsystem: how Go's JSON
//! conventions (`null` maps, `""` for "none", CIDR strings) map onto Rust types.

mod coerce;
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

/// Serde helper for a required id (`NetworkID`, `EndpointID`, IPAM's
/// `PoolID`): absent (give the field no `default`), `null` and `""` are
/// errors, so a request that names nothing never reaches a driver.
pub(crate) mod id {
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<String, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            Some(id) if !id.is_empty() => Ok(id),
            Some(_) => Err(D::Error::custom("the id is empty")),
            None => Err(D::Error::custom("the id is null")),
        }
    }
}
