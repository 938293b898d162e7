//! A plugin written without dknet (Python's http.server, `tests/plugins/stranger.py`),
//! checked as a stranger's plugin would be: it passes as written, and each check fails
//! against the switch that breaks exactly that check's rule.

use std::path::PathBuf;
use std::process::Child;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

mod support;

use dknet_sanity::{catalog, check, DaemonVersion, Options, Outcome, Report, Target};

/// The Python plugin, running; stopped when dropped.
struct Stranger {
    child: Child,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl Stranger {
    fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join("stranger.sock");
        let child = support::start_stranger(dir.path(), &socket, extra);
        Self {
            child,
            socket,
            _dir: dir,
        }
    }

    async fn check(&self, options: Options) -> Report {
        check(&Target::Unix(self.socket.clone()), options, &mut |_| {}).await
    }
}

impl Drop for Stranger {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The run's options: the lower half of 10.203.0.0/16 (the plugin's own default pools
/// are the upper half), answers bounded at 5 s.
fn options() -> Options {
    Options {
        pool_v4: "10.203.0.0/17".parse().unwrap(),
        timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_python_plugin_passes_every_check_including_a_restart() {
    if !support::python3_available() {
        return;
    }
    let plugin = Stranger::start(&[]);
    let restart = format!("kill -HUP {}", plugin.child.id());
    let report = plugin
        .check(Options {
            restart_cmd: Some(restart),
            ..options()
        })
        .await;
    report.assert_passed();
    // Everything applies to a local-scope network and IPAM plugin but the swarm's calls.
    let skipped: Vec<_> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Skip)
        .map(|c| c.name)
        .collect();
    assert_eq!(skipped, ["sequence.swarm"], "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_global_scope_python_plugin_passes_the_swarm_sequence() {
    if !support::python3_available() {
        return;
    }
    let plugin = Stranger::start(&["--scope", "global"]);
    let report = plugin.check(options()).await;
    report.assert_passed();
    assert_eq!(
        report.get("sequence.swarm").unwrap().outcome,
        Outcome::Pass,
        "{report}"
    );
}

/// Breaks `rule` and returns the names of the checks that failed.
async fn failures_when_breaking(rule: &str) -> Vec<&'static str> {
    let mut args = vec!["--break", rule];
    if rule == "sequence.swarm" {
        args.extend(["--scope", "global"]);
    }
    let plugin = Stranger::start(&args);
    let mut options = options();
    if rule == "rely.restart" {
        options.restart_cmd = Some(format!("kill -HUP {}", plugin.child.id()));
    }
    if rule == "rely.time-bound" {
        // The plugin takes 3 s; each slow answer costs the whole bound: one recording is
        // enough.
        options.timeout = Duration::from_secs(2);
        options.versions = vec![DaemonVersion::V20];
    }
    let report = plugin.check(options).await;
    let failed = report.failures();
    assert!(
        failed.contains(&catalog::ALL.iter().find(|c| c.name == rule).unwrap().name),
        "breaking {rule} did not fail it:\n{report}"
    );
    failed
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_check_fails_against_the_plugin_that_breaks_its_rule() {
    if !support::python3_available() {
        return;
    }
    // Four at a time, each against a plugin of its own.
    let slots = Arc::new(Semaphore::new(4));
    let runs: Vec<_> = catalog::ALL
        .iter()
        .map(|check| {
            let slots = Arc::clone(&slots);
            tokio::spawn(async move {
                let _slot = slots.acquire().await.unwrap();
                failures_when_breaking(check.name).await
            })
        })
        .collect();
    for (check, run) in catalog::ALL.iter().zip(runs) {
        let failed = run.await.unwrap();
        let expected = match check.name {
            // GwAllocCheck is sent by 28 and 29 alike.
            "sequence.28" => vec!["sequence.28", "sequence.29"],
            // Calico's trap: 29 sends ProgramExternalConnectivity, and a 500 for a method
            // the plugin does not serve fails the container's start.
            "answers.unknown-method" => vec!["answers.unknown-method", "sequence.29"],
            name => vec![name],
        };
        assert_eq!(
            failed, expected,
            "breaking {} failed other checks too",
            check.name
        );
    }
}
