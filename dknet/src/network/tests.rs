//! Go's JSON conventions on every request and response type: `null` and
//! absent collections, `""` for "none", unknown fields, typed addresses.

use serde::de::DeserializeOwned;
use serde_json::json;

use super::*;
use crate::ActivateResponse;

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

    let allocate: AllocateNetworkRequest =
        decode(json!({"NetworkID": "n", "Options": null, "IPv6Data": null}));
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
    let ids = json!({"NetworkID": "n", "EndpointID": "e"});
    let create: CreateNetworkRequest = decode(json!({"NetworkID": "n"}));
    assert_eq!(create, CreateNetworkRequest::new("n"));
    let join: JoinRequest = decode(ids.clone());
    assert_eq!(join, JoinRequest::new("n", "e"));
    let _: ProgramExternalConnectivityRequest = decode(ids.clone());
    let _: RevokeExternalConnectivityRequest = decode(ids);
    let _: GwAllocCheckRequest = decode(json!({}));
    let _: FreeNetworkRequest = decode(json!({"NetworkID": "n"}));
    let caps: GetCapabilitiesResponse = decode(json!({"Scope": "global"}));
    assert_eq!(caps.scope, Scope::Global);
    assert_eq!(caps.connectivity_scope, None);
}

#[test]
fn empty_strings_are_none_and_addresses_are_typed() {
    let endpoint: CreateEndpointRequest = decode(json!({
        "NetworkID": "n", "EndpointID": "e",
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

/// Every request with ids, as `(name, decode)`.
type Decoder = fn(serde_json::Value) -> Result<(), serde_json::Error>;

fn with_ids() -> Vec<(&'static str, Decoder, bool)> {
    fn d<T: DeserializeOwned>(value: serde_json::Value) -> Result<(), serde_json::Error> {
        serde_json::from_value::<T>(value).map(drop)
    }
    // (request, decoder, has an EndpointID)
    vec![
        ("CreateNetwork", d::<CreateNetworkRequest>, false),
        ("DeleteNetwork", d::<DeleteNetworkRequest>, false),
        ("AllocateNetwork", d::<AllocateNetworkRequest>, false),
        ("FreeNetwork", d::<FreeNetworkRequest>, false),
        ("CreateEndpoint", d::<CreateEndpointRequest>, true),
        ("EndpointOperInfo", d::<EndpointOperInfoRequest>, true),
        ("DeleteEndpoint", d::<DeleteEndpointRequest>, true),
        ("Join", d::<JoinRequest>, true),
        ("Leave", d::<LeaveRequest>, true),
        (
            "ProgramExternalConnectivity",
            d::<ProgramExternalConnectivityRequest>,
            true,
        ),
        (
            "RevokeExternalConnectivity",
            d::<RevokeExternalConnectivityRequest>,
            true,
        ),
    ]
}

#[test]
fn required_ids_that_are_missing_null_or_empty_are_errors_naming_them() {
    for (name, decode, has_endpoint) in with_ids() {
        let mut ids = json!({"NetworkID": "n"});
        if has_endpoint {
            ids["EndpointID"] = json!("e");
        }
        decode(ids.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        for field in ["NetworkID", "EndpointID"]
            .into_iter()
            .take(1 + has_endpoint as usize)
        {
            let mut missing = ids.clone();
            missing.as_object_mut().unwrap().remove(field);
            let error = decode(missing).unwrap_err().to_string();
            assert!(
                error.contains(&format!("missing field `{field}`")),
                "{name}: {error}"
            );
            // Mis-cased keys are unknown fields: the id is still missing.
            let mut miscased = ids.clone();
            let value = miscased.as_object_mut().unwrap().remove(field).unwrap();
            miscased[field.to_lowercase()] = value;
            assert!(decode(miscased).is_err(), "{name}: {field} mis-cased");
            for bad in [json!(""), json!(null)] {
                let mut empty = ids.clone();
                empty[field] = bad;
                let error = decode(empty).unwrap_err().to_string();
                assert!(error.contains("the id is"), "{name}: {error}");
            }
        }
    }
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
