//! THE protocol table: every method of every subsystem dknet serves, written
//! once, as data.
//!
//! Everything else is generated from these two tables:
//!
//! - in this crate, the attribute macros (`#[network_driver]`,
//!   `#[ipam_driver]`) read them to check an author's impl block and to
//!   generate the trait impl;
//! - in `dknet`, the hidden function-like macro `__protocol!` (see
//!   [`runtime`](crate::runtime)) hands a subsystem's rows to `dknet`'s
//!   `protocol::define!`, which turns them into the driver trait with its
//!   defaults, the router, the request-id and default-answer impls, the testing
//!   client's typed methods, the fuzzing list and the rows the documentation's
//!   method tables are checked against.
//!
//! Adding a Docker method is one [`Method`] row here, plus its request and
//! response types in `dknet`'s subsystem module.

/// One protocol subsystem and the attribute that implements it.
pub(crate) struct Protocol {
    /// The attribute's name, as error messages spell it (`network_driver`).
    pub(crate) attribute: &'static str,
    /// The subsystem's name on the wire: the `<Subsystem>` in
    /// `/<Subsystem>.<Method>` and in `Plugin.Activate`'s `Implements`.
    pub(crate) subsystem: &'static str,
    /// The `dknet` module holding the wire types and the trait (`network`).
    pub(crate) module: &'static str,
    /// The driver trait in `module`.
    pub(crate) trait_name: &'static str,
    /// The attribute's arguments that fill in the `GetCapabilities` answer.
    pub(crate) keys: &'static [Key],
    /// Every method an author may write, in the order the docs list them.
    pub(crate) methods: &'static [Method],
}

/// One protocol method: one row of the table.
pub(crate) struct Method {
    /// The Rust method name, the protocol method in snake case.
    pub(crate) name: &'static str,
    /// The protocol method: the path is `/<Subsystem>.<route>`.
    pub(crate) route: &'static str,
    /// The request type in the subsystem's module, or `None` when dockerd sends no body.
    pub(crate) request: Option<&'static str>,
    /// The response type in the subsystem's module, or `None` for `()` (`{}` on the wire).
    pub(crate) response: Option<&'static str>,
    /// Which ids the request carries (they go on the request's tracing span).
    pub(crate) ids: Ids,
    /// What dockerd gets when the author leaves the method out.
    pub(crate) omitted: Omitted,
    /// The same, in words, for the documentation.
    pub(crate) omitted_text: &'static str,
    /// The field of the `GetCapabilities` answer that is `true` exactly when
    /// the author writes this method.
    pub(crate) advertised_by: Option<&'static str>,
}

/// The ids a request names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ids {
    /// No network or endpoint id (or no request at all).
    None,
    /// `network_id`.
    Network,
    /// `network_id` and `endpoint_id`.
    Endpoint,
}

/// What a method left out answers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Omitted {
    /// `{}`: success, nothing to say (the response is `()`).
    Success,
    /// The response type's `Default`.
    Default,
    /// HTTP 404 "not supported", which dockerd reads as "nothing to do".
    NotSupported,
    /// The answer built from the attribute's [`Key`]s and the methods that
    /// are [`Method::advertised_by`] a field: the `GetCapabilities` method.
    Capabilities,
    /// Nothing useful: the attribute refuses an impl without it (the trait's
    /// default, for hand-written impls, answers 404).
    Required,
}

/// An attribute argument that sets a field of the `GetCapabilities` answer.
pub(crate) struct Key {
    /// The argument's name, also the answer's field (`scope`).
    pub(crate) name: &'static str,
    /// What it accepts and what it is when not given.
    pub(crate) kind: KeyKind,
}

/// The values an attribute [`Key`] takes.
#[derive(Clone, Copy)]
pub(crate) enum KeyKind {
    /// `"local"` or `"global"`; the field is a `Scope` when `default` is
    /// given, an `Option<Scope>` (absent: `None`) when not.
    Scope { default: Option<Scope> },
    /// `true` or `false`.
    Bool { default: bool },
}

/// The value of a `Scope` key, the runtime's `Scope` enum in the subsystem's module.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `"local"`.
    Local,
    /// `"global"`.
    Global,
}

impl Scope {
    /// Every scope, as an author writes it.
    pub(crate) const ALL: [(&'static str, Scope); 2] =
        [("local", Scope::Local), ("global", Scope::Global)];

    /// The runtime type's name.
    pub(crate) const TYPE: &'static str = "Scope";

    /// The scope an author's string names.
    pub(crate) fn parse(text: &str) -> Option<Scope> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, scope)| *scope)
    }

    /// The runtime enum's variant (`Local`).
    pub(crate) fn variant(self) -> &'static str {
        match self {
            Scope::Local => "Local",
            Scope::Global => "Global",
        }
    }
}

