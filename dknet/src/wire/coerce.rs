//! A serde `Deserializer` over the user's `-o key=value` options that turns the
//! strings dockerd sends into whatever the target type asks for, and reports
//! every error with the name of the option.

use std::fmt::{self, Display};

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

/// Why options could not be decoded; names the offending option when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionsError {
    key: Option<String>,
    message: String,
}

impl OptionsError {
    /// The option the error is about, when it is about one.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    pub(crate) fn invalid(key: &str, reason: impl Display) -> Self {
        Self {
            key: Some(key.to_owned()),
            message: format!("invalid option `{key}`: {reason}"),
        }
    }

    pub(crate) fn not_a_map(key: &str, value: &Value) -> Self {
        Self::invalid(key, format!("expected a map of options, got {value}"))
    }
}

impl Display for OptionsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for OptionsError {}

impl de::Error for OptionsError {
    fn custom<T: Display>(message: T) -> Self {
        Self {
            key: None,
            message: message.to_string(),
        }
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        let known = match expected {
            [] => "this driver takes no options".to_owned(),
            names => {
                let names: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
                format!("known options are {}", names.join(", "))
            }
        };
        Self {
            key: Some(field.to_owned()),
            message: format!("unknown option `{field}`: {known}"),
        }
    }

    fn missing_field(field: &'static str) -> Self {
        Self {
            key: Some(field.to_owned()),
            message: format!("missing option `{field}`: pass it with `-o {field}=...`"),
        }
    }
}

/// Deserializes the map under `com.docker.network.generic`.
pub(crate) struct GenericOptionsDeserializer<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> GenericOptionsDeserializer<'a> {
    pub(crate) fn new(map: &'a Map<String, Value>) -> Self {
        Self { map }
    }
}

impl<'de> de::Deserializer<'de> for GenericOptionsDeserializer<'de> {
    type Error = OptionsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionsError> {
        visitor.visit_map(Entries {
            entries: self.map.iter().filter(|(_, value)| !value.is_null()),
            pending: None,
        })
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct Entries<'de, I> {
    entries: I,
    pending: Option<(&'de str, &'de Value)>,
}

impl<'de, I> MapAccess<'de> for Entries<'de, I>
where
    I: Iterator<Item = (&'de String, &'de Value)>,
{
    type Error = OptionsError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, OptionsError> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        seed.deserialize(key.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, OptionsError> {
        let (key, value) = self
            .pending
            .take()
            .ok_or_else(|| <OptionsError as de::Error>::custom("value without a key"))?;
        seed.deserialize(OptionValue(value)).map_err(|error| {
            if error.key.is_some() {
                return error;
            }
            let shown = match value {
                Value::String(text) => format!("`{text}`"),
                other => other.to_string(),
            };
            OptionsError::invalid(key, format!("{shown} is not valid: {}", error.message))
        })
    }
}

/// One option's value: a string converted on demand, or any other JSON value.
struct OptionValue<'de>(&'de Value);

impl OptionValue<'_> {
    fn text(&self) -> Option<&str> {
        self.0.as_str().map(str::trim)
    }

    fn parse<T: std::str::FromStr>(&self, what: &str) -> Result<T, OptionsError> {
        match self.0 {
            Value::String(text) => text.trim().parse().ok(),
            Value::Number(number) => number.to_string().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| <OptionsError as de::Error>::custom(format!("expected {what}")))
    }
}

