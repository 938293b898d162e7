//! How the protocol table becomes the runtime's code.
//!
//! Each subsystem's methods are written ONCE, as rows of a table in the macro
//! crate (`dknet-macros/src/table.rs`): name, route, request and response
//! types, the ids a request carries, the answer when the driver leaves the
//! method out. The attribute macros read that table to check an author's impl;
//! the runtime gets it through the hidden `dknet_macros::__protocol!`, which
//! each subsystem calls once (`network/protocol.rs`, `ipam/protocol.rs`):
//!
//! ```text
//! dknet_macros::__protocol!(network => crate::protocol::define {
//!     /// The trait's documentation.
//!     trait;
//!     client: crate::testing::Client;
//! });
//! ```
//!
//! `__protocol!` calls [`define!`] with the subsystem's header and rows:
//!
//! ```text
//! subsystem: "NetworkDriver", trait: NetworkDriver;
//! /// The trait's documentation.
//! trait;
//! client: crate::testing::Client;
//! #[doc = "`NetworkDriver.Example`. Default: ..."]
//! example = "Example" (ExampleRequest) -> ExampleResponse, ids: endpoint, omitted: default, text: "...";
//! ...
//! ```
//!
//! (`()` for no request body, `-> ()` for an empty answer), and [`define!`]
//! generates, in the calling module:
//!
//! - the driver trait, one method per row with its default answer;
//! - `SUBSYSTEM` and `Routes<D>`, the router from `/<Subsystem>.<Route>` to the
//!   trait method;
//! - `RequestIds` for every request (`ids: network | endpoint | none`), and a
//!   check that the response of every method that may be left out has a
//!   `Default` (an impl may return `()` for it);
//! - the typed methods of the testing client (feature `testing`);
//! - `each_request`, every request type for the fuzz targets (under `--cfg fuzzing`);
//! - `METHODS`, the rows as data, which tests compare with the documentation's
//!   method tables.

/// One row of a subsystem's table, as data (for the documentation tests).
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MethodRow {
    /// The Rust method name.
    pub(crate) name: &'static str,
    /// The protocol method, the `<Route>` in `/<Subsystem>.<Route>`.
    pub(crate) route: &'static str,
    /// The request type, `None` when dockerd sends no body.
    pub(crate) request: Option<&'static str>,
    /// The response type, `()` for an empty answer.
    pub(crate) response: &'static str,
    /// What dockerd gets when the driver leaves the method out, in words.
    pub(crate) omitted: &'static str,
}

/// Something done once per request type of a subsystem (the fuzz targets
/// decode a body as each).
#[cfg(fuzzing)]
pub(crate) trait EachRequest {
    /// Called with each request type and its route.
    fn request<T>(&mut self, route: &'static str)
    where
        T: serde::de::DeserializeOwned;
}

/// Generates a subsystem's runtime code from its rows; see the module docs.
macro_rules! define {
    (
        subsystem: $subsystem:literal, trait: $trait:ident;
        $(#[$meta:meta])*
        trait;
        client: $client:ty;
        $(
            #[doc = $doc:literal]
            $name:ident = $route:literal ( $($request:ident)? ) -> $response:tt,
                ids: $ids:ident, omitted: $omitted:ident, text: $text:literal;
        )*
    ) => {
        /// The subsystem's name in `Plugin.Activate`'s `Implements` list and in paths.
        pub(crate) const SUBSYSTEM: &str = $subsystem;

        $(#[$meta])*
        pub trait $trait: Send + Sync + 'static {
            $(
                #[doc = $doc]
                fn $name(
                    self: ::std::sync::Arc<Self>,
                    $(request: $request,)?
                    context: $crate::Context,
                ) -> impl ::std::future::Future<
                    Output = ::std::result::Result<$response, $crate::DriverError>,
                > + Send {
                    $(let _: $request = request;)?
                    let _ = context;
                    async { $crate::protocol::define!(@default $omitted $route) }
                }
            )*
        }

        #[doc = concat!("A driver as the `", $subsystem, "` subsystem of a plugin.")]
        pub(crate) struct Routes<D>(pub(crate) ::std::sync::Arc<D>);

        impl<D: $trait> $crate::dispatch::Subsystem for Routes<D> {
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
                    $($route => $crate::protocol::define!(
                        @call driver, method, body, context, $name $(, $request)?
                    ),)*
                    _ => return None,
                };
                Some(future)
            }
        }

        $($crate::protocol::define!(@ids $ids $($request)?);)*
        $($crate::protocol::define!(@default_answer $omitted $response);)*

        /// The table's rows, as data.
        #[cfg(test)]
        pub(crate) const METHODS: &[$crate::protocol::MethodRow] = &[$(
            $crate::protocol::MethodRow {
                name: stringify!($name),
                route: $route,
                request: $crate::protocol::define!(@request_name $($request)?),
                response: stringify!($response),
                omitted: $text,
            },
        )*];

        #[cfg(feature = "testing")]
        impl $client {
            $($crate::protocol::define!(
                @client $subsystem, $name, $route, $response $(, $request)?
            );)*
        }

        /// Calls `each` with every request type of the subsystem.
        #[cfg(fuzzing)]
        pub(crate) fn each_request(each: &mut impl $crate::protocol::EachRequest) {
            $($($crate::protocol::define!(@each each, $route, $request);)?)*
        }
    };

