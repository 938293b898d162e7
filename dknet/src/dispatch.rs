//! The seam between the HTTP server and the drivers: a plugin is a list of
//! [`Subsystem`]s, each routing `/<Subsystem>.<Method>` calls by method name,
//! decoding the request, calling the driver and encoding the answer.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::server::Escaped;
use crate::wire::request_body;
use crate::{Context, DriverError};

/// A call in flight: the encoded JSON answer, or why there is none.
pub(crate) type CallFuture = Pin<Box<dyn Future<Output = Result<Bytes, Failure>> + Send>>;

/// One driver of a plugin, as the server sees it.
pub(crate) trait Subsystem: Send + Sync + 'static {
    /// The name dockerd knows the subsystem by (`NetworkDriver`, `IpamDriver`).
    fn name(&self) -> &'static str;

    /// Starts handling `method`; `None` when the subsystem has no such method.
    fn route(&self, method: &str, body: Bytes, context: Context) -> Option<CallFuture>;
}

/// Why a call has no successful answer: an HTTP status and the `Err` text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The HTTP status code.
    pub(crate) status: u16,
    /// The message for `{"Err": ...}`, without the method prefix dockerd adds.
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn bad_request(message: String) -> Self {
        Self {
            status: 400,
            message,
        }
    }
}

impl From<DriverError> for Failure {
    fn from(error: DriverError) -> Self {
        Self {
            status: if error.is_not_supported() { 404 } else { 500 },
            message: error.to_string(),
        }
    }
}

/// A request that names a network or an endpoint: the ids go on the
/// request's tracing span.
pub(crate) trait RequestIds {
    /// The network the request is about.
    fn network_id(&self) -> Option<&str> {
        None
    }

    /// The endpoint the request is about.
    fn endpoint_id(&self) -> Option<&str> {
        None
    }
}

/// Decodes `body` as the request of `method`, then starts `handler` on it.
pub(crate) fn call<Req, Resp, Fut>(
    method: &str,
    body: &[u8],
    handler: impl FnOnce(Req) -> Fut,
) -> CallFuture
where
    Req: DeserializeOwned + RequestIds,
    Resp: Serialize,
    Fut: Future<Output = Result<Resp, DriverError>> + Send + 'static,
{
    match decode::<Req>(method, body) {
        Ok(request) => {
            record_ids(&request);
            call_without_body(handler(request))
        }
        Err(failure) => Box::pin(std::future::ready(Err(failure))),
    }
}

/// Puts the request's ids on the current span (the server's request span,
/// at debug level), when anyone listens.
fn record_ids(request: &impl RequestIds) {
    // The cheap check first (is anything at debug level on?): finding the
    // current span costs more.
    if !tracing::level_enabled!(tracing::Level::DEBUG) {
        return;
    }
    let span = tracing::Span::current();
    if span.is_disabled() {
        return;
    }
    // Text from the request: escaped, so that it cannot forge log lines.
    if let Some(id) = request.network_id() {
        span.record("network_id", tracing::field::display(Escaped(id)));
    }
    if let Some(id) = request.endpoint_id() {
        span.record("endpoint_id", tracing::field::display(Escaped(id)));
    }
}

/// Starts a call that takes no request body (dockerd sends none).
pub(crate) fn call_without_body<Resp, Fut>(future: Fut) -> CallFuture
where
    Resp: Serialize,
    Fut: Future<Output = Result<Resp, DriverError>> + Send + 'static,
{
    Box::pin(async move { encode(&future.await?) })
}

/// Decodes a request body, with errors that say what is wrong and where.
pub(crate) fn decode<T: DeserializeOwned>(method: &str, body: &[u8]) -> Result<T, Failure> {
    request_body::decode(body).map_err(|error| Failure::bad_request(format!("{method}: {error}")))
}

