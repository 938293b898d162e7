//! Runnable Docker network plugins built with dknet.
//!
//! - `dknet-noop` (`src/bin/dknet-noop.rs`): the smallest plugin; every call succeeds.
//! - `dknet-bridge` (`src/bin/dknet-bridge.rs`, driver in [`bridge`]): a real driver that
//!   gives each network a Linux bridge and each container a veth pair on it.
//! - `dknet-ipam` (`src/bin/dknet-ipam.rs`, driver in [`ipam`]): an IPAM driver handing out
//!   pools and addresses without overlap, persisted across restarts.
//! - `dknet-overlay` (`src/bin/dknet-overlay.rs`, driver in [`overlay`]): a multi-host
//!   (swarm) driver joining the nodes' bridges with VXLAN.
//!
//! [`cli`] holds what the binaries share: start-up, where to listen, logging and serving;
//! [`managed`] how they describe themselves as managed (v2) plugins; [`linux`] the Linux
//! helpers the bridge and overlay drivers share; [`migrate`] reads the state files of
//! earlier versions.

pub mod bridge;
pub mod cli;
pub mod ipam;
pub mod linux;
pub mod managed;
pub mod migrate;
pub mod overlay;

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
