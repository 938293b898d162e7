//! Serde helpers for values that Go sends as strings: CIDR prefixes, bare IP
//! addresses and MAC addresses, where `""` (or `null`) means "none".

use std::collections::BTreeMap;
use std::fmt::{self, Display};
use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
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

    /// Reads the value from its wire text.
    fn from_wire(text: &str) -> Option<Self> {
        text.parse().ok()
    }
}

impl WireText for IpNet {
    const EXPECTED: &'static str = "an address in CIDR form, like 10.0.0.2/24";

    /// An address as [`IpAddr::from_wire`] reads it and a decimal prefix
    /// length: the same forms as `IpNet`'s own parser, read faster (dockerd
    /// sends one or two on every container start).
    fn from_wire(text: &str) -> Option<Self> {
        // The prefix length has at most three digits, so the `/` is among
        // the last four bytes; a `/` before them is refused either way.
        let tail = text.len().saturating_sub(4);
        let slash = tail
            + text.as_bytes()[tail..]
                .iter()
                .rposition(|&byte| byte == b'/')?;
        let (address, prefix) = (&text[..slash], &text[slash + 1..]);
        let address = IpAddr::from_wire(address)?;
        // As many digits as the longest prefix has (32, 128), leading zeros allowed.
        let max_digits = if address.is_ipv4() { 2 } else { 3 };
        if prefix.is_empty() || prefix.len() > max_digits {
            return None;
        }
        let mut length = 0_u16;
        for byte in prefix.bytes() {
            if !byte.is_ascii_digit() {
                return None;
            }
            length = length * 10 + u16::from(byte - b'0');
        }
        IpNet::new(address, u8::try_from(length).ok()?).ok()
    }
}

impl WireText for IpAddr {
    const EXPECTED: &'static str = "a bare IP address, like 10.0.0.1";

    /// The standard library's forms, read several times faster than by its
    /// general parser: IPv4 by [`ipv4`], IPv6 by [`ipv6`]; what neither
    /// reads (an IPv6 address ending in an IPv4 one, or no address at all)
    /// goes to the standard library.
    fn from_wire(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        ipv4(bytes)
            .map(IpAddr::V4)
            .or_else(|| ipv6(bytes).map(IpAddr::V6))
            .or_else(|| text.parse().ok())
    }
}

/// An IPv6 address of hexadecimal groups only, in the standard library's
/// form: eight groups of one to four digits, or fewer around one `::` that
/// stands for at least one group of zeros. Read in one pass.
fn ipv6(text: &[u8]) -> Option<Ipv6Addr> {
    let mut groups = [0_u16; 8];
    let mut count = 0;
    // Where the `::` is, counted in groups.
    let mut gap = None;
    let mut at = 0;
    if text.starts_with(b"::") {
        gap = Some(0);
        at = 2;
    }
    let (mut value, mut digits) = (0_u16, 0);
    while at < text.len() {
        let byte = text[at];
        at += 1;
        if byte != b':' {
            let digit = char::from(byte).to_digit(16)?;
            if digits == 4 {
                return None;
            }
            value = value << 4 | u16::try_from(digit).ok()?;
            digits += 1;
            continue;
        }
        // A group ends: it must have digits, and there is room for it.
        if digits == 0 || count == groups.len() {
            return None;
        }
        groups[count] = value;
        count += 1;
        (value, digits) = (0, 0);
        if text.get(at) == Some(&b':') {
            if gap.is_some() {
                return None;
            }
            gap = Some(count);
            at += 1;
        } else if at == text.len() {
            return None;
        }
    }
    if digits > 0 {
        *groups.get_mut(count)? = value;
        count += 1;
    }
    let Some(gap) = gap else {
        return (count == groups.len()).then_some(Ipv6Addr::from(groups));
    };
    if count == groups.len() {
        return None;
    }
    // Move the groups after the gap to the end; zeros fill the gap.
    let tail_start = groups.len() - (count - gap);
    groups.copy_within(gap..count, tail_start);
    groups[gap..tail_start].fill(0);
    Some(Ipv6Addr::from(groups))
}

