//! Why a simulated connection, or one session's script, failed: one typed error for the load
//! generator. Its text goes into the run's report (errors and failures), so each variant says
//! what a person reading the report needs to know.

use tokio_tungstenite::tungstenite;

/// A failure of a load-run client or of a session's script.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
    /// The TCP socket could not be made, bound or connected.
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    /// The WebSocket upgrade, a send or a read failed.
    #[error("{what}: {source}")]
    WebSocket {
        what: &'static str,
        #[source]
        source: tungstenite::Error,
    },
    /// A frame that is not the JSON it should be.
    #[error("unreadable {what}: {source}")]
    Json {
        what: &'static str,
        #[source]
        source: serde_json::Error,
    },
    /// A delta that does not apply to the view this client holds.
    #[error("a delta does not apply to the view: {0}")]
    Patch(#[from] json_patch::PatchError),
    /// The connection ended while it was still needed.
    #[error("{0}")]
    Closed(String),
    /// Nothing came within the step timeout.
    #[error("no {0} within the step timeout")]
    Timeout(&'static str),
    /// The server refused the join, with this code.
    #[error("join refused: {0}")]
    JoinRefused(String),
    /// The server rejected an intent of the facilitator's script, with this code.
    #[error("facilitator intent rejected: {0}")]
    Rejected(String),
    /// The facilitator's connection task has ended, so the script cannot go on.
    #[error("the facilitator connection has ended")]
    FacilitatorGone,
    /// A frame that breaks a promise of the protocol (a delta without a revision, …).
    #[error("{0}")]
    Protocol(String),
    /// What a client holds differs from what the server says (the final check), or a step did
    /// not finish in time.
    #[error("{0}")]
    Mismatch(String),
}

impl Failure {
    /// A JSON read error of a `what` frame.
    pub(crate) fn json(what: &'static str) -> impl FnOnce(serde_json::Error) -> Failure {
        move |source| Failure::Json { what, source }
    }

    /// A WebSocket error while doing `what`.
    pub(crate) fn ws(what: &'static str) -> impl FnOnce(tungstenite::Error) -> Failure {
        move |source| Failure::WebSocket { what, source }
    }
}
