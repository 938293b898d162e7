//! The plugin's connection limits against a real dockerd: closing idle
//! connections must not break dockerd's calls.

use std::time::Duration;

use super::lab::{run_once, Lab};
use super::plugin::Kind;

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn hardening_a_plugin_that_closed_its_idle_connections_still_serves_docker_run() {
    // The plugin closes connections idle for 2 s; dockerd keeps its own for 30 s.
    let mut lab = Lab::start(Kind::NoopShortIdle, "idle");
    let net = lab.network("n", "--subnet 10.201.210.0/24");
    run_once(&net, "true");
    // dockerd's kept connections are closed by the plugin meanwhile.
    std::thread::sleep(Duration::from_secs(5));
    run_once(&net, "true");
    std::thread::sleep(Duration::from_secs(5));
    lab.remove_all();
}
