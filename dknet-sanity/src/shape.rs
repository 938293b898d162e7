//! The shape dockerd decodes each answer into (Go structs, no json tags), and what it then
//! parses out of the strings.

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Map, Value};

/// Why a 200 answer to `method` is not one dockerd can use; `Ok` when it is.
pub(crate) fn check_answer(method: &str, body: &Value) -> Result<(), String> {
    let object = match body {
        // Go decodes `null` into a struct without error (moby's own test plugin sends it).
        Value::Null => return Ok(()),
        Value::Object(object) => object,
        other => return Err(format!("the body is JSON {} not an object", kind(other))),
    };
    let fields = Fields(object);
    fields.string("Err")?;
    if method.starts_with("IpamDriver.") {
        fields.string("Error")?;
        if fields.nonempty("Err") && !fields.nonempty("Error") {
            return Err("an IPAM failure on 200 must say \"Error\": dockerd ignores \"Err\" here and reads success".into());
        }
    }
    match method {
        "Plugin.Activate" => {
            let implements = fields.get("Implements");
            match implements {
                Some(Value::Array(names)) if names.iter().all(Value::is_string) => Ok(()),
                _ => Err("\"Implements\" must be a list of strings".into()),
            }
        }
        "NetworkDriver.GetCapabilities" => {
            match fields.string("Scope")? {
                Some("local" | "global") => {}
                other => {
                    return Err(format!(
                        "Scope {other:?} is neither \"local\" nor \"global\""
                    ))
                }
            }
            match fields.string("ConnectivityScope")? {
                None | Some("" | "local" | "global") => {}
                Some(other) => {
                    return Err(format!(
                        "ConnectivityScope {other:?} is not \"local\" or \"global\""
                    ))
                }
            }
            fields.boolean("GwAllocChecker")
        }
        "NetworkDriver.GwAllocCheck" => {
            fields.boolean("SkipIPv4")?;
            fields.boolean("SkipIPv6")
        }
        "NetworkDriver.AllocateNetwork" => fields.string_map("Options"),
        "NetworkDriver.CreateEndpoint" => match fields.get("Interface") {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Object(interface)) => {
                let interface = Fields(interface);
                interface.cidr("Address")?;
                interface.cidr("AddressIPv6")?;
                interface.mac("MacAddress")
            }
            Some(other) => Err(format!("Interface is {} not an object", kind(other))),
        },
        "NetworkDriver.EndpointOperInfo" => match fields.get("Value") {
            None | Some(Value::Null | Value::Object(_)) => Ok(()),
            Some(other) => Err(format!("Value is {} not an object", kind(other))),
        },
        "NetworkDriver.Join" => check_join(&fields),
        "IpamDriver.GetCapabilities" => {
            fields.boolean("RequiresMACAddress")?;
            fields.boolean("RequiresRequestReplay")
        }
        "IpamDriver.GetDefaultAddressSpaces" => {
            fields.string("LocalDefaultAddressSpace")?;
            fields.string("GlobalDefaultAddressSpace").map(drop)
        }
        "IpamDriver.RequestPool" if !fields.nonempty("Error") => {
            fields.string("PoolID")?;
            match fields.cidr("Pool")? {
                Some(_) => fields.string_map("Data"),
                None => Err("no Pool: dockerd fails to parse an empty pool".into()),
            }
        }
        "IpamDriver.RequestAddress" if !fields.nonempty("Error") => match fields.cidr("Address")? {
            Some(_) => fields.string_map("Data"),
            None => Err("no Address: dockerd fails with \"no address returned\"".into()),
        },
        _ => Ok(()),
    }
}

fn check_join(fields: &Fields<'_>) -> Result<(), String> {
    match fields.get("InterfaceName") {
        None | Some(Value::Null) => {}
        Some(Value::Object(name)) => {
            let name = Fields(name);
            name.string("SrcName")?;
            name.string("DstPrefix")?;
            name.string("DstName")?;
        }
        Some(other) => return Err(format!("InterfaceName is {} not an object", kind(other))),
    }
    fields.ip("Gateway")?;
    fields.ip("GatewayIPv6")?;
    fields.boolean("DisableGatewayService")?;
    match fields.get("StaticRoutes") {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(routes)) => routes.iter().try_for_each(|route| {
            let Value::Object(route) = route else {
                return Err(format!("a static route is {} not an object", kind(route)));
            };
            let route = Fields(route);
            route.cidr("Destination")?;
            route.ip("NextHop")?;
            match route.get("RouteType") {
                None | Some(Value::Null) => Ok(()),
                Some(Value::Number(n)) if n.as_i64().is_some() => Ok(()),
                Some(other) => Err(format!("RouteType is {other} not an integer")),
            }
        }),
        Some(other) => Err(format!("StaticRoutes is {} not a list", kind(other))),
    }
}

