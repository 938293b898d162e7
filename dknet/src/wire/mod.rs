//! Building blocks shared by the wire types of every subsystem: how Go's JSON
//! conventions (`null` maps, `""` for "none", CIDR strings) map onto Rust types.

pub(crate) mod coerce;
mod mac;
pub(crate) mod options;
mod ports;
pub(crate) mod request_body;
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
    use std::fmt;

    use serde::de::{Error, Visitor};
    use serde::Deserializer;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<String, D::Error> {
        deserializer.deserialize_option(IdVisitor)
    }

    /// Reads the id in place: one copy, into the `String` kept.
    struct IdVisitor;

    impl<'de> Visitor<'de> for IdVisitor {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an id string")
        }

        fn visit_str<E: Error>(self, id: &str) -> Result<String, E> {
            if id.is_empty() {
                return Err(E::custom("the id is empty"));
            }
            Ok(id.to_owned())
        }

        fn visit_none<E: Error>(self) -> Result<String, E> {
            Err(E::custom("the id is null"))
        }

        fn visit_unit<E: Error>(self) -> Result<String, E> {
            self.visit_none()
        }

        fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
            deserializer.deserialize_str(self)
        }
    }
}
