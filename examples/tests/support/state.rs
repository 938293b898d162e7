//! Reading a plugin's state directory as the tests see it.

use std::path::Path;

use serde_json::{Map, Value};

/// The state a plugin keeps in `dir` (a directory per kind of record, a JSON file per
/// entry, named after its key) as one JSON object: `{"networks": {id: record, ...},
/// "endpoints": {...}}`, with an empty object for a kind with no entry. Directories that
/// hold no entry file but directories (another state directory, like the bridge plugin's
/// `ipam`) are skipped.
pub(crate) fn read_state(dir: &Path) -> Value {
    let mut kinds = Map::new();
    let Ok(listing) = std::fs::read_dir(dir) else {
        return Value::Object(kinds);
    };
    for kind in listing {
        let kind = kind.expect("a directory entry");
        if !kind.file_type().expect("a file type").is_dir() {
            continue;
        }
        let mut entries = Map::new();
        let mut nested = false;
        for entry in std::fs::read_dir(kind.path()).expect("a state directory") {
            let entry = entry.expect("a directory entry");
            let name = entry.file_name().into_string().expect("a UTF-8 name");
            nested |= entry.file_type().expect("a file type").is_dir();
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let text = std::fs::read_to_string(entry.path()).expect("an entry file");
            let value = serde_json::from_str(&text).expect("an entry file is JSON");
            entries.insert(decode(stem), value);
        }
        if nested && entries.is_empty() {
            continue;
        }
        let name = kind.file_name().into_string().expect("a UTF-8 name");
        kinds.insert(name, Value::Object(entries));
    }
    Value::Object(kinds)
}

/// Whether `state` (from [`read_state`]) has no entry of any kind.
pub(crate) fn is_empty(state: &Value) -> bool {
    state.as_object().is_none_or(|kinds| {
        kinds
            .values()
            .all(|entries| entries.as_object().is_none_or(Map::is_empty))
    })
}

/// The key a file name's stem spells (`%XX` is one byte).
fn decode(stem: &str) -> String {
    let mut bytes = Vec::new();
    let mut rest = stem.as_bytes();
    while let Some((&byte, tail)) = rest.split_first() {
        if byte == b'%' && tail.len() >= 2 {
            let hex = std::str::from_utf8(&tail[..2]).expect("hex digits");
            bytes.push(u8::from_str_radix(hex, 16).expect("hex digits"));
            rest = &tail[2..];
        } else {
            bytes.push(byte);
            rest = tail;
        }
    }
    String::from_utf8(bytes).expect("a UTF-8 key")
}
