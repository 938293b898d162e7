//! Building blocks the checks share: a network, an endpoint, a pool, as dockerd asks.

use ipnet::IpNet;
use serde_json::{json, Value};

use crate::addressing::{fresh_id, host};
use crate::session::Session;
use crate::wire::Reply;

/// A network the checker created.
#[derive(Debug, Clone)]
pub(crate) struct Network {
    /// Its id.
    pub(crate) id: String,
    /// Its IPv4 subnet.
    pub(crate) subnet: IpNet,
}

/// Fails with the reply's description unless dockerd would take it as success.
pub(crate) fn expect(reply: Reply) -> Result<Reply, String> {
    if reply.succeeded() {
        Ok(reply)
    } else {
        Err(reply.describe())
    }
}

/// `CreateNetwork` as dockerd 29 sends it for `docker network create -d P NAME`, on a new
/// subnet of the run's pool with dockerd's built-in IPAM and the run's driver options.
pub(crate) async fn create_network(session: &Session) -> Result<Network, String> {
    let generic = serde_json::to_value(&session.options.driver_opts).expect("a string map");
    let subnet = session.subnet_v4()?;
    let id = fresh_id();
    let request = json!({
        "NetworkID": id,
        "Options": {
            "com.docker.network.enable_ipv4": true,
            "com.docker.network.enable_ipv6": false,
            "com.docker.network.generic": generic,
        },
        "IPv4Data": [{"AddressSpace": "LocalDefault", "Pool": subnet.to_string(), "Gateway": host(subnet, 1).to_string()}],
        "IPv6Data": [],
    });
    expect(session.create_network(request).await)?;
    Ok(Network { id, subnet })
}

/// `CreateEndpoint` for the `index`th container on `network` (address `.index+2`).
pub(crate) async fn create_endpoint(
    session: &Session,
    network: &Network,
    index: u32,
) -> Result<String, String> {
    let id = fresh_id();
    let address = host(network.subnet, u128::from(index) + 2);
    let request = json!({
        "NetworkID": network.id,
        "EndpointID": id,
        "Interface": {"Address": address.to_string(), "AddressIPv6": "", "MacAddress": ""},
        "Options": {"com.docker.network.endpoint.exposedports": [], "com.docker.network.portmap": []},
    });
    expect(session.call("NetworkDriver.CreateEndpoint", request).await)?;
    Ok(id)
}

/// The `{"NetworkID", "EndpointID"}` body.
pub(crate) fn ids(network: &str, endpoint: &str) -> Value {
    json!({"NetworkID": network, "EndpointID": endpoint})
}

/// `Join` as dockerd sends it.
pub(crate) async fn join(
    session: &Session,
    network: &str,
    endpoint: &str,
) -> Result<Reply, String> {
    let request = json!({
        "NetworkID": network,
        "EndpointID": endpoint,
        "SandboxKey": format!("/var/run/docker/netns/{}", &endpoint[..12]),
        "Options": {},
    });
    expect(session.call("NetworkDriver.Join", request).await)
}

/// The local default address space the IPAM driver names.
pub(crate) async fn address_space(session: &Session) -> String {
    let reply = session
        .wire
        .call("IpamDriver.GetDefaultAddressSpaces", None)
        .await;
    let field = reply.field("LocalDefaultAddressSpace");
    field
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| "LocalDefault".to_owned())
}

/// `RequestPool`; returns the pool id and pool.
pub(crate) async fn request_pool(
    session: &Session,
    pool: Option<IpNet>,
    sub_pool: Option<IpNet>,
    v6: bool,
) -> Result<(String, IpNet), String> {
    let space = address_space(session).await;
    let text = |n: Option<IpNet>| n.map(|n| n.to_string()).unwrap_or_default();
    let request = json!({"AddressSpace": space, "Pool": text(pool), "SubPool": text(sub_pool), "Options": {}, "V6": v6});
    let reply = expect(session.call("IpamDriver.RequestPool", request).await)?;
    let id = reply
        .field("PoolID")
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default();
    let given = reply.field("Pool").and_then(|v| v.as_str()?.parse().ok());
    let given = given.ok_or_else(|| format!("no pool: {}", reply.describe()))?;
    Ok((id, given))
}

/// `RequestAddress` (`address`: a specific one; `gateway`: the gateway request).
pub(crate) async fn request_address(
    session: &Session,
    pool_id: &str,
    address: Option<IpNet>,
    gateway: bool,
) -> Reply {
    // As dockerd 25-28 sends them (29 adds the endpoint's name, which the recordings
    // cover).
    let options = if gateway {
        json!({"RequestAddressType": "com.docker.network.gateway"})
    } else {
        Value::Null
    };
    let address = address.map(|a| a.addr().to_string()).unwrap_or_default();
    let request = json!({"PoolID": pool_id, "Address": address, "Options": options});
    session.call("IpamDriver.RequestAddress", request).await
}

/// The address a successful `RequestAddress` gave.
pub(crate) fn given_address(reply: &Reply) -> Option<IpNet> {
    reply.field("Address")?.as_str()?.parse().ok()
}
