//! `sequence.*`: dockerd's recorded calls, and a swarm's calls for global-scope drivers.

use serde_json::json;

use crate::addressing::{fresh_id, host};
use crate::catalog::{Check, SEQUENCE_20, SEQUENCE_28, SEQUENCE_29, SEQUENCE_SWARM};
use crate::checks::steps::{create_endpoint, expect, ids, join, Network};
use crate::options::DaemonVersion;
use crate::report::{CheckResult, Outcome};
use crate::sequence::replay;
use crate::session::Session;

/// The check of `version`.
pub(crate) fn check_of(version: DaemonVersion) -> &'static Check {
    match version {
        DaemonVersion::V20 => &SEQUENCE_20,
        DaemonVersion::V28 => &SEQUENCE_28,
        DaemonVersion::V29 => &SEQUENCE_29,
    }
}

/// `sequence.<version>`.
pub(crate) async fn recorded(session: &Session, version: DaemonVersion) -> CheckResult {
    let check = check_of(version);
    if !session.options.versions.contains(&version) {
        return CheckResult::new(
            check,
            Outcome::Skip,
            format!("dockerd {version} not asked for"),
        );
    }
    let result = replay(session, version).await;
    let leftovers = session.clean_up().await;
    match result {
        Ok(found) if leftovers.is_empty() => CheckResult::new(check, Outcome::Pass, found),
        Ok(found) => CheckResult::new(
            check,
            Outcome::Fail,
            format!(
                "{found}, but removing what it created failed: {}",
                leftovers.join("; ")
            ),
        ),
        Err(failure) => CheckResult::new(check, Outcome::Fail, failure),
    }
}

/// `sequence.swarm`.
pub(crate) async fn swarm(session: &Session) -> CheckResult {
    let check = &SEQUENCE_SWARM;
    if !session.subsystems.network() {
        return CheckResult::new(check, Outcome::Skip, "the network driver is not checked");
    }
    if !session.capabilities.global {
        return CheckResult::new(check, Outcome::Skip, "local scope: dockerd sends AllocateNetwork and DiscoverNew only to global-scope drivers in a swarm");
    }
    let result = swarm_calls(session).await;
    let leftovers = session.clean_up().await;
    match result {
        Ok(()) if leftovers.is_empty() => CheckResult::new(check, Outcome::Pass, "DiscoverNew, AllocateNetwork, CreateNetwork with its Options, an endpoint, FreeNetwork, DiscoverDelete all succeeded"),
        Ok(()) => CheckResult::new(check, Outcome::Fail, format!("removing what it created failed: {}", leftovers.join("; "))),
        Err(failure) => CheckResult::new(check, Outcome::Fail, failure),
    }
}

async fn swarm_calls(session: &Session) -> Result<(), String> {
    let subnet = session.subnet_v4()?;
    let peer = host(subnet, 250).addr().to_string();
    let discovery = json!({"DiscoveryType": 1, "DiscoveryData": {"Address": peer, "BindAddress": "", "Self": false}});
    let reply = session
        .call("NetworkDriver.DiscoverNew", discovery.clone())
        .await;
    if !reply.succeeded() && !reply.not_found() {
        return Err(reply.describe());
    }
    let id = fresh_id();
    let ipam = json!([{"AddressSpace": "", "Pool": subnet.to_string(), "Gateway": host(subnet, 1).to_string()}]);
    let allocate = json!({"NetworkID": id, "Options": session.options.driver_opts, "IPv4Data": ipam, "IPv6Data": null});
    let allocated = expect(
        session
            .call("NetworkDriver.AllocateNetwork", allocate)
            .await,
    )?;
    let options = allocated
        .field("Options")
        .filter(|o| o.is_object())
        .unwrap_or(json!({}));
    let create = json!({
        "NetworkID": id,
        "Options": {"com.docker.network.enable_ipv4": true, "com.docker.network.enable_ipv6": false, "com.docker.network.generic": options},
        "IPv4Data": [{"AddressSpace": "GlobalDefault", "Pool": subnet.to_string(), "Gateway": host(subnet, 1).to_string()}],
        "IPv6Data": [],
    });
    expect(session.call("NetworkDriver.CreateNetwork", create).await)?;
    let network = Network {
        id: id.clone(),
        subnet,
    };
    let endpoint = create_endpoint(session, &network, 0).await?;
    join(session, &id, &endpoint).await?;
    session
        .call("NetworkDriver.EndpointOperInfo", ids(&id, &endpoint))
        .await;
    session
        .call("NetworkDriver.Leave", ids(&id, &endpoint))
        .await;
    expect(
        session
            .call("NetworkDriver.DeleteEndpoint", ids(&id, &endpoint))
            .await,
    )?;
    expect(
        session
            .call("NetworkDriver.DeleteNetwork", json!({"NetworkID": id}))
            .await,
    )?;
    expect(
        session
            .call("NetworkDriver.FreeNetwork", json!({"NetworkID": id}))
            .await,
    )?;
    let reply = session
        .call("NetworkDriver.DiscoverDelete", discovery)
        .await;
    if !reply.succeeded() && !reply.not_found() {
        return Err(reply.describe());
    }
    Ok(())
}
