//! Every check: its name, the rule it holds the plugin to, and what dockerd does to a plugin
//! that breaks it (read from moby's source: `pkg/plugins`, libnetwork's remote driver and
//! remote IPAM proxies, `endpoint_info.go`, `network.go`).

/// One check's fixed description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Check {
    /// Its name, `group.rule`.
    pub name: &'static str,
    /// The rule, in one sentence.
    pub rule: &'static str,
    /// What dockerd does when the rule is broken, and why.
    pub dockerd: &'static str,
}

macro_rules! checks {
    ($($ident:ident = $name:literal, $rule:literal, $dockerd:literal;)*) => {
        $(
            #[doc = $rule]
            pub const $ident: Check = Check { name: $name, rule: $rule, dockerd: $dockerd };
        )*
        /// Every check, in the order a run reports them.
        pub const ALL: &[Check] = &[$($ident),*];
    };
}

checks! {
    ACTIVATE = "handshake.activate",
        "Plugin.Activate with an empty body answers 200 and {\"Implements\": [...]} naming the subsystems checked.",
        "dockerd activates a legacy plugin once, with an empty body; an answer it cannot decode, or one that does not list NetworkDriver/IpamDriver, fails with \"Plugin does not implement the requested driver\" and the plugin is never used.";
    NETWORK_CAPABILITIES = "handshake.network-capabilities",
        "NetworkDriver.GetCapabilities answers Scope \"local\" or \"global\", ConnectivityScope empty, \"local\" or \"global\", GwAllocChecker a boolean (and the scope expected).",
        "the remote driver proxy refuses any other Scope or ConnectivityScope (and any error): the driver is not registered, only a log line says why, and every later `docker network create -d NAME` fails with \"could not resolve driver\".";
    IPAM_CAPABILITIES = "handshake.ipam-capabilities",
        "IpamDriver.GetCapabilities answers booleans RequiresMACAddress/RequiresRequestReplay, or 404; IpamDriver.GetDefaultAddressSpaces answers two strings.",
        "a failed GetCapabilities other than 404 is only logged and the driver registered with no capabilities (a MAC or replay it asked for never comes); GetDefaultAddressSpaces is called before every RequestPool, so its failure fails every network create.";
    ANSWER_SHAPE = "answers.shape",
        "Every answer is 200 with a JSON body of the method's shape, or 404, or another non-2xx status with {\"Err\": \"message\"}; never empty, HTML or plain text; IPAM never signals failure as 200 with \"Err\".",
        "dockerd takes only 200 as success and decodes the body with Go's json.Decoder: an empty body is EOF, text or HTML is a decode error, a field of the wrong type fails the call; on a failed status it shows {\"Err\"} or else the raw body; an IPAM 200 carrying \"Err\" (IPAM's key is \"Error\") is read as success.";
    UNKNOWN_METHOD = "answers.unknown-method",
        "A method the plugin does not serve answers 404.",
        "dockerd reads only a 404 as \"not implemented\" (plugins.IsNotFound): ProgramExternalConnectivity and RevokeExternalConnectivity answered any other failure fail the container's start (Calico's plugin broke on Docker 1.12 by answering an HTML 500).";
    BAD_BODY = "answers.bad-body",
        "A body that is empty or not the method's JSON is refused with a non-2xx status and {\"Err\"}, and the plugin keeps serving.",
        "dockerd retries a request whose connection failed with an EMPTY body (it rebuilds it from a drained buffer); a plugin that answers 200 to that has acknowledged a call it never understood, one that crashes takes every later call down.";
    SEQUENCE_20 = "sequence.20.10",
        "dockerd 20.10.24's recorded calls, in its order and with its bodies (ids, pools and addresses renewed), all succeed.",
        "each of these calls fails the docker command that made it (network create, run, connect, rm) and libnetwork rolls back what it had done.";
    SEQUENCE_28 = "sequence.28",
        "dockerd 28.5.2's recorded calls (GwAllocCheck, enable_ipv4, external connectivity) all succeed.",
        "each of these calls fails the docker command that made it and libnetwork rolls back; a ProgramExternalConnectivity failure other than 404 fails the container's start.";
    SEQUENCE_29 = "sequence.29",
        "dockerd 29.7.2's recorded calls (endpoint names sent to IPAM, two networks per container, the reworked external connectivity) all succeed.",
        "each of these calls fails the docker command that made it and libnetwork rolls back; v29 sends Program/RevokeExternalConnectivity whenever the gateway endpoint changes.";
    SEQUENCE_SWARM = "sequence.swarm",
        "A global-scope driver serves what a swarm sends: DiscoverNew/DiscoverDelete for a peer, AllocateNetwork on the manager, CreateNetwork with its answer's Options, FreeNetwork.",
        "the swarm allocator calls AllocateNetwork for global-scope drivers with no 404 tolerance: a failure fails `docker network create` on the manager; the Options it returns are what every node's CreateNetwork receives.";
    ENDPOINT_ECHO = "refuse.create-endpoint-echo",
        "CreateEndpoint never answers an Address, AddressIPv6 or MacAddress that dockerd sent in the request.",
        "libnetwork refuses to set an interface field it already has, even to the same value (\"endpoint interface IP present ... Cannot be modified\"), then sends DeleteEndpoint and fails the container's start with \"rolled back\".";
    JOIN_INTERFACE = "refuse.join-interface",
        "Join's InterfaceName, when given, names both SrcName and DstPrefix; Gateway and GatewayIPv6 are bare addresses; static routes parse.",
        "with no SrcName libnetwork moves no interface into the container (it starts without this network and nobody says why); the container's name is DstPrefix plus an index, so an empty prefix leaves a bare number; a CIDR gateway fails with \"unable to parse Gateway\" and a Leave rollback.";
    ADDRESS_IN_POOL = "refuse.ipam-address-in-pool",
        "RequestAddress answers a CIDR inside the pool (and its sub-pool) with the pool's prefix length, and exactly the address asked for when one was.",
        "dockerd trusts a remote IPAM's answer: it puts that address on the container's interface as given, so an address outside the network's subnet (or ignoring --ip/--gateway) leaves the container unreachable and the gateway unrouted.";
    ADDRESS_UNIQUE = "refuse.ipam-address-unique",
        "RequestAddress never hands out an address already held in the pool, and refuses a specific address already given.",
        "dockerd does not check a remote IPAM's addresses against each other: two containers get the same address and traffic goes to either.";
    POOL_OVERLAP = "refuse.ipam-pool-overlap",
        "RequestPool never gives a pool overlapping one already held in the same address space, and refuses such a --subnet.",
        "dockerd does not compare a remote IPAM's pools (its overlap loop only checks host routes, and only for non-default address spaces): two networks get overlapping subnets and their routes clash.";
    DELETES_REPEATED = "rely.deletes-repeated",
        "Leave, DeleteEndpoint and DeleteNetwork succeed when repeated and for ids the plugin never saw; a repeated ReleaseAddress or ReleasePool succeeds or fails with {\"Err\"}, and a released address can be asked for again.",
        "dockerd sends deletes again on rollback, on stale-endpoint cleanup at daemon start and after failures, and a failed DeleteEndpoint or DeleteNetwork fails `docker rm`/`docker network rm`, leaving objects nobody can remove; a failed IPAM release is only logged, but an address never freed is lost to every later container.";
    CONCURRENT = "rely.concurrent-endpoints",
        "CreateEndpoint, Join, Leave, DeleteEndpoint (and RequestAddress) issued concurrently on several connections, as dockerd does for several containers, all succeed with distinct addresses.",
        "dockerd serves each container's start and removal on its own goroutine and connection (`docker rm -f a b c d` sent four at once): a plugin that loses concurrent updates forgets endpoints or hands out an address twice.";
    TIME_BOUND = "rely.time-bound",
        "Every answer arrives within the time bound.",
        "a legacy plugin has no HTTP timeout in dockerd: a slow answer holds the daemon operation (and its locks) for as long as it takes, a hung one forever; a managed plugin enabled with `docker plugin enable` gets 30 s before the call fails.";
    RESTART = "rely.restart",
        "After --restart-cmd restarts the plugin, it still knows the networks, endpoints, pools and addresses it had, and deletes of them succeed.",
        "dockerd activates a plugin once and never replays CreateNetwork or RequestPool after it restarts: a plugin that forgot answers \"no such network\" to the next container start and IPAM hands out addresses again.";
}
