//! Checking a dknet driver from `cargo test`: served on a socket in a temporary directory.

use dknet::network::NetworkDriver;
use dknet::Plugin;

use crate::{check, Options, Report, Target};

/// Checks a network driver with the default [`Options`]: `check_plugin` of a plugin
/// serving `driver` alone.
pub async fn check_driver<D: NetworkDriver>(driver: D) -> Report {
    check_plugin(Plugin::new().network_driver(driver), Options::default()).await
}

/// Serves `plugin` on a unix socket in a new temporary directory, runs every check against
/// it, stops it and returns the report. `rely.restart` is skipped unless
/// `options.restart_cmd` is set (an in-process plugin cannot be restarted by a command).
pub async fn check_plugin(plugin: Plugin, options: Options) -> Report {
    let dir = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(error) => return failed_to_start(format!("no temporary directory: {error}")),
    };
    let socket = dir.path().join("plugin.sock");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let plugin = plugin.shutdown_signal(async move {
        let _ = stopped.await;
    });
    let bound = match plugin.bind_unix(&socket).await {
        Ok(bound) => bound,
        Err(error) => return failed_to_start(format!("cannot serve the plugin: {error}")),
    };
    let server = tokio::spawn(bound.run());
    let report = check(&Target::Unix(socket), options, &mut |_| {}).await;
    let _ = stop.send(());
    let _ = server.await;
    report
}

fn failed_to_start(reason: String) -> Report {
    use crate::report::{CheckResult, Outcome};
    Report {
        plugin: "in-process plugin".to_owned(),
        checks: vec![CheckResult::new(
            &crate::catalog::ACTIVATE,
            Outcome::Fail,
            reason,
        )],
    }
}
