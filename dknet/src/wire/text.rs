//! Serde helpers for values that Go sends as strings: CIDR prefixes, bare IP
//! addresses and MAC addresses, where `""` (or `null`) means "none".

use std::collections::BTreeMap;
use std::fmt::Display;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serializer};

use super::MacAddress;

/// A type carried on the wire as text, with a description of the expected form
/// used in error messages.
pub(crate) trait WireText: FromStr + Display {
    /// What a valid value looks like, e.g. "an address in CIDR form (10.0.0.2/24)".
    const EXPECTED: &'static str;
}

impl WireText for IpNet {
    const EXPECTED: &'static str = "an address in CIDR form, like 10.0.0.2/24";
}

impl WireText for IpAddr {
    const EXPECTED: &'static str = "a bare IP address, like 10.0.0.1";
}

impl WireText for MacAddress {
    const EXPECTED: &'static str = "a MAC address, like 02:42:ac:11:00:02";
}

fn parse<T: WireText, E: serde::de::Error>(text: &str) -> Result<T, E> {
    text.parse()
        .map_err(|_| E::custom(format!("`{text}` is not {}", T::EXPECTED)))
}

/// A required text value (`""` is an error).
pub(crate) mod required {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: WireText>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        parse(&String::deserialize(deserializer)?)
    }

    pub(crate) fn serialize<S: Serializer, T: WireText>(
        value: &T,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_str(value)
    }
}

/// An optional text value: absent, `null` and `""` are all `None`. Serialises
/// `None` as `""`, as Go does for an empty string field.
pub(crate) mod optional {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: WireText>(
        deserializer: D,
    ) -> Result<Option<T>, D::Error> {
        match Option::<String>::deserialize(deserializer)? {
            None => Ok(None),
            Some(text) if text.is_empty() => Ok(None),
            Some(text) => parse(&text).map(Some),
        }
    }

    pub(crate) fn serialize<S: Serializer, T: WireText>(
        value: &Option<T>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => serializer.collect_str(value),
            None => serializer.serialize_str(""),
        }
    }
}

/// A map of names to CIDR addresses (IPAM aux addresses); `null` is empty.
pub(crate) mod cidr_map {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<String, IpNet>, D::Error> {
        let raw = Option::<BTreeMap<String, String>>::deserialize(deserializer)?;
        raw.unwrap_or_default()
            .into_iter()
            .map(|(name, text)| {
                let address = parse(&text)
                    .map_err(|e: D::Error| D::Error::custom(format!("`{name}`: {e}")))?;
                Ok((name, address))
            })
            .collect()
    }

    pub(crate) fn serialize<S: Serializer>(
        map: &BTreeMap<String, IpNet>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_map(map.iter().map(|(name, net)| (name, net.to_string())))
    }
}
