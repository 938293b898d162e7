//! Compile-pass and compile-fail cases for `#[dknet::network_driver]`; see
//! this crate's README for how the `.stderr` snapshots are kept.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/pass/*.rs");
    cases.compile_fail("tests/fail/*.rs");
}
