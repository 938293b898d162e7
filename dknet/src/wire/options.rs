//! `Options`: the free-form option maps dockerd sends, with typed accessors for
//! the keys it fills in and for the user's own `-o key=value` options.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{DeserializeOwned, Error as _, Unexpected};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::Value;

use super::coerce::GenericOptionsDeserializer;
use super::{ExposedPort, MacAddress, PortBinding};

pub use super::coerce::OptionsError;

/// The user's driver options (`docker network create -o key=value`), a map of strings.
pub const GENERIC: &str = "com.docker.network.generic";
/// Whether the network has IPv4 (dockerd 28 and later).
pub const ENABLE_IPV4: &str = "com.docker.network.enable_ipv4";
/// Whether the network has IPv6 (`--ipv6`).
pub const ENABLE_IPV6: &str = "com.docker.network.enable_ipv6";
/// Present and true for `--internal` networks.
pub const INTERNAL: &str = "com.docker.network.internal";
/// The container's exposed ports, in endpoint and sandbox options.
pub const EXPOSED_PORTS: &str = "com.docker.network.endpoint.exposedports";
/// The container's published ports, in endpoint and sandbox options.
pub const PORT_MAP: &str = "com.docker.network.portmap";
/// The MAC address the user asked for (`--mac-address`), base64 in endpoint options.
pub const MAC_ADDRESS: &str = "com.docker.network.endpoint.macaddress";

/// An option map as dockerd sends it: string keys, any JSON values.
///
/// Absent and `null` maps are empty. The raw map is always available
/// ([`Options::get`], [`Options::as_map`]); the accessors read the keys dockerd
/// itself fills in, and [`Options::generic`] turns the user's `-o key=value`
/// options into a struct of your own.
///
/// A decoded map is kept as the JSON text it came in until it is first
/// looked at: a driver that never reads its options does not pay for them.
#[derive(Clone, Default)]
pub struct Options {
    /// The map's JSON text as received (an object), until `map` is read from it.
    received: Option<Box<str>>,
    map: OnceLock<BTreeMap<String, Value>>,
}

impl<'de> Deserialize<'de> for Options {
    /// Keeps the map's JSON text, to be read when the driver asks.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let Some(text) = Option::<Box<RawValue>>::deserialize(deserializer)? else {
            return Ok(Self::default());
        };
        let text = Box::<str>::from(text);
        let unexpected = match text.as_bytes().first() {
            Some(b'{') => {
                return Ok(Self {
                    received: Some(text),
                    map: OnceLock::new(),
                })
            }
            Some(b'"') => Unexpected::Other("string"),
            Some(b'[') => Unexpected::Seq,
            Some(b't' | b'f') => Unexpected::Other("boolean"),
            _ => Unexpected::Other("number"),
        };
        Err(D::Error::invalid_type(unexpected, &"a map"))
    }
}

impl Serialize for Options {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(serializer)
    }
}

impl fmt::Debug for Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Options").field(self.map()).finish()
    }
}

impl PartialEq for Options {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

impl From<BTreeMap<String, Value>> for Options {
    fn from(map: BTreeMap<String, Value>) -> Self {
        Self {
            received: None,
            map: OnceLock::from(map),
        }
    }
}

impl Options {
    /// An empty option map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The map, read from the JSON text it came in the first time.
    fn map(&self) -> &BTreeMap<String, Value> {
        self.map.get_or_init(|| {
            let received = self.received.as_deref().unwrap_or("{}");
            // A JSON object (checked when decoded) always reads as a map.
            serde_json::from_str(received).unwrap_or_default()
        })
    }

    fn map_mut(&mut self) -> &mut BTreeMap<String, Value> {
        self.map();
        self.received = None;
        self.map.get_mut().expect("the map was read above")
    }

    /// The raw value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map().get(key)
    }

