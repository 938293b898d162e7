//! The driver as dockerd sees it, through `dknet::testing` (no Docker, no root).

use dknet::network::{CreateNetworkRequest, IpamData};
use dknet::testing::Client;
use dknet_template::Driver;

fn client() -> Client {
    Client::in_process(dknet::Plugin::new().network_driver(Driver))
}

#[tokio::test]
async fn a_network_without_a_subnet_is_refused() {
    let error = client()
        .create_network(&CreateNetworkRequest::new("n1"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert_eq!(
        error.message(),
        Some("this driver needs an IPv4 subnet (--subnet)")
    );
}

#[tokio::test]
async fn a_network_with_a_subnet_is_created() {
    let mut request = CreateNetworkRequest::new("n1");
    request
        .ipv4_data
        .push(IpamData::new("10.200.0.0/24".parse().unwrap()));
    client().create_network(&request).await.unwrap();
}
