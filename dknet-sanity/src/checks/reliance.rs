//! `rely.*`: what dockerd relies on: repeatable deletes, concurrent calls, answers in time,
//! state kept across a restart.

use std::time::Duration;

use serde_json::json;

use crate::addressing::fresh_id;
use crate::catalog::{CONCURRENT, DELETES_REPEATED, RESTART, TIME_BOUND};
use crate::checks::answers::summary;
use crate::checks::steps::{
    create_endpoint, create_network, expect, given_address, ids, join, request_address,
    request_pool,
};
use crate::report::{CheckResult, Outcome};
use crate::session::Session;
use crate::wire::Reply;

/// How long the restart command may run.
const RESTART_LIMIT: Duration = Duration::from_secs(60);

fn result(
    check: &'static crate::catalog::Check,
    outcome: Result<String, String>,
    leftovers: Vec<String>,
) -> CheckResult {
    match outcome {
        Ok(found) if leftovers.is_empty() => CheckResult::new(check, Outcome::Pass, found),
        Ok(_) => CheckResult::new(
            check,
            Outcome::Fail,
            format!("removing what it created failed: {}", summary(&leftovers)),
        ),
        Err(failure) => CheckResult::new(check, Outcome::Fail, failure),
    }
}

/// `rely.deletes-repeated`.
pub(crate) async fn deletes_repeated(session: &Session) -> CheckResult {
    let outcome = deletes(session).await;
    result(&DELETES_REPEATED, outcome, session.clean_up().await)
}

async fn deletes(session: &Session) -> Result<String, String> {
    let twice = |method: &'static str, body: serde_json::Value| async move {
        for attempt in ["first", "repeated"] {
            let reply = session.call(method, body.clone()).await;
            if !reply.succeeded() {
                return Err(format!("{attempt}: {}", reply.describe()));
            }
        }
        Ok(())
    };
    let mut done = Vec::new();
    if session.subsystems.network() {
        let network = create_network(session).await?;
        let endpoint = create_endpoint(session, &network, 0).await?;
        join(session, &network.id, &endpoint).await?;
        twice("NetworkDriver.Leave", ids(&network.id, &endpoint)).await?;
        twice("NetworkDriver.DeleteEndpoint", ids(&network.id, &endpoint)).await?;
        twice(
            "NetworkDriver.DeleteNetwork",
            json!({"NetworkID": network.id}),
        )
        .await?;
        let (unknown_network, unknown_endpoint) = (fresh_id(), fresh_id());
        twice(
            "NetworkDriver.DeleteEndpoint",
            ids(&unknown_network, &unknown_endpoint),
        )
        .await
        .map_err(|e| format!("an endpoint never created, {e}"))?;
        twice(
            "NetworkDriver.DeleteNetwork",
            json!({"NetworkID": unknown_network}),
        )
        .await
        .map_err(|e| format!("a network never created, {e}"))?;
        done.push("Leave, DeleteEndpoint, DeleteNetwork succeeded twice and for ids never created");
    }
    if session.subsystems.ipam() {
        let subnet = session.subnet_v4()?;
        let (pool_id, _) = request_pool(session, Some(subnet), None, false).await?;
        let address = given_address(&expect(
            request_address(session, &pool_id, None, false).await,
        )?)
        .ok_or("no address")?;
        let release = json!({"PoolID": pool_id, "Address": address.addr().to_string()});
        released_twice(session, "IpamDriver.ReleaseAddress", release).await?;
        // Released means free: the same address can be asked for again.
        let again = request_address(session, &pool_id, Some(address), false).await;
        expect(again).map_err(|e| format!("{} released, then refused: {e}", address.addr()))?;
        let release = json!({"PoolID": pool_id, "Address": address.addr().to_string()});
        expect(session.call("IpamDriver.ReleaseAddress", release).await)?;
        released_twice(
            session,
            "IpamDriver.ReleasePool",
            json!({"PoolID": pool_id}),
        )
        .await?;
        done.push("ReleaseAddress and ReleasePool answered a repeat with success or {\"Err\"}");
    }
    Ok(done.join("; "))
}

/// An IPAM release, then the same again: dockerd only logs a failed release, so the
/// repeat may fail, but only as a failure dockerd can read.
async fn released_twice(
    session: &Session,
    method: &str,
    body: serde_json::Value,
) -> Result<(), String> {
    expect(session.call(method, body.clone()).await)?;
    let repeat = session.call(method, body).await;
    let readable_failure = repeat.status().is_some_and(|s| s != 200)
        && repeat.answer.as_ref().ok().and_then(|r| r.err()).is_some();
    if repeat.succeeded() || readable_failure {
        Ok(())
    } else {
        Err(format!("repeated: {}", repeat.describe()))
    }
}

/// `rely.concurrent-endpoints`.
pub(crate) async fn concurrent(session: &Session) -> CheckResult {
    let outcome = concurrent_calls(session).await;
    result(&CONCURRENT, outcome, session.clean_up().await)
}