    /// Sets `key` to `value` (handy when building requests in tests).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> &mut Self {
        self.map_mut().insert(key.into(), value.into());
        self
    }

    /// Sets the user option `key` (as `-o key=value` would), creating the
    /// `com.docker.network.generic` map if needed. Handy in tests.
    pub fn set_generic(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let generic = self
            .map_mut()
            .entry(GENERIC.to_owned())
            .or_insert_with(|| Value::Object(serde_json::Map::new()));
        if !generic.is_object() {
            *generic = Value::Object(serde_json::Map::new());
        }
        if let Value::Object(map) = generic {
            map.insert(key.into(), Value::String(value.into()));
        }
        self
    }

    /// The whole raw map.
    pub fn as_map(&self) -> &BTreeMap<String, Value> {
        self.map()
    }

    /// True when no option is set.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// The user's `-o key=value` options as strings (non-string values are
    /// rendered as JSON, `null`s are left out).
    pub fn generic_map(&self) -> BTreeMap<String, String> {
        let Some(Value::Object(generic)) = self.get(GENERIC) else {
            return BTreeMap::new();
        };
        generic
            .iter()
            .filter(|(_, value)| !value.is_null())
            .map(|(key, value)| {
                let text = match value {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                (key.clone(), text)
            })
            .collect()
    }

    /// Decodes the user's `-o key=value` options into `T`.
    ///
    /// Values arrive as strings; they are converted to whatever `T` asks for:
    /// numbers, booleans (`true`/`false`/`1`/`0`/`t`/`f`), `Option`s (an empty
    /// string is `None`), enums by name, nested maps. Missing options take
    /// `T`'s serde defaults. Mark `T` with `#[serde(deny_unknown_fields)]` to
    /// reject options you do not know. Every error names the option.
    ///
    /// ```
    /// #[derive(Debug, dknet::serde::Deserialize)]
    /// #[serde(crate = "dknet::serde", deny_unknown_fields)]
    /// struct BridgeOptions {
    ///     #[serde(default)]
    ///     mtu: Option<u32>,
    /// }
    ///
    /// let mut options = dknet::network::Options::new();
    /// options.set_generic("mtu", "1400");
    /// let parsed: BridgeOptions = options.generic().unwrap();
    /// assert_eq!(parsed.mtu, Some(1400));
    ///
    /// options.set_generic("mtu", "abc");
    /// let error = options.generic::<BridgeOptions>().unwrap_err();
    /// assert_eq!(error.key(), Some("mtu"));
    /// ```
    pub fn generic<T: DeserializeOwned>(&self) -> Result<T, OptionsError> {
        let empty = serde_json::Map::new();
        let generic = match self.get(GENERIC) {
            Some(Value::Object(map)) => map,
            None | Some(Value::Null) => &empty,
            Some(other) => return Err(OptionsError::not_a_map(GENERIC, other)),
        };
        T::deserialize(GenericOptionsDeserializer::new(generic))
    }

    /// `com.docker.network.enable_ipv4`, sent by dockerd 28 and later.
    pub fn enable_ipv4(&self) -> Option<bool> {
        self.flag(ENABLE_IPV4)
    }

    /// `com.docker.network.enable_ipv6` (`--ipv6`).
    pub fn enable_ipv6(&self) -> Option<bool> {
        self.flag(ENABLE_IPV6)
    }

    /// True for an `--internal` network.
    pub fn internal(&self) -> bool {
        self.flag(INTERNAL).unwrap_or(false)
    }

    /// The container's exposed ports (empty when absent).
    pub fn exposed_ports(&self) -> Result<Vec<ExposedPort>, OptionsError> {
        self.decode_key(EXPOSED_PORTS)
    }

    /// The container's published ports (empty when absent).
    pub fn port_bindings(&self) -> Result<Vec<PortBinding>, OptionsError> {
        self.decode_key(PORT_MAP)
    }

    /// The MAC address the user asked for, read from the base64 form dockerd
    /// uses in endpoint options (colon-hex is accepted too).
    pub fn mac_address(&self) -> Result<Option<MacAddress>, OptionsError> {
        match self.get(MAC_ADDRESS) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(Value::String(text)) => MacAddress::from_base64(text)
                .or_else(|_| text.parse())
                .map(Some)
                .map_err(|error| OptionsError::invalid(MAC_ADDRESS, error)),
            Some(other) => Err(OptionsError::invalid(
                MAC_ADDRESS,
                format!("expected a string, got {other}"),
            )),
        }
    }

    fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(flag) => Some(*flag),
            Value::String(text) => text.parse().ok(),
            _ => None,
        }
    }

    fn decode_key<T: DeserializeOwned + Default>(&self, key: &str) -> Result<T, OptionsError> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(T::default()),
            Some(value) => T::deserialize(value).map_err(|error| OptionsError::invalid(key, error)),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::wire::Protocol;

    fn options(value: Value) -> Options {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn null_and_absent_maps_are_empty() {
        assert!(options(Value::Null).is_empty());
        assert!(options(json!({})).generic_map().is_empty());
    }

    #[test]
    fn a_decoded_map_reads_edits_compares_and_encodes_like_the_json() {
        let text =
            r#"{"b": [1, {"c": null}], "a": "x", "com.docker.network.generic": {"mtu": "1400"}}"#;
        let mut opts: Options = serde_json::from_str(text).unwrap();
        let value: Value = serde_json::from_str(text).unwrap();
        assert_eq!(opts, options(value.clone()));
        assert_eq!(opts.get("a"), Some(&json!("x")));
        assert_eq!(serde_json::to_value(&opts).unwrap(), value);
        assert_eq!(format!("{opts:?}"), format!("{:?}", options(value)));
        let unread: Options = serde_json::from_str(text).unwrap();
        assert_eq!(unread.clone(), opts);
        opts.set_generic("mode", "l2");
        assert_eq!(opts.generic_map().len(), 2);
        assert_eq!(opts.get("b"), Some(&json!([1, {"c": null}])));
        assert_ne!(opts, unread);
    }

    #[test]
    fn a_map_of_another_type_is_an_error() {
        for (text, kind) in [
            ("5", "number"),
            ("-1.5", "number"),
            (r#""x""#, "string"),
            ("[]", "sequence"),
            ("true", "boolean"),
        ] {
            let error = serde_json::from_str::<Options>(text).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains(&format!("invalid type: {kind}, expected a map")),
                "{text}: {message}"
            );
        }
        assert!(serde_json::from_str::<Options>(" null ")
            .unwrap()
            .is_empty());
    }

    #[test]
    fn flags_read_bools_and_strings() {
        let opts = options(json!({ENABLE_IPV4: true, ENABLE_IPV6: "false", INTERNAL: true}));
        assert_eq!(opts.enable_ipv4(), Some(true));
        assert_eq!(opts.enable_ipv6(), Some(false));
        assert!(opts.internal());
        assert!(!Options::new().internal());
        assert_eq!(Options::new().enable_ipv4(), None);
    }

    #[test]
    fn ports_decode_from_dockerd_form() {
        let opts = options(json!({
            EXPOSED_PORTS: [{"Proto": 6, "Port": 80}],
            PORT_MAP: [{"Proto": 17, "IP": "", "Port": 53, "HostIP": "127.0.0.1", "HostPort": 5353, "HostPortEnd": 5353}],
        }));
        let exposed = opts.exposed_ports().unwrap();
        assert_eq!(
            exposed,
            vec![ExposedPort {
                proto: Protocol::Tcp,
                port: 80
            }]
        );
        let bound = opts.port_bindings().unwrap();
        assert_eq!(bound[0].proto, Protocol::Udp);
        assert_eq!(bound[0].ip, None);
        assert_eq!(bound[0].host_ip, Some("127.0.0.1".parse().unwrap()));
        assert_eq!(bound[0].host_port, 5353);
        let bad = options(json!({PORT_MAP: "nope"}))
            .port_bindings()
            .unwrap_err();
        assert_eq!(bad.key(), Some(PORT_MAP));
    }

    #[test]
    fn mac_address_reads_base64_and_colon_hex() {
        let opts = options(json!({MAC_ADDRESS: "AkKsEQAC"}));
        assert_eq!(
            opts.mac_address().unwrap().unwrap().to_string(),
            "02:42:ac:11:00:02"
        );
        let opts = options(json!({MAC_ADDRESS: "02:42:ac:11:00:03"}));
        assert_eq!(
            opts.mac_address().unwrap().unwrap().to_string(),
            "02:42:ac:11:00:03"
        );
        assert_eq!(Options::new().mac_address().unwrap(), None);
        assert!(options(json!({MAC_ADDRESS: "zz"})).mac_address().is_err());
    }

    #[test]
    fn set_generic_builds_the_user_map() {
        let mut opts = options(json!({GENERIC: null}));
        opts.set_generic("mtu", "1400").set_generic("mode", "l2");
        assert_eq!(
            opts.get(GENERIC),
            Some(&json!({"mtu": "1400", "mode": "l2"}))
        );
    }

    #[test]
    fn generic_map_renders_strings() {
        let opts = options(json!({GENERIC: {"mtu": "1400", "n": 3, "gone": null}}));
        let map = opts.generic_map();
        assert_eq!(map.get("mtu").map(String::as_str), Some("1400"));
        assert_eq!(map.get("n").map(String::as_str), Some("3"));
        assert!(!map.contains_key("gone"));
    }
}