/// `#[network_driver]`: libnetwork's remote network driver protocol.
#[rustfmt::skip]
pub(crate) const NETWORK: Protocol = Protocol {
    attribute: "network_driver",
    subsystem: "NetworkDriver",
    module: "network",
    trait_name: "NetworkDriver",
    keys: &[
        Key { name: "scope", kind: KeyKind::Scope { default: Some(Scope::Local) } },
        Key { name: "connectivity_scope", kind: KeyKind::Scope { default: None } },
    ],
    methods: &[
        Method { name: "get_capabilities", route: "GetCapabilities", request: None, response: Some("GetCapabilitiesResponse"),
            ids: Ids::None, omitted: Omitted::Capabilities, advertised_by: None,
            omitted_text: "the attribute's `scope` and `connectivity_scope`" },
        Method { name: "gw_alloc_check", route: "GwAllocCheck", request: Some("GwAllocCheckRequest"), response: Some("GwAllocCheckResponse"),
            ids: Ids::None, omitted: Omitted::NotSupported, advertised_by: Some("gw_alloc_checker"),
            omitted_text: "404 not supported (and `GwAllocChecker: false`); dockerd 28+ asks only when advertised" },
        Method { name: "create_network", route: "CreateNetwork", request: Some("CreateNetworkRequest"), response: None,
            ids: Ids::Network, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success" },
        Method { name: "delete_network", route: "DeleteNetwork", request: Some("DeleteNetworkRequest"), response: None,
            ids: Ids::Network, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success" },
        Method { name: "allocate_network", route: "AllocateNetwork", request: Some("AllocateNetworkRequest"), response: Some("AllocateNetworkResponse"),
            ids: Ids::Network, omitted: Omitted::Default, advertised_by: None,
            omitted_text: "success, no options (swarm managers, global scope)" },
        Method { name: "free_network", route: "FreeNetwork", request: Some("FreeNetworkRequest"), response: None,
            ids: Ids::Network, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success (swarm managers, global scope)" },
        Method { name: "create_endpoint", route: "CreateEndpoint", request: Some("CreateEndpointRequest"), response: Some("CreateEndpointResponse"),
            ids: Ids::Endpoint, omitted: Omitted::Default, advertised_by: None,
            omitted_text: "success, dockerd's addresses kept" },
        Method { name: "endpoint_oper_info", route: "EndpointOperInfo", request: Some("EndpointOperInfoRequest"), response: Some("EndpointOperInfoResponse"),
            ids: Ids::Endpoint, omitted: Omitted::Default, advertised_by: None,
            omitted_text: "`{\"Value\": {}}`" },
        Method { name: "delete_endpoint", route: "DeleteEndpoint", request: Some("DeleteEndpointRequest"), response: None,
            ids: Ids::Endpoint, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success" },
        Method { name: "join", route: "Join", request: Some("JoinRequest"), response: Some("JoinResponse"),
            ids: Ids::Endpoint, omitted: Omitted::Default, advertised_by: None,
            omitted_text: "success, no interface" },
        Method { name: "leave", route: "Leave", request: Some("LeaveRequest"), response: None,
            ids: Ids::Endpoint, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success" },
        Method { name: "discover_new", route: "DiscoverNew", request: Some("DiscoverNewRequest"), response: None,
            ids: Ids::None, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success (swarm)" },
        Method { name: "discover_delete", route: "DiscoverDelete", request: Some("DiscoverDeleteRequest"), response: None,
            ids: Ids::None, omitted: Omitted::Success, advertised_by: None,
            omitted_text: "success (swarm)" },
        Method { name: "program_external_connectivity", route: "ProgramExternalConnectivity", request: Some("ProgramExternalConnectivityRequest"), response: None,
            ids: Ids::Endpoint, omitted: Omitted::NotSupported, advertised_by: None,
            omitted_text: "404 not supported (dockerd reads it as nothing to do)" },
        Method { name: "revoke_external_connectivity", route: "RevokeExternalConnectivity", request: Some("RevokeExternalConnectivityRequest"), response: None,
            ids: Ids::Endpoint, omitted: Omitted::NotSupported, advertised_by: None,
            omitted_text: "404 not supported (dockerd reads it as nothing to do)" },
    ],
};

/// `#[ipam_driver]`: libnetwork's remote IPAM protocol. Its requests name
/// pools, not networks or endpoints.
#[rustfmt::skip]
pub(crate) const IPAM: Protocol = Protocol {
    attribute: "ipam_driver",
    subsystem: "IpamDriver",
    module: "ipam",
    trait_name: "IpamDriver",
    keys: &[
        Key { name: "requires_mac_address", kind: KeyKind::Bool { default: false } },
        Key { name: "requires_request_replay", kind: KeyKind::Bool { default: false } },
    ],
    methods: &[
        Method { name: "get_capabilities", route: "GetCapabilities", request: None, response: Some("GetCapabilitiesResponse"),
            ids: Ids::None, omitted: Omitted::Capabilities, advertised_by: None,
            omitted_text: "the attribute's `requires_mac_address` and `requires_request_replay`" },
        Method { name: "get_default_address_spaces", route: "GetDefaultAddressSpaces", request: None, response: Some("GetDefaultAddressSpacesResponse"),
            ids: Ids::None, omitted: Omitted::Default, advertised_by: None,
            omitted_text: "`LocalDefault` and `GlobalDefault`" },
        Method { name: "request_pool", route: "RequestPool", request: Some("RequestPoolRequest"), response: Some("RequestPoolResponse"),
            ids: Ids::None, omitted: Omitted::Required, advertised_by: None,
            omitted_text: "required" },
        Method { name: "release_pool", route: "ReleasePool", request: Some("ReleasePoolRequest"), response: None,
            ids: Ids::None, omitted: Omitted::Required, advertised_by: None,
            omitted_text: "required" },
        Method { name: "request_address", route: "RequestAddress", request: Some("RequestAddressRequest"), response: Some("RequestAddressResponse"),
            ids: Ids::None, omitted: Omitted::Required, advertised_by: None,
            omitted_text: "required" },
        Method { name: "release_address", route: "ReleaseAddress", request: Some("ReleaseAddressRequest"), response: None,
            ids: Ids::None, omitted: Omitted::Required, advertised_by: None,
            omitted_text: "required" },
    ],
};

impl Protocol {
    /// The method called `name`.
    pub(crate) fn method(&self, name: &str) -> Option<&'static Method> {
        self.methods.iter().find(|method| method.name == name)
    }

    /// The method answering `GetCapabilities` from the attribute.
    pub(crate) fn capabilities(&self) -> &'static Method {
        self.methods
            .iter()
            .find(|method| method.omitted == Omitted::Capabilities)
            .expect("every protocol has a capabilities method")
    }

    /// A method to name in help text: the first that takes a request and
    /// is not about capabilities.
    pub(crate) fn example(&self) -> &'static Method {
        self.methods
            .iter()
            .find(|method| method.request.is_some() && method.advertised_by.is_none())
            .expect("every protocol has a method with a request")
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

impl Method {
    /// The response type as an author writes it: `JoinResponse` or `()`.
    pub(crate) fn response_text(&self) -> &'static str {
        self.response.unwrap_or("()")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `CreateNetwork` as `create_network`.
    fn snake(route: &str) -> String {
        let mut name = String::new();
        for (at, c) in route.char_indices() {
            if c.is_ascii_uppercase() && at > 0 {
                name.push('_');
            }
            name.push(c.to_ascii_lowercase());
        }
        name
    }

    /// What a row must be for the generated code and the docs to hold
    /// together; a new row that breaks one of these fails here first.
    #[test]
    fn every_row_is_consistent() {
        for protocol in [&NETWORK, &IPAM] {
            let capabilities = protocol
                .methods
                .iter()
                .filter(|method| method.omitted == Omitted::Capabilities);
            assert_eq!(capabilities.count(), 1, "{}", protocol.subsystem);
            for (at, method) in protocol.methods.iter().enumerate() {
                let row = format!("{}.{}", protocol.subsystem, method.route);
                assert_eq!(method.name, snake(method.route), "{row}");
                let later = &protocol.methods[at + 1..];
                assert!(
                    later.iter().all(|other| other.route != method.route),
                    "{row} twice"
                );
                if let Some(request) = method.request {
                    assert_eq!(request, format!("{}Request", method.route), "{row}");
                }
                if let Some(response) = method.response {
                    assert_eq!(response, format!("{}Response", method.route), "{row}");
                }
                // `()` answers `{}`; an empty response must say success.
                if method.omitted == Omitted::Success {
                    assert!(method.response.is_none(), "{row}");
                }
                if matches!(method.omitted, Omitted::Default | Omitted::Capabilities) {
                    assert!(method.response.is_some(), "{row}");
                }
                if method.ids != Ids::None {
                    assert!(method.request.is_some(), "{row}: ids without a request");
                }
                // Advertised only when written: left out, it must refuse.
                if method.advertised_by.is_some() {
                    assert!(method.omitted == Omitted::NotSupported, "{row}");
                }
                assert!(!method.omitted_text.is_empty(), "{row}");
            }
        }
    }

    #[test]
    fn scopes_read_as_written() {
        assert!(Scope::parse("global") == Some(Scope::Global));
        assert!(Scope::parse("Global").is_none());
        for (text, scope) in Scope::ALL {
            assert_eq!(scope.variant().to_ascii_lowercase(), text);
        }
    }
}
