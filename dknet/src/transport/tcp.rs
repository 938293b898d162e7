//! TCP transport: listen, then tell dockerd where with
//! `<spec_dir>/<name>.spec` holding `tcp://<bound address>`.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::Path;

use tokio::net::{lookup_host, TcpListener, ToSocketAddrs};

use super::{create_folder, is_permission_error, lock, validate_name, OwnedFile};
use crate::Error;

/// Listens on `address` (port 0 picks a free port), then writes the spec
/// file for `name` in `spec_dir`; the returned [`OwnedFile`] removes the
/// spec file when dropped.
pub(crate) async fn bind(
    name: &str,
    address: impl ToSocketAddrs,
    spec_dir: &Path,
) -> Result<(TcpListener, OwnedFile), Error> {
    validate_name(name)?;
    // One instance per name: the spec file is the name's, and the lock on
    // it is held as long as the plugin serves.
    create_folder(spec_dir, "spec_dir")?;
    let spec_path = spec_dir.join(format!("{name}.spec"));
    let shown_spec = format!("the plugin name {name} ({})", spec_path.display());
    let lock = lock::lock(&spec_path, "spec_dir", &shown_spec)?;
    let candidates: Vec<SocketAddr> = lookup_host(address)
        .await
        .map_err(|error| Error::io("cannot resolve the TCP address", error))?
        .collect();
    let shown = || {
        let shown: Vec<String> = candidates.iter().map(ToString::to_string).collect();
        shown.join(", ")
    };
    let listener =
        TcpListener::bind(&candidates[..])
            .await
            .map_err(|source| match source.kind() {
                io::ErrorKind::AddrInUse => Error::AddressInUse { address: shown() },
                _ => Error::Listen {
                    address: shown(),
                    source,
                },
            })?;
    let bound = listener
        .local_addr()
        .map_err(|error| Error::io("cannot read the bound TCP address", error))?;
    let spec = write_spec(spec_dir, name, &format!("tcp://{bound}"), lock)?;
    Ok((listener, spec))
}

/// Writes `<dir>/<name>.spec` atomically (a temporary file, then rename).
fn write_spec(
    dir: &Path,
    name: &str,
    content: &str,
    lock: lock::PathLock,
) -> Result<OwnedFile, Error> {
    let path = dir.join(format!("{name}.spec"));
    let temporary = dir.join(format!(".{name}.spec.{}.tmp", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(content.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, &path));
    if let Err(source) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(if is_permission_error(&source) {
            Error::Folder {
                path: dir.to_path_buf(),
                option: "spec_dir",
                source,
            }
        } else {
            Error::io(format!("cannot write {}", path.display()), source)
        });
    }
    Ok(OwnedFile::new(path, lock))
}
