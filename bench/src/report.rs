//! The figures, printed as Markdown tables (BENCHMARKS.md quotes them).

use std::time::Duration;

use crate::load::{Mode, Round};

/// One server's median round for one method and mode.
pub(crate) struct Measured {
    pub(crate) method: &'static str,
    pub(crate) mode: Mode,
    pub(crate) server: &'static str,
    pub(crate) rate: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
    pub(crate) cpu: Duration,
}

impl Measured {
    /// The median round, by rate, of `rounds`.
    pub(crate) fn median(
        method: &'static str,
        mode: Mode,
        server: &'static str,
        mut rounds: Vec<Round>,
    ) -> Self {
        rounds.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        let round = &rounds[rounds.len() / 2];
        Self {
            method,
            mode,
            server,
            rate: round.rate,
            p50: round.percentile(0.50),
            p99: round.percentile(0.99),
            cpu: round.cpu_per_request.unwrap_or_default(),
        }
    }
}

/// Prints one table per method: every mode, every server, with the rate, the
/// p99 latency and the server's CPU time per request as ratios of the bare
/// hyper server's in the same mode.
pub(crate) fn throughput(results: &[Measured], methods: &[(&'static str, usize)]) {
    for &(method, body_len) in methods {
        println!("\n### {method} (dockerd's body: {body_len} bytes)\n");
        println!(
            "| clients | server | requests/s | p50 µs | p99 µs | server CPU µs/req \
             | rate vs bare | p99 vs bare | CPU vs bare |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        for row in results.iter().filter(|r| r.method == method) {
            let bare = results
                .iter()
                .find(|b| b.method == method && b.mode == row.mode && b.server == crate::BARE);
            let ratio = |of: f64, to: f64| format!("{:.2}x", of / to);
            let (rate_ratio, p99_ratio, cpu_ratio) = match bare {
                Some(bare) => (
                    ratio(row.rate, bare.rate),
                    ratio(row.p99.as_secs_f64(), bare.p99.as_secs_f64()),
                    ratio(row.cpu.as_secs_f64(), bare.cpu.as_secs_f64()),
                ),
                None => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
            };
            println!(
                "| {} | {} | {:.0} | {} | {} | {:.1} | {rate_ratio} | {p99_ratio} | {cpu_ratio} |",
                row.mode.label(),
                row.server,
                row.rate,
                row.p50.as_micros(),
                row.p99.as_micros(),
                row.cpu.as_secs_f64() * 1e6,
            );
        }
    }
}

/// Megabytes with two decimals, from KiB.
pub(crate) fn mib(kib: u64) -> String {
    format!("{:.2} MiB", kib as f64 / 1024.0)
}

/// Milliseconds with two decimals.
pub(crate) fn ms(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}
