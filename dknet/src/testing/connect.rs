//! How a test client reaches a plugin: a unix socket, TCP, or in-process
//! over an in-memory pipe.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpStream, UnixStream};

use crate::server::Server;

/// One HTTP/1.1 connection's request side.
pub(super) type Sender = SendRequest<Full<Bytes>>;

/// Where a client connects.
pub(super) enum Target {
    Unix(PathBuf),
    Tcp(SocketAddr),
    InProcess(Arc<Server>),
}

impl Target {
    /// The `Host` header dockerd would send.
    pub(super) fn host(&self) -> String {
        match self {
            // dockerd 24.0.5+ sends this dummy name for unix sockets.
            Self::Unix(_) | Self::InProcess(_) => "plugin.moby.localhost".to_owned(),
            Self::Tcp(address) => address.to_string(),
        }
    }

    /// Opens a new connection.
    pub(super) async fn connect(&self) -> io::Result<Sender> {
        match self {
            Self::Unix(path) => handshake(UnixStream::connect(path).await?).await,
            Self::Tcp(address) => {
                let stream = TcpStream::connect(address).await?;
                stream.set_nodelay(true)?;
                handshake(stream).await
            }
            Self::InProcess(server) => {
                let (client, plugin) = tokio::io::duplex(64 * 1024);
                let server = Arc::clone(server);
                tokio::spawn(server.serve_connection(plugin));
                handshake(client).await
            }
        }
    }
}

async fn handshake<I>(io: I) -> io::Result<Sender>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    // Go writes header names in canonical Title-Case.
    let (sender, connection) = http1::Builder::new()
        .title_case_headers(true)
        .handshake(TokioIo::new(io))
        .await
        .map_err(io::Error::other)?;
    tokio::spawn(async move {
        // Ends when either side closes; nothing to report.
        let _ = connection.await;
    });
    Ok(sender)
}
