//! The expansion names only absolute paths: it compiles with no prelude and
//! with user items named like the ones it uses.
#![no_implicit_prelude]

// Modules and items that a careless expansion would pick up instead of the real ones.
mod core {}
mod std {}
mod dknet {}
mod serde {}
mod tokio {}
mod hyper {}
mod __private {}
#[allow(dead_code)]
struct Result;
#[allow(dead_code)]
struct Option;
#[allow(dead_code)]
struct Arc;
#[allow(dead_code)]
struct Context;
#[allow(dead_code)]
struct DriverError;
#[allow(dead_code)]
trait Send {}
#[allow(dead_code)]
trait Future {}
#[allow(dead_code)]
fn drop() {}

mod driver {
    use ::dknet::network::{
        CreateNetworkRequest, GwAllocCheckRequest, GwAllocCheckResponse, JoinRequest, JoinResponse,
        LeaveRequest,
    };

    pub(crate) struct Hygienic;

    #[::dknet::network_driver(scope = "global")]
    impl Hygienic {
        async fn create_network(
            &self,
            _request: CreateNetworkRequest,
        ) -> ::core::result::Result<(), ::std::string::String> {
            ::core::result::Result::Ok(())
        }

        fn join(&self, _request: JoinRequest, _context: ::dknet::Context) -> JoinResponse {
            ::core::default::Default::default()
        }

        fn leave(&self, _request: LeaveRequest) {}

        #[cfg(all())]
        async fn gw_alloc_check(&self, _request: GwAllocCheckRequest) -> GwAllocCheckResponse {
            ::core::default::Default::default()
        }
    }
}

fn main() {
    let _ = driver::Hygienic;
}
