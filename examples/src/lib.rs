//! Runnable Docker network plugins built with dknet.
//!
//! - `dknet-noop` (`src/bin/dknet-noop.rs`): the smallest plugin; every call succeeds.
//! - `dknet-bridge` (`src/bin/dknet-bridge.rs`, driver in [`bridge`]): a real driver that
//!   gives each network a Linux bridge and each container a veth pair on it.
//!
//! [`cli`] holds what the binaries share: where to listen, and logging.

pub mod bridge;
pub mod cli;

/// The exit code for how a plugin's `main` ended; prints an error as the
/// sentence it is (`error: another plugin is already serving on ...`).
pub fn report_exit<E: std::fmt::Display>(result: Result<(), E>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