    // The answer of a method the driver leaves out.
    (@default success $route:literal) => { Ok(()) };
    (@default default $route:literal) => { Ok(::std::default::Default::default()) };
    (@default capabilities $route:literal) => { Ok(::std::default::Default::default()) };
    (@default not_supported $route:literal) => { Err($crate::DriverError::not_supported($route)) };
    (@default required $route:literal) => { Err($crate::DriverError::not_supported($route)) };

    // Decoding the request (if any) and calling the trait method.
    (@call $driver:ident, $method:ident, $body:ident, $context:ident, $name:ident) => {
        $crate::dispatch::call_without_body($driver.$name($context))
    };
    (@call $driver:ident, $method:ident, $body:ident, $context:ident, $name:ident, $request:ident) => {
        $crate::dispatch::call::<$request, _, _>($method, &$body, |request| {
            $driver.$name(request, $context)
        })
    };

    // The ids on a request's tracing span.
    (@ids none) => {};
    (@ids none $request:ident) => {
        impl $crate::dispatch::RequestIds for $request {}
    };
    (@ids network $request:ident) => {
        impl $crate::dispatch::RequestIds for $request {
            fn network_id(&self) -> Option<&str> {
                Some(&self.network_id)
            }
        }
    };
    (@ids endpoint $request:ident) => {
        impl $crate::dispatch::RequestIds for $request {
            fn network_id(&self) -> Option<&str> {
                Some(&self.network_id)
            }
            fn endpoint_id(&self) -> Option<&str> {
                Some(&self.endpoint_id)
            }
        }
    };

    // A method that may be left out may also return `()`, which answers its
    // response's `Default`: that must exist. Required methods' responses (a
    // pool, an address) must be named.
    (@default_answer required $response:tt) => {};
    (@default_answer $omitted:ident ()) => {};
    (@default_answer $omitted:ident $response:ident) => {
        // Compiles only if the response has a `Default`.
        const _: fn() -> $response = <$response as ::std::default::Default>::default;
    };

    (@request_name) => { None };
    (@request_name $request:ident) => { Some(stringify!($request)) };

    // The testing client's typed methods.
    (@client $subsystem:literal, $name:ident, $route:literal, $response:tt) => {
        #[doc = concat!("`", $subsystem, ".", $route, "` (no request body).")]
        pub async fn $name(&self) -> Result<$response, $crate::testing::CallError> {
            let path = concat!("/", $subsystem, ".", $route);
            let answer: $crate::protocol::define!(@wire $response) =
                self.client().typed::<(), _>(path, None).await?;
            Ok($crate::protocol::define!(@answer $response, answer))
        }
    };
    (@client $subsystem:literal, $name:ident, $route:literal, $response:tt, $request:ident) => {
        #[doc = concat!("`", $subsystem, ".", $route, "`.")]
        pub async fn $name(&self, request: &$request) -> Result<$response, $crate::testing::CallError> {
            let path = concat!("/", $subsystem, ".", $route);
            let answer: $crate::protocol::define!(@wire $response) =
                self.client().typed(path, Some(request)).await?;
            Ok($crate::protocol::define!(@answer $response, answer))
        }
    };
    // dockerd ignores the body of an empty answer: any JSON is accepted.
    (@wire ()) => { ::serde::de::IgnoredAny };
    (@wire $response:ty) => { $response };
    (@answer (), $answer:ident) => { { let _ = $answer; } };
    (@answer $response:ty, $answer:ident) => { $answer };

