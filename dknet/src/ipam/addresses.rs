//! `RequestAddress` and `ReleaseAddress`: addresses inside a pool.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::IpamOptions;
use crate::wire::{id, nullable, text};

/// `/IpamDriver.RequestAddress`: hand out an address of a pool, for the
/// gateway ([`IpamOptions::is_gateway_request`]), an `--aux-address`, or an
/// endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RequestAddressRequest {
    /// The pool's id, as `RequestPool` answered it.
    #[serde(rename = "PoolID", deserialize_with = "id::deserialize")]
    pub pool_id: String,
    /// The address wanted (`--ip`, `--gateway`, `--aux-address`); `None`: any.
    #[serde(rename = "Address", default, with = "text::optional")]
    pub address: Option<IpAddr>,
    /// What the address is for: see [`IpamOptions`]' accessors.
    #[serde(rename = "Options", default)]
    pub options: IpamOptions,
}

impl RequestAddressRequest {
    /// A request for any address of `pool_id`.
    pub fn new(pool_id: impl Into<String>) -> Self {
        Self {
            pool_id: pool_id.into(),
            ..Self::default()
        }
    }
}

/// Answer to `RequestAddress`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAddressResponse {
    /// The address, with the pool's prefix length (`10.0.0.2/24`).
    #[serde(rename = "Address", with = "text::required")]
    pub address: IpNet,
    /// Extra data (dockerd does not read it today).
    #[serde(rename = "Data", default, deserialize_with = "nullable::deserialize")]
    pub data: BTreeMap<String, String>,
}

impl RequestAddressResponse {
    /// The address `address`, with no data.
    pub fn new(address: IpNet) -> Self {
        Self {
            address,
            data: BTreeMap::new(),
        }
    }
}

/// `/IpamDriver.ReleaseAddress`: the address is free again (answer `()`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ReleaseAddressRequest {
    /// The pool's id.
    #[serde(rename = "PoolID", deserialize_with = "id::deserialize")]
    pub pool_id: String,
    /// The address (bare, without a prefix length).
    #[serde(rename = "Address", with = "text::required")]
    pub address: IpAddr,
}

impl ReleaseAddressRequest {
    /// A request to release `address` of `pool_id`.
    pub fn new(pool_id: impl Into<String>, address: IpAddr) -> Self {
        Self {
            pool_id: pool_id.into(),
            address,
        }
    }
}
