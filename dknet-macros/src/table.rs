//! What a driver attribute accepts, as data: one [`Subsystem`] per attribute.
//!
//! Everything the other phases know about the protocol comes from here, so a
//! second subsystem (`#[ipam_driver]`) is a second table, not a copy of the code.

/// One driver attribute and the protocol subsystem it implements.
pub(crate) struct Subsystem {
    /// The attribute's name, as error messages spell it (`network_driver`).
    pub(crate) attribute: &'static str,
    /// The protocol's subsystem name, the `<Subsystem>` in `/<Subsystem>.<Method>`.
    pub(crate) protocol: &'static str,
    /// The runtime module holding the wire types and the trait (`network`).
    pub(crate) module: &'static str,
    /// The trait the generated impl implements, inside `module`.
    pub(crate) trait_name: &'static str,
    /// The method that answers `GetCapabilities`, and what builds its answer.
    pub(crate) capabilities: Capabilities,
    /// Every method an author may write.
    pub(crate) methods: &'static [Method],
    /// The methods an author must write (there is no useful default).
    pub(crate) required: &'static [&'static str],
}

/// One protocol method.
pub(crate) struct Method {
    /// The Rust method name (`create_network`).
    pub(crate) name: &'static str,
    /// The protocol method (`CreateNetwork`): the path is `/<Subsystem>.<Method>`.
    pub(crate) protocol: &'static str,
    /// The request type in the subsystem's module, or `None` when dockerd sends no body.
    pub(crate) request: Option<&'static str>,
    /// The response type in the subsystem's module, or `None` for `()` (`{}` on the wire).
    pub(crate) response: Option<&'static str>,
    /// What dockerd gets when the author leaves the method out (documentation).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) default: &'static str,
}

/// How the `GetCapabilities` answer is built when the author does not write it.
pub(crate) struct Capabilities {
    /// The method that replaces the generated answer when written.
    pub(crate) method: &'static str,
    /// The `__private` function building the answer from `args`, in order.
    pub(crate) builder: &'static str,
    /// The builder's arguments.
    pub(crate) args: &'static [CapabilityArg],
}

/// One argument of the capabilities builder.
pub(crate) enum CapabilityArg {
    /// An attribute key taking one of a few strings, each naming a value.
    Key(Key),
    /// `true` exactly when the author wrote this method.
    Written(&'static str),
}

/// An attribute key such as `scope = "local"` or `requires_mac_address = true`.
pub(crate) struct Key {
    /// The key.
    pub(crate) name: &'static str,
    /// What kind of literal the value is.
    pub(crate) kind: KeyKind,
    /// The accepted strings and the runtime value (a path in `module`) each stands for.
    pub(crate) values: &'static [(&'static str, &'static str)],
    /// The string used when the key is absent; `None` makes the argument an `Option`.
    pub(crate) default: Option<&'static str>,
}

/// The literal an attribute key takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    /// A string naming a value of the runtime (`"local"` for `Scope::Local`).
    Str,
    /// `true` or `false`, passed on as is.
    Bool,
}

const SCOPES: &[(&str, &str)] = &[("local", "Scope::Local"), ("global", "Scope::Global")];

/// `#[network_driver]`: libnetwork's remote network driver protocol.
#[rustfmt::skip]
pub(crate) const NETWORK: Subsystem = Subsystem {
    attribute: "network_driver",
    protocol: "NetworkDriver",
    module: "network",
    trait_name: "NetworkDriver",
    capabilities: Capabilities {
        method: "get_capabilities",
        builder: "capabilities",
        args: &[
            CapabilityArg::Key(Key {
                name: "scope",
                kind: KeyKind::Str,
                values: SCOPES,
                default: Some("local"),
            }),
            CapabilityArg::Key(Key {
                name: "connectivity_scope",
                kind: KeyKind::Str,
                values: SCOPES,
                default: None,
            }),
            CapabilityArg::Written("gw_alloc_check"),
        ],
    },
    methods: &[
        method("get_capabilities", "GetCapabilities", None, Some("GetCapabilitiesResponse"), "the attribute's `scope` and `connectivity_scope`"),
        method("gw_alloc_check", "GwAllocCheck", Some("GwAllocCheckRequest"), Some("GwAllocCheckResponse"), "404 not supported (and `GwAllocChecker: false`)"),
        method("create_network", "CreateNetwork", Some("CreateNetworkRequest"), None, "success"),
        method("delete_network", "DeleteNetwork", Some("DeleteNetworkRequest"), None, "success"),
        method("allocate_network", "AllocateNetwork", Some("AllocateNetworkRequest"), Some("AllocateNetworkResponse"), "success, no options"),
        method("free_network", "FreeNetwork", Some("FreeNetworkRequest"), None, "success"),
        method("create_endpoint", "CreateEndpoint", Some("CreateEndpointRequest"), Some("CreateEndpointResponse"), "success, dockerd's addresses kept"),
        method("endpoint_oper_info", "EndpointOperInfo", Some("EndpointOperInfoRequest"), Some("EndpointOperInfoResponse"), "`{\"Value\": {}}`"),
        method("delete_endpoint", "DeleteEndpoint", Some("DeleteEndpointRequest"), None, "success"),
        method("join", "Join", Some("JoinRequest"), Some("JoinResponse"), "success, no interface"),
        method("leave", "Leave", Some("LeaveRequest"), None, "success"),
        method("discover_new", "DiscoverNew", Some("DiscoverNewRequest"), None, "success"),
        method("discover_delete", "DiscoverDelete", Some("DiscoverDeleteRequest"), None, "success"),
        method("program_external_connectivity", "ProgramExternalConnectivity", Some("ProgramExternalConnectivityRequest"), None, "404 not supported (dockerd reads it as nothing to do)"),
        method("revoke_external_connectivity", "RevokeExternalConnectivity", Some("RevokeExternalConnectivityRequest"), None, "404 not supported (dockerd reads it as nothing to do)"),
    ],
    required: &[],
};

