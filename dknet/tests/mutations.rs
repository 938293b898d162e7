//! A stable, bounded stand-in for the cargo-fuzz targets (`dknet/fuzz`):
//! every request body dockerd sent in the recorded fixtures, mutated many
//! ways, must get an answer, never a panic or a dropped connection: 200,
//! 400, or 500 (404 for the methods the driver declines).

mod common;

use dknet::testing::{load_fixture, Client};
use dknet::Plugin;

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Bytes that matter to JSON and to dknet's decoders.
const INTERESTING: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"null",
    b"\"\"",
    b"-1",
    b"1e999",
    b"18446744073709551616",
    b"\\u0000",
    b"\xff",
    b"/",
    b"::",
    b"10.0.0.1/33",
    b"\"Options\"",
    b"\"NetworkID\"",
    b"{\"com.docker.network.generic\":",
    b"true",
];

fn mutate(rng: &mut Rng, body: &[u8]) -> Vec<u8> {
    let mut bytes = body.to_vec();
    for _ in 0..=rng.below(4) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(5) {
            0 if at < bytes.len() => {
                bytes.remove(at);
            }
            1 if at < bytes.len() => bytes[at] = rng.next() as u8,
            2 => {
                let piece = INTERESTING[rng.below(INTERESTING.len())];
                bytes.splice(at..at, piece.iter().copied());
            }
            3 if at < bytes.len() => {
                let end = (at + rng.below(16)).min(bytes.len());
                let copy = bytes[at..end].to_vec();
                bytes.splice(at..at, copy);
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

#[tokio::test]
async fn mutated_dockerd_bodies_always_get_an_answer() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut requests = Vec::new();
    for name in ["dockerd-20.10.24.jsonl", "dockerd-28.5.2.jsonl"] {
        for entry in load_fixture(fixtures.join(name)).unwrap() {
            if let Some(request) = entry.request {
                requests.push((entry.path, serde_json::to_vec(&request).unwrap()));
            }
        }
    }
    assert!(requests.len() > 10, "the fixtures hold dockerd's requests");
    let client = Client::in_process(Plugin::new().network_driver(common::Empty));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut statuses = std::collections::BTreeMap::new();
    for round in 0..3000 {
        let (path, body) = &requests[round % requests.len()];
        let body = mutate(&mut rng, body);
        let answer = common::within("an answer", client.call(path, Some(&body)))
            .await
            .unwrap_or_else(|error| panic!("{path} {:?}: {error}", String::from_utf8_lossy(&body)));
        let declined = path.ends_with("ExternalConnectivity")
            || path.ends_with(".GwAllocCheck")
            || path.starts_with("/IpamDriver.");
        let expected =
            matches!(answer.status, 200 | 400 | 500) || (declined && answer.status == 404);
        assert!(
            expected,
            "{path} {:?}: {}",
            String::from_utf8_lossy(&body),
            answer.status
        );
        *statuses.entry(answer.status).or_insert(0) += 1;
    }
    // The mutations reach both the decoders' errors and the drivers.
    assert!(statuses[&400] > 100 && statuses[&200] > 100, "{statuses:?}");
}
