//! `handshake.*`: activation and capabilities.

use serde_json::Value;

use crate::catalog::{ACTIVATE, IPAM_CAPABILITIES, NETWORK_CAPABILITIES};
use crate::options::Subsystems;
use crate::report::{CheckResult, Outcome};
use crate::session::Session;
use crate::shape::check_answer;

/// `handshake.activate`: also settles which subsystems the run checks (`None` when the
/// plugin cannot be used at all).
pub(crate) async fn activate(session: &mut Session) -> (CheckResult, Option<Subsystems>) {
    let reply = session.wire.call("Plugin.Activate", None).await;
    let fail = |found: String| (CheckResult::new(&ACTIVATE, Outcome::Fail, found), None);
    if !reply.succeeded() {
        return fail(reply.describe());
    }
    let body = reply.json().unwrap_or(Value::Null);
    if let Err(problem) = check_answer("Plugin.Activate", &body) {
        return fail(format!("{problem}: {}", reply.describe()));
    }
    let listed = |name: &str| {
        body["Implements"]
            .as_array()
            .is_some_and(|names| names.iter().any(|n| n == name))
    };
    let (network, ipam) = (listed("NetworkDriver"), listed("IpamDriver"));
    let served = match (network, ipam) {
        (true, true) => Subsystems::Both,
        (true, false) => Subsystems::Network,
        (false, true) => Subsystems::Ipam,
        (false, false) => {
            return fail(format!(
                "lists neither NetworkDriver nor IpamDriver: {}",
                reply.describe()
            ))
        }
    };
    let checked = session.options.subsystems.unwrap_or(served);
    if (checked.network() && !network) || (checked.ipam() && !ipam) {
        return fail(format!(
            "asked to check {checked:?} but Implements is {}",
            body["Implements"]
        ));
    }
    session.subsystems = checked;
    let found = format!("Implements {}", body["Implements"]);
    (
        CheckResult::new(&ACTIVATE, Outcome::Pass, found),
        Some(checked),
    )
}

/// `handshake.network-capabilities`.
pub(crate) async fn network_capabilities(session: &mut Session) -> CheckResult {
    let check = &NETWORK_CAPABILITIES;
    if !session.subsystems.network() {
        return CheckResult::new(check, Outcome::Skip, "the network driver is not checked");
    }
    let reply = session
        .wire
        .call("NetworkDriver.GetCapabilities", None)
        .await;
    if !reply.succeeded() {
        return CheckResult::new(check, Outcome::Fail, reply.describe());
    }
    let body = reply.json().unwrap_or(Value::Null);
    if let Err(problem) = check_answer("NetworkDriver.GetCapabilities", &body) {
        return CheckResult::new(
            check,
            Outcome::Fail,
            format!("{problem}: {}", reply.describe()),
        );
    }
    let scope = body["Scope"].as_str().unwrap_or_default();
    session.capabilities.global = scope == "global";
    session.capabilities.gw_alloc_checker = body["GwAllocChecker"].as_bool().unwrap_or(false);
    if let Some(expected) = session.options.scope {
        if expected.as_str() != scope {
            let found = format!("Scope {scope:?}, expected {:?}", expected.as_str());
            return CheckResult::new(check, Outcome::Fail, found);
        }
    }
    CheckResult::new(check, Outcome::Pass, format!("{body}"))
}

/// `handshake.ipam-capabilities`.
pub(crate) async fn ipam_capabilities(session: &mut Session) -> CheckResult {
    let check = &IPAM_CAPABILITIES;
    if !session.subsystems.ipam() {
        return CheckResult::new(check, Outcome::Skip, "the IPAM driver is not checked");
    }
    let reply = session.wire.call("IpamDriver.GetCapabilities", None).await;
    let mut found = Vec::new();
    if reply.not_found() {
        found.push("GetCapabilities: 404 (no capabilities)".to_owned());
    } else if !reply.succeeded() {
        return CheckResult::new(check, Outcome::Fail, reply.describe());
    } else {
        let body = reply.json().unwrap_or(Value::Null);
        if let Err(problem) = check_answer("IpamDriver.GetCapabilities", &body) {
            return CheckResult::new(
                check,
                Outcome::Fail,
                format!("{problem}: {}", reply.describe()),
            );
        }
        session.capabilities.requires_mac = body["RequiresMACAddress"].as_bool().unwrap_or(false);
        found.push(format!("GetCapabilities {body}"));
    }
    let spaces = session
        .wire
        .call("IpamDriver.GetDefaultAddressSpaces", None)
        .await;
    let body = spaces.json().unwrap_or(Value::Null);
    let shape = check_answer("IpamDriver.GetDefaultAddressSpaces", &body);
    if !spaces.succeeded() || shape.is_err() || !body.is_object() {
        let problem = shape.err().unwrap_or_default();
        return CheckResult::new(
            check,
            Outcome::Fail,
            format!("{problem} {}", spaces.describe()),
        );
    }
    found.push(format!("GetDefaultAddressSpaces {body}"));
    CheckResult::new(check, Outcome::Pass, found.join("; "))
}
