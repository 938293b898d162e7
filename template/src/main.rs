//! Serves the driver on /run/docker/plugins/demo.sock, where dockerd finds it as
//! `docker network create -d demo ...`. Run it as root; stop it with Ctrl-C or SIGTERM.

use tracing_subscriber::filter::Targets;
use tracing_subscriber::prelude::*;

/// The plugin's name: its socket's, and what `docker network create -d` says.
const NAME: &str = "demo";

#[tokio::main]
async fn main() -> Result<(), dknet::Error> {
    init_logging();
    dknet::serve_unix(dknet_template::Driver, NAME).await
}

/// Logs to standard error, filtered by `RUST_LOG` (`debug`, `info,dknet=debug`, ...),
/// `info` when it is unset.
fn init_logging() {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .and_then(|text| text.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(tracing::Level::INFO));
    tracing_subscriber::registry()
        .with(filter)
        .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
        .init();
}
