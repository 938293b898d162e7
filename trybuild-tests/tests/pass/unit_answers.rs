//! `()` (or no return type) answers the default response of a method that
//! has one: a veth-creating `create_endpoint` has nothing to tell dockerd.

use dknet::network::{CreateEndpointRequest, JoinRequest};
use dknet::testing::Client;
use dknet::Plugin;

struct Quiet;

#[dknet::network_driver]
impl Quiet {
    fn create_endpoint(&self, _request: CreateEndpointRequest) -> Result<(), String> {
        Ok(())
    }
    async fn join(&self, _request: JoinRequest) {}
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = Client::in_process(Plugin::new().network_driver(Quiet));
    let created = client.create_endpoint(&CreateEndpointRequest::new("n", "e")).await.unwrap();
    assert_eq!(created.interface, None);
    let joined = client.join(&JoinRequest::new("n", "e")).await.unwrap();
    assert_eq!(joined.interface_name, None);
    let raw = client.call("/NetworkDriver.Join", Some(br#"{"NetworkID":"n","EndpointID":"e"}"#)).await.unwrap();
    assert_eq!(raw.text(), r#"{"DisableGatewayService":false}"#);
}
