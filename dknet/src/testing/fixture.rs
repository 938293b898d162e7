//! Replaying recorded dockerd traffic (`.jsonl` files, one request a line)
//! against a plugin.

use std::io;
use std::path::Path;

use serde::Deserialize;

use super::client::go_json;
use super::{CallError, Client, RawResponse};
use crate::JsonValue;

/// One recorded request, as in the `dockerd-<version>.jsonl` fixtures.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct FixtureEntry {
    /// The daemon version that sent it.
    #[serde(default)]
    pub daemon: Option<String>,
    /// The request path, e.g. `/NetworkDriver.Join`.
    pub path: String,
    /// The `Accept` header sent.
    #[serde(default)]
    pub accept: Option<String>,
    /// The `Content-Type` header sent (dockerd sends none).
    #[serde(default)]
    pub content_type: Option<String>,
    /// The JSON body; `None` for an empty body.
    #[serde(default)]
    pub request: Option<JsonValue>,
    /// What the recording plugin answered (one valid answer, not the only one).
    #[serde(default)]
    pub response: Option<JsonValue>,
}

impl FixtureEntry {
    /// The subsystem of the path: `NetworkDriver` for `/NetworkDriver.Join`.
    pub fn subsystem(&self) -> &str {
        let path = self.path.trim_start_matches('/');
        path.split_once('.')
            .map_or(path, |(subsystem, _)| subsystem)
    }

    /// The body dockerd sent: Go's JSON encoding ends with a newline.
    pub fn body(&self) -> Option<Vec<u8>> {
        let request = self.request.as_ref()?;
        Some(go_json(request).expect("JSON values encode"))
    }
}

/// Reads a fixture file: one JSON object a line (blank lines are skipped).
pub fn load_fixture(path: impl AsRef<Path>) -> io::Result<Vec<FixtureEntry>> {
    let path = path.as_ref();
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line).map_err(|error| {
                let message = format!("{}:{}: {error}", path.display(), index + 1);
                io::Error::new(io::ErrorKind::InvalidData, message)
            })
        })
        .collect()
}

/// Which recorded requests [`Client::replay`] sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Replay {
    /// `Plugin.*` and the subsystems the plugin's `Plugin.Activate` lists
    /// (a network-only plugin skips the `IpamDriver.*` requests).
    #[default]
    Implemented,
    /// Every request.
    All,
}

/// One replayed request and the plugin's answer.
#[derive(Debug, Clone)]
pub struct Replayed {
    /// The request path.
    pub path: String,
    /// The JSON body sent (`None`: empty).
    pub request: Option<JsonValue>,
    /// What the plugin answered.
    pub response: RawResponse,
    /// What the recording plugin had answered.
    pub recorded: Option<JsonValue>,
}

impl Client {
    /// Sends each of `entries` in order (those `filter` selects) and returns
    /// every answer, whatever its status. Fails only when the plugin cannot
    /// be reached.
    pub async fn replay(
        &self,
        entries: &[FixtureEntry],
        filter: Replay,
    ) -> Result<Vec<Replayed>, CallError> {
        let implements = match filter {
            Replay::Implemented => Some(self.activate().await?.implements),
            Replay::All => None,
        };
        let selected = entries.iter().filter(|entry| match &implements {
            None => true,
            Some(names) => {
                entry.subsystem() == "Plugin" || names.iter().any(|n| n == entry.subsystem())
            }
        });
        let mut replayed = Vec::new();
        for entry in selected {
            let response = self.call(&entry.path, entry.body().as_deref()).await?;
            replayed.push(Replayed {
                path: entry.path.clone(),
                request: entry.request.clone(),
                response,
                recorded: entry.response.clone(),
            });
        }
        Ok(replayed)
    }
}
