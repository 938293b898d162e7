//! The Linux helpers the bridge and overlay examples share: [`netlink`] creates links and
//! addresses, [`firewall`] manages iptables rules (applied in batches by [`restore`]; the
//! rules that keep networks apart are [`isolation`]'s), [`names`] derives interface names from
//! Docker's ids, [`endpoint`] is the one way an endpoint's veth pair is made, recorded and
//! removed, and [`reconcile`] makes the kernel match the recorded state at start-up.

pub mod endpoint;
pub mod firewall;
pub mod isolation;
pub mod names;
pub mod netlink;
pub mod reconcile;
pub mod restore;

/// What the shared Linux helpers can fail at; the drivers wrap it in their own errors.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A network or endpoint id that no interface name may be derived from.
    #[error("{0}")]
    InvalidId(String),
    /// Another endpoint's veth already has the name derived from this endpoint's id (the
    /// two ids share their first characters).
    #[error("interface name {name} is already used by endpoint {endpoint}")]
    NameInUse {
        /// The interface name.
        name: String,
        /// The endpoint using it.
        endpoint: String,
    },
    /// A netlink call failed.
    #[error(transparent)]
    Netlink(#[from] netlink::Error),
    /// An iptables or ip6tables call failed.
    #[error(transparent)]
    Firewall(#[from] firewall::Error),
    /// Reading or writing the state failed.
    #[error(transparent)]
    State(#[from] dknet::store::Error),
    /// Another error, with what was being done.
    #[error("{context}: {source}")]
    Context {
        /// What was being done.
        context: String,
        /// What went wrong.
        source: Box<Error>,
    },
}

impl Error {
    /// This error, prefixed with what was being done.
    pub fn context(self, context: impl Into<String>) -> Self {
        Error::Context {
            context: context.into(),
            source: Box::new(self),
        }
    }
}
