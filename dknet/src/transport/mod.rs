//! Where a plugin listens: unix sockets ([`unix`]), TCP plus a spec file
//! ([`tcp`]), systemd-activated sockets ([`systemd`]), or a caller's own
//! listener ([`Listener`]).

pub(crate) mod group;
pub(crate) mod lock;
pub(crate) mod systemd;
pub(crate) mod tcp;
pub(crate) mod unix;

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::Error;

/// A listening socket a plugin can serve on: a tokio [`UnixListener`] or
/// [`TcpListener`] (both convert with `into()`).
#[derive(Debug)]
#[non_exhaustive]
pub enum Listener {
    /// A unix socket listener.
    Unix(UnixListener),
    /// A TCP listener.
    Tcp(TcpListener),
}

impl From<UnixListener> for Listener {
    fn from(listener: UnixListener) -> Self {
        Self::Unix(listener)
    }
}

impl From<TcpListener> for Listener {
    fn from(listener: TcpListener) -> Self {
        Self::Tcp(listener)
    }
}

/// An accepted connection.
pub(crate) enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Listener {
    /// Accepts the next connection (cancel-safe).
    pub(crate) async fn accept(&self) -> io::Result<Stream> {
        match self {
            Self::Unix(listener) => Ok(Stream::Unix(listener.accept().await?.0)),
            Self::Tcp(listener) => {
                let (stream, _) = listener.accept().await?;
                // Answers are written whole; do not hold them back.
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
        }
    }

    /// Where this listener listens.
    pub(crate) fn local_addr(&self) -> io::Result<LocalAddr> {
        Ok(match self {
            Self::Unix(listener) => {
                let address = listener.local_addr()?;
                LocalAddr::Unix(
                    address
                        .as_pathname()
                        .map(Path::to_path_buf)
                        .unwrap_or_default(),
                )
            }
            Self::Tcp(listener) => LocalAddr::Tcp(listener.local_addr()?),
        })
    }
}

/// Where a plugin listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LocalAddr {
    /// A unix socket at this path (empty for an unnamed socket).
    Unix(PathBuf),
    /// A TCP address.
    Tcp(SocketAddr),
}

impl fmt::Display for LocalAddr {
    /// The address as dockerd writes it: `unix:///run/...` or `tcp://host:port`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// A file the plugin created (socket or spec file), removed when dropped if
/// it is still the same file (another process may have replaced it), then
/// its lock released.
#[derive(Debug)]
pub(crate) struct OwnedFile {
    path: PathBuf,
    identity: Option<(u64, u64)>,
    _lock: lock::PathLock,
}

impl OwnedFile {
    /// Takes ownership of the file now at `path`, guarded by `lock`.
    pub(crate) fn new(path: PathBuf, lock: lock::PathLock) -> Self {
        let identity = identity(&path);
        Self {
            path,
            identity,
            _lock: lock,
        }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OwnedFile {
    fn drop(&mut self) {
        if self.identity.is_some() && identity(&self.path) == self.identity {
            if let Err(error) = std::fs::remove_file(&self.path) {
                tracing::warn!(path = %self.path.display(), %error, "cannot remove");
            }
        }
    }
}

/// Device and inode of the file at `path` (not following symlinks).
fn identity(path: &Path) -> Option<(u64, u64)> {
    let metadata = std::fs::symlink_metadata(path).ok()?;
    Some((metadata.dev(), metadata.ino()))
}

/// Checks that `name` can be a file name in the plugin and spec folders.
pub(crate) fn validate_name(name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.contains('/') {
        "it contains `/`"
    } else if name == "." || name == ".." {
        "it is `.` or `..`"
    } else if name.contains('\0') {
        "it contains a NUL byte"
    } else {
        return Ok(());
    };
    Err(Error::InvalidName {
        name: name.to_owned(),
        reason,
    })
}

/// Creates `dir` (mode 0755) if it does not exist.
pub(crate) fn create_folder(dir: &Path, option: &'static str) -> Result<(), Error> {
    use std::os::unix::fs::DirBuilderExt;

    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o755)
        .create(dir)
        .map_err(|source| Error::Folder {
            path: dir.to_path_buf(),
            option,
            source,
        })
}

/// True for errors that mean "you may not write here".
pub(crate) fn is_permission_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
    ) || error.raw_os_error() == Some(libc::EPERM)
}
