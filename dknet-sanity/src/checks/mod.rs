//! The run: the handshake, then each group of checks, then the checks that read every
//! answer of the run; everything created is removed as each check ends.

mod answers;
mod handshake;
mod refusals;
mod reliance;
mod sequences;
mod steps;

use crate::catalog::{self, Check};
use crate::options::DaemonVersion;
use crate::report::{CheckResult, Outcome};
use crate::session::Session;

/// Runs every check; `progress` hears each result as it comes.
pub(crate) async fn run(
    mut session: Session,
    progress: &mut (dyn FnMut(&CheckResult) + Send),
) -> Vec<CheckResult> {
    let mut results = Vec::new();
    let mut record = |result: CheckResult, results: &mut Vec<CheckResult>| {
        progress(&result);
        results.push(result);
    };
    let (activated, served) = handshake::activate(&mut session).await;
    record(activated, &mut results);
    if served.is_none() {
        for check in &catalog::ALL[1..] {
            let skipped = CheckResult::new(check, Outcome::Skip, "the handshake failed");
            record(skipped, &mut results);
        }
        return results;
    }
    record(
        handshake::network_capabilities(&mut session).await,
        &mut results,
    );
    record(
        handshake::ipam_capabilities(&mut session).await,
        &mut results,
    );
    record(answers::unknown_method(&session).await, &mut results);
    record(answers::bad_body(&session).await, &mut results);
    for version in DaemonVersion::ALL {
        record(sequences::recorded(&session, version).await, &mut results);
    }
    record(sequences::swarm(&session).await, &mut results);

    let network_probe = match session.subsystems.network() {
        true => refusals::network_probe(&session).await,
        false => Ok(()),
    };
    let cleanup = session.clean_up().await;
    let ipam_probe = match session.subsystems.ipam() {
        true => refusals::ipam_probe(&session).await,
        false => Default::default(),
    };
    let cleanup = [cleanup, session.clean_up().await].concat();
    record(reliance::deletes_repeated(&session).await, &mut results);
    record(reliance::concurrent(&session).await, &mut results);
    record(reliance::restart(&session).await, &mut results);

    let log = session.wire.log();
    let network_probe = match (&network_probe, cleanup.is_empty()) {
        (Ok(()), false) => Err(format!(
            "removing what the probe created failed: {}",
            answers::summary(&cleanup)
        )),
        _ => network_probe,
    };
    record(
        refusals::endpoint_echo(&session, &log, &network_probe),
        &mut results,
    );
    record(
        refusals::join_interface(&session, &log, &network_probe),
        &mut results,
    );
    for result in refusals::ipam_rules(&session, &log, ipam_probe) {
        record(result, &mut results);
    }
    record(answers::shape(&log), &mut results);
    record(reliance::time_bound(&session, &log), &mut results);
    sort(&mut results);
    results
}

/// The catalog's order.
fn sort(results: &mut [CheckResult]) {
    let position = |name: &str| catalog::ALL.iter().position(|c: &Check| c.name == name);
    results.sort_by_key(|r| position(r.name));
}