async fn concurrent_calls(session: &Session) -> Result<String, String> {
    let count = session.options.concurrency.max(2);
    let network = match session.subsystems.network() {
        true => Some(create_network(session).await?),
        false => None,
    };
    let pool = match session.subsystems.ipam() {
        true => Some(
            request_pool(session, Some(session.subnet_v4()?), None, false)
                .await?
                .0,
        ),
        false => None,
    };
    // One container each: an address, an endpoint, a join; then leave and delete.
    let tasks: Vec<_> = (0..count)
        .map(|index| {
            let (session, network, pool) = (session.fork(), network.clone(), pool.clone());
            tokio::spawn(async move {
                if let Some(pool) = &pool {
                    expect(request_address(&session, pool, None, false).await)?;
                }
                if let Some(network) = &network {
                    let endpoint = create_endpoint(&session, network, index as u32 + 10).await?;
                    join(&session, &network.id, &endpoint).await?;
                    session
                        .call(
                            "NetworkDriver.EndpointOperInfo",
                            ids(&network.id, &endpoint),
                        )
                        .await;
                    return Ok::<_, String>(Some(endpoint));
                }
                Ok(None)
            })
        })
        .collect();
    let mut endpoints = Vec::new();
    for task in tasks {
        endpoints.push(task.await.map_err(|e| e.to_string())??);
    }
    if let Some(network) = &network {
        let removals: Vec<_> = endpoints
            .into_iter()
            .flatten()
            .map(|endpoint| {
                let (session, network) = (session.fork(), network.id.clone());
                tokio::spawn(async move {
                    session
                        .call("NetworkDriver.Leave", ids(&network, &endpoint))
                        .await;
                    expect(
                        session
                            .call("NetworkDriver.DeleteEndpoint", ids(&network, &endpoint))
                            .await,
                    )
                    .map(drop)
                })
            })
            .collect();
        for removal in removals {
            removal.await.map_err(|e| e.to_string())??;
        }
    }
    Ok(format!(
        "{count} containers' calls at once on {count} connections all succeeded"
    ))
}

/// `rely.time-bound`, over every call of the run.
pub(crate) fn time_bound(session: &Session, log: &[Reply]) -> CheckResult {
    let bound = session.wire.bound();
    let late: Vec<String> = log
        .iter()
        .filter(|r| {
            r.elapsed >= bound
                || r.answer
                    .as_ref()
                    .err()
                    .is_some_and(|e| e.starts_with("no answer"))
        })
        .map(|r| format!("{} took {:.1?}", r.method, r.elapsed))
        .collect();
    let slowest = log.iter().max_by_key(|r| r.elapsed);
    if !late.is_empty() {
        return CheckResult::new(
            &TIME_BOUND,
            Outcome::Fail,
            format!("bound {bound:?}: {}", summary(&late)),
        );
    }
    let found = match slowest {
        Some(r) => format!(
            "{} answers within {bound:?}; slowest {} in {:.1?}",
            log.len(),
            r.method,
            r.elapsed
        ),
        None => "no answers".to_owned(),
    };
    CheckResult::new(&TIME_BOUND, Outcome::Pass, found)
}

/// `rely.restart`.
pub(crate) async fn restart(session: &Session) -> CheckResult {
    let Some(command) = session.options.restart_cmd.clone() else {
        return CheckResult::new(&RESTART, Outcome::Skip, "no --restart-cmd given");
    };
    let outcome = restart_phases(session, &command).await;
    result(&RESTART, outcome, session.clean_up().await)
}

async fn restart_phases(session: &Session, command: &str) -> Result<String, String> {
    // Before: a network with a joined endpoint; a pool with an address.
    let network = match session.subsystems.network() {
        true => {
            let network = create_network(session).await?;
            let endpoint = create_endpoint(session, &network, 0).await?;
            join(session, &network.id, &endpoint).await?;
            Some((network, endpoint))
        }
        false => None,
    };
    let pool = match session.subsystems.ipam() {
        true => {
            let (id, _) = request_pool(session, Some(session.subnet_v4()?), None, false).await?;
            let address = given_address(&expect(request_address(session, &id, None, false).await)?)
                .ok_or("no address")?;
            Some((id, address))
        }
        false => None,
    };
    run_restart(command, RESTART_LIMIT).await?;
    // After: dockerd does not activate again nor replay anything; its first call waits
    // (retries) until the plugin answers again.
    let mut kept = Vec::new();
    if let Some((network, old)) = &network {
        let endpoint = create_endpoint(session, network, 1).await.map_err(|e| {
            format!("after the restart, a new endpoint on the network created before: {e}")
        })?;
        join(session, &network.id, &endpoint)
            .await
            .map_err(|e| format!("after the restart: {e}"))?;
        session
            .call("NetworkDriver.Leave", ids(&network.id, old))
            .await;
        expect(
            session
                .call("NetworkDriver.DeleteEndpoint", ids(&network.id, old))
                .await,
        )
        .map_err(|e| format!("after the restart, deleting the endpoint created before: {e}"))?;
        kept.push("the network and its endpoint");
    }
    if let Some((pool_id, old)) = &pool {
        let reply = expect(request_address(session, pool_id, None, false).await).map_err(|e| {
            format!("after the restart, an address of the pool requested before: {e}")
        })?;
        if given_address(&reply).map(|a| a.addr()) == Some(old.addr()) {
            return Err(format!(
                "after the restart, {} was handed out again while held",
                old.addr()
            ));
        }
        let release = json!({"PoolID": pool_id, "Address": old.addr().to_string()});
        expect(session.call("IpamDriver.ReleaseAddress", release).await)
            .map_err(|e| format!("after the restart: {e}"))?;
        kept.push("the pool and its address");
    }
    Ok(format!(
        "after `{command}`, the plugin kept {}",
        kept.join(" and ")
    ))
}

/// Runs `command` with `sh -c`, for at most `limit`.
async fn run_restart(command: &str, limit: Duration) -> Result<(), String> {
    let mut child = tokio::process::Command::new("sh")
        .args(["-c", command])
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run the restart command: {e}"))?;
    match tokio::time::timeout(limit, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("the restart command failed: {status}")),
        Ok(Err(e)) => Err(format!("the restart command: {e}")),
        Err(_) => Err(format!("the restart command ran longer than {limit:?}")),
    }
}
