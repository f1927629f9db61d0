//! The one error type of the client library.
//!
//! Every fallible call returns [`ClientError`]. Variants separate what a caller reacts to
//! differently: the server said no with a stable [`ErrorCode`] ([`ClientError::Rejected`],
//! [`ClientError::Server`], [`ClientError::Api`]), the connection ended ([`ClientError::Closed`]),
//! something took too long ([`ClientError::Timeout`]), or the peer did not speak the protocol
//! ([`ClientError::Protocol`]). [`ClientError::code`] gives the server's code whatever the variant,
//! so a test can write `assert_eq!(err.code(), Some(ErrorCode::BudgetExhausted))`.

use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::api::ApiErrorBody;

/// Everything that can go wrong talking to a Draagvlak server.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The WebSocket failed (connect, handshake, read or write). Boxed: the inner error is large.
    #[error("websocket: {0}")]
    WebSocket(Box<tokio_tungstenite::tungstenite::Error>),
    /// The HTTP request failed before the server answered.
    #[error("http: {0}")]
    Http(#[from] reqwest::Error),
    /// The HTTP API answered with an error status and body.
    #[error("http {status}: {} ({})", .error.message, .error.code)]
    Api { status: u16, error: ApiErrorBody },
    /// A server URL that cannot be used.
    #[error("invalid url {url:?}: {reason}")]
    Url { url: String, reason: String },
    /// The server sent something this client does not understand, or in the wrong order.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The server sent an `error` message (a refused join, or a fatal connection error).
    #[error("server error {code}: {message}")]
    Server { code: ErrorCode, message: String },
    /// The intent `id` was rejected.
    #[error("intent {id} rejected: {code}: {message}")]
    Rejected {
        id: String,
        code: ErrorCode,
        message: String,
    },
    /// The connection is closed. `code` and `reason` come from the close frame, if there was one.
    #[error("connection closed ({}): {reason}", .code.map_or_else(|| "no close frame".to_string(), |c| c.to_string()))]
    Closed { code: Option<u16>, reason: String },
    /// Waiting for `what` took longer than allowed.
    #[error("timed out waiting for {0}")]
    Timeout(String),
    /// The intent would be a second unacknowledged edit of the same text; wait for the first ack.
    #[error("an edit of {target} is still unacknowledged (intent {pending_id})")]
    EditInFlight { target: String, pending_id: String },
    /// The caller asked for something this connection cannot do (for example a typed helper whose
    /// answer lacks the expected field).
    #[error("{0}")]
    Usage(String),
}

impl ClientError {
    /// The server's stable error code, if the server gave one (reject, error message, HTTP error
    /// body, or a close frame whose reason is a code).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Rejected { code, .. } | ClientError::Server { code, .. } => Some(*code),
            ClientError::Api { error, .. } => Some(error.code),
            ClientError::Closed { reason, .. } => parse_code(reason),
            _ => None,
        }
    }

    /// True when the connection is gone and [`crate::Connection::reconnect`] may help.
    pub fn is_disconnect(&self) -> bool {
        matches!(self, ClientError::Closed { .. } | ClientError::WebSocket(_))
    }
}

impl From<tokio_tungstenite::tungstenite::Error> for ClientError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        ClientError::WebSocket(Box::new(e))
    }
}

/// Parse a wire error code (`"slow_consumer"`), as found in a close frame's reason.
pub fn parse_code(s: &str) -> Option<ErrorCode> {
    ErrorCode::parse(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_found_in_every_variant_that_carries_one() {
        let closed = ClientError::Closed {
            code: Some(1008),
            reason: "slow_consumer".into(),
        };
        assert_eq!(closed.code(), Some(ErrorCode::SlowConsumer));
        let rejected = ClientError::Rejected {
            id: "a-1".into(),
            code: ErrorCode::NoDot,
            message: "none".into(),
        };
        assert_eq!(rejected.code(), Some(ErrorCode::NoDot));
        assert_eq!(ClientError::Timeout("x".into()).code(), None);
        assert!(closed.is_disconnect());
    }
}
