//! [`Limits`]: how much time and memory one client may hold, so that no
//! local client can starve the plugin.

use std::time::Duration;

/// The default request body limit: 1 MiB.
const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// The default memory budget of all request bodies together: 32 MiB.
pub(crate) const DEFAULT_BODY_BUDGET: usize = 32 << 20;

/// The bounds every connection is served within (see the `Plugin` options
/// of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The largest request body; larger ones get 413.
    pub(crate) body_limit: usize,
    /// The most memory request bodies may hold, all connections together;
    /// a body that would need more gets 503.
    pub(crate) body_budget: usize,
    /// How long a request head may take once its first byte arrived.
    pub(crate) header_read_timeout: Duration,
    /// How long a request body may take once its head was read, and an
    /// answer to be taken by the client.
    pub(crate) body_read_timeout: Duration,
    /// How long a keep-alive connection may wait for its next request.
    pub(crate) idle_timeout: Duration,
    /// How many connections are served at once.
    pub(crate) max_connections: usize,
}

impl Limits {
    /// The largest request head (request line and headers): dockerd sends
    /// a few hundred bytes; anything longer gets 431. It also bounds what
    /// a connection reads of the next request while answering one.
    pub(crate) const MAX_HEAD_BYTES: usize = 16 * 1024;
}

impl Default for Limits {
    /// dockerd writes a request at once and drops its idle connections
    /// after 30 s (`docs/protocol.md`): 10 s to send a head or a body, 90 s
    /// of idleness, 512 connections, 32 MiB for the bodies being read.
    fn default() -> Self {
        Self {
            body_limit: DEFAULT_BODY_LIMIT,
            body_budget: DEFAULT_BODY_BUDGET,
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(90),
            max_connections: 512,
        }
    }
}
