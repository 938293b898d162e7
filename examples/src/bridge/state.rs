//! The networks and endpoints the plugin made, kept on disk across restarts.
//!
//! dockerd never replays `CreateNetwork` after a plugin restart, so whatever later calls
//! need (the bridge's name, the gateways, the veth names) must be persisted. The state is
//! one JSON file, `state.json`, replaced atomically: written to `state.json.tmp`, flushed to
//! disk, renamed over the old file, and the directory flushed too, so a crash leaves either
//! the old state or the new one. dockerd sends requests concurrently, so every change goes
//! through [`Store::update`], which holds one lock from reading the state to having written
//! it: two concurrent changes can never both start from the same old state and lose one.
//! Work on one id that spans more than one change (a veth pair created, then recorded) is
//! serialised by [`Store::claim`].

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use dknet::network::{CreateEndpointRequest, MacAddress, PortBinding};
use ipnet::IpNet;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Where the bridge plugin keeps its state unless told otherwise.
pub const DEFAULT_STATE_DIR: &str = "/var/lib/dknet-bridge";

pub(crate) const STATE_FILE: &str = "state.json";
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
    #[error(
        "state file {} is corrupt: {source}; it was left as it is: repair it, or move it \
         away to start with no networks",
        path.display()
    )]
    Corrupt {
        /// The state file.
        path: PathBuf,
        /// What the JSON parser said.
        source: serde_json::Error,
    },
}

/// Everything the plugin has made, keyed by Docker's ids.
///
/// Unknown keys are refused, at every level: a file that parses as JSON but was not
/// written by this plugin (another program's, or mis-cased keys such as `Networks`) must
/// be reported as corrupt, never read as an empty state and then overwritten.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
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
    /// Whether the network is isolated from other networks (not `-o isolate=false`);
    /// networks recorded before the option existed are.
    #[serde(default = "isolated_by_default")]
    pub isolated: bool,
}

fn isolated_by_default() -> bool {
    true
}

/// One endpoint: its veth pair and what dockerd assigned to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
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
    /// The ports published to it while it is its container's gateway endpoint (see
    /// [`super::ports`]); absent from state files written before ports were published.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub published: Vec<PortBinding>,
}

impl EndpointState {
    /// The record of the endpoint `request` asked for, in network `network_id`, once its
    /// veth pair (`host_veth` on the bridge, `container_veth` for the container, whose MAC
    /// is `mac`) exists; no ports published yet.
    pub fn created(
        request: &CreateEndpointRequest,
        network_id: &str,
        host_veth: &str,
        container_veth: &str,
        mac: MacAddress,
    ) -> Self {
        Self {
            id: request.endpoint_id.clone(),
            network_id: network_id.to_owned(),
            host_veth: host_veth.to_owned(),
            container_veth: container_veth.to_owned(),
            addresses: [request.interface.address, request.interface.address_ipv6]
                .into_iter()
                .flatten()
                .collect(),
            mac,
            published: Vec::new(),
        }
    }
}

/// The bridge plugin's persisted state and the lock that serialises changes to it.
pub type Store = JsonStore<State>;

/// A state of type `T` persisted as `state.json` in a directory, and the lock that
/// serialises changes to it (other examples keep their own state type in it).
#[derive(Debug)]
pub struct JsonStore<T> {
    dir: PathBuf,
    state: Mutex<T>,
    /// One lock per id being worked on; an entry goes with its last user.
    claims: Claims,
}

/// The locks of the ids being worked on.
type Claims = std::sync::Mutex<HashMap<String, Arc<Mutex<()>>>>;

/// Exclusive use of one id until dropped (see [`JsonStore::claim`]).
#[derive(Debug)]
pub struct Claim<'a> {
    claims: &'a Claims,
    id: String,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut claims = lock_claims(self.claims);
        // Nobody else holds or waits for this lock: forget it.
        if claims
            .get(&self.id)
            .is_some_and(|lock| Arc::strong_count(lock) == 1)
        {
            claims.remove(&self.id);
        }
    }
}

/// The map of claims; it stays consistent even if a holder panicked (every change is one
/// call).
fn lock_claims(claims: &Claims) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Mutex<()>>>> {
    claims
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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
            claims: std::sync::Mutex::default(),
        })
    }

    /// Waits until no one else claims `id`, then claims it until the [`Claim`] is dropped.
    /// dockerd may send a call again while the first is still running (it retries a call
    /// whose connection was reset): the second then starts from what the first did.
    pub async fn claim(&self, id: &str) -> Claim<'_> {
        let lock = lock_claims(&self.claims)
            .entry(id.to_owned())
            .or_default()
            .clone();
        let guard = lock.lock_owned().await;
        Claim {
            claims: &self.claims,
            id: id.to_owned(),
            guard: Some(guard),
        }
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
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(work)
        .await
        .unwrap_or_else(|join_error| {
            // The closure panicked: let the panic continue on this task.
            std::panic::resume_unwind(join_error.into_panic())
        })
}

/// Reads the state file in `dir` (created, mode 0700, if missing): a missing file is
/// `T::default()`, an unreadable or corrupt one an error.
pub(crate) fn load<T: Default + DeserializeOwned>(dir: &Path) -> Result<T, Error> {
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

pub(crate) fn write_atomically(dir: &Path, bytes: &[u8]) -> Result<(), Error> {
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
            published: Vec::new(),
        }
    }

    fn network() -> NetworkState {
        NetworkState {
            id: "n1".to_owned(),
            bridge: "dkb-n1".to_owned(),
            mtu: Some(1400),
            gateways: vec!["10.1.0.1/24".parse().unwrap()],
            internal: true,
            isolated: true,
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

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn claims_serialise_the_work_on_one_id_and_are_forgotten_after() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path()).await.unwrap());
        let inside = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (store, inside) = (store.clone(), inside.clone());
                tokio::spawn(async move {
                    let _claim = store.claim("e1").await;
                    let before = inside.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    inside.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                    before
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), 0, "two holders at once");
        }
        let _other = store.claim("e2").await;
        assert_eq!(
            lock_claims(&store.claims).len(),
            1,
            "only the held claim is kept"
        );
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

    #[tokio::test]
    async fn a_json_file_that_is_not_the_plugins_is_refused_and_kept() {
        for text in [
            r#"{"Networks": {}, "Endpoints": {}}"#,
            r#"{"networks": {}, "volumes": {}}"#,
            r#"{"networks": {"n1": {"id": "n1", "bridge": "b", "mtu": null, "gateways": [],
                "internal": false, "colour": "red"}}}"#,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join(STATE_FILE);
            fs::write(&path, text).unwrap();
            let error = Store::open(dir.path()).await.unwrap_err();
            assert!(matches!(error, Error::Corrupt { .. }), "{text}: {error}");
            let message = error.to_string();
            assert!(
                message.contains("state.json is corrupt") && message.contains("unknown field"),
                "{message}"
            );
            assert!(message.contains("left as it is"), "{message}");
            assert_eq!(fs::read_to_string(&path).unwrap(), text, "the file is kept");
        }
    }
}
