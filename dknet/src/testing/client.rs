//! [`Client`]: talks to a plugin exactly as dockerd does.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, HOST, USER_AGENT};
use hyper::Request;
use serde::de::DeserializeOwned;
use serde::Serialize;
use tokio::sync::Mutex;

use super::connect::{Sender, Target};
use super::{CallError, RawResponse};
use crate::server::MEDIA_TYPE;
use crate::ActivateResponse;
use crate::{LocalAddr, Plugin};

/// A client that speaks to a plugin as dockerd does: `POST`, the headers
/// dockerd 29.7.2 sends in its order (`Host`, `User-Agent:
/// Go-http-client/1.1`, `Content-Length`, `Accept:
/// application/vnd.docker.plugins.v1.2+json`; no `Content-Type`, no
/// `Accept-Encoding`), an empty body for the calls without a request
/// (`Plugin.Activate`, the capabilities), Go-encoded JSON (with its trailing
/// newline) otherwise. One keep-alive connection is reused across calls
/// (calls from several tasks take turns on it; make several clients for
/// parallel connections).
pub struct Client {
    target: Target,
    host: String,
    connection: Mutex<Option<Sender>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

impl Client {
    fn with_target(target: Target) -> Self {
        Self {
            host: target.host(),
            target,
            connection: Mutex::new(None),
        }
    }

    /// A client for the plugin listening on the unix socket at `path`.
    pub fn unix(path: impl Into<PathBuf>) -> Self {
        Self::with_target(Target::Unix(path.into()))
    }

    /// A client for the plugin listening on TCP `address`.
    pub fn tcp(address: SocketAddr) -> Self {
        Self::with_target(Target::Tcp(address))
    }

    /// A client for the plugin listening at `address` (see
    /// [`BoundPlugin::local_addr`](crate::BoundPlugin::local_addr)).
    pub fn for_addr(address: &LocalAddr) -> Self {
        match address {
            LocalAddr::Unix(path) => Self::unix(path.clone()),
            LocalAddr::Tcp(address) => Self::tcp(*address),
        }
    }

    /// A client for `plugin` served in this process over an in-memory pipe:
    /// no socket, no files, the full HTTP path. Needs a tokio runtime when
    /// calling.
    pub fn in_process(plugin: Plugin) -> Self {
        Self::with_target(Target::InProcess(plugin.into_server()))
    }

    /// Sends `body` (none for `None`) to `path` (`/Subsystem.Method`) and
    /// returns the answer whatever its status.
    pub async fn call(&self, path: &str, body: Option<&[u8]>) -> Result<RawResponse, CallError> {
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let body = Bytes::copy_from_slice(body.unwrap_or_default());
        self.send(&path, body)
            .await
            .map_err(|error| CallError::Transport {
                method: path[1..].to_owned(),
                error,
            })
    }

    async fn send(&self, path: &str, body: Bytes) -> io::Result<RawResponse> {
        // dockerd's headers, in its order: Go writes `Host`, `User-Agent`
        // and `Content-Length` first, then the plugin client's `Accept`.
        // Nothing else: its transport sends no `Accept-Encoding` (the
        // recording `dknet/tests/fixtures/dockerd-29.7.2-headers.jsonl`).
        let mut request = Request::post(path)
            .header(HOST, &self.host)
            .header(USER_AGENT, "Go-http-client/1.1")
            .header(CONTENT_LENGTH, body.len())
            .header(ACCEPT, MEDIA_TYPE)
            .body(Full::new(body))
            .map_err(io::Error::other)?;
        let mut slot = self.connection.lock().await;
        let mut fresh = false;
        let response = loop {
            let reusable = match slot.as_mut() {
                Some(sender) => sender.ready().await.is_ok(),
                None => false,
            };
            if !reusable {
                fresh = true;
                *slot = Some(self.target.connect().await?);
            }
            let sender = slot.as_mut().expect("connected above");
            match sender.try_send_request(request).await {
                Ok(response) => break response,
                // The server closed a reused connection before taking the
                // request: safe to send it again on a new one.
                Err(mut error) if !fresh && error.message().is_some() => {
                    request = error.take_message().expect("checked above");
                    *slot = None;
                }
                Err(error) => {
                    *slot = None;
                    return Err(io::Error::other(error.into_error()));
                }
            }
        };
        let (parts, body) = response.into_parts();
        let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
        let content_type = parts.headers.get(CONTENT_TYPE);
        Ok(RawResponse {
            status: parts.status.as_u16(),
            content_type: content_type
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body,
        })
    }

    /// Calls `path` with `request` encoded as Go would, and decodes a 200's body.
    pub(crate) async fn typed<Req, Resp>(
        &self,
        path: &str,
        request: Option<&Req>,
    ) -> Result<Resp, CallError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let method = &path[1..];
        let body = request
            .map(go_json)
            .transpose()
            .map_err(|error| CallError::Decode {
                method: method.to_owned(),
                body: String::new(),
                error,
            })?;
        let response = self.call(path, body.as_deref()).await?;
        if response.status != 200 {
            return Err(CallError::from_status(method, &response));
        }
        // IPAM answers a failure on 200 with `Error`, not `Err`.
        let ipam_error = || {
            let body: serde_json::Value = serde_json::from_slice(&response.body).ok()?;
            let text = body.get("Error")?.as_str()?;
            (method.starts_with("IpamDriver.") && !text.is_empty()).then(|| text.to_owned())
        };
        if let Some(message) = response.err().or_else(ipam_error) {
            let method = method.to_owned();
            return Err(CallError::Remote { method, message });
        }
        serde_json::from_slice(&response.body).map_err(|error| CallError::Decode {
            method: method.to_owned(),
            body: response.text(),
            error,
        })
    }

    /// `Plugin.Activate`.
    pub async fn activate(&self) -> Result<ActivateResponse, CallError> {
        self.typed::<(), _>("/Plugin.Activate", None).await
    }

    /// The methods of the `IpamDriver` subsystem.
    pub fn ipam(&self) -> IpamClient<'_> {
        IpamClient { client: self }
    }

    /// The client the generated methods call through.
    pub(crate) fn client(&self) -> &Self {
        self
    }
}

/// The `IpamDriver` calls of a [`Client`] ([`Client::ipam`]).
#[derive(Debug, Clone, Copy)]
pub struct IpamClient<'a> {
    client: &'a Client,
}

impl IpamClient<'_> {
    /// The client the generated methods call through.
    pub(crate) fn client(&self) -> &Client {
        self.client
    }
}

/// `value` as Go's `json.Encoder` writes it: compact, then a newline.
pub(super) fn go_json<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut json = serde_json::to_vec(value)?;
    json.push(b'\n');
    Ok(json)
}
