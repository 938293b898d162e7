//! dockerd's recorded calls replayed in its order: each request's body as that daemon sent
//! it, with this run's ids, subnets and addresses, and the IPAM answers the plugin gives
//! (or, for a network-only plugin, those dockerd's built-in IPAM would give).

use std::collections::HashSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::{Map, Value};

use crate::addressing::Translation;
use crate::options::DaemonVersion;
use crate::session::Session;
use dknet::testing::FixtureEntry;

/// The recorded calls of `version` (see `fixtures/README.md`).
pub(crate) fn recording(version: DaemonVersion) -> Vec<FixtureEntry> {
    let text = match version {
        DaemonVersion::V20 => include_str!("../fixtures/dockerd-20.10.24.jsonl"),
        DaemonVersion::V28 => include_str!("../fixtures/dockerd-28.5.2.jsonl"),
        DaemonVersion::V29 => include_str!("../fixtures/dockerd-29.7.2.jsonl"),
    };
    let lines = text.lines().filter(|l| !l.trim().is_empty());
    lines
        .map(|line| serde_json::from_str(line).expect("the embedded recordings are valid"))
        .collect()
}

/// The key of the user's `-o` options in CreateNetwork's and GwAllocCheck's `Options`.
const GENERIC: &str = "com.docker.network.generic";

/// Methods whose failures dockerd only logs or ignores.
const TOLERATED: [&str; 4] = [
    "NetworkDriver.EndpointOperInfo",
    "NetworkDriver.Leave",
    "NetworkDriver.DiscoverNew",
    "NetworkDriver.DiscoverDelete",
];

/// Methods for which dockerd reads a 404 as "not implemented", i.e. success.
const OPTIONAL: [&str; 2] = [
    "NetworkDriver.ProgramExternalConnectivity",
    "NetworkDriver.RevokeExternalConnectivity",
];

/// Replays `version`'s calls; `Ok` says how many were sent, `Err` which one failed.
pub(crate) async fn replay(session: &Session, version: DaemonVersion) -> Result<String, String> {
    let mut translation = Translation::new(session.subnets.clone());
    let driver_opts = serde_json::to_value(&session.options.driver_opts).expect("a string map");
    let mut skips = GatewaySkips::default();
    let mut sent = 0;
    let mut notes = Vec::new();
    for (index, entry) in recording(version).iter().enumerate() {
        let method = entry.path.trim_start_matches('/');
        let subsystem = entry.subsystem();
        let serves = match subsystem {
            "NetworkDriver" => session.subsystems.network(),
            "IpamDriver" => session.subsystems.ipam(),
            _ => true,
        };
        if method == "NetworkDriver.GwAllocCheck" && !session.capabilities.gw_alloc_checker {
            continue;
        }
        if skips.skips(entry) {
            continue;
        }
        if !serves {
            if subsystem == "IpamDriver" && session.subsystems.network() {
                built_in_ipam(entry, &mut translation)?;
            }
            continue;
        }
        let mut request = match &entry.request {
            Some(body) => Some(rewrite(body, &mut translation, &driver_opts)?),
            None => None,
        };
        if method == "NetworkDriver.CreateNetwork" {
            skips.drop_gateways(request.as_mut());
        }
        let macs_from_ipam = session.subsystems.ipam() && session.capabilities.requires_mac;
        if method == "IpamDriver.RequestAddress" && !macs_from_ipam {
            drop_mac(request.as_mut());
        }
        if method == "NetworkDriver.CreateEndpoint" && !macs_from_ipam {
            drop_generated_mac(request.as_mut());
        }
        let reply = match &request {
            Some(body) if method == "NetworkDriver.CreateNetwork" => {
                session.create_network(body.clone()).await
            }
            Some(body) => session.call(method, body.clone()).await,
            None => session.wire.call(method, None).await,
        };
        sent += 1;
        if reply.succeeded() || (reply.not_found() && OPTIONAL.contains(&method)) {
            learn(entry, &reply, &mut translation)?;
            if method == "NetworkDriver.GwAllocCheck" {
                skips.learn(&reply);
            }
            continue;
        }
        let step = format!("call {} of the recording ({method})", index + 1);
        if TOLERATED.contains(&method) {
            notes.push(format!(
                "{step} failed, which dockerd tolerates: {}",
                reply.describe()
            ));
            continue;
        }
        return Err(format!("{step}: {}", reply.describe()));
    }
    let mut found = format!("{sent} calls answered as dockerd {version} needs");
    if !notes.is_empty() {
        found.push_str(&format!("; {}", notes.join("; ")));
    }
    Ok(found)
}

