//! Generated code is warning-free under strict lints, in a library-like
//! crate where everything public needs docs.
#![deny(warnings, missing_docs, unused, unreachable_pub, rust_2018_idioms)]
#![deny(unused_qualifications, unused_results, trivial_casts, unsafe_code)]
#![deny(
    missing_debug_implementations,
    single_use_lifetimes,
    elided_lifetimes_in_paths
)]

use dknet::network::{CreateNetworkRequest, JoinRequest, JoinResponse, LeaveRequest};
use dknet::Context;

/// A documented driver.
#[derive(Debug)]
pub struct Strict;

#[dknet::network_driver]
impl Strict {
    async fn create_network(&self, request: CreateNetworkRequest) -> Result<(), String> {
        if request.network_id.is_empty() {
            Err(String::from("empty"))
        } else {
            Ok(())
        }
    }

    fn join(&self, _request: JoinRequest, context: Context) -> JoinResponse {
        let _ = context.request_id();
        JoinResponse::default()
    }

    async fn leave(&self, _request: LeaveRequest, _context: Context) {}
}

/// A documented generic driver.
#[derive(Debug)]
pub struct Generic<T>(pub T);

#[dknet::network_driver(scope = "local")]
impl<T: Send + Sync + 'static> Generic<T> {
    fn leave(&self, _request: LeaveRequest) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {}
