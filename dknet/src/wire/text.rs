//! Serde helpers for values that Go sends as strings: CIDR prefixes, bare IP
//! addresses and MAC addresses, where `""` (or `null`) means "none".

use std::collections::BTreeMap;
use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::de::{Error as _, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serializer};

use super::MacAddress;

/// A type carried on the wire as text, with a description of the expected form
/// used in error messages.
pub(crate) trait WireText: FromStr + Display {
    /// What a valid value looks like, e.g. "an address in CIDR form (10.0.0.2/24)".
    const EXPECTED: &'static str;

    /// Reads the value from its wire text: by default its `FromStr` (the
    /// standard library's for an address).
    fn from_wire(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

/// An address and its prefix length, as Go's `net.IPNet` writes them; the
/// host bits are kept (`10.0.0.2/24` is the endpoint's address and its
/// network's length).
impl WireText for IpNet {
    const EXPECTED: &'static str = "an address in CIDR form, like 10.0.0.2/24";

    /// `ipnet`'s parser, with the address also read by the standard
    /// library's, which refuses what `ipnet`'s takes and Go never writes: a
    /// leading zero in an IPv4 part (`010.0.0.2/8`, octal to some readers).
    fn from_wire(text: &str) -> Option<Self> {
        let net: IpNet = text.parse().ok()?;
        let (address, _) = text.rsplit_once('/')?;
        address.parse::<IpAddr>().ok().map(|_| net)
    }
}

impl WireText for IpAddr {
    const EXPECTED: &'static str = "a bare IP address, like 10.0.0.1";
}

impl WireText for MacAddress {
    const EXPECTED: &'static str = "a MAC address, like 02:42:ac:11:00:02";
}

fn parse<T: WireText, E: serde::de::Error>(text: &str) -> Result<T, E> {
    T::from_wire(text).ok_or_else(|| E::custom(format!("`{text}` is not {}", T::EXPECTED)))
}

/// Reads a text value in place (no copy of the string): `Some` for a string
/// (`""` included), `None` for `null`.
struct TextVisitor<T>(PhantomData<T>);

impl<'de, T: WireText> Visitor<'de> for TextVisitor<T> {
    type Value = Option<Option<T>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string: {}", T::EXPECTED)
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
        if text.is_empty() {
            return Ok(Some(None));
        }
        parse(text).map(|value| Some(Some(value)))
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

/// `None` for `null`, `Some(None)` for `""`, else the parsed value.
fn read_text<'de, D: Deserializer<'de>, T: WireText>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    deserializer.deserialize_option(TextVisitor(PhantomData))
}

/// A required text value (`""` is an error).
pub(crate) mod required {
    use super::*;

    pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: WireText>(
        deserializer: D,
    ) -> Result<T, D::Error> {
        match read_text(deserializer)? {
            Some(Some(value)) => Ok(value),
            Some(None) => parse(""),
            None => Err(D::Error::invalid_type(
                Unexpected::Other("null"),
                &T::EXPECTED,
            )),
        }
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
        Ok(read_text(deserializer)?.flatten())
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

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use ipnet::IpNet;
    use serde::Deserialize;

    use super::MacAddress;

    #[derive(Debug, Deserialize)]
    struct Texts {
        #[serde(default, with = "super::optional")]
        net: Option<IpNet>,
        #[serde(default, with = "super::optional")]
        mac: Option<MacAddress>,
    }

    #[derive(Debug, Deserialize)]
    struct Required {
        #[serde(with = "super::required")]
        net: IpNet,
    }

    fn texts(json: &str) -> Result<Texts, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn optional_text_is_none_when_null_empty_or_absent() {
        for json in [r#"{"net": null, "mac": ""}"#, "{}"] {
            let read = texts(json).unwrap();
            assert_eq!((read.net, read.mac), (None, None), "{json}");
        }
        let read = texts(r#"{"net": "10.0.0.2\/24", "mac": "02:42:ac:11:00:02"}"#).unwrap();
        assert_eq!(read.net, Some("10.0.0.2/24".parse().unwrap()));
        assert_eq!(read.mac, Some("02:42:ac:11:00:02".parse().unwrap()));
    }

    #[test]
    fn wrong_text_says_what_was_expected() {
        let error = texts(r#"{"net": "10.0.0.2"}"#).unwrap_err();
        assert!(
            error.contains("`10.0.0.2` is not an address in CIDR form"),
            "{error}"
        );
        let error = texts(r#"{"net": 5}"#).unwrap_err();
        assert!(
            error.contains("expected a string: an address in CIDR form"),
            "{error}"
        );
    }

    /// The forms dockerd writes (Go's `net.IPNet` and `net.IP` strings), and
    /// what is refused, with the error's text.
    #[test]
    fn addresses_read_in_the_forms_dockerd_writes() {
        let nets = [
            ("10.0.0.2/24", "10.0.0.2", 24),
            ("0.0.0.0/0", "0.0.0.0", 0),
            ("fd00:77::b/64", "fd00:77::b", 64),
            ("::ffff:10.0.0.1/120", "::ffff:10.0.0.1", 120),
            ("fe80::42:acff:fe11:2/64", "fe80::42:acff:fe11:2", 64),
        ];
        for (text, address, prefix) in nets {
            let read = texts(&format!(r#"{{"net": "{text}"}}"#)).unwrap().net;
            let net = read.unwrap_or_else(|| panic!("{text}"));
            // The host bits are kept: the address is the endpoint's own.
            assert_eq!(net.addr(), address.parse::<IpAddr>().unwrap(), "{text}");
            assert_eq!(net.prefix_len(), prefix, "{text}");
            assert_eq!(net.to_string(), text);
        }
        for text in [
            "10.0.0.2/33",
            "fd00::1/129",
            "10.0.0.2",
            "10.0.0.2/",
            "/24",
            "10.0.0/8",
            "010.0.0.2/8",
            "10.0.0.02/8",
            "10.0.0.2 /24",
            "fe80::1%eth0/64",
            "[fd00::1]/64",
        ] {
            let error = texts(&format!(r#"{{"net": "{text}"}}"#)).unwrap_err();
            let expected = format!("`{text}` is not an address in CIDR form, like 10.0.0.2/24");
            assert!(error.contains(&expected), "{error}");
        }
    }

    #[test]
    fn bare_addresses_read_as_go_writes_them() {
        #[derive(Debug, Deserialize)]
        struct Bare {
            #[serde(with = "super::required")]
            ip: IpAddr,
        }
        let bare = |text: &str| {
            serde_json::from_str::<Bare>(&format!(r#"{{"ip": "{text}"}}"#))
                .map(|bare| bare.ip)
                .map_err(|error| error.to_string())
        };
        for text in ["10.0.0.1", "::", "fd00::1", "::ffff:10.0.0.1"] {
            assert_eq!(bare(text), Ok(text.parse().unwrap()), "{text}");
        }
        for text in [
            "10.0.0.1/24",
            "1.2.3",
            "fe80::1%eth0",
            "[::1]",
            "1.2.3.4:80",
        ] {
            let error = bare(text).unwrap_err();
            let expected = format!("`{text}` is not a bare IP address, like 10.0.0.1");
            assert!(error.contains(&expected), "{error}");
        }
    }

    #[test]
    fn required_text_refuses_null_and_empty() {
        let read: Required = serde_json::from_str(r#"{"net": "10.0.0.0/8"}"#).unwrap();
        assert_eq!(read.net, "10.0.0.0/8".parse::<IpNet>().unwrap());
        let error = serde_json::from_str::<Required>(r#"{"net": ""}"#).unwrap_err();
        assert!(
            error.to_string().contains("`` is not an address"),
            "{error}"
        );
        let error = serde_json::from_str::<Required>(r#"{"net": null}"#).unwrap_err();
        assert!(error.to_string().contains("invalid type: null"), "{error}");
    }
}