/// What a `GwAllocCheck` answer changes: with `SkipIPv4`/`SkipIPv6`, dockerd asks IPAM
/// for no gateway of that family (nor releases one) and sends none in `CreateNetwork`.
#[derive(Debug, Default)]
struct GatewaySkips {
    v4: bool,
    v6: bool,
    skipped: HashSet<IpAddr>,
}

impl GatewaySkips {
    fn learn(&mut self, reply: &crate::wire::Reply) {
        let flag = |key| reply.field(key).and_then(|v| v.as_bool()).unwrap_or(false);
        self.v4 = flag("SkipIPv4");
        self.v6 = flag("SkipIPv6");
    }

    /// Whether dockerd would not send `entry`: a skipped gateway's request or release.
    fn skips(&mut self, entry: &FixtureEntry) -> bool {
        let recorded = |body: Option<&Value>, key: &str| {
            let text = body?.get(key)?.as_str()?;
            text.split('/').next()?.parse::<IpAddr>().ok()
        };
        match entry.path.as_str() {
            "/IpamDriver.RequestAddress" => {
                let request = entry.request.as_ref();
                // A gateway the user gave (`--gateway`) is still requested.
                let gateway = request.is_some_and(|r| {
                    r["Options"]["RequestAddressType"].is_string() && r["Address"] == ""
                });
                let Some(address) = recorded(entry.response.as_ref(), "Address") else {
                    return false;
                };
                let skip = gateway && if address.is_ipv4() { self.v4 } else { self.v6 };
                if skip {
                    self.skipped.insert(address);
                }
                skip
            }
            "/IpamDriver.ReleaseAddress" => recorded(entry.request.as_ref(), "Address")
                .is_some_and(|address| self.skipped.contains(&address)),
            _ => false,
        }
    }

    /// Removes from a `CreateNetwork` body the gateways dockerd would not have reserved:
    /// those the plugin's IPAM was not asked for and, with dockerd's built-in IPAM (no
    /// recorded request to tell), the pool's first address, which is its choice.
    fn drop_gateways(&mut self, request: Option<&mut Value>) {
        let Some(request) = request else { return };
        for (key, skip) in [("IPv4Data", self.v4), ("IPv6Data", self.v6)] {
            let Some(Value::Array(data)) = request.get_mut(key) else {
                continue;
            };
            for pool in data.iter_mut().filter_map(Value::as_object_mut) {
                let address = |key: &str| pool.get(key)?.as_str()?.parse::<IpNet>().ok();
                let (Some(gateway), Some(subnet)) = (address("Gateway"), address("Pool")) else {
                    continue;
                };
                let first = crate::addressing::host(subnet.trunc(), 1).addr();
                if skip && (self.skipped.contains(&gateway.addr()) || gateway.addr() == first) {
                    pool.remove("Gateway");
                }
            }
        }
        (self.v4, self.v6) = (false, false);
    }
}

/// The recording's IPAM asked for MACs (`RequiresMACAddress`); dockerd sends none to an
/// IPAM that did not, and a `null` map when nothing is left.
fn drop_mac(request: Option<&mut Value>) {
    let Some(options) = request.and_then(|r| r.get_mut("Options")) else {
        return;
    };
    if let Some(map) = options.as_object_mut() {
        map.remove("com.docker.network.endpoint.macaddress");
        if map.is_empty() {
            *options = Value::Null;
        }
    }
}

/// The recording's endpoints had MACs dockerd generated for its IPAM; without such an
/// IPAM dockerd sends none, unless the user gave one (`--mac-address`, which also comes as
/// an endpoint option).
fn drop_generated_mac(request: Option<&mut Value>) {
    let Some(request) = request else { return };
    if request["Options"]
        .get("com.docker.network.endpoint.macaddress")
        .is_some()
    {
        return;
    }
    if let Some(interface) = request.get_mut("Interface").and_then(Value::as_object_mut) {
        interface.insert("MacAddress".to_owned(), Value::String(String::new()));
    }
}

