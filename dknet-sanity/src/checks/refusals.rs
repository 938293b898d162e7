//! `refuse.*`: answers dockerd would refuse or silently misuse.

use std::collections::{HashMap, HashSet};

use ipnet::IpNet;
use serde_json::{json, Value};

use crate::addressing::{fresh_id, host};
use crate::catalog::{
    ADDRESS_IN_POOL, ADDRESS_UNIQUE, ENDPOINT_ECHO, JOIN_INTERFACE, POOL_OVERLAP,
};
use crate::checks::answers::summary;
use crate::checks::steps::{
    create_network, expect, given_address, join, request_address, request_pool,
};
use crate::report::{CheckResult, Outcome};
use crate::session::Session;
use crate::wire::Reply;

/// A network whose endpoint gets an address, an IPv6 address and a MAC from dockerd, and a
/// Join of it: what the log checks below read.
pub(crate) async fn network_probe(session: &Session) -> Result<(), String> {
    let network = create_network(session).await?;
    let v6 = session.subnet_v6()?;
    let endpoint = fresh_id();
    let request = json!({
        "NetworkID": network.id,
        "EndpointID": endpoint,
        "Interface": {
            "Address": host(network.subnet, 2).to_string(),
            "AddressIPv6": host(v6, 2).to_string(),
            "MacAddress": "02:42:0a:cb:00:02",
        },
        "Options": {"com.docker.network.endpoint.macaddress": "AkIKywAC"},
    });
    expect(session.call("NetworkDriver.CreateEndpoint", request).await)?;
    join(session, &network.id, &endpoint).await?;
    Ok(())
}

/// `refuse.create-endpoint-echo`, over every CreateEndpoint of the run.
pub(crate) fn endpoint_echo(
    session: &Session,
    log: &[Reply],
    probe: &Result<(), String>,
) -> CheckResult {
    if !session.subsystems.network() {
        return CheckResult::new(
            &ENDPOINT_ECHO,
            Outcome::Skip,
            "the network driver is not checked",
        );
    }
    let mut problems = Vec::new();
    let mut seen = 0;
    for reply in log
        .iter()
        .filter(|r| r.method == "NetworkDriver.CreateEndpoint" && r.succeeded())
    {
        seen += 1;
        let sent = reply
            .request
            .as_ref()
            .map(|r| r["Interface"].clone())
            .unwrap_or(Value::Null);
        let answered = reply.field("Interface").unwrap_or(Value::Null);
        for key in ["Address", "AddressIPv6", "MacAddress"] {
            let set = |v: &Value| v[key].as_str().is_some_and(|s| !s.is_empty());
            if set(&sent) && set(&answered) {
                problems.push(format!(
                    "{key} {} sent, {} answered",
                    sent[key], answered[key]
                ));
            }
        }
    }
    finish(
        &ENDPOINT_ECHO,
        problems,
        probe,
        format!("{seen} CreateEndpoint answers set nothing dockerd had set"),
    )
}

