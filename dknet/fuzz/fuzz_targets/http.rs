//! Any bytes as one connection's whole input: the plugin answers with HTTP
//! (or closes), never panics or hangs.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    let answer = dknet::__fuzzing::http_exchange(input);
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1."),
        "not HTTP: {:?}",
        String::from_utf8_lossy(&answer)
    );
});
