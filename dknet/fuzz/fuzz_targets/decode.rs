//! Any bytes as the request body of every network method: the decoder
//! answers or refuses, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    dknet::__fuzzing::decode_requests(body);
});
