//! The networks and endpoints the plugin made, kept on disk across restarts.
//!
//! dockerd never replays `CreateNetwork` after a plugin restart, so whatever later calls
//! need (the bridge's name, the gateways, the veth names) must be persisted. The state is
//! one JSON file, `state.json`, replaced atomically: written to `state.json.tmp`, flushed to
//! disk, renamed over the old file, and the directory flushed too, so a crash leaves either
//! the old state or the new one. dockerd sends requests concurrently, so every change goes
//! through [`Store::update`], which holds one lock from reading the state to having written
//! it: two concurrent changes can never both start from the same old state and lose one.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use dknet::network::MacAddress;
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

/// Where the bridge plugin keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-bridge";

const STATE_FILE: &str = "state.json";
const TEMP_FILE: &str = "state.json.tmp";

/// Reading or writing the state failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file system call failed.
    #[error("{action} {}: {source}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory concerned.
        path: PathBuf,
        /// The system's error.
        source: io::Error,
    },
    /// The state file is not valid: the plugin refuses to start rather than forget networks.
    #[error("state file {} is corrupt: {source}", path.display())]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
}

/// Everything the plugin has made, keyed by Docker's ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// Networks by network id.
    #[serde(default)]
    pub networks: BTreeMap<String, NetworkState>,
    /// Endpoints by endpoint id.
    #[serde(default)]
    pub endpoints: BTreeMap<String, EndpointState>,
}

impl State {
    /// The endpoints of the network `network_id`.
    pub fn endpoints_of<'a>(
        &'a self,
        network_id: &'a str,
    ) -> impl Iterator<Item = &'a EndpointState> {
        self.endpoints
            .values()
            .filter(move |endpoint| endpoint.network_id == network_id)
    }
}

/// One network: its bridge and what is configured on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkState {
    /// Docker's network id.
    pub id: String,
    /// The Linux bridge's name.
    pub bridge: String,
    /// The MTU of the bridge and its veths (the kernel's default when `None`).
    pub mtu: Option<u32>,
    /// The gateway addresses on the bridge, IPv4 and IPv6, with the pools' prefix lengths.
    pub gateways: Vec<IpNet>,
    /// Whether the network was created with `--internal`.
    pub internal: bool,
}

/// One endpoint: its veth pair and what dockerd assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointState {
    /// Docker's endpoint id.
    pub id: String,
    /// The id of the network it belongs to.
    pub network_id: String,
    /// The veth end attached to the bridge.
    pub host_veth: String,
    /// The veth end that goes into the container.
    pub container_veth: String,
    /// The endpoint's addresses, as IPAM assigned them.
    pub addresses: Vec<IpNet>,
    /// The MAC address of the container end.
    pub mac: MacAddress,
}

/// The bridge plugin's persisted state and the lock that serialises changes to it.
pub type Store = JsonStore<State>;

/// A state of type `T` persisted as `state.json` in a directory, and the lock that
/// serialises changes to it (other examples keep their own state type in it).
#[derive(Debug)]
pub struct JsonStore<T> {
    dir: PathBuf,
    state: Mutex<T>,
}

impl<T> JsonStore<T>
where
    T: Clone + Default + PartialEq + Serialize + DeserializeOwned + Send + 'static,
{
    /// Opens the state in `dir`, creating the directory (mode 0700) if needed. A missing
    /// state file is an empty state; an unreadable or corrupt one is an error.
    pub async fn open(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        let state = blocking({
            let dir = dir.clone();
            move || load(&dir)
        })
        .await?;
        Ok(Self {
            dir,
            state: Mutex::new(state),
        })
    }

    /// The path of the state file.
    pub fn path(&self) -> PathBuf {
        self.dir.join(STATE_FILE)
    }

    /// A copy of the current state.
    pub async fn snapshot(&self) -> T {
        self.state.lock().await.clone()
    }

    /// Applies `change` to the state and writes the result to disk before anyone else may
    /// read or change it. Nothing is written when `change` changed nothing; when the write
    /// fails, the state in memory stays as it was.
    pub async fn update<R>(&self, change: impl FnOnce(&mut T) -> R) -> Result<R, Error> {
        let mut state = self.state.lock().await;
        let mut next = state.clone();
        let result = change(&mut next);
        if next != *state {
            let bytes = serde_json::to_vec_pretty(&next).expect("the state always serialises");
            let dir = self.dir.clone();
            blocking(move || write_atomically(&dir, &bytes)).await?;
            *state = next;
        }
        Ok(result)
    }
}