/// Encodes an answer; `()` (nothing to say) becomes `{}`, since dockerd
/// needs a JSON object.
pub(crate) fn encode<T: Serialize>(response: &T) -> Result<Bytes, Failure> {
    thread_local! {
        /// Where answers are written first: the common empty one then needs
        /// no buffer of its own.
        static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    }
    SCRATCH.with_borrow_mut(|json| {
        json.clear();
        serde_json::to_writer(&mut *json, response).map_err(|error| Failure {
            status: 500,
            message: format!("cannot encode the response: {error}"),
        })?;
        Ok(if json == b"null" || json == b"{}" {
            Bytes::from_static(b"{}")
        } else {
            let answer = Bytes::copy_from_slice(json);
            // A rare large answer does not stay with the thread.
            if json.capacity() > 4096 {
                *json = Vec::new();
            }
            answer
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::{CreateEndpointRequest, JoinResponse};

    #[test]
    fn empty_and_null_bodies_are_bad_requests() {
        for body in [&b""[..], b"  \n", b"null"] {
            let failure = decode::<CreateEndpointRequest>("CreateEndpoint", body).unwrap_err();
            assert_eq!(failure.status, 400);
            assert!(failure
                .message
                .starts_with("CreateEndpoint: the request body is"));
        }
    }

    #[test]
    fn wrong_shape_names_the_field() {
        let body = br#"{"NetworkID":"n","Interface":{"Address":"10.0.0.2"}}"#;
        let failure = decode::<CreateEndpointRequest>("CreateEndpoint", body).unwrap_err();
        assert_eq!(failure.status, 400);
        assert!(
            failure.message.contains("at `Interface.Address`"),
            "{}",
            failure.message
        );
        assert!(failure.message.contains("CIDR"), "{}", failure.message);
        let failure = decode::<CreateEndpointRequest>("CreateEndpoint", b"[1]").unwrap_err();
        assert!(failure
            .message
            .starts_with("CreateEndpoint: the request body is not a JSON object"));
        let positional = decode::<CreateEndpointRequest>("CreateEndpoint", br#"["n1","e1"]"#);
        assert_eq!(positional.unwrap_err().status, 400);
        let missing = decode::<CreateEndpointRequest>("CreateEndpoint", br#"{"networkid":"n1"}"#);
        let message = missing.unwrap_err().message;
        assert!(message.contains("missing field `NetworkID`"), "{message}");
        let empty = decode::<CreateEndpointRequest>(
            "CreateEndpoint",
            br#"{"NetworkID":"","EndpointID":"e"}"#,
        );
        let message = empty.unwrap_err().message;
        assert!(
            message.contains("at `NetworkID`: the id is empty"),
            "{message}"
        );
        let failure = decode::<CreateEndpointRequest>("CreateEndpoint", b"{} x").unwrap_err();
        assert_eq!(failure.status, 400);
    }

    #[test]
    fn a_body_that_is_not_utf8_is_a_bad_request_saying_so() {
        let body = b"{\"NetworkID\":\"n\xff\",\"EndpointID\":\"e\"}";
        let failure = decode::<CreateEndpointRequest>("CreateEndpoint", body).unwrap_err();
        assert_eq!(failure.status, 400);
        assert_eq!(
            failure.message,
            "CreateEndpoint: the request body is not UTF-8 text"
        );
    }

    #[test]
    fn text_after_the_object_is_a_bad_request_saying_so() {
        let body = br#"{"NetworkID":"n","EndpointID":"e"} {"#;
        let failure = decode::<CreateEndpointRequest>("CreateEndpoint", body).unwrap_err();
        assert_eq!(failure.status, 400);
        assert!(
            failure
                .message
                .starts_with("CreateEndpoint: invalid request body: trailing"),
            "{}",
            failure.message
        );
        let good = br#"{"NetworkID":"n","EndpointID":"e"}"#;
        decode::<CreateEndpointRequest>("CreateEndpoint", good).unwrap();
    }

    #[test]
    fn unit_encodes_as_an_empty_object() {
        assert_eq!(&encode(&()).unwrap()[..], b"{}");
        assert_eq!(
            &encode(&JoinResponse::default()).unwrap()[..],
            br#"{"DisableGatewayService":false}"#
        );
    }
}
