//! Calls to the plugin, each bounded in time and kept in a log the answer checks read.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use dknet::testing::{Client, RawResponse};
use serde_json::Value;

use crate::target::Target;

/// How long dockerd keeps retrying a call that could not reach the plugin: back-off of
/// 1, 2, 4, 8 s, giving up before the next would pass 30 s (`pkg/plugins/client.go`).
const DOCKERD_RETRY: Duration = Duration::from_secs(16);

/// One call and what came back.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    /// `Subsystem.Method`.
    pub(crate) method: String,
    /// The JSON sent (`None`: an empty body, or bytes that are not JSON).
    pub(crate) request: Option<Value>,
    /// The answer, or why there was none (timed out, connection failed).
    pub(crate) answer: Result<RawResponse, String>,
    /// How long the answer took (the last attempt, when the plugin was unreachable first).
    pub(crate) elapsed: Duration,
    /// Sent as raw bytes by a probe of broken bodies or unknown methods, which the
    /// `answers.bad-body` and `answers.unknown-method` checks judge.
    pub(crate) raw: bool,
}

impl Reply {
    /// The HTTP status, if an answer came.
    pub(crate) fn status(&self) -> Option<u16> {
        self.answer.as_ref().ok().map(|r| r.status)
    }

    /// The answer's body as JSON, if it is JSON.
    pub(crate) fn json(&self) -> Option<Value> {
        self.answer.as_ref().ok().and_then(|r| r.json().ok())
    }

    /// The answer's field `key`, if the body is a JSON object holding it.
    pub(crate) fn field(&self, key: &str) -> Option<Value> {
        self.json()?.get(key).cloned()
    }

    /// Whether dockerd would take this as success: 200, JSON, no `Err` (nor, for IPAM,
    /// `Error`).
    pub(crate) fn succeeded(&self) -> bool {
        let Ok(response) = &self.answer else {
            return false;
        };
        if response.status != 200 {
            return false;
        }
        let Ok(body) = response.json() else {
            return false;
        };
        let error_key = |key| {
            body.get(key)
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        };
        // IPAM's failure key is `Error`; the network driver's is `Err`.
        let key = if self.method.starts_with("IpamDriver.") {
            "Error"
        } else {
            "Err"
        };
        !error_key(key)
    }

    /// A 404: dockerd's "not implemented".
    pub(crate) fn not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// One line saying what came back, for reports.
    pub(crate) fn describe(&self) -> String {
        match &self.answer {
            Ok(response) => {
                let mut text = response.text().trim().to_owned();
                if text.len() > 160 {
                    let mut cut = 160;
                    while !text.is_char_boundary(cut) {
                        cut -= 1;
                    }
                    text.truncate(cut);
                    text.push('…');
                }
                format!("{} answered {} {text}", self.method, response.status)
            }
            // The client's errors already start with the method.
            Err(error) if error.starts_with(&self.method) => error.clone(),
            Err(error) => format!("{}: {error}", self.method),
        }
    }
}

/// The plugin's connection: a client, the time bound, and every reply so far.
#[derive(Debug, Clone)]
pub(crate) struct Wire {
    target: Target,
    client: Arc<Mutex<Arc<Client>>>,
    bound: Duration,
    log: Arc<Mutex<Vec<Reply>>>,
}

impl Wire {
    /// A wire to `target`, each answer awaited at most `bound`.
    pub(crate) fn new(target: Target, bound: Duration) -> Self {
        Self {
            client: Arc::new(Mutex::new(Arc::new(target.client()))),
            target,
            bound,
            log: Arc::default(),
        }
    }

    /// The time bound.
    pub(crate) fn bound(&self) -> Duration {
        self.bound
    }

    /// A wire to the same plugin on connections of its own, sharing the log (for
    /// concurrent calls).
    pub(crate) fn fork(&self) -> Self {
        Self {
            client: Arc::new(Mutex::new(Arc::new(self.target.client()))),
            ..self.clone()
        }
    }

    /// Calls `method` with `request` encoded as dockerd does (`None`: an empty body).
    pub(crate) async fn call(&self, method: &str, request: Option<&Value>) -> Reply {
        let body = request.map(|v| {
            let mut bytes = serde_json::to_vec(v).expect("JSON values encode");
            bytes.push(b'\n');
            bytes
        });
        self.send(method, request.cloned(), body.as_deref(), false)
            .await
    }

    /// Calls `method` with exactly `body`.
    pub(crate) async fn call_raw(&self, method: &str, body: &[u8]) -> Reply {
        let request = serde_json::from_slice(body).ok();
        self.send(method, request, Some(body), true).await
    }

    async fn send(
        &self,
        method: &str,
        request: Option<Value>,
        body: Option<&[u8]>,
        raw: bool,
    ) -> Reply {
        let path = format!("/{method}");
        let started = Instant::now();
        let mut backoff = Duration::from_secs(1);
        let (answer, attempt) = loop {
            let attempt = Instant::now();
            let client = Arc::clone(&self.client.lock().expect("client lock"));
            match tokio::time::timeout(self.bound, client.call(&path, body)).await {
                Ok(Ok(response)) => break (Ok(response), attempt),
                // Like dockerd, try again while the plugin cannot be reached (restarting,
                // socket not there yet), with its back-off, for about 15 s.
                Ok(Err(_)) if started.elapsed() + backoff < DOCKERD_RETRY => {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                Ok(Err(error)) => break (Err(error.to_string()), attempt),
                Err(_) => {
                    // The connection still carries the abandoned call: start a new one.
                    *self.client.lock().expect("client lock") = Arc::new(self.target.client());
                    break (Err(format!("no answer within {:?}", self.bound)), attempt);
                }
            }
        };
        let reply = Reply {
            method: method.to_owned(),
            request,
            answer,
            // The answer's own time: waiting for an unreachable plugin is not counted.
            elapsed: attempt.elapsed(),
            raw,
        };
        self.log.lock().expect("log lock").push(reply.clone());
        reply
    }

    /// Every reply so far.
    pub(crate) fn log(&self) -> Vec<Reply> {
        self.log.lock().expect("log lock").clone()
    }
}