macro_rules! parse_numbers {
    ($($method:ident => $visit:ident, $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionsError> {
            visitor.$visit(self.parse::<$ty>($what)?)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for OptionValue<'de> {
    type Error = OptionsError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionsError> {
        match self.0 {
            Value::String(text) => visitor.visit_borrowed_str(text),
            Value::Null => visitor.visit_none(),
            Value::Object(map) => GenericOptionsDeserializer::new(map).deserialize_any(visitor),
            other => de::Deserializer::deserialize_any(other, visitor)
                .map_err(<OptionsError as de::Error>::custom),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionsError> {
        // The spellings Go's strconv.ParseBool accepts.
        let flag = match (self.0, self.text()) {
            (Value::Bool(flag), _) => Some(*flag),
            (_, Some("1" | "t" | "T" | "true" | "TRUE" | "True")) => Some(true),
            (_, Some("0" | "f" | "F" | "false" | "FALSE" | "False")) => Some(false),
            _ => None,
        };
        let flag = flag.ok_or_else(|| {
            <OptionsError as de::Error>::custom("expected a boolean (true or false)")
        })?;
        visitor.visit_bool(flag)
    }

    parse_numbers! {
        deserialize_i8 => visit_i8, i8, "an integer from -128 to 127";
        deserialize_i16 => visit_i16, i16, "an integer from -32768 to 32767";
        deserialize_i32 => visit_i32, i32, "a 32-bit integer";
        deserialize_i64 => visit_i64, i64, "a 64-bit integer";
        deserialize_u8 => visit_u8, u8, "an integer from 0 to 255";
        deserialize_u16 => visit_u16, u16, "an integer from 0 to 65535";
        deserialize_u32 => visit_u32, u32, "a non-negative 32-bit integer";
        deserialize_u64 => visit_u64, u64, "a non-negative integer";
        deserialize_f32 => visit_f32, f32, "a number";
        deserialize_f64 => visit_f64, f64, "a number";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, OptionsError> {
        match (self.0, self.text()) {
            (Value::Null, _) | (_, Some("")) => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, OptionsError> {
        match self.0 {
            Value::String(text) => visitor.visit_enum(text.as_str().into_deserializer()),
            other => de::Deserializer::deserialize_enum(other, name, variants, visitor)
                .map_err(<OptionsError as de::Error>::custom),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, OptionsError> {
        visitor.visit_newtype_struct(self)
    }

    forward_to_deserialize_any! {
        i128 u128 char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;
    use serde_json::json;

    use crate::wire::Options;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Typed {
        mtu: Option<u32>,
        #[serde(default)]
        vlan: u16,
        #[serde(default)]
        hairpin: bool,
        #[serde(default)]
        mode: Mode,
        #[serde(default)]
        ratio: f64,
    }

    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(rename_all = "lowercase")]
    enum Mode {
        #[default]
        L2,
        L3,
    }

    fn generic(map: serde_json::Value) -> Options {
        serde_json::from_value(json!({"com.docker.network.generic": map})).unwrap()
    }

    #[test]
    fn strings_become_numbers_bools_and_enums() {
        let typed: Typed = generic(
            json!({"mtu": "1400", "vlan": " 42 ", "hairpin": "true", "mode": "l3", "ratio": "0.5"}),
        )
        .generic()
        .unwrap();
        assert_eq!(
            typed,
            Typed {
                mtu: Some(1400),
                vlan: 42,
                hairpin: true,
                mode: Mode::L3,
                ratio: 0.5
            }
        );
    }

    #[test]
    fn empty_string_is_none_and_missing_takes_defaults() {
        let typed: Typed = generic(json!({"mtu": ""})).generic().unwrap();
        assert_eq!(typed.mtu, None);
        let typed: Typed = Options::new().generic().unwrap();
        assert_eq!(typed.vlan, 0);
    }

    #[test]
    fn bad_value_names_the_key() {
        let error = generic(json!({"mtu": "abc"}))
            .generic::<Typed>()
            .unwrap_err();
        assert_eq!(error.key(), Some("mtu"));
        assert_eq!(
            error.to_string(),
            "invalid option `mtu`: `abc` is not valid: expected a non-negative 32-bit integer"
        );
        let error = generic(json!({"hairpin": "maybe"}))
            .generic::<Typed>()
            .unwrap_err();
        assert_eq!(error.key(), Some("hairpin"));
        let error = generic(json!({"mode": "l7"}))
            .generic::<Typed>()
            .unwrap_err();
        assert_eq!(error.key(), Some("mode"));
    }

    #[test]
    fn unknown_key_is_named_with_the_known_ones() {
        let error = generic(json!({"colour": "red"}))
            .generic::<Typed>()
            .unwrap_err();
        assert_eq!(error.key(), Some("colour"));
        assert!(error
            .to_string()
            .starts_with("unknown option `colour`: known options are `mtu`"));
    }

    #[test]
    fn missing_required_option_is_named() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Required {
            parent: String,
        }
        let error = Options::new().generic::<Required>().unwrap_err();
        assert_eq!(error.key(), Some("parent"));
    }

    #[test]
    fn plain_maps_and_non_map_generic() {
        let map: BTreeMap<String, String> = generic(json!({"a": "1"})).generic().unwrap();
        assert_eq!(map["a"], "1");
        let opts: Options =
            serde_json::from_value(json!({"com.docker.network.generic": "x"})).unwrap();
        assert!(opts.generic::<BTreeMap<String, String>>().is_err());
    }
}