/// `refuse.join-interface`, over every Join of the run.
pub(crate) fn join_interface(
    session: &Session,
    log: &[Reply],
    probe: &Result<(), String>,
) -> CheckResult {
    if !session.subsystems.network() {
        return CheckResult::new(
            &JOIN_INTERFACE,
            Outcome::Skip,
            "the network driver is not checked",
        );
    }
    let mut problems = Vec::new();
    let mut seen = 0;
    for reply in log
        .iter()
        .filter(|r| r.method == "NetworkDriver.Join" && r.succeeded())
    {
        seen += 1;
        let Some(Value::Object(name)) = reply.field("InterfaceName") else {
            continue;
        };
        let set = |key: &str| {
            name.get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        if set("SrcName") != set("DstPrefix") {
            problems.push(format!(
                "InterfaceName {} lacks {}",
                Value::Object(name.clone()),
                if set("SrcName") {
                    "DstPrefix"
                } else {
                    "SrcName"
                }
            ));
        }
    }
    finish(
        &JOIN_INTERFACE,
        problems,
        probe,
        format!("{seen} Join answers name their interface fully"),
    )
}

fn finish(
    check: &'static crate::catalog::Check,
    problems: Vec<String>,
    probe: &Result<(), String>,
    fine: String,
) -> CheckResult {
    match (problems.is_empty(), probe) {
        (true, Ok(())) => CheckResult::new(check, Outcome::Pass, fine),
        (true, Err(failure)) => {
            CheckResult::new(check, Outcome::Fail, format!("the probe failed: {failure}"))
        }
        (false, _) => CheckResult::new(check, Outcome::Fail, summary(&problems)),
    }
}

/// What the IPAM probe found against its explicit expectations.
#[derive(Debug, Default)]
pub(crate) struct IpamProbe {
    in_pool: Vec<String>,
    unique: Vec<String>,
    overlap: Vec<String>,
}

/// Pools and addresses asked for as dockerd asks, including what must be refused.
pub(crate) async fn ipam_probe(session: &Session) -> IpamProbe {
    let mut found = IpamProbe::default();
    if let Err(failure) = ipam_calls(session, &mut found).await {
        found.in_pool.push(format!("the probe failed: {failure}"));
    }
    found
}

async fn ipam_calls(session: &Session, found: &mut IpamProbe) -> Result<(), String> {
    // Two default pools, then the first one asked for by name: must be refused.
    let (_, first) = request_pool(session, None, None, false).await?;
    request_pool(session, None, None, false).await?;
    if let Ok((_, again)) = request_pool(session, Some(first), None, false).await {
        found.overlap.push(format!(
            "--subnet {first} was given again ({again}) while held"
        ));
    }
    // A user's subnet, sub-pool, gateway and --ip.
    let subnet = session.subnet_v4()?;
    let sub_pool =
        IpNet::new(host(subnet, 128).addr(), subnet.prefix_len() + 1).map_err(|e| e.to_string())?;
    let (pool_id, _) = request_pool(session, Some(subnet), Some(sub_pool), false).await?;
    let gateway = host(subnet, 1);
    let reply = request_address(session, &pool_id, Some(gateway), true).await;
    if given_address(&expect(reply)?).map(|a| a.addr()) != Some(gateway.addr()) {
        found.in_pool.push(format!(
            "the gateway {} asked for was not given",
            gateway.addr()
        ));
    }
    for _ in 0..3 {
        expect(request_address(session, &pool_id, None, false).await)?;
    }
    let wanted = host(subnet, 200);
    expect(request_address(session, &pool_id, Some(wanted), false).await)?;
    let twice = request_address(session, &pool_id, Some(wanted), false).await;
    if twice.succeeded() {
        found
            .unique
            .push(format!("{} was given again while held", wanted.addr()));
    }
    let release = json!({"PoolID": pool_id, "Address": wanted.addr().to_string()});
    expect(session.call("IpamDriver.ReleaseAddress", release).await)?;
    let reuse = request_address(session, &pool_id, Some(wanted), false).await;
    if !reuse.succeeded() {
        found.unique.push(format!(
            "{} released, then refused: {}",
            wanted.addr(),
            reuse.describe()
        ));
    }
    // IPv6.
    let v6 = session.subnet_v6()?;
    let (pool6, _) = request_pool(session, Some(v6), None, true).await?;
    expect(request_address(session, &pool6, None, false).await)?;
    Ok(())
}

/// The three IPAM rules, over every IPAM call of the run plus the probe's findings.
pub(crate) fn ipam_rules(
    session: &Session,
    log: &[Reply],
    mut probe: IpamProbe,
) -> Vec<CheckResult> {
    if !session.subsystems.ipam() {
        let skip = |c| CheckResult::new(c, Outcome::Skip, "the IPAM driver is not checked");
        return vec![
            skip(&ADDRESS_IN_POOL),
            skip(&ADDRESS_UNIQUE),
            skip(&POOL_OVERLAP),
        ];
    }
    let mut pools: HashMap<String, (IpNet, Option<IpNet>, String)> = HashMap::new();
    let mut held: HashMap<String, HashSet<std::net::IpAddr>> = HashMap::new();
    let (mut addresses, mut pool_count) = (0, 0);
    for reply in log.iter().filter(|r| r.succeeded()) {
        let request = reply.request.clone().unwrap_or(Value::Null);
        let text = |key: &str| request[key].as_str().unwrap_or("").to_owned();
        match reply.method.as_str() {
            "IpamDriver.RequestPool" => {
                let Some(pool) = reply
                    .field("Pool")
                    .and_then(|p| p.as_str()?.parse::<IpNet>().ok())
                else {
                    continue;
                };
                let id = reply
                    .field("PoolID")
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                let space = text("AddressSpace");
                pool_count += 1;
                for (other_id, (other, _, other_space)) in &pools {
                    if *other_space == space
                        && (other.contains(&pool.network()) || pool.contains(&other.network()))
                    {
                        probe
                            .overlap
                            .push(format!("{pool} ({id}) overlaps {other} ({other_id})"));
                    }
                }
                pools.insert(id, (pool, text("SubPool").parse().ok(), space));
            }
            "IpamDriver.ReleasePool" => {
                pools.remove(&text("PoolID"));
                held.remove(&text("PoolID"));
            }
            "IpamDriver.RequestAddress" => {
                let Some(address) = given_address(reply) else {
                    continue;
                };
                addresses += 1;
                let id = text("PoolID");
                let gateway = request["Options"]["RequestAddressType"].as_str().is_some();
                if let Some((pool, sub_pool, _)) = pools.get(&id) {
                    if !pool.contains(&address.addr()) || address.prefix_len() != pool.prefix_len()
                    {
                        probe
                            .in_pool
                            .push(format!("{address} is not an address of pool {pool}"));
                    }
                    let asked = text("Address");
                    if !asked.is_empty() && asked != address.addr().to_string() {
                        probe
                            .in_pool
                            .push(format!("{asked} asked for, {address} given"));
                    }
                    if let (Some(sub), true, false) = (sub_pool, asked.is_empty(), gateway) {
                        if !sub.contains(&address.addr()) {
                            probe
                                .in_pool
                                .push(format!("{address} is outside the sub-pool {sub}"));
                        }
                    }
                }
                if !held.entry(id).or_default().insert(address.addr()) {
                    probe
                        .unique
                        .push(format!("{} handed out twice", address.addr()));
                }
            }
            "IpamDriver.ReleaseAddress" => {
                if let Ok(address) = text("Address").parse() {
                    held.entry(text("PoolID")).or_default().remove(&address);
                }
            }
            _ => {}
        }
    }
    let result = |check, problems: Vec<String>, fine: String| {
        if problems.is_empty() {
            CheckResult::new(check, Outcome::Pass, fine)
        } else {
            CheckResult::new(check, Outcome::Fail, summary(&problems))
        }
    };
    vec![
        result(&ADDRESS_IN_POOL, probe.in_pool, format!("{addresses} addresses, each in its pool (and sub-pool), as asked")),
        result(&ADDRESS_UNIQUE, probe.unique, format!("{addresses} addresses, none given twice; a held address refused, a released one given again")),
        result(&POOL_OVERLAP, probe.overlap, format!("{pool_count} pools, none overlapping another held; a held subnet refused")),
    ]
}
