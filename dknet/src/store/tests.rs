//! The store's promises, and a crash at every file system step of an update.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::*;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Veth {
    name: String,
    mtu: u32,
}

fn veth(name: &str) -> Veth {
    Veth {
        name: name.to_owned(),
        mtu: 1500,
    }
}

/// A directory of its own under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "dknet-store-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&path);
        Self(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// The names of the files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|item| item.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

#[tokio::test]
async fn a_new_directory_is_empty_private_and_has_no_entry_file() {
    let dir = TempDir::new();
    let store = Store::<Veth>::open(dir.path().join("a/b")).await.unwrap();
    assert!(store.is_empty().await);
    assert_eq!(files(store.dir()), [".lock"]);
    let mode = fs::metadata(store.dir()).unwrap().permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o700
    );
}

#[tokio::test]
async fn entries_survive_a_restart_each_in_a_readable_file_of_its_own() {
    let dir = TempDir::new();
    let store = Store::open(dir.path()).await.unwrap();
    store
        .update(|entries| {
            entries.insert("e1", veth("dkv-1"));
            entries.insert("pool/10.0.0.0/24", veth("dkv-2"));
        })
        .await
        .unwrap();
    assert_eq!(
        files(dir.path()),
        [".lock", "e1.json", "pool%2F10.0.0.0%2F24.json"]
    );
    let text = fs::read_to_string(dir.path().join("e1.json")).unwrap();
    assert!(text.contains(r#""name": "dkv-1""#), "{text}");
    let before = store.snapshot().await;
    drop(store);
    let reopened = Store::<Veth>::open(dir.path()).await.unwrap();
    assert_eq!(reopened.snapshot().await, before);
    assert_eq!(reopened.get("pool/10.0.0.0/24").await, Some(veth("dkv-2")));
}

#[tokio::test]
async fn an_update_writes_only_the_entries_it_changed() {
    let dir = TempDir::new();
    let store = Store::open(dir.path()).await.unwrap();
    store
        .update(|entries| {
            for i in 0..3 {
                entries.insert(format!("e{i}"), veth(&format!("v{i}")));
            }
        })
        .await
        .unwrap();
    let modified = |key: &str| {
        fs::metadata(dir.path().join(format!("{key}.json")))
            .unwrap()
            .modified()
            .unwrap()
    };
    let before = (modified("e0"), modified("e2"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    store
        .update(|entries| {
            entries.insert("e0", veth("v0")); // the same value: not written
            entries.get_mut("e1").unwrap().mtu = 9000;
            entries.remove("e2");
        })
        .await
        .unwrap();
    assert_eq!(modified("e0"), before.0);
    assert_eq!(files(dir.path()), [".lock", "e0.json", "e1.json"]);
    assert!(fs::read_to_string(dir.path().join("e1.json"))
        .unwrap()
        .contains("9000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_are_never_lost() {
    let dir = TempDir::new();
    let store = Arc::new(Store::open(dir.path()).await.unwrap());
    store
        .update(|entries| entries.insert("count", 0u32))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..40)
        .map(|_| {
            let store = Arc::clone(&store);
            tokio::spawn(async move {
                store
                    .update(|entries| *entries.get_mut("count").unwrap() += 1)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    drop(store);
    let reopened = Store::<u32>::open(dir.path()).await.unwrap();
    assert_eq!(reopened.get("count").await, Some(40));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn claims_serialise_the_work_on_one_id_and_are_forgotten_after() {
    let dir = TempDir::new();
    let store = Arc::new(Store::<Veth>::open(dir.path()).await.unwrap());
    let inside = Arc::new(AtomicUsize::new(0));
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let (store, inside) = (Arc::clone(&store), Arc::clone(&inside));
            tokio::spawn(async move {
                let _claim = store.claim("e1").await;
                let before = inside.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                inside.fetch_sub(1, Ordering::SeqCst);
                before
            })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 0, "two holders at once");
    }
    let _other = store.claim("e2").await;
    assert_eq!(store.claims.len(), 1, "only the held claim is kept");
}

#[tokio::test]
async fn a_second_process_is_kept_out_until_the_first_closes() {
    let dir = TempDir::new();
    let store = Store::<Veth>::open(dir.path()).await.unwrap();
    let error = Store::<Veth>::open(dir.path()).await.unwrap_err();
    assert!(matches!(error, Error::Busy { .. }), "{error}");
    assert!(
        error.to_string().contains("in use by another process"),
        "{error}"
    );
    drop(store);
    Store::<Veth>::open(dir.path()).await.unwrap();
}

#[tokio::test]
async fn corrupt_and_foreign_files_are_refused_and_kept() {
    let cases: [(&str, &str, &str); 5] = [
        ("e1.json", "{\"name\": ", "is corrupt"),
        (
            "e1.json",
            r#"{"name": "v", "mtu": 1, "colour": "red"}"#,
            "unknown field",
        ),
        ("e1.json", r#"{"Name": "v", "MTU": 1}"#, "unknown field"),
        ("state.json.bak", "{}", "not written by this state store"),
        (
            "%41.json",
            r#"{"name": "v", "mtu": 1}"#,
            "not written by this state store",
        ),
    ];
    for (name, text, message) in cases {
        let dir = TempDir::new();
        fs::create_dir_all(dir.path()).unwrap();
        let path = dir.path().join(name);
        fs::write(&path, text).unwrap();
        let error = Store::<Veth>::open(dir.path()).await.unwrap_err();
        let shown = error.to_string();
        assert!(shown.contains(message), "{name}: {shown}");
        assert!(shown.contains("left as it is"), "{shown}");
        assert_eq!(fs::read_to_string(&path).unwrap(), text, "the file is kept");
    }
}

#[tokio::test]
async fn keys_that_cannot_name_a_file_are_refused_and_change_nothing() {
    let dir = TempDir::new();
    let store = Store::open(dir.path()).await.unwrap();
    let error = store
        .update(|entries| {
            entries.insert("fine", veth("a"));
            entries.insert("x".repeat(300), veth("b"));
        })
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidKey(_)), "{error}");
    assert!(store.is_empty().await);
    assert_eq!(files(dir.path()), [".lock"]);
    let error = store
        .update(|entries| entries.insert("", veth("c")))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidKey(_)), "{error}");
}

#[test]
fn file_names_round_trip_and_never_start_with_a_dot() {
    for key in [
        "e1",
        ".hidden",
        "10.0.0.0/24",
        "fd00::1",
        "a b%c",
        "ünï",
        "-x",
    ] {
        let name = disk::file_name(key).unwrap();
        assert!(!name.starts_with('.'), "{name}");
        assert!(!name.contains('/'), "{name}");
        let stem = name.strip_suffix(".json").unwrap();
        assert_eq!(disk::decode_for_tests(stem).as_deref(), Some(key));
    }
}

/// The state an update starts from in the crash tests: three entries.
fn before() -> BTreeMap<String, Veth> {
    (1..=3)
        .map(|i| (format!("e{i}"), veth(&format!("old{i}"))))
        .collect()
}

/// The update of the crash tests: one entry changed, one removed, one added, in that order.
fn change(entries: &mut Change<'_, Veth>) {
    entries.get_mut("e1").unwrap().name = "new1".into();
    entries.remove("e2");
    entries.insert("e4", veth("new4"));
}

/// The states a crash may leave: the first `n` writes of the update applied, for n = 0..=3.
fn prefixes() -> Vec<BTreeMap<String, Veth>> {
    let mut state = before();
    let mut states = vec![state.clone()];
    state.get_mut("e1").unwrap().name = "new1".into();
    states.push(state.clone());
    state.remove("e2");
    states.push(state.clone());
    state.insert("e4".into(), veth("new4"));
    states.push(state);
    states
}

#[tokio::test]
async fn a_crash_at_any_step_leaves_a_prefix_of_the_update_and_no_temporary_file() {
    let mut seen = Vec::new();
    for step in 0.. {
        let dir = TempDir::new();
        let store = Store::open(dir.path()).await.unwrap();
        store
            .update(|entries| {
                for (key, value) in before() {
                    entries.insert(key, value);
                }
            })
            .await
            .unwrap();
        store.crash_at_step(step);
        let outcome = store.update(change).await;
        let crashed = outcome.is_err();
        if crashed {
            let shown = outcome.unwrap_err().to_string();
            assert!(shown.contains("simulated crash"), "{shown}");
        }
        // What the process saw is what is on disk, even before a restart.
        let in_memory = store.snapshot().await;
        drop(store);
        let reopened = Store::<Veth>::open(dir.path()).await.unwrap();
        let on_disk = reopened.snapshot().await;
        assert_eq!(on_disk, in_memory, "step {step}");
        let applied = prefixes()
            .iter()
            .position(|state| *state == on_disk)
            .unwrap_or_else(|| panic!("step {step}: not a prefix of the update: {on_disk:?}"));
        assert!(
            files(dir.path()).iter().all(|name| !name.ends_with(".tmp")),
            "step {step}: {:?}",
            files(dir.path())
        );
        seen.push(applied);
        if !crashed {
            assert_eq!(applied, 3);
            break;
        }
    }
    // Replace: 5 steps (create, write, flush, rename, flush the directory); remove: 2.
    assert_eq!(seen.len(), 5 + 2 + 5 + 1, "{seen:?}");
    assert_eq!(seen.first(), Some(&0));
    for applied in 0..=3 {
        assert!(seen.contains(&applied), "{seen:?}");
    }
}

#[tokio::test]
async fn a_crash_before_the_rename_leaves_the_old_value_and_the_temporary_file_goes() {
    let dir = TempDir::new();
    let store = Store::open(dir.path()).await.unwrap();
    store
        .update(|entries| entries.insert("e1", veth("old")))
        .await
        .unwrap();
    // create, write, flush: the fourth step is the rename.
    store.crash_at_step(3);
    store
        .update(|entries| entries.insert("e1", veth("new")))
        .await
        .unwrap_err();
    assert_eq!(files(dir.path()), [".e1.json.tmp", ".lock", "e1.json"]);
    assert_eq!(store.get("e1").await, Some(veth("old")));
    drop(store);
    let reopened = Store::<Veth>::open(dir.path()).await.unwrap();
    assert_eq!(reopened.get("e1").await, Some(veth("old")));
    assert_eq!(files(dir.path()), [".lock", "e1.json"]);
}