/// A dotted-quad IPv4 address in the standard library's form: four decimal
/// parts of one to three digits, each at most 255, none with a leading zero.
/// Read in one pass.
fn ipv4(text: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0_u8; 4];
    let mut count = 0;
    let (mut value, mut digits) = (0_u16, 0);
    for &byte in text {
        if byte == b'.' {
            if digits == 0 || count == 3 {
                return None;
            }
            octets[count] = u8::try_from(value).ok()?;
            count += 1;
            (value, digits) = (0, 0);
            continue;
        }
        let leading_zero = digits == 1 && value == 0;
        if !byte.is_ascii_digit() || digits == 3 || leading_zero {
            return None;
        }
        value = value * 10 + u16::from(byte - b'0');
        digits += 1;
    }
    if digits == 0 || count != 3 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
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

    use super::{MacAddress, WireText};

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

    #[test]
    fn cidr_text_reads_as_ipnet_does() {
        let texts = [
            "10.0.0.2/24",
            "0.0.0.0/0",
            "255.255.255.255/32",
            "fd00:77::b/64",
            "::/0",
            "::ffff:10.0.0.1/120",
            "10.0.0.2/33",
            "10.0.0.2/",
            "10.0.0.2",
            "/24",
            "10.0.0.2/+4",
            "10.0.0.2/ 4",
            "10.0.0.2/024",
            "10.0.0.2/1000",
            "fd00::1/129",
            "10.0.0/8",
            "x/8",
            "",
            "10.0.0.2/24/1",
            "10.0.0.2/2/4",
            "10.0.0.2//24",
            "fd00::/1/64",
            "/",
            "//",
            "a/b",
            "10.0.0.2 /24",
            "10.0.0.2/00",
            "10.0.0.2/0",
            "10.0.0.2/08",
            "fd00::1/064",
            "fd00::1/0128",
            "fd00::1/00",
        ];
        for text in texts {
            let ours = IpNet::from_wire(text);
            assert_eq!(ours, text.parse::<IpNet>().ok(), "{text}");
        }
    }

    #[test]
    fn addresses_read_as_the_standard_library_reads_them() {
        let parts = [
            "0", "00", "01", "1", "9", "10", "099", "99", "255", "256", "300", "1000", "", "a",
            "-1", "+1", " 1", "1 ", "0x1", "١",
        ];
        let mut texts: Vec<String> = Vec::new();
        for a in parts {
            for b in parts {
                texts.push(format!("{a}.{b}"));
                texts.push(format!("{a}.{b}.0.1"));
                texts.push(format!("10.{a}.{b}.1"));
                texts.push(format!("1.2.{a}.{b}"));
                texts.push(format!("{a}.{b}.1.2.3"));
            }
        }
        texts.extend(
            [
                "1.2.3.4",
                "1.2.3.4.",
                ".1.2.3.4",
                "1..2.3",
                "",
                ".",
                "...",
                "::",
                "::1",
                "fd00:77::b",
                "::ffff:10.0.0.1",
                "1.2.3.4:80",
                "fe80::1%eth0",
                "[::1]",
                ":",
                "1:",
                ":1",
                ":::",
                "1:::2",
                "1::2::3",
                "1:2:3:4:5:6:7::",
                "::1:2:3:4:5:6:7",
                "1:2:3:4:5:6:7:8::",
                "1:2:3:4:5:6:7:8:",
            ]
            .map(String::from),
        );
        // IPv6: 0 to 9 groups, with `::` anywhere or nowhere, good groups
        // and, in one of every four texts, a bad one or an IPv4 tail.
        let good = ["0", "1", "a", "F", "ffff", "0000", "c0a8", "Ab"];
        let bad = ["", "00000", "12345", "g", "é", "1.2.3.4", "-1", " 1"];
        for count in 0..=9_usize {
            for gap in std::iter::once(None).chain((0..=count).map(Some)) {
                for variant in 0..8 {
                    let mut parts: Vec<&str> = (0..count)
                        .map(|i| good[(i * 3 + variant) % good.len()])
                        .collect();
                    if variant % 4 == 3 && count > 0 {
                        parts[variant % count] = bad[(count + variant) % bad.len()];
                    }
                    let text = match gap {
                        None => parts.join(":"),
                        Some(at) => format!("{}::{}", parts[..at].join(":"), parts[at..].join(":")),
                    };
                    texts.push(format!("{text}:1.2.3.4"));
                    texts.push(text);
                }
            }
        }
        let valid = texts.iter().filter(|text| text.parse::<IpAddr>().is_ok());
        let valid = valid.count();
        assert!(valid > 300, "only {valid} valid addresses");
        for text in &texts {
            assert_eq!(
                IpAddr::from_wire(text),
                text.parse::<IpAddr>().ok(),
                "{text:?}"
            );
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
