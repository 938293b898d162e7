//! Go's JSON conventions on every request and response type: `null` and
//! absent collections, `""` for "none", unknown fields, typed addresses.

use serde::de::DeserializeOwned;
use serde_json::json;

use super::*;

fn decode<T: DeserializeOwned>(value: serde_json::Value) -> T {
    serde_json::from_value(value).unwrap()
}

fn json(value: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(value).unwrap()
}

#[test]
fn null_collections_and_objects_decode_as_empty() {
    let create: CreateNetworkRequest = decode(json!({
        "NetworkID": "n", "Options": null, "IPv4Data": null, "IPv6Data": null,
    }));
    assert_eq!(create, CreateNetworkRequest::new("n"));

    let pool: IpamData =
        decode(json!({"Pool": "10.200.0.0/24", "AuxAddresses": null, "AddressSpace": null}));
    assert!(pool.aux_addresses.is_empty() && pool.address_space.is_empty());

    let endpoint: CreateEndpointRequest = decode(json!({
        "NetworkID": "n", "EndpointID": "e", "Interface": null, "Options": null,
    }));
    assert_eq!(endpoint, CreateEndpointRequest::new("n", "e"));

    let allocate: AllocateNetworkRequest = decode(json!({"Options": null, "IPv6Data": null}));
    assert!(allocate.options.is_empty() && allocate.ipv6_data.is_empty());

    let discover: DiscoverNewRequest = decode(json!({"DiscoveryType": 1, "DiscoveryData": null}));
    assert_eq!(discover.discovery_data, NodeDiscoveryData::default());

    let join: JoinResponse = decode(json!({"InterfaceName": null, "StaticRoutes": null}));
    assert_eq!(join, JoinResponse::default());

    let info: EndpointOperInfoResponse = decode(json!({"Value": null}));
    assert!(info.value.is_empty());

    let activate: ActivateResponse = decode(json!({"Implements": null}));
    assert!(activate.implements.is_empty());
}

#[test]
fn absent_fields_and_empty_objects_decode_as_defaults() {
    let _: CreateNetworkRequest = decode(json!({}));
    let _: JoinRequest = decode(json!({}));
    let _: ProgramExternalConnectivityRequest = decode(json!({}));
    let _: RevokeExternalConnectivityRequest = decode(json!({}));
    let _: GwAllocCheckRequest = decode(json!({}));
    let _: FreeNetworkRequest = decode(json!({}));
    let caps: GetCapabilitiesResponse = decode(json!({"Scope": "global"}));
    assert_eq!(caps.scope, Scope::Global);
    assert_eq!(caps.connectivity_scope, None);
}

#[test]
fn empty_strings_are_none_and_addresses_are_typed() {
    let endpoint: CreateEndpointRequest = decode(json!({
        "Interface": {"Address": "10.200.0.2/24", "AddressIPv6": "", "MacAddress": ""},
    }));
    assert_eq!(
        endpoint.interface.address,
        Some("10.200.0.2/24".parse().unwrap())
    );
    assert_eq!(endpoint.interface.address_ipv6, None);
    assert_eq!(endpoint.interface.mac_address, None);

    let join: JoinResponse = decode(json!({
        "Gateway": "10.200.0.1", "GatewayIPv6": "",
        "StaticRoutes": [{"Destination": "10.10.0.0/16", "RouteType": 1}],
    }));
    assert_eq!(join.gateway, Some("10.200.0.1".parse().unwrap()));
    assert_eq!(join.gateway_ipv6, None);
    assert_eq!(join.static_routes[0].route_type, RouteType::Connected);
    assert_eq!(join.static_routes[0].next_hop, None);
}

#[test]
fn unknown_fields_are_ignored() {
    let leave: LeaveRequest =
        decode(json!({"NetworkID": "n", "EndpointID": "e", "Future": {"x": 1}}));
    assert_eq!(leave, LeaveRequest::new("n", "e"));
}

#[test]
fn malformed_addresses_say_what_was_expected() {
    let bare_pool = serde_json::from_value::<IpamData>(json!({"Pool": "10.200.0.0"}));
    assert!(bare_pool.unwrap_err().to_string().contains("CIDR"));
    let cidr_gateway = serde_json::from_value::<JoinResponse>(json!({"Gateway": "10.0.0.1/24"}));
    assert!(cidr_gateway
        .unwrap_err()
        .to_string()
        .contains("bare IP address"));
    let aux = serde_json::from_value::<IpamData>(
        json!({"Pool": "10.200.0.0/24", "AuxAddresses": {"host1": "nope"}}),
    );
    assert!(aux.unwrap_err().to_string().contains("`host1`"));
    let route =
        serde_json::from_value::<StaticRoute>(json!({"Destination": "10.0.0.0/8", "RouteType": 7}));
    assert!(route.is_err());
}

#[test]
fn responses_leave_out_what_is_absent() {
    assert_eq!(json(&CreateEndpointResponse::default()), json!({}));
    let only_mac = CreateEndpointResponse {
        interface: Some(EndpointInterface {
            mac_address: Some("02:42:0a:c8:00:02".parse().unwrap()),
            ..Default::default()
        }),
    };
    assert_eq!(
        json(&only_mac),
        json!({"Interface": {"MacAddress": "02:42:0a:c8:00:02"}})
    );
    assert_eq!(
        json(&GetCapabilitiesResponse::default()),
        json!({"Scope": "local", "GwAllocChecker": false})
    );
    let join = JoinResponse {
        interface_name: Some(InterfaceName::new("veth0", "eth")),
        gateway: Some("10.200.0.1".parse().unwrap()),
        ..Default::default()
    };
    assert_eq!(
        json(&join),
        json!({
            "InterfaceName": {"SrcName": "veth0", "DstPrefix": "eth"},
            "Gateway": "10.200.0.1",
            "DisableGatewayService": false,
        })
    );
}
