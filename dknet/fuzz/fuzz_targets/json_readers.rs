//! Any bytes as the request body of every method and as any JSON value,
//! read by dknet's fast reader and by serde_json: they must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    dknet::__fuzzing::compare_json_readers(body);
});