/// A recorded body in this run's terms.
fn rewrite(
    value: &Value,
    translation: &mut Translation,
    driver_opts: &Value,
) -> Result<Value, String> {
    Ok(match value {
        Value::String(text) => Value::String(translation.text(text)?),
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| rewrite(v, translation, driver_opts))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(object) => {
            let mut rewritten = Map::new();
            for (key, value) in object {
                let value = match (key.as_str(), value) {
                    ("NetworkID" | "EndpointID", Value::String(id)) => {
                        Value::String(translation.id(id))
                    }
                    // Paths and MACs are kept as recorded.
                    ("SandboxKey" | "MacAddress", v) => v.clone(),
                    // The recording user's `-o` options become this run's.
                    (GENERIC, Value::Object(_)) => driver_opts.clone(),
                    _ => rewrite(value, translation, driver_opts)?,
                };
                rewritten.insert(key.clone(), value);
            }
            Value::Object(rewritten)
        }
        other => other.clone(),
    })
}

/// The text field `key` of the recording's answer to `entry`.
fn recorded_text(entry: &FixtureEntry, key: &str) -> Option<String> {
    let value = entry.response.as_ref()?.get(key)?;
    value.as_str().map(str::to_owned)
}

/// Learns from the plugin's answer what the recording's answer stood for.
fn learn(
    entry: &FixtureEntry,
    reply: &crate::wire::Reply,
    translation: &mut Translation,
) -> Result<(), String> {
    let recorded = |key: &str| recorded_text(entry, key);
    let actual = |key: &str| reply.field(key).and_then(|v| v.as_str().map(str::to_owned));
    match entry.path.as_str() {
        "/IpamDriver.GetDefaultAddressSpaces" => {
            for key in ["LocalDefaultAddressSpace", "GlobalDefaultAddressSpace"] {
                if let (Some(r), Some(a)) = (recorded(key), actual(key)) {
                    translation.names.insert(r, a);
                }
            }
        }
        "/IpamDriver.RequestPool" => {
            if let (Some(r), Some(a)) = (recorded("PoolID"), actual("PoolID")) {
                translation.names.insert(r, a);
            }
            if let (Some(r), Some(a)) = (cidr(recorded("Pool")), cidr(actual("Pool"))) {
                translation.map_prefix(r, a);
            }
        }
        "/IpamDriver.RequestAddress" => {
            if let (Some(r), Some(a)) = (cidr(recorded("Address")), cidr(actual("Address"))) {
                translation.map_address(r.addr(), a);
            }
        }
        _ => {}
    }
    Ok(())
}

/// What dockerd's built-in IPAM would have answered, for a plugin checked as a network
/// driver only: the recording's answer moved into the run's pools.
fn built_in_ipam(entry: &FixtureEntry, translation: &mut Translation) -> Result<(), String> {
    let recorded = |key: &str| recorded_text(entry, key);
    match entry.path.as_str() {
        "/IpamDriver.RequestPool" => {
            if let Some(pool) = cidr(recorded("Pool")) {
                // Asked-for subnets were translated with the request; others get one now.
                translation.prefix(pool)?;
            }
        }
        "/IpamDriver.RequestAddress" => {
            if let Some(address) = cidr(recorded("Address")) {
                let actual = translation.address(address)?;
                translation.map_address(address.addr(), actual);
            }
        }
        _ => {}
    }
    Ok(())
}

fn cidr(text: Option<String>) -> Option<IpNet> {
    text?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_recordings_are_the_ones_dknet_tests_with() {
        for (version, file) in [
            (DaemonVersion::V20, "dockerd-20.10.24.jsonl"),
            (DaemonVersion::V28, "dockerd-28.5.2.jsonl"),
            (DaemonVersion::V29, "dockerd-29.7.2.jsonl"),
        ] {
            let path = format!(
                "{}/../dknet/tests/fixtures/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            // Outside the repository (a packaged crate) there is nothing to compare.
            if let Ok(original) = dknet::testing::load_fixture(&path) {
                assert_eq!(recording(version), original, "{file} differs from dknet's");
            }
        }
    }
}
