//! The requests the benchmark sends: dockerd's own bodies, taken from the
//! recorded traffic in `dknet/tests/fixtures`, framed as dockerd frames them.

use std::path::Path;

use serde::Deserialize;
use serde_json::value::RawValue;

/// The recording the bodies come from (the newest daemon).
pub(crate) const FIXTURE: &str = "dknet/tests/fixtures/dockerd-28.5.2.jsonl";

/// The methods measured: the two dockerd sends on every container start, and
/// the smallest one.
pub(crate) const METHODS: [&str; 3] = ["CreateEndpoint", "Join", "Leave"];

/// One request, ready to write on a socket.
#[derive(Clone)]
pub(crate) struct Workload {
    /// `CreateEndpoint`, `Join`, ...
    pub(crate) method: &'static str,
    /// The whole HTTP/1.1 request: head and body.
    pub(crate) bytes: Vec<u8>,
    /// The body's size.
    pub(crate) body_len: usize,
}

#[derive(Deserialize)]
struct Recorded<'a> {
    path: String,
    #[serde(borrow)]
    request: Option<&'a RawValue>,
}

/// For each of [`METHODS`], the largest body the fixture holds for it.
pub(crate) fn load(workspace: &Path) -> Result<Vec<Workload>, String> {
    let path = workspace.join(FIXTURE);
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let mut recorded = Vec::new();
    for (index, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let entry: Recorded<'_> = serde_json::from_str(line)
            .map_err(|error| format!("{}:{}: {error}", path.display(), index + 1))?;
        recorded.push(entry);
    }
    METHODS
        .iter()
        .map(|&method| {
            let wanted = format!("/NetworkDriver.{method}");
            recorded
                .iter()
                .filter(|entry| entry.path == wanted)
                .filter_map(|entry| entry.request.map(|raw| go_body(raw.get())))
                .max_by_key(Vec::len)
                .map(|body| Workload {
                    method,
                    body_len: body.len(),
                    bytes: frame(&wanted, &body),
                })
                .ok_or_else(|| format!("{} holds no {wanted} request", path.display()))
        })
        .collect()
}

/// The recorded JSON as Go's encoder sent it: compact, fields in the recorded
/// order, then a newline.
fn go_body(recorded: &str) -> Vec<u8> {
    let mut body = Vec::with_capacity(recorded.len() + 1);
    let (mut in_string, mut escaped) = (false, false);
    for &byte in recorded.as_bytes() {
        if escaped {
            escaped = false;
        } else if in_string {
            escaped = byte == b'\\';
            in_string = byte != b'"';
        } else if byte.is_ascii_whitespace() {
            continue;
        } else if byte == b'"' {
            in_string = true;
        }
        body.push(byte);
    }
    body.push(b'\n');
    body
}

/// The request head dockerd's Go client writes for a unix-socket plugin.
fn frame(path: &str, body: &[u8]) -> Vec<u8> {
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: plugin.moby.localhost\r\nUser-Agent: Go-http-client/1.1\r\n\
         Content-Length: {}\r\nAccept: application/vnd.docker.plugins.v1.2+json\r\n\
         Accept-Encoding: gzip\r\n\r\n",
        body.len()
    );
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_compacted_outside_strings_only() {
        let body = go_body(r#"{"A": "x y", "B": [1, 2], "C": "q\"  r"}"#);
        assert_eq!(body, b"{\"A\":\"x y\",\"B\":[1,2],\"C\":\"q\\\"  r\"}\n");
    }

    #[test]
    fn every_method_has_a_real_body() {
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let workloads = load(&workspace).unwrap();
        assert_eq!(workloads.len(), METHODS.len());
        for workload in workloads {
            let text = String::from_utf8(workload.bytes).unwrap();
            let (head, body) = text.split_once("\r\n\r\n").unwrap();
            assert!(head.starts_with(&format!("POST /NetworkDriver.{} ", workload.method)));
            assert!(head.contains(&format!("Content-Length: {}\r\n", body.len())));
            let parsed: serde_json::Value = serde_json::from_str(body).unwrap();
            assert!(parsed["EndpointID"]
                .as_str()
                .is_some_and(|id| id.len() == 64));
        }
    }
}
