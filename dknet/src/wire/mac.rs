//! The MAC address type: colon-hex on the wire, base64 inside endpoint options.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A 48-bit Ethernet MAC address.
///
/// Displays and parses as colon-separated hex (`02:42:ac:11:00:02`), the form
/// dockerd uses in `Interface.MacAddress`. [`MacAddress::from_base64`] reads the
/// form found under `com.docker.network.endpoint.macaddress` in endpoint
/// options, where Go encodes a `net.HardwareAddr` as base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MacAddress(pub [u8; 6]);

/// Why a text could not be read as a [`MacAddress`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a MAC address (expected six colon-separated hex bytes, like 02:42:ac:11:00:02)"
)]
pub struct MacAddressError(String);

impl MacAddress {
    /// The six bytes of the address.
    pub fn octets(&self) -> [u8; 6] {
        self.0
    }

    /// Reads the base64 form Go gives a `net.HardwareAddr` (`AkKsEQAC`).
    pub fn from_base64(text: &str) -> Result<Self, MacAddressError> {
        let bytes = decode_base64(text).ok_or_else(|| MacAddressError(text.to_owned()))?;
        let octets: [u8; 6] = bytes
            .try_into()
            .map_err(|_| MacAddressError(text.to_owned()))?;
        Ok(Self(octets))
    }

    /// True for a locally administered address (bit 1 of the first byte).
    pub fn is_local(&self) -> bool {
        self.0[0] & 0b10 != 0
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl FromStr for MacAddress {
    type Err = MacAddressError;

    /// Six two-digit hex bytes separated by `:` (or `-`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || MacAddressError(text.to_owned());
        let bytes = text.as_bytes();
        if bytes.len() != 17 {
            return Err(error());
        }
        let mut octets = [0u8; 6];
        for (i, octet) in octets.iter_mut().enumerate() {
            let at = 3 * i;
            if i > 0 && !matches!(bytes[at - 1], b':' | b'-') {
                return Err(error());
            }
            let digit = |b: u8| char::from(b).to_digit(16);
            let (high, low) = (digit(bytes[at]), digit(bytes[at + 1]));
            *octet = (high.ok_or_else(error)? * 16 + low.ok_or_else(error)?) as u8;
        }
        Ok(Self(octets))
    }
}

impl Serialize for MacAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for MacAddress {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Standard base64 (with or without padding); `None` on any invalid character.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let trimmed = text.trim_end_matches('=');
    let mut bytes = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for c in trimmed.bytes() {
        buffer = (buffer << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colon_hex_round_trips() {
        let mac: MacAddress = "02:42:0a:58:00:c8".parse().unwrap();
        assert_eq!(mac.octets(), [0x02, 0x42, 0x0a, 0x58, 0x00, 0xc8]);
        assert_eq!(mac.to_string(), "02:42:0a:58:00:c8");
        assert!(mac.is_local());
    }

    #[test]
    fn base64_form_from_endpoint_options() {
        // Go's json.Marshal(net.HardwareAddr{0x02,0x42,0xac,0x11,0x00,0x02}) == "AkKsEQAC".
        let mac = MacAddress::from_base64("AkKsEQAC").unwrap();
        assert_eq!(mac.to_string(), "02:42:ac:11:00:02");
    }

    #[test]
    fn colon_and_dash_hex_are_read() {
        let mac = MacAddress([0x02, 0x42, 0xac, 0x11, 0x00, 0xfe]);
        for text in ["02:42:ac:11:00:fe", "02-42-AC-11-00-FE"] {
            assert_eq!(text.parse::<MacAddress>(), Ok(mac), "{text}");
        }
    }

    #[test]
    fn malformed_text_is_rejected() {
        for bad in [
            "",
            "02:42",
            "02:42:ac:11:00:02:03",
            "zz:42:ac:11:00:02",
            "2:42:ac:11:00:02",
            "+2:42:ac:11:00:02",
            "02:42:ac:11:00:0é",
            "02:42:ac:11:00.02",
            "0242ac110002abcde",
        ] {
            assert!(bad.parse::<MacAddress>().is_err(), "{bad}");
        }
        assert!(MacAddress::from_base64("AkKs").is_err());
        assert!(MacAddress::from_base64("!!!!!!!!").is_err());
    }
}
