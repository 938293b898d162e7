//! A run's shared state: the wire, what the handshake said, and a ledger of everything the
//! checker created, so that it can all be removed again.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use crate::addressing::Subnets;
use crate::options::{Options, Subsystems};
use crate::wire::{Reply, Wire};

/// What `GetCapabilities` said.
#[derive(Debug, Clone, Default)]
pub(crate) struct Capabilities {
    /// The network driver's `Scope` (`local` when it said nothing usable).
    pub(crate) global: bool,
    /// The network driver's `GwAllocChecker`.
    pub(crate) gw_alloc_checker: bool,
    /// The IPAM driver's `RequiresMACAddress`.
    pub(crate) requires_mac: bool,
}

/// Everything the checker created and has not removed yet.
#[derive(Debug, Default)]
struct Ledger {
    networks: BTreeSet<String>,
    allocated: BTreeSet<String>,
    endpoints: BTreeSet<(String, String)>,
    joined: BTreeSet<(String, String)>,
    peers: BTreeSet<String>,
    pools: Vec<String>,
    addresses: Vec<(String, String)>,
}

impl Ledger {
    /// Notes what a successful `reply` created or removed.
    fn apply(&mut self, reply: &Reply) {
        let Some(request) = &reply.request else {
            return;
        };
        let text = |key: &str| {
            request
                .get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let endpoint = || (text("NetworkID"), text("EndpointID"));
        match reply.method.as_str() {
            "NetworkDriver.CreateNetwork" => drop(self.networks.insert(text("NetworkID"))),
            "NetworkDriver.DeleteNetwork" => drop(self.networks.remove(&text("NetworkID"))),
            "NetworkDriver.AllocateNetwork" => drop(self.allocated.insert(text("NetworkID"))),
            "NetworkDriver.FreeNetwork" => drop(self.allocated.remove(&text("NetworkID"))),
            "NetworkDriver.CreateEndpoint" => drop(self.endpoints.insert(endpoint())),
            "NetworkDriver.DeleteEndpoint" => drop(self.endpoints.remove(&endpoint())),
            "NetworkDriver.Join" => drop(self.joined.insert(endpoint())),
            "NetworkDriver.Leave" => drop(self.joined.remove(&endpoint())),
            "NetworkDriver.DiscoverNew" | "NetworkDriver.DiscoverDelete" => {
                let address = request["DiscoveryData"]["Address"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                if reply.method.ends_with("New") {
                    self.peers.insert(address);
                } else {
                    self.peers.remove(&address);
                }
            }
            "IpamDriver.RequestPool" => {
                if let Some(id) = reply
                    .field("PoolID")
                    .and_then(|v| v.as_str().map(str::to_owned))
                {
                    self.pools.push(id);
                }
            }
            "IpamDriver.ReleasePool" => self.pools.retain(|p| *p != text("PoolID")),
            "IpamDriver.RequestAddress" => {
                let given = reply
                    .field("Address")
                    .and_then(|v| v.as_str().map(str::to_owned));
                if let Some(address) = given {
                    let bare = address.split('/').next().unwrap_or("").to_owned();
                    self.addresses.push((text("PoolID"), bare));
                }
            }
            "IpamDriver.ReleaseAddress" => {
                let released = (text("PoolID"), text("Address"));
                self.addresses.retain(|a| *a != released);
            }
            _ => {}
        }
    }

    /// The calls that remove everything, in the order dockerd removes things.
    fn removals(&mut self) -> Vec<(&'static str, Value)> {
        let mut calls = Vec::new();
        for (n, e) in std::mem::take(&mut self.joined) {
            calls.push((
                "NetworkDriver.Leave",
                json!({"NetworkID": n, "EndpointID": e}),
            ));
        }
        for (n, e) in std::mem::take(&mut self.endpoints) {
            calls.push((
                "NetworkDriver.DeleteEndpoint",
                json!({"NetworkID": n, "EndpointID": e}),
            ));
        }
        for n in std::mem::take(&mut self.networks) {
            calls.push(("NetworkDriver.DeleteNetwork", json!({"NetworkID": n})));
        }
        for n in std::mem::take(&mut self.allocated) {
            calls.push(("NetworkDriver.FreeNetwork", json!({"NetworkID": n})));
        }
        for (pool, address) in std::mem::take(&mut self.addresses).into_iter().rev() {
            calls.push((
                "IpamDriver.ReleaseAddress",
                json!({"PoolID": pool, "Address": address}),
            ));
        }
        for pool in std::mem::take(&mut self.pools).into_iter().rev() {
            calls.push(("IpamDriver.ReleasePool", json!({"PoolID": pool})));
        }
        for peer in std::mem::take(&mut self.peers) {
            let data = json!({"Address": peer, "BindAddress": "", "Self": false});
            calls.push((
                "NetworkDriver.DiscoverDelete",
                json!({"DiscoveryType": 1, "DiscoveryData": data}),
            ));
        }
        calls
    }
}

/// A run against one plugin.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    /// The connection.
    pub(crate) wire: Wire,
    /// The run's options.
    pub(crate) options: Arc<Options>,
    /// The subsystems checked (set by the handshake).
    pub(crate) subsystems: Subsystems,
    /// What the handshake learnt.
    pub(crate) capabilities: Capabilities,
    /// Subnets for the checker's networks.
    pub(crate) subnets: Arc<Mutex<Subnets>>,
    ledger: Arc<Mutex<Ledger>>,
}

impl Session {
    /// A session on `wire`.
    pub(crate) fn new(wire: Wire, options: Options) -> Self {
        let subnets = Subnets::new(options.pool_v4, options.pool_v6);
        Self {
            wire,
            subsystems: options.subsystems.unwrap_or(Subsystems::Both),
            options: Arc::new(options),
            capabilities: Capabilities::default(),
            subnets: Arc::new(Mutex::new(subnets)),
            ledger: Arc::default(),
        }
    }