    (@each $each:ident, $route:literal, $request:ident) => {
        $each.request::<$request>($route)
    };
}

pub(crate) use define;

/// The documentation's method tables must match the protocol table.
#[cfg(test)]
mod tests {
    use super::MethodRow;
    use crate::{ipam, network};

    fn read(path: &str) -> String {
        let path = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    /// The columns a documented method table may have, in this order.
    const COLUMNS: [&str; 5] = ["method", "call", "request", "response", "when omitted"];

    /// Every markdown table of `file` whose header starts with `method`: its
    /// column names, and its rows as cells by column.
    fn markdown_tables(file: &str) -> Vec<(Vec<String>, Vec<Vec<String>>)> {
        let text = read(file);
        let mut tables = Vec::new();
        let mut lines = text.lines().peekable();
        while let Some(line) = lines.next() {
            if !line.starts_with("| method |") {
                continue;
            }
            let cells = |row: &str| -> Vec<String> {
                let row = row.trim().trim_start_matches('|').trim_end_matches('|');
                row.split('|').map(|cell| cell.trim().to_owned()).collect()
            };
            let header = cells(line);
            lines.next(); // |---|
            let mut rows = Vec::new();
            while let Some(row) = lines.next_if(|row| row.starts_with('|')) {
                rows.push(cells(row));
            }
            tables.push((header, rows));
        }
        tables
    }

    /// A row as the documentation writes it, in `columns`.
    fn documented(row: &MethodRow, columns: &[String]) -> Vec<String> {
        columns
            .iter()
            .map(|column| match column.as_str() {
                "method" => format!("`{}`", row.name),
                "call" => format!("`{}`", row.route),
                "request" => row
                    .request
                    .map_or_else(|| "none".to_owned(), |request| format!("`{request}`")),
                "response" => format!("`{}`", row.response),
                "when omitted" => row.omitted.to_owned(),
                other => panic!("a method table column the test does not know: {other}"),
            })
            .collect()
    }

    /// Whether a documented table (`header`, `rows`) lists exactly `methods`,
    /// each of its [`COLUMNS`] compared with the table's data.
    fn lists(header: &[String], rows: &[Vec<String>], methods: &[MethodRow]) -> bool {
        let columns: Vec<String> = header
            .iter()
            .filter(|column| COLUMNS.contains(&column.as_str()))
            .cloned()
            .collect();
        let positions: Vec<usize> = columns
            .iter()
            .map(|column| header.iter().position(|h| h == column).unwrap())
            .collect();
        let documented_rows: Vec<Vec<String>> = rows
            .iter()
            .map(|row| positions.iter().map(|at| row[*at].clone()).collect())
            .collect();
        let expected: Vec<Vec<String>> = methods
            .iter()
            .map(|row| documented(row, &columns))
            .collect();
        columns.first().map(String::as_str) == Some("method") && documented_rows == expected
    }

    /// `file` has a method table listing exactly `methods`, with every column.
    fn has_table(file: &str, methods: &[MethodRow]) {
        let tables = markdown_tables(file);
        assert!(
            tables
                .iter()
                .any(|(header, rows)| lists(header, rows, methods)),
            "{file}: no method table matches the protocol table {methods:#?}\nfound {tables:#?}"
        );
    }

    #[test]
    fn the_macro_docs_tables_are_the_protocol_table() {
        has_table("src/network_driver.md", network::protocol::METHODS);
        has_table("src/ipam_driver.md", ipam::protocol::METHODS);
    }
}