/// Runs file system work on tokio's blocking pool.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join_error| {
            // The closure panicked: let the panic continue on this task.
            std::panic::resume_unwind(join_error.into_panic())
        })
}

fn load<T: Default + DeserializeOwned>(dir: &Path) -> Result<T, Error> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| Error::Io {
            action: "creating",
            path: dir.to_path_buf(),
            source,
        })?;
    let path = dir.join(STATE_FILE);
    match fs::read(&path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).map_err(|source| Error::Corrupt { path, source })
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(T::default()),
        Err(source) => Err(Error::Io {
            action: "reading",
            path,
            source,
        }),
    }
}

fn write_atomically(dir: &Path, bytes: &[u8]) -> Result<(), Error> {
    let temp = dir.join(TEMP_FILE);
    let io_error = |action, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io {
            action,
            path,
            source,
        }
    };
    let mut file = fs::File::create(&temp).map_err(io_error("creating", &temp))?;
    file.write_all(bytes).map_err(io_error("writing", &temp))?;
    file.sync_all().map_err(io_error("flushing", &temp))?;
    let path = dir.join(STATE_FILE);
    fs::rename(&temp, &path).map_err(io_error("replacing", &path))?;
    // The rename is only durable once the directory entry is on disk too.
    fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error("flushing", dir))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn endpoint(id: &str) -> EndpointState {
        EndpointState {
            id: id.to_owned(),
            network_id: "n1".to_owned(),
            host_veth: format!("dkv-{id}"),
            container_veth: format!("dkc-{id}"),
            addresses: vec![
                "10.1.0.2/24".parse().unwrap(),
                "fd00::2/64".parse().unwrap(),
            ],
            mac: MacAddress([0x02, 0x42, 0x0a, 0x01, 0x00, 0x02]),
        }
    }

    fn network() -> NetworkState {
        NetworkState {
            id: "n1".to_owned(),
            bridge: "dkb-n1".to_owned(),
            mtu: Some(1400),
            gateways: vec!["10.1.0.1/24".parse().unwrap()],
            internal: true,
        }
    }

    #[tokio::test]
    async fn a_new_directory_starts_empty_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("a/b")).await.unwrap();
        assert_eq!(store.snapshot().await, State::default());
        assert!(
            !store.path().exists(),
            "nothing is written before the first change"
        );
        let mode = fs::metadata(dir.path().join("a/b")).unwrap().permissions();
        assert_eq!(
            std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
            0o700
        );
    }

    #[tokio::test]
    async fn changes_survive_a_restart_in_a_readable_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        store
            .update(|state| {
                state.networks.insert("n1".into(), network());
                state.endpoints.insert("e1".into(), endpoint("e1"));
            })
            .await
            .unwrap();
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(text.contains(r#""mac": "02:42:0a:01:00:02""#), "{text}");
        assert!(
            text.contains(
                r#""gateways": [
        "10.1.0.1/24"
      ]"#
            ),
            "{text}"
        );
        assert!(!dir.path().join(TEMP_FILE).exists());

        let reopened = Store::open(dir.path()).await.unwrap();
        assert_eq!(reopened.snapshot().await, store.snapshot().await);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_updates_are_never_lost() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).await.unwrap());
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let store = store.clone();
                tokio::spawn(async move {
                    let id = format!("e{i}");
                    store
                        .update(|state| state.endpoints.insert(id.clone(), endpoint(&id)))
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        let reopened = Store::open(dir.path()).await.unwrap();
        assert_eq!(reopened.snapshot().await.endpoints.len(), 40);
    }

    #[tokio::test]
    async fn a_failed_write_leaves_the_state_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).await.unwrap();
        // A directory where the temporary file should go makes the write fail.
        fs::create_dir(dir.path().join(TEMP_FILE)).unwrap();
        let error = store
            .update(|state| state.networks.insert("n1".into(), network()))
            .await
            .unwrap_err();
        assert!(error.to_string().contains(TEMP_FILE), "{error}");
        assert_eq!(store.snapshot().await, State::default());
    }

    #[tokio::test]
    async fn a_corrupt_state_file_is_an_error_not_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(STATE_FILE), "{\"networks\": [").unwrap();
        let error = Store::open(dir.path()).await.unwrap_err();
        assert!(matches!(error, Error::Corrupt { .. }), "{error}");
        assert!(
            error.to_string().contains("state.json is corrupt"),
            "{error}"
        );
    }
}
