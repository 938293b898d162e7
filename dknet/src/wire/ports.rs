//! Exposed ports and port bindings, as dockerd puts them in endpoint and
//! sandbox options (`com.docker.network.endpoint.exposedports`,
//! `com.docker.network.portmap`).

use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::text;

/// An IP protocol, carried on the wire as its IANA number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Protocol {
    /// TCP (6).
    #[default]
    Tcp,
    /// UDP (17).
    Udp,
    /// SCTP (132).
    Sctp,
    /// Any other protocol number.
    Other(u8),
}

impl Protocol {
    /// The IANA protocol number.
    pub fn number(self) -> u8 {
        match self {
            Self::Tcp => 6,
            Self::Udp => 17,
            Self::Sctp => 132,
            Self::Other(number) => number,
        }
    }

    /// The protocol with IANA number `number`.
    pub fn from_number(number: u8) -> Self {
        match number {
            6 => Self::Tcp,
            17 => Self::Udp,
            132 => Self::Sctp,
            other => Self::Other(other),
        }
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u8(self.number())
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        u8::deserialize(deserializer).map(Self::from_number)
    }
}

/// A port the container exposes (`{"Proto": 6, "Port": 80}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ExposedPort {
    /// The IP protocol.
    #[serde(rename = "Proto")]
    pub proto: Protocol,
    /// The port number.
    #[serde(rename = "Port")]
    pub port: u16,
}

/// A published port (`-p 8080:80`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PortBinding {
    /// The IP protocol.
    #[serde(rename = "Proto")]
    pub proto: Protocol,
    /// The container's address, when known.
    #[serde(rename = "IP", with = "text::optional")]
    pub ip: Option<IpAddr>,
    /// The container's port.
    #[serde(rename = "Port")]
    pub port: u16,
    /// The host address to bind, `None` for all addresses.
    #[serde(rename = "HostIP", with = "text::optional")]
    pub host_ip: Option<IpAddr>,
    /// The first host port.
    #[serde(rename = "HostPort")]
    pub host_port: u16,
    /// The last host port of a range (equal to `host_port` for one port).
    #[serde(rename = "HostPortEnd")]
    pub host_port_end: u16,
}
