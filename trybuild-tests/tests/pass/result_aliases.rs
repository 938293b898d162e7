//! `Result` recognised by name: `io::Result<T>`, an anyhow-style alias with
//! a default error, the full path, and errors of every kind that `Display`s.

use std::fmt;
use std::io;
use std::sync::Arc;

use dknet::network::{
    CreateEndpointRequest, CreateEndpointResponse, CreateNetworkRequest, DeleteEndpointRequest,
    DeleteNetworkRequest, FreeNetworkRequest, JoinRequest, JoinResponse, LeaveRequest,
    NetworkDriver,
};
use dknet::Context;

#[derive(Debug)]
enum MyError {
    Busy,
}

impl fmt::Display for MyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MyError::Busy => f.write_str("busy"),
        }
    }
}

mod anyhowish {
    pub type Error = Box<dyn std::error::Error + Send + Sync>;
    pub type Result<T, E = Error> = std::result::Result<T, E>;
}

struct Aliases;

#[dknet::network_driver]
impl Aliases {
    fn create_network(&self, _request: CreateNetworkRequest) -> io::Result<()> {
        Ok(())
    }

    async fn delete_network(&self, _request: DeleteNetworkRequest) -> anyhowish::Result<()> {
        Err("nope".into())
    }

    fn free_network(&self, _request: FreeNetworkRequest) -> core::result::Result<(), &'static str> {
        Err("static text")
    }

    async fn create_endpoint(
        &self,
        _request: CreateEndpointRequest,
    ) -> Result<CreateEndpointResponse, MyError> {
        Err(MyError::Busy)
    }

    fn delete_endpoint(&self, _request: DeleteEndpointRequest) -> Result<(), fmt::Error> {
        Ok(())
    }

    async fn join(
        &self,
        _request: JoinRequest,
    ) -> Result<dknet::network::JoinResponse, dknet::DriverError> {
        Ok(JoinResponse::default())
    }

    async fn leave(
        &self,
        _request: LeaveRequest,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        Ok(())
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let driver = Arc::new(Aliases);
    driver
        .clone()
        .create_network(Default::default(), Context::new())
        .await
        .unwrap();
    // Each `Err` answers with its error's `Display` text.
    let error = driver
        .clone()
        .delete_network(Default::default(), Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.message(), "nope");
    let error = driver
        .clone()
        .free_network(Default::default(), Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.message(), "static text");
    let error = driver
        .clone()
        .create_endpoint(Default::default(), Context::new())
        .await
        .unwrap_err();
    assert_eq!(error.message(), "busy");
    driver
        .clone()
        .delete_endpoint(Default::default(), Context::new())
        .await
        .unwrap();
    let join = driver
        .clone()
        .join(Default::default(), Context::new())
        .await
        .unwrap();
    assert_eq!(join, JoinResponse::default());
    driver
        .leave(Default::default(), Context::new())
        .await
        .unwrap();
}