    /// A session sharing this one's ledger and log on a connection of its own.
    pub(crate) fn fork(&self) -> Self {
        Self {
            wire: self.wire.fork(),
            ..self.clone()
        }
    }

    /// Calls `method` and notes what it created or removed.
    pub(crate) async fn call(&self, method: &str, request: Value) -> Reply {
        let reply = self.wire.call(method, Some(&request)).await;
        if reply.succeeded() {
            self.ledger.lock().expect("ledger lock").apply(&reply);
        }
        reply
    }

    /// `CreateNetwork` as dockerd sends it to this driver: for a global-scope driver, as a
    /// swarm does, after `AllocateNetwork` on the manager, whose answer's `Options` become
    /// the network's driver options.
    pub(crate) async fn create_network(&self, mut request: Value) -> Reply {
        if self.capabilities.global {
            let generic = request["Options"]["com.docker.network.generic"].clone();
            let allocate = json!({
                "NetworkID": request["NetworkID"],
                "Options": if generic.is_object() { generic } else { json!({}) },
                "IPv4Data": request["IPv4Data"],
                "IPv6Data": request["IPv6Data"],
            });
            let allocated = self.call("NetworkDriver.AllocateNetwork", allocate).await;
            if !allocated.succeeded() {
                return allocated;
            }
            let options = allocated
                .field("Options")
                .filter(Value::is_object)
                .unwrap_or(json!({}));
            request["Options"]["com.docker.network.generic"] = options;
        }
        self.call("NetworkDriver.CreateNetwork", request).await
    }

    /// Removes everything the checker created and has not removed; returns the failures.
    pub(crate) async fn clean_up(&self) -> Vec<String> {
        let calls = self.ledger.lock().expect("ledger lock").removals();
        let mut failures = Vec::new();
        for (method, request) in calls {
            let reply = self.call(method, request).await;
            if !reply.succeeded() && !reply.not_found() {
                failures.push(reply.describe());
            }
        }
        failures
    }

    /// A fresh IPv4 subnet.
    pub(crate) fn subnet_v4(&self) -> Result<ipnet::IpNet, String> {
        let mut subnets = self.subnets.lock().expect("subnets lock");
        subnets.next_v4().map(ipnet::IpNet::V4)
    }

    /// A fresh IPv6 subnet.
    pub(crate) fn subnet_v6(&self) -> Result<ipnet::IpNet, String> {
        let mut subnets = self.subnets.lock().expect("subnets lock");
        subnets.next_v6().map(ipnet::IpNet::V6)
    }
}
