//! What a dknet plugin adds to starting a container: the wall time of `docker run --rm` on a
//! `dknet-bridge` network against Docker's own bridge networks, in alternating runs. The
//! figures are printed (BENCHMARKS.md quotes them); only correctness is asserted.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::cli::{docker, docker_ok};
use crate::lab::{run_once, Lab};
use crate::plugin::Kind;

/// Runs per network; the median is reported.
const RUNS: usize = 10;

/// A network of Docker's built-in `bridge` driver, removed when dropped.
struct BuiltInNetwork(String);

impl BuiltInNetwork {
    #[track_caller]
    fn create(name: String, subnet: &str) -> Self {
        docker_ok(&[
            "network", "create", "-d", "bridge", "--subnet", subnet, &name,
        ]);
        Self(name)
    }
}

impl Drop for BuiltInNetwork {
    fn drop(&mut self) {
        let output = docker(&["network", "rm", &self.0]);
        if !output.success() && !std::thread::panicking() {
            panic!("cannot remove {}: {output}", self.0);
        }
    }
}

#[test]
#[ignore = "needs root and a Docker daemon: run by scripts/docker-tests"]
fn timing_docker_run_on_a_dknet_bridge_network_against_dockers_bridges() {
    let mut lab = Lab::start(Kind::Bridge, "timing");
    let dknet = lab.network("n", "--subnet 10.201.80.0/24");
    let own = BuiltInNetwork::create(format!("{dknet}-builtin"), "10.201.81.0/24");
    // (label, network, what the container's eth0 must show)
    let networks = [
        ("dknet-bridge network", dknet.as_str(), "inet 10.201.80."),
        (
            "Docker bridge network (user-defined)",
            own.0.as_str(),
            "inet 10.201.81.",
        ),
        ("Docker default bridge", "bridge", "inet "),
    ];
    let mut times = vec![Vec::new(); networks.len()];
    // One unmeasured run each, then alternating measured runs.
    for run in 0..=RUNS {
        for ((_, network, expected), times) in networks.iter().zip(&mut times) {
            let started = Instant::now();
            let shown = run_once(network, "ip -4 -o addr show eth0");
            let elapsed = started.elapsed();
            assert!(shown.contains(expected), "{network}: {shown}");
            if run > 0 {
                times.push(elapsed);
            }
        }
    }

    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    let version = std::env::var("DKNET_DOCKERD_VERSION").unwrap_or_else(|_| "?".to_owned());
    let mut report = format!("timing: `docker run --rm` on dockerd {version}, median of {RUNS}:\n");
    for ((label, _, _), time) in networks.iter().zip(&medians) {
        report += &format!("timing:   {label}: {:.0} ms\n", time.as_secs_f64() * 1000.0);
    }
    for ((label, _, _), time) in networks.iter().zip(&medians).skip(1) {
        let extra = medians[0].as_secs_f64() - time.as_secs_f64();
        report += &format!(
            "timing:   dknet-bridge - {label}: {:+.0} ms\n",
            extra * 1000.0
        );
    }
    // Straight to standard error: the test harness hides what `println!` prints.
    let _ = std::io::stderr().write_all(report.as_bytes());
    drop(own);
    lab.remove_all();
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}
