//! What a driver that writes no method answers (the method table of
//! `dknet/src/network_driver.md`), and the activation handshake.

mod common;

use common::{err_text, serve_driver, Empty, Transport, MEDIA_TYPE};
use dknet::network::*;
use dknet::testing::Client;
use dknet::Plugin;

const IDS: &str = r#""NetworkID":"n1","EndpointID":"e1""#;

#[tokio::test]
async fn every_default_answer_over_a_socket() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let options = r#""Options":{"com.docker.network.generic":{"mtu":"1400"}}"#;
    let cases: Vec<(&str, String, u16, Option<&str>)> = vec![
        (
            "CreateNetwork",
            format!(r#"{{"NetworkID":"n1",{options},"IPv4Data":[],"IPv6Data":null}}"#),
            200,
            Some("{}"),
        ),
        (
            "DeleteNetwork",
            r#"{"NetworkID":"n1"}"#.into(),
            200,
            Some("{}"),
        ),
        (
            "AllocateNetwork",
            r#"{"NetworkID":"n1","Options":null}"#.into(),
            200,
            Some(r#"{"Options":{}}"#),
        ),
        (
            "FreeNetwork",
            r#"{"NetworkID":"n1"}"#.into(),
            200,
            Some("{}"),
        ),
        (
            "CreateEndpoint",
            format!(r#"{{{IDS},"Interface":{{"Address":"10.0.0.2/24"}}}}"#),
            200,
            Some("{}"),
        ),
        (
            "EndpointOperInfo",
            format!("{{{IDS}}}"),
            200,
            Some(r#"{"Value":{}}"#),
        ),
        ("DeleteEndpoint", format!("{{{IDS}}}"), 200, Some("{}")),
        (
            "Join",
            format!(r#"{{{IDS},"SandboxKey":"/var/run/docker/netns/x","Options":null}}"#),
            200,
            Some(r#"{"DisableGatewayService":false}"#),
        ),
        ("Leave", format!("{{{IDS}}}"), 200, Some("{}")),
        (
            "DiscoverNew",
            r#"{"DiscoveryType":1,"DiscoveryData":{"Address":"10.0.0.9","Self":false}}"#.into(),
            200,
            Some("{}"),
        ),
        (
            "DiscoverDelete",
            r#"{"DiscoveryType":1,"DiscoveryData":null}"#.into(),
            200,
            Some("{}"),
        ),
        (
            "ProgramExternalConnectivity",
            format!(r#"{{{IDS},"Options":{{}}}}"#),
            404,
            None,
        ),
        (
            "RevokeExternalConnectivity",
            format!("{{{IDS}}}"),
            404,
            None,
        ),
        ("GwAllocCheck", format!("{{{options}}}"), 404, None),
    ];
    for (method, body, status, expected) in cases {
        let path = format!("/NetworkDriver.{method}");
        let answer = plugin
            .client
            .call(&path, Some(body.as_bytes()))
            .await
            .unwrap();
        assert_eq!(answer.status, status, "{method}: {}", answer.text());
        assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE), "{method}");
        match expected {
            Some(json) => assert_eq!(answer.text(), json, "{method}"),
            None => assert!(err_text(&answer.body).contains(&format!("{method} is not supported"))),
        }
    }
    plugin.stop().await.unwrap();
}

#[tokio::test]
async fn capabilities_answer_an_empty_body_with_local_scope() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let answer = plugin
        .client
        .call("/NetworkDriver.GetCapabilities", None)
        .await
        .unwrap();
    assert_eq!(answer.status, 200);
    let json = answer.json().unwrap();
    assert_eq!(json["Scope"], "local");
    assert_eq!(json["GwAllocChecker"], false);
    let typed = plugin.client.get_capabilities().await.unwrap();
    assert_eq!(typed.scope, Scope::Local);
    assert_eq!(typed.connectivity_scope, None);
    plugin.stop().await.unwrap();
}

#[tokio::test]
async fn activate_lists_the_registered_subsystems() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let answer = plugin.client.call("/Plugin.Activate", None).await.unwrap();
    assert_eq!(answer.status, 200);
    assert_eq!(answer.text(), r#"{"Implements":["NetworkDriver"]}"#);
    assert_eq!(answer.content_type.as_deref(), Some(MEDIA_TYPE));
    plugin.stop().await.unwrap();

    // A plugin with no driver implements nothing (and says so).
    let client = Client::in_process(Plugin::new());
    assert!(client.activate().await.unwrap().implements.is_empty());
    let answer = client
        .call("/NetworkDriver.Join", Some(b"{}"))
        .await
        .unwrap();
    assert_eq!(answer.status, 404);
}

#[tokio::test]
async fn typed_client_calls_get_the_defaults() {
    let plugin = serve_driver(Empty, Transport::Unix).await;
    let client = &plugin.client;
    client
        .create_network(&CreateNetworkRequest::new("n1"))
        .await
        .unwrap();
    let created = client
        .create_endpoint(&CreateEndpointRequest::new("n1", "e1"))
        .await
        .unwrap();
    assert_eq!(created, CreateEndpointResponse::default());
    let joined = client.join(&JoinRequest::new("n1", "e1")).await.unwrap();
    assert_eq!(joined, JoinResponse::default());
    let mut request = EndpointOperInfoRequest::default();
    request.network_id = "n1".into();
    request.endpoint_id = "e1".into();
    let info = client.endpoint_oper_info(&request).await.unwrap();
    assert!(info.value.is_empty());
    client.leave(&LeaveRequest::new("n1", "e1")).await.unwrap();
    client
        .delete_endpoint(&DeleteEndpointRequest::new("n1", "e1"))
        .await
        .unwrap();
    client
        .delete_network(&DeleteNetworkRequest::new("n1"))
        .await
        .unwrap();
    let error = client
        .gw_alloc_check(&GwAllocCheckRequest::default())
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(404));
    assert!(error
        .to_string()
        .starts_with("NetworkDriver.GwAllocCheck: GwAllocCheck is not supported"));
    plugin.stop().await.unwrap();
}
