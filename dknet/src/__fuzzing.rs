//! Entry points for the cargo-fuzz targets in `dknet/fuzz`, compiled only under
//! `--cfg fuzzing` (which cargo-fuzz sets), never offered as a feature. Not an
//! API: anything here may change in any release.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::runtime::Runtime;

use crate::dispatch::decode;
use crate::network::{CreateNetworkRequest, NetworkDriver};
use crate::protocol::EachRequest;
use crate::server::Server;
use crate::{ipam, network, Plugin};

/// Decodes `body` as the request of every network and IPAM method; never panics.
pub fn decode_requests(body: &[u8]) {
    struct Decode<'a>(&'a [u8]);
    impl EachRequest for Decode<'_> {
        fn request<T>(&mut self, route: &'static str)
        where
            T: serde::de::DeserializeOwned,
        {
            let _ = decode::<T>(route, self.0);
        }
    }
    network::protocol::each_request(&mut Decode(body));
    ipam::protocol::each_request(&mut Decode(body));
    if let Ok(request) = decode::<CreateNetworkRequest>("CreateNetwork", body) {
        let _ = request.options.generic_map();
    }
}

/// A driver with every default answer.
struct Defaults;

impl NetworkDriver for Defaults {}

/// Sends `input` as the whole byte stream of one connection to a plugin
/// serving the default driver, and returns every byte it answered.
pub fn http_exchange(input: &[u8]) -> Vec<u8> {
    static SERVER: OnceLock<(Runtime, Arc<Server>)> = OnceLock::new();
    let (runtime, server) = SERVER.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let plugin = Plugin::new()
            .network_driver(Defaults)
            .header_read_timeout(Duration::from_millis(100))
            .body_read_timeout(Duration::from_millis(100));
        (runtime, plugin.into_server())
    });
    runtime.block_on(async {
        let (mut client, plugin) = tokio::io::duplex(1 << 16);
        let serving = tokio::spawn(Arc::clone(server).serve_connection(plugin));
        let mut answer = Vec::new();
        let exchange = async {
            // The plugin may stop reading (a 413 or a parse error): then
            // the rest of the input is not written.
            let _ = client.write_all(input).await;
            let _ = client.shutdown().await;
            let _ = client.read_to_end(&mut answer).await;
        };
        let finished = tokio::time::timeout(Duration::from_secs(5), exchange).await;
        assert!(finished.is_ok(), "the plugin neither answered nor closed");
        serving.await.expect("the connection task does not panic");
        answer
    })
}