/// A JSON object's fields, read with Go's rules: `null` is absent, names match
/// case-insensitively, a value of the wrong type fails the decode.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).or_else(|| {
            let found = self.0.iter().find(|(k, _)| k.eq_ignore_ascii_case(key));
            found.map(|(_, v)| v)
        })
    }

    fn string(&self, key: &str) -> Result<Option<&str>, String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(format!("{key} is {} not a string", kind(other))),
        }
    }

    fn nonempty(&self, key: &str) -> bool {
        matches!(self.string(key), Ok(Some(s)) if !s.is_empty())
    }

    fn boolean(&self, key: &str) -> Result<(), String> {
        match self.get(key) {
            None | Some(Value::Null | Value::Bool(_)) => Ok(()),
            Some(other) => Err(format!("{key} is {} not a boolean", kind(other))),
        }
    }

    fn string_map(&self, key: &str) -> Result<(), String> {
        match self.get(key) {
            None | Some(Value::Null) => Ok(()),
            Some(Value::Object(map)) if map.values().all(Value::is_string) => Ok(()),
            Some(_) => Err(format!("{key} must map strings to strings")),
        }
    }

    /// A CIDR string (`""` counts as none).
    fn cidr(&self, key: &str) -> Result<Option<IpNet>, String> {
        match self.string(key)? {
            None | Some("") => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                format!("{key} {text:?} is not an address with a prefix length (a.b.c.d/len)")
            }),
        }
    }

    /// A bare address (`""` counts as none).
    fn ip(&self, key: &str) -> Result<(), String> {
        match self.string(key)? {
            None | Some("") => Ok(()),
            Some(text) => text
                .parse::<IpAddr>()
                .map(drop)
                .map_err(|_| format!("{key} {text:?} is not a bare address (no /len): dockerd fails with \"unable to parse {key}\"")),
        }
    }

    fn mac(&self, key: &str) -> Result<(), String> {
        match self.string(key)? {
            None | Some("") => Ok(()),
            Some(text) if is_mac(text) => Ok(()),
            Some(text) => Err(format!("{key} {text:?} is not a MAC address")),
        }
    }
}

/// Colon- or hyphen-separated hex octets, as Go's `net.ParseMAC` reads 6-octet MACs.
fn is_mac(text: &str) -> bool {
    let parts: Vec<_> = text.split([':', '-']).collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn dockerds_decoding_rules_are_applied() {
        let ok = |m, v| check_answer(m, &v).is_ok();
        assert!(ok("NetworkDriver.CreateNetwork", json!(null)));
        assert!(ok("NetworkDriver.CreateNetwork", json!({})));
        assert!(!ok("NetworkDriver.CreateNetwork", json!([])));
        assert!(ok(
            "NetworkDriver.GetCapabilities",
            json!({"Scope": "local"})
        ));
        assert!(!ok(
            "NetworkDriver.GetCapabilities",
            json!({"Scope": "Local"})
        ));
        assert!(!ok(
            "NetworkDriver.GetCapabilities",
            json!({"scope": "host"})
        ));
        assert!(!ok(
            "NetworkDriver.GetCapabilities",
            json!({"Scope": "local", "GwAllocChecker": "yes"})
        ));
        assert!(ok("NetworkDriver.Join", json!({"Gateway": "10.203.0.1"})));
        assert!(!ok(
            "NetworkDriver.Join",
            json!({"Gateway": "10.203.0.1/24"})
        ));
        assert!(!ok(
            "NetworkDriver.CreateEndpoint",
            json!({"Interface": {"MacAddress": "zz"}})
        ));
        assert!(!ok(
            "IpamDriver.RequestAddress",
            json!({"Address": "10.203.0.2"})
        ));
        assert!(ok("IpamDriver.RequestAddress", json!({"Error": "full"})));
        assert!(!ok("IpamDriver.RequestAddress", json!({"Err": "full"})));
        assert!(!ok("IpamDriver.RequestPool", json!({"PoolID": "p"})));
    }
}
