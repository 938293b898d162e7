//! Unix socket transport: `<plugin_dir>/<name>.sock` (or a path), mode and
//! group, stale-socket replacement, and refusal to take over a live plugin.

use std::io;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

use tokio::net::{UnixListener, UnixStream};

use super::group::SocketGroup;
use super::{create_folder, is_permission_error, lock, validate_name, OwnedFile};
use crate::Error;

/// The socket path for `name_or_path`: anything with a `/` is a path, used
/// as is; anything else is a plugin name, served at `<plugin_dir>/<name>.sock`.
pub(crate) fn socket_path(name_or_path: &Path, plugin_dir: &Path) -> Result<PathBuf, Error> {
    let text = name_or_path.to_string_lossy();
    if text.contains('/') {
        return Ok(name_or_path.to_path_buf());
    }
    let name = text.strip_suffix(".sock").unwrap_or(&text);
    validate_name(name)?;
    Ok(plugin_dir.join(format!("{name}.sock")))
}

/// Listens on `path`, with `mode` and `group`; the returned [`OwnedFile`]
/// removes the socket file when dropped.
pub(crate) async fn bind(
    path: &Path,
    mode: u32,
    group: Option<&SocketGroup>,
) -> Result<(UnixListener, OwnedFile), Error> {
    // Fail on an unknown group before touching anything.
    let gid = group.map(SocketGroup::gid).transpose()?;
    if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        create_folder(dir, "plugin_dir")?;
    }
    let address = || path.display().to_string();
    // Whoever holds the lock owns the path: no check-then-bind race.
    let lock = lock::lock(path, "plugin_dir", &address())?;
    clear_stale(path).await?;

    let listener = UnixListener::bind(path).map_err(|source| match source.kind() {
        io::ErrorKind::AddrInUse => Error::AddressInUse { address: address() },
        _ if is_permission_error(&source) => Error::Folder {
            path: path.parent().unwrap_or(path).to_path_buf(),
            option: "plugin_dir",
            source,
        },
        _ => Error::Listen {
            address: address(),
            source,
        },
    })?;
    let file = OwnedFile::new(path.to_path_buf(), lock);

    let permissions = |source| Error::Permissions {
        path: path.to_path_buf(),
        source,
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(permissions)?;
    if let Some(gid) = gid {
        std::os::unix::fs::chown(path, None, Some(gid)).map_err(permissions)?;
    }
    Ok((listener, file))
}

/// Makes way for a new socket at `path`: removes a stale socket (nobody
/// accepts on it), refuses a live one or anything that is not a socket.
async fn clear_stale(path: &Path) -> Result<(), Error> {
    let metadata = match std::fs::symlink_metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(Error::io(
                format!("cannot inspect {}", path.display()),
                error,
            ))
        }
    };
    if !metadata.file_type().is_socket() {
        return Err(Error::NotASocket {
            path: path.to_path_buf(),
        });
    }
    match UnixStream::connect(path).await {
        Ok(_) => Err(Error::AddressInUse {
            address: path.display().to_string(),
        }),
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
            tracing::info!(path = %path.display(), "replacing a stale socket");
            match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
                Err(error) if is_permission_error(&error) => Err(Error::Folder {
                    path: path.parent().unwrap_or(path).to_path_buf(),
                    option: "plugin_dir",
                    source: error,
                }),
                Err(error) => Err(Error::io(
                    format!("cannot remove the stale socket {}", path.display()),
                    error,
                )),
            }
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(Error::io(
            format!("cannot check whether a plugin serves on {}", path.display()),
            error,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_sockets_in_the_plugin_dir() {
        let dir = Path::new("/run/docker/plugins");
        let path = |name: &str| socket_path(Path::new(name), dir).unwrap();
        assert_eq!(path("bridge"), Path::new("/run/docker/plugins/bridge.sock"));
        assert_eq!(
            path("bridge.sock"),
            Path::new("/run/docker/plugins/bridge.sock")
        );
        assert_eq!(path("/tmp/x/p.sock"), Path::new("/tmp/x/p.sock"));
        assert_eq!(path("./p.sock"), Path::new("./p.sock"));
        assert!(socket_path(Path::new(""), dir).is_err());
        assert!(socket_path(Path::new(".."), dir).is_err());
    }
}
