//! How a subsystem's protocol definition becomes code.
//!
//! Each subsystem defines its methods ONCE, as a `macro_rules!` table that
//! hands the list to a callback (`network::protocol`, `ipam::protocol`).
//! The callbacks here turn that one list into the driver trait with its
//! defaults ([`driver_trait!`]), the router ([`routes!`]) and the typed
//! methods of the testing client ([`client_methods!`]). A test ties the
//! macro crate's table and the documentation's method tables to the same
//! list (`METHODS`).
//!
//! A table row reads:
//!
//! ```text
//! /// doc of the trait method
//! name(Request) -> Response = "ProtocolMethod", default: expression;
//! ```
//!
//! with `()` for no request body and `()` for an empty answer.

/// One row of a subsystem's table, as data (for the drift tests).
#[cfg_attr(not(test), allow(dead_code))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MethodRow {
    /// The Rust method name (`create_network`).
    pub(crate) name: &'static str,
    /// The protocol method (`CreateNetwork`).
    pub(crate) protocol: &'static str,
    /// The request type, `None` when dockerd sends no body.
    pub(crate) request: Option<&'static str>,
    /// The response type, `()` for an empty answer.
    pub(crate) response: &'static str,
}

/// The driver trait: one method per row, each with its default.
macro_rules! driver_trait {
    (
        subsystem: $subsystem:literal;
        $(#[$meta:meta])*
        trait $trait:ident;
        routes $routes:ident;
        client [$($client:tt)+];
        $(
            $(#[doc = $doc:literal])*
            $name:ident ( $($request:ident)? ) -> $response:tt = $protocol:literal,
                default: $default:expr;
        )*
    ) => {
        $(#[$meta])*
        pub trait $trait: Send + Sync + 'static {
            $(
                $(#[doc = $doc])*
                fn $name(
                    self: ::std::sync::Arc<Self>,
                    $(request: $request,)?
                    context: $crate::Context,
                ) -> impl ::std::future::Future<
                    Output = ::std::result::Result<$response, $crate::DriverError>,
                > + Send {
                    $(let _: $request = request;)?
                    let _ = context;
                    async { $default }
                }
            )*
        }
    };
}

/// The router: `/<subsystem>.<Method>` to the trait method, plus the table
/// as data (`METHODS`).
macro_rules! routes {
    (
        subsystem: $subsystem:literal;
        $(#[$meta:meta])*
        trait $trait:ident;
        routes $routes:ident;
        client [$($client:tt)+];
        $(
            $(#[doc = $doc:literal])*
            $name:ident ( $($request:ident)? ) -> $response:tt = $protocol:literal,
                default: $default:expr;
        )*
    ) => {
        /// The subsystem name in `Plugin.Activate`'s `Implements` list and in paths.
        pub(crate) const SUBSYSTEM: &str = $subsystem;

        /// The protocol's methods, as data.
        #[cfg_attr(not(test), allow(dead_code))]
        pub(crate) const METHODS: &[$crate::protocol::MethodRow] = &[$(
            $crate::protocol::MethodRow {
                name: stringify!($name),
                protocol: $protocol,
                request: $crate::protocol::routes!(@request $($request)?),
                response: stringify!($response),
            },
        )*];

        #[doc = concat!("A driver as the `", $subsystem, "` subsystem of a plugin.")]
        pub(crate) struct $routes<D>(pub(crate) ::std::sync::Arc<D>);

        impl<D: $trait> $crate::dispatch::Subsystem for $routes<D> {
            fn name(&self) -> &'static str {
                SUBSYSTEM
            }

            fn route(
                &self,
                method: &str,
                body: ::bytes::Bytes,
                context: $crate::Context,
            ) -> Option<$crate::dispatch::CallFuture> {
                let driver = ::std::sync::Arc::clone(&self.0);
                let future = match method {
                    $($protocol => $crate::protocol::routes!(
                        @call driver, method, body, context, $name $(, $request)?
                    ),)*
                    _ => return None,
                };
                Some(future)
            }
        }
    };
    (@request) => { None };
    (@request $request:ident) => { Some(stringify!($request)) };
    (@call $driver:ident, $method:ident, $body:ident, $context:ident, $name:ident) => {
        $crate::dispatch::call_without_body($driver.$name($context))
    };
    (@call $driver:ident, $method:ident, $body:ident, $context:ident, $name:ident, $request:ident) => {
        $crate::dispatch::call::<$request, _, _>($method, &$body, |request| {
            $driver.$name(request, $context)
        })
    };
}

/// The testing client's typed methods, one per row, on the subsystem's
/// client type (`Client` for the network driver, `IpamClient` for IPAM).
#[cfg(feature = "testing")]
macro_rules! client_methods {
    (
        subsystem: $subsystem:literal;
        $(#[$meta:meta])*
        trait $trait:ident;
        routes $routes:ident;
        client [$($client:tt)+];
        $(
            $(#[doc = $doc:literal])*
            $name:ident ( $($request:ident)? ) -> $response:tt = $protocol:literal,
                default: $default:expr;
        )*
    ) => {
        impl $($client)+ {
            $($crate::protocol::client_methods!(@method $subsystem, $name, $protocol, $response $(, $request)?);)*
        }
    };
    (@method $subsystem:literal, $name:ident, $protocol:literal, $response:tt) => {
        #[doc = concat!("`", $subsystem, ".", $protocol, "` (no request body).")]
        pub async fn $name(&self) -> Result<$response, CallError> {
            let path = concat!("/", $subsystem, ".", $protocol);
            let answer: $crate::protocol::client_methods!(@wire $response) =
                self.client().typed::<(), _>(path, None).await?;
            Ok($crate::protocol::client_methods!(@answer $response, answer))
        }
    };
    (@method $subsystem:literal, $name:ident, $protocol:literal, $response:tt, $request:ident) => {
        #[doc = concat!("`", $subsystem, ".", $protocol, "`.")]
        pub async fn $name(&self, request: &$request) -> Result<$response, CallError> {
            let path = concat!("/", $subsystem, ".", $protocol);
            let answer: $crate::protocol::client_methods!(@wire $response) =
                self.client().typed(path, Some(request)).await?;
            Ok($crate::protocol::client_methods!(@answer $response, answer))
        }
    };
    // dockerd ignores the body of an empty answer: any JSON is accepted.
    (@wire ()) => { ::serde::de::IgnoredAny };
    (@wire $response:ty) => { $response };
    (@answer (), $answer:ident) => { { let _ = $answer; } };
    (@answer $response:ty, $answer:ident) => { $answer };
}

#[cfg(feature = "testing")]
pub(crate) use client_methods;
pub(crate) use {driver_trait, routes};

/// The copies of each table outside this crate's code must match it.
#[cfg(test)]
mod tests {
    use super::MethodRow;
    use crate::{ipam, network};

    fn read(path: &str) -> String {
        let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    /// The rows of `const <name>` in the macro crate's table, as written there.
    fn macro_table(name: &str) -> Vec<MethodRow> {
        let text = read("../dknet-macros/src/table.rs");
        let start = text
            .find(&format!("const {name}: Subsystem"))
            .unwrap_or_else(|| panic!("no `{name}` table in dknet-macros"));
        let body = &text[start..];
        let body = &body[..body.find("\n};").expect("the table ends")];
        let quoted = |part: &str| part.trim().trim_matches('"').to_owned();
        let optional = |part: &str| {
            let part = part.trim();
            (part != "None").then(|| quoted(part.trim_start_matches("Some(").trim_end_matches(')')))
        };
        body.lines()
            .filter_map(|line| line.trim().strip_prefix("method("))
            .map(|row| {
                let parts: Vec<&str> = row.splitn(5, ", ").collect();
                let leak = |text: String| &*Box::leak(text.into_boxed_str());
                MethodRow {
                    name: leak(quoted(parts[0])),
                    protocol: leak(quoted(parts[1])),
                    request: optional(parts[2]).map(leak),
                    response: leak(optional(parts[3]).unwrap_or_else(|| "()".to_owned())),
                }
            })
            .collect()
    }

    /// Every markdown table of `file` whose header starts with `method`, as
    /// (method, call if given, request or `none`, response) rows.
    fn markdown_tables(file: &str) -> Vec<Vec<[String; 4]>> {
        let text = read(file);
        let mut tables = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if !line.starts_with("| method |") {
                continue;
            }
            let header: Vec<&str> = line.split('|').map(str::trim).collect();
            let column = |name: &str| header.iter().position(|cell| *cell == name);
            let mut rows = Vec::new();
            lines.next(); // |---|
            while let Some(row) = lines.next_if(|row| row.starts_with('|')) {
                let cells: Vec<String> = row
                    .split('|')
                    .map(|cell| cell.trim().trim_matches('`').to_owned())
                    .collect();
                let cell =
                    |name: &str| column(name).map(|at| cells[at].clone()).unwrap_or_default();
                rows.push([
                    cell("method"),
                    cell("call"),
                    cell("request"),
                    cell("response"),
                ]);
            }
            tables.push(rows);
        }
        tables
    }

    fn expected_rows(methods: &[MethodRow], with_call: bool) -> Vec<[String; 4]> {
        methods
            .iter()
            .map(|row| {
                [
                    row.name.to_owned(),
                    if with_call {
                        row.protocol.to_owned()
                    } else {
                        String::new()
                    },
                    row.request.unwrap_or("none").to_owned(),
                    row.response.to_owned(),
                ]
            })
            .collect()
    }

    fn has_table(file: &str, methods: &[MethodRow], with_call: bool) {
        let expected = expected_rows(methods, with_call);
        let tables = markdown_tables(file);
        assert!(
            tables.contains(&expected),
            "{file}: no method table matches the protocol definition;\nexpected {expected:#?}\nfound {tables:#?}"
        );
    }

    #[test]
    fn the_macro_tables_match_the_definitions() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../dknet-macros/src/table.rs");
        if !std::path::Path::new(path).exists() {
            return; // Outside the workspace (a packaged crate): nothing to compare.
        }
        assert_eq!(macro_table("NETWORK"), network::routes::METHODS);
        assert_eq!(macro_table("IPAM"), ipam::routes::METHODS);
    }

    #[test]
    fn the_documented_tables_match_the_definitions() {
        has_table("src/network_driver.md", network::routes::METHODS, true);
        has_table("src/ipam_driver.md", ipam::routes::METHODS, true);
    }
}
