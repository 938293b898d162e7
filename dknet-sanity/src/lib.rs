//! A conformance checker for Docker network and IPAM plugins, in any language.
//!
//! It talks to a plugin exactly as dockerd does (dknet's [`testing`](dknet::testing)
//! client), replays the calls dockerd 20.10, 28 and 29 were recorded sending, and holds
//! every answer to the rules dockerd applies: the handshake, the shape of each answer,
//! the answers dockerd refuses (an echoed address, a half-named interface, an IPAM address
//! outside its pool or given twice, overlapping pools), and what dockerd relies on
//! (repeatable deletes, concurrent calls, answers in time, state kept across a restart).
//! Each [`CheckResult`] says what was found and, when it failed, what dockerd does then.
//!
//! From the command line: `dknet-sanity NAME` (see `dknet-sanity --help`). From Rust, in
//! `cargo test`, against a driver in this process:
//!
//! ```
//! struct Noop;
//!
//! #[dknet::network_driver]
//! impl Noop {}
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let report = dknet_sanity::check_driver(Noop).await;
//! report.assert_passed();
//! # }
//! ```

mod addressing;
pub mod catalog;
mod checks;
mod in_process;
mod options;
mod report;
mod sequence;
mod session;
mod shape;
mod target;
mod wire;

pub use in_process::{check_driver, check_plugin};
pub use options::{DaemonVersion, Options, Scope, Subsystems};
pub use report::{CheckResult, Outcome, Report};
pub use target::Target;

/// The README's Rust examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

/// Runs every check against the plugin at `target`; `progress` hears each result as soon
/// as it is known. Everything the checks create is removed before it returns.
pub async fn check(
    target: &Target,
    options: Options,
    progress: &mut (dyn FnMut(&CheckResult) + Send),
) -> Report {
    let wire = wire::Wire::new(target.clone(), options.timeout);
    let session = session::Session::new(wire, options);
    Report {
        plugin: target.to_string(),
        checks: checks::run(session, progress).await,
    }
}