const BOOLS: &[(&str, &str)] = &[("true", "true"), ("false", "false")];

/// `#[ipam_driver]`: libnetwork's remote IPAM protocol.
#[rustfmt::skip]
pub(crate) const IPAM: Subsystem = Subsystem {
    attribute: "ipam_driver",
    protocol: "IpamDriver",
    module: "ipam",
    trait_name: "IpamDriver",
    capabilities: Capabilities {
        method: "get_capabilities",
        builder: "ipam_capabilities",
        args: &[
            CapabilityArg::Key(Key {
                name: "requires_mac_address",
                kind: KeyKind::Bool,
                values: BOOLS,
                default: Some("false"),
            }),
            CapabilityArg::Key(Key {
                name: "requires_request_replay",
                kind: KeyKind::Bool,
                values: BOOLS,
                default: Some("false"),
            }),
        ],
    },
    methods: &[
        method("get_capabilities", "GetCapabilities", None, Some("GetCapabilitiesResponse"), "the attribute's `requires_mac_address` and `requires_request_replay`"),
        method("get_default_address_spaces", "GetDefaultAddressSpaces", None, Some("GetDefaultAddressSpacesResponse"), "`LocalDefault` and `GlobalDefault`"),
        method("request_pool", "RequestPool", Some("RequestPoolRequest"), Some("RequestPoolResponse"), "required"),
        method("release_pool", "ReleasePool", Some("ReleasePoolRequest"), None, "required"),
        method("request_address", "RequestAddress", Some("RequestAddressRequest"), Some("RequestAddressResponse"), "required"),
        method("release_address", "ReleaseAddress", Some("ReleaseAddressRequest"), None, "required"),
    ],
    required: &["request_pool", "release_pool", "request_address", "release_address"],
};

const fn method(
    name: &'static str,
    protocol: &'static str,
    request: Option<&'static str>,
    response: Option<&'static str>,
    default: &'static str,
) -> Method {
    Method {
        name,
        protocol,
        request,
        response,
        default,
    }
}

impl Subsystem {
    /// The method called `name`.
    pub(crate) fn method(&self, name: &str) -> Option<&'static Method> {
        self.methods.iter().find(|method| method.name == name)
    }

    /// The attribute keys that describe capabilities.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &'static Key> {
        self.capabilities.args.iter().filter_map(|arg| match arg {
            CapabilityArg::Key(key) => Some(key),
            CapabilityArg::Written(_) => None,
        })
    }

    /// The method whose request type is called `name`.
    pub(crate) fn method_taking(&self, name: &str) -> Option<&'static Method> {
        self.methods
            .iter()
            .find(|method| method.request == Some(name))
    }

    /// The method whose response type is called `name`.
    pub(crate) fn method_answering(&self, name: &str) -> Option<&'static Method> {
        self.methods
            .iter()
            .find(|method| method.response == Some(name))
    }
}

impl Key {
    /// The runtime value the string `text` stands for, if it is accepted.
    pub(crate) fn value(&self, text: &str) -> Option<&'static str> {
        self.values
            .iter()
            .find(|(accepted, _)| *accepted == text)
            .map(|(_, value)| *value)
    }
}

impl Method {
    /// The response type as an author writes it: `JoinResponse` or `()`.
    pub(crate) fn response_text(&self) -> &'static str {
        self.response.unwrap_or("()")
    }
}
