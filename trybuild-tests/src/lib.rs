//! Compile-pass and compile-fail cases for `#[dknet::network_driver]` live in `tests/`.
