//! [`PathLock`]: an exclusive `flock` on a file beside the socket or spec
//! file, held while the plugin listens, so that two instances of one plugin
//! (started together over a stale socket, or two TCP instances with one
//! name) can never both serve. The lock files stay on disk: removing one
//! could let two processes hold locks on two different files of one name.

use std::fs::{File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::is_permission_error;
use crate::Error;

/// A held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub(crate) struct PathLock {
    _file: File,
}

/// `.<file name>.lock` beside `path`: hidden, and with an extension dockerd
/// does not look at.
fn lock_path(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or(path.as_os_str()));
    name.push(".lock");
    path.with_file_name(name)
}

/// Takes the lock for `path` (on `.<name>.lock` beside it) without waiting; a lock
/// held by another plugin is [`Error::AddressInUse`] for `address`.
pub(crate) fn lock(path: &Path, option: &'static str, address: &str) -> Result<PathLock, Error> {
    let lock_path = lock_path(path);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .mode(0o600)
        .open(&lock_path)
        .map_err(|source| {
            if is_permission_error(&source) {
                Error::Folder {
                    path: path.parent().unwrap_or(path).to_path_buf(),
                    option,
                    source,
                }
            } else {
                Error::io(format!("cannot open {}", lock_path.display()), source)
            }
        })?;
    match crate::file_lock::try_lock_exclusive(&file) {
        Ok(true) => Ok(PathLock { _file: file }),
        Ok(false) => Err(Error::AddressInUse {
            address: address.to_owned(),
        }),
        Err(error) => Err(Error::io(
            format!("cannot lock {}", lock_path.display()),
            error,
        )),
    }
}
