//! [`IpamOptions`]: the string maps of `RequestPool` and `RequestAddress`,
//! with typed accessors for the keys dockerd fills in ([`options`](super::options)).

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::options::{ENDPOINT_MAC_ADDRESS, ENDPOINT_NAME, GATEWAY, REQUEST_ADDRESS_TYPE};
use crate::wire::coerce::GenericOptionsDeserializer;
use crate::wire::{MacAddress, OptionsError};

/// An IPAM option map: `--ipam-opt key=value` in `RequestPool`, what the
/// address is for in `RequestAddress`. Absent and `null` are empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct IpamOptions(BTreeMap<String, String>);

impl<'de> Deserialize<'de> for IpamOptions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let map = Option::<BTreeMap<String, String>>::deserialize(deserializer)?;
        Ok(Self(map.unwrap_or_default()))
    }
}

impl From<BTreeMap<String, String>> for IpamOptions {
    fn from(map: BTreeMap<String, String>) -> Self {
        Self(map)
    }
}

impl IpamOptions {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }

    /// Sets `key` to `value` (handy when building requests in tests).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.0.insert(key.into(), value.into());
        self
    }

    /// The whole map.
    pub fn as_map(&self) -> &BTreeMap<String, String> {
        &self.0
    }

    /// True when no option is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `RequestAddressType`, when dockerd says what the address is for.
    pub fn request_address_type(&self) -> Option<&str> {
        self.get(REQUEST_ADDRESS_TYPE)
            .filter(|kind| !kind.is_empty())
    }

    /// True when `RequestAddress` asks for the network's gateway.
    pub fn is_gateway_request(&self) -> bool {
        self.request_address_type() == Some(GATEWAY)
    }

    /// The endpoint's MAC address (sent when the driver `RequiresMACAddress`).
    pub fn mac_address(&self) -> Result<Option<MacAddress>, OptionsError> {
        match self.get(ENDPOINT_MAC_ADDRESS) {
            None | Some("") => Ok(None),
            Some(text) => text
                .parse()
                .or_else(|_| MacAddress::from_base64(text))
                .map(Some)
                .map_err(|error| OptionsError::invalid(ENDPOINT_MAC_ADDRESS, error)),
        }
    }

    /// The endpoint (container) name (dockerd 29 and later).
    pub fn endpoint_name(&self) -> Option<&str> {
        self.get(ENDPOINT_NAME).filter(|name| !name.is_empty())
    }

    /// Decodes the user's `--ipam-opt key=value` options (`RequestPool`) into
    /// `T`, with the conversions of
    /// [`Options::generic`](crate::network::Options::generic).
    ///
    /// ```
    /// #[derive(dknet::serde::Deserialize)]
    /// #[serde(crate = "dknet::serde")]
    /// struct PoolOptions {
    ///     prefix: u8,
    /// }
    ///
    /// let mut options = dknet::ipam::IpamOptions::new();
    /// options.insert("prefix", "28");
    /// assert_eq!(options.decode::<PoolOptions>().unwrap().prefix, 28);
    /// ```
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, OptionsError> {
        let map = self
            .0
            .iter()
            .map(|(key, value)| (key.clone(), Value::String(value.clone())))
            .collect();
        T::deserialize(GenericOptionsDeserializer::new(&map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(json: &str) -> IpamOptions {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn null_is_empty_and_gateway_requests_are_recognised() {
        assert!(options("null").is_empty());
        let gateway = options(r#"{"RequestAddressType":"com.docker.network.gateway"}"#);
        assert!(gateway.is_gateway_request());
        assert!(!options(r#"{"RequestAddressType":""}"#).is_gateway_request());
        assert_eq!(options("{}").request_address_type(), None);
    }

    #[test]
    fn mac_and_endpoint_name() {
        let endpoint = options(
            r#"{"com.docker.network.endpoint.macaddress":"76:b2:ad:bf:68:da",
                "com.docker.network.endpoint.name":"web"}"#,
        );
        let mac = endpoint.mac_address().unwrap().unwrap();
        assert_eq!(mac.to_string(), "76:b2:ad:bf:68:da");
        assert_eq!(endpoint.endpoint_name(), Some("web"));
        assert!(!endpoint.is_gateway_request());
        let bad = options(r#"{"com.docker.network.endpoint.macaddress":"zz"}"#);
        assert_eq!(
            bad.mac_address().unwrap_err().key(),
            Some(ENDPOINT_MAC_ADDRESS)
        );
        assert_eq!(IpamOptions::new().mac_address().unwrap(), None);
    }

    #[test]
    fn user_options_decode_with_errors_naming_the_key() {
        #[derive(Debug, serde::Deserialize)]
        struct Opts {
            prefix: u8,
        }
        let good = options(r#"{"prefix":"26"}"#);
        assert_eq!(good.decode::<Opts>().unwrap().prefix, 26);
        let bad = options(r#"{"prefix":"wide"}"#);
        assert_eq!(bad.decode::<Opts>().unwrap_err().key(), Some("prefix"));
    }
}
