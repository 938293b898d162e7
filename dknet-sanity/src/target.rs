//! Where the plugin listens: a unix socket or a TCP address, found by name as dockerd does.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use dknet::testing::Client;

/// A plugin's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A unix socket.
    Unix(PathBuf),
    /// A TCP address.
    Tcp(SocketAddr),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unix(path) => write!(f, "unix://{}", path.display()),
            Self::Tcp(address) => write!(f, "tcp://{address}"),
        }
    }
}

/// Where dockerd looks for legacy plugins, in its order.
const SOCKET_DIR: &str = "/run/docker/plugins";
/// The spec directories dockerd reads, in its order.
const SPEC_DIRS: [&str; 2] = ["/etc/docker/plugins", "/usr/lib/docker/plugins"];

impl Target {
    /// Finds plugin `name` as dockerd's legacy discovery does: `NAME.sock` (or
    /// `NAME/NAME.sock`) in /run/docker/plugins, then `NAME.spec` or `NAME.json` (or in a
    /// `NAME/` folder) in /etc/docker/plugins and /usr/lib/docker/plugins.
    pub fn find(name: &str) -> Result<Self, String> {
        Self::find_in(name, Path::new(SOCKET_DIR), &SPEC_DIRS.map(Path::new))
    }

    /// [`Target::find`] with other directories (for tests).
    pub fn find_in(name: &str, socket_dir: &Path, spec_dirs: &[&Path]) -> Result<Self, String> {
        if name.is_empty() || name.contains('/') || name == "." || name == ".." {
            return Err(format!("{name:?} is not a plugin name"));
        }
        for socket in [
            socket_dir.join(format!("{name}.sock")),
            socket_dir.join(name).join(format!("{name}.sock")),
        ] {
            if is_socket(&socket) {
                return Ok(Self::Unix(socket));
            }
        }
        for dir in spec_dirs {
            for file in [
                format!("{name}.spec"),
                format!("{name}/{name}.spec"),
                format!("{name}.json"),
                format!("{name}/{name}.json"),
            ] {
                let path = dir.join(file);
                if let Ok(text) = std::fs::read_to_string(&path) {
                    return Self::from_spec(&path, &text);
                }
            }
        }
        let dirs: Vec<_> = spec_dirs.iter().map(|d| d.display().to_string()).collect();
        Err(format!(
            "no plugin {name:?}: no socket {name}.sock in {} and no {name}.spec or {name}.json in {}",
            socket_dir.display(),
            dirs.join(" or ")
        ))
    }

    /// The address a spec file (`.spec`: a URL; `.json`: `{"Addr": URL}`) names.
    fn from_spec(path: &Path, text: &str) -> Result<Self, String> {
        let url = if path.extension().is_some_and(|e| e == "json") {
            let value: serde_json::Value = serde_json::from_str(text)
                .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
            let addr = value.get("Addr").and_then(|a| a.as_str());
            addr.ok_or_else(|| format!("{}: no \"Addr\" string", path.display()))?
                .to_owned()
        } else {
            text.trim().to_owned()
        };
        Self::parse_url(&url).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// `unix:///path` or `tcp://host:port` (what spec files hold).
    pub fn parse_url(url: &str) -> Result<Self, String> {
        if let Some(path) = url.strip_prefix("unix://") {
            return Ok(Self::Unix(PathBuf::from(path)));
        }
        if let Some(address) = url.strip_prefix("tcp://") {
            let address = address.trim_end_matches('/');
            let resolved = address
                .to_socket_addrs()
                .map_err(|e| format!("{url}: {e}"))?;
            return resolved
                .into_iter()
                .next()
                .map(Self::Tcp)
                .ok_or_else(|| format!("{url}: no address"));
        }
        Err(format!(
            "{url:?}: only unix:// and tcp:// plugins can be checked (https and npipe are not supported)"
        ))
    }

    /// A new client (one keep-alive connection) for this address.
    pub(crate) fn client(&self) -> Client {
        match self {
            Self::Unix(path) => Client::unix(path.clone()),
            Self::Tcp(address) => Client::tcp(*address),
        }
    }
}

fn is_socket(path: &Path) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_come_before_spec_files_and_spec_files_name_urls() {
        let dir = tempfile::tempdir().unwrap();
        let sockets = dir.path().join("run");
        let specs = dir.path().join("etc");
        std::fs::create_dir_all(&sockets).unwrap();
        std::fs::create_dir_all(specs.join("nested")).unwrap();
        std::fs::write(specs.join("p.spec"), "tcp://127.0.0.1:9\n").unwrap();
        std::fs::write(
            specs.join("nested/nested.json"),
            r#"{"Addr":"unix:///x.sock"}"#,
        )
        .unwrap();
        std::fs::write(specs.join("bad.spec"), "127.0.0.1:9").unwrap();
        let find = |name| Target::find_in(name, &sockets, &[&specs]);
        assert_eq!(find("p"), Ok(Target::Tcp("127.0.0.1:9".parse().unwrap())));
        assert_eq!(find("nested"), Ok(Target::Unix("/x.sock".into())));
        assert!(find("bad").unwrap_err().contains("only unix://"));
        assert!(find("missing")
            .unwrap_err()
            .contains("no plugin \"missing\""));
        assert!(find("../p").is_err());

        let _listener = std::os::unix::net::UnixListener::bind(sockets.join("p.sock")).unwrap();
        assert_eq!(find("p"), Ok(Target::Unix(sockets.join("p.sock"))));
    }
}
