//! `RequestPool` and `ReleasePool`: a network's address pools.

use std::collections::BTreeMap;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::IpamOptions;
use crate::wire::{id, nullable, text};

/// `/IpamDriver.RequestPool`: hand out a pool for a new network (one call
/// per address family).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
#[non_exhaustive]
pub struct RequestPoolRequest {
    /// The address space (one of [`GetDefaultAddressSpaces`](super::GetDefaultAddressSpacesResponse)' names).
    #[serde(rename = "AddressSpace", deserialize_with = "nullable::deserialize")]
    pub address_space: String,
    /// The pool the user asked for (`--subnet`), or the pool handed out
    /// earlier when dockerd restores a network; `None`: pick one.
    #[serde(rename = "Pool", with = "text::optional")]
    pub pool: Option<IpNet>,
    /// The range inside `pool` to hand addresses from (`--ip-range`).
    #[serde(rename = "SubPool", with = "text::optional")]
    pub sub_pool: Option<IpNet>,
    /// The user's `--ipam-opt key=value` options.
    #[serde(rename = "Options")]
    pub options: IpamOptions,
    /// True for the network's IPv6 pool.
    #[serde(rename = "V6")]
    pub v6: bool,
}

impl RequestPoolRequest {
    /// A request in `address_space` for any pool of the family `v6` says.
    pub fn new(address_space: impl Into<String>, v6: bool) -> Self {
        Self {
            address_space: address_space.into(),
            v6,
            ..Self::default()
        }
    }
}

/// Answer to `RequestPool`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPoolResponse {
    /// The id dockerd passes back in every later call about this pool.
    #[serde(rename = "PoolID")]
    pub pool_id: String,
    /// The pool handed out.
    #[serde(rename = "Pool", with = "text::required")]
    pub pool: IpNet,
    /// Extra data; a CIDR under `com.docker.network.gateway`
    /// ([`GATEWAY`](super::options::GATEWAY)) is used as the gateway without
    /// a `RequestAddress`.
    #[serde(rename = "Data", default, deserialize_with = "nullable::deserialize")]
    pub data: BTreeMap<String, String>,
}

impl RequestPoolResponse {
    /// The pool `pool` under the id `pool_id`, with no data.
    pub fn new(pool_id: impl Into<String>, pool: IpNet) -> Self {
        Self {
            pool_id: pool_id.into(),
            pool,
            data: BTreeMap::new(),
        }
    }
}

/// `/IpamDriver.ReleasePool`: the network is gone (answer `()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleasePoolRequest {
    /// The pool's id, as `RequestPool` answered it.
    #[serde(rename = "PoolID", deserialize_with = "id::deserialize")]
    pub pool_id: String,
}

impl ReleasePoolRequest {
    /// A request to release `pool_id`.
    pub fn new(pool_id: impl Into<String>) -> Self {
        Self {
            pool_id: pool_id.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::super::{ReleaseAddressRequest, RequestAddressRequest};
    use super::ReleasePoolRequest;

    /// Decodes a body as one request type, keeping only whether it did.
    type Decoder = fn(Value) -> Result<(), serde_json::Error>;

    /// Every IPAM request that names a pool, decoded from `body`.
    fn decoders() -> [(&'static str, Decoder); 3] {
        [
            ("ReleasePool", |body| {
                serde_json::from_value::<ReleasePoolRequest>(body).map(drop)
            }),
            ("RequestAddress", |body| {
                serde_json::from_value::<RequestAddressRequest>(body).map(drop)
            }),
            ("ReleaseAddress", |body| {
                serde_json::from_value::<ReleaseAddressRequest>(body).map(drop)
            }),
        ]
    }

    #[test]
    fn a_missing_null_empty_or_mis_cased_pool_id_is_an_error_naming_it() {
        for (name, decode) in decoders() {
            let good = json!({"PoolID": "10.0.0.0/24", "Address": "10.0.0.2"});
            decode(good.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let error = decode(json!({"Address": "10.0.0.2"})).unwrap_err();
            assert!(
                error.to_string().contains("missing field `PoolID`"),
                "{name}: {error}"
            );
            let miscased = json!({"poolid": "10.0.0.0/24", "Address": "10.0.0.2"});
            assert!(decode(miscased).is_err(), "{name}: mis-cased");
            for bad in [json!(""), json!(null)] {
                let mut body = good.clone();
                body["PoolID"] = bad.clone();
                assert!(decode(body).is_err(), "{name}: PoolID {bad}");
            }
        }
    }
}
