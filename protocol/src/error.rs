//! Stable error codes. A code never changes meaning once released; the readable message next to
//! it may be reworded at any time. Clients branch on the code, people read the message.

use serde::{Deserialize, Serialize};

/// Every reason the server can give for refusing a message, an intent or a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    // --- the frame itself ---
    /// The frame is not valid JSON, or not a known message shape.
    BadMessage,
    /// The frame is valid JSON but its `type` is not a message this server knows.
    UnknownType,
    /// A binary frame: the protocol uses text frames only.
    BinaryFrame,
    /// The frame is larger than `limits::MAX_MESSAGE_BYTES`.
    MessageTooLarge,
    /// A text frame whose bytes are not valid UTF-8 (the connection is closed with 1007).
    InvalidUtf8,
    /// The client speaks a protocol version this server does not.
    UnsupportedVersion,
    // --- joining ---
    /// A message other than `join` or `ping` before joining.
    NotJoined,
    /// A second `join` on the same connection.
    AlreadyJoined,
    /// No session has this join code.
    SessionNotFound,
    /// The facilitator secret or resume token is not valid for this session.
    BadCredentials,
    /// The session is closed and accepts no joins or intents.
    SessionClosed,
    /// Display name empty, too long, or containing control or bidirectional-override
    /// characters.
    InvalidName,
    /// The group is not one of the session's groups.
    InvalidGroup,
    // --- intents ---
    /// The intent id is empty, longer than `limits::MAX_INTENT_ID_BYTES` or has a control
    /// character.
    InvalidIntentId,
    /// This role may not send this intent (for example a participant changing the phase).
    Forbidden,
    /// The intent is not allowed in the current phase.
    WrongPhase,
    /// The facilitator has locked input.
    InputLocked,
    /// The statement, rule or phase named does not exist (or was deleted).
    NotFound,
    /// Only the author may edit or delete this statement.
    NotOwner,
    /// The statement is hidden by the facilitator.
    Hidden,
    /// The dot budget for this level is used up.
    BudgetExhausted,
    /// The maximum number of dots on one item is reached.
    ItemLimit,
    /// There is no dot of yours on this item to remove.
    NoDot,
    /// A text is longer than `limits::MAX_TEXT_CHARS`.
    TextTooLong,
    /// A text is empty where text is required.
    EmptyText,
    /// A text contains control characters (other than newline and tab).
    InvalidText,
    /// A splice position or length lies outside the text it was made against.
    InvalidSplice,
    /// A text edit names a revision the server no longer (or not yet) knows.
    StaleRevision,
    /// A rating outside 1..=5.
    InvalidScore,
    /// A number outside its allowed range (for example a countdown longer than two hours).
    InvalidValue,
    /// A per-participant or per-session count limit is reached.
    LimitReached,
    /// There is nothing to do: for example `next_phase` in the last phase.
    NoChange,
    /// A rating of 1 or 2 needs a short reason (it is shown without a name).
    ReasonRequired,
    /// The statement is part of a cluster: dots go to the cluster.
    Clustered,
    /// Dots are already placed on this statement or cluster, so its clustering cannot change.
    HasVotes,
    /// The facilitator may act only for participants they added without a device.
    NotProxy,
    /// The facilitator removed this participant from the session.
    Removed,
    /// The votes or ratings of this round are revealed: they are part of the record and no longer
    /// change. The facilitator may start a new round, which keeps this one in the record.
    VoteClosed,
    /// The text of this rule is frozen: it is being rated, or it was decided. A change of wording
    /// needs the facilitator to start a new round (the old text stays in the record).
    RuleFrozen,
    /// The decision is risky (no ratings, or the groups differ strongly): send it again with
    /// `confirm: true` to take it anyway; the record marks it.
    ConfirmRequired,
    /// The rule is decided (adopted or dropped): the facilitator reopens it first.
    Decided,
    /// The participant's group can no longer change: they rated (or reviewed) in a round whose
    /// results per group are revealed, and moving them would change those figures and show how
    /// they rated.
    GroupLocked,
    // --- server side ---
    /// The change could not be written to storage; nothing was applied. Try again later.
    StorageFailed,
    /// The client sends faster than allowed: join attempts or session creations from one
    /// address, or frames on one connection.
    RateLimited,
    /// The connection could not keep up with the session and is closed; reconnect and resume.
    SlowConsumer,
    /// Nothing (no message, no pong) came from the client for the idle timeout; the connection
    /// is closed. Reconnect and resume.
    IdleTimeout,
    /// The server is shutting down; reconnect later.
    ShuttingDown,
    /// The session is being reloaded; the client library retries transparently.
    Unavailable,
    /// An unexpected server error; the cause is in the server log.
    Internal,
    /// The server holds as many connections or live sessions as it is configured for; try again
    /// later (WebSocket: close 1013; HTTP: 503 with `Retry-After`).
    ServerFull,
    // --- HTTP only ---
    /// Creating a session needs the operator token on this server (`Authorization: Bearer …`).
    Unauthorized,
    /// A WebSocket upgrade from a web page on another site.
    OriginNotAllowed,
    /// The request body is not valid for this endpoint.
    InvalidRequest,
    /// No template with this name.
    UnknownTemplate,
    /// An agenda sent with the request is not a valid template; the message names the line.
    InvalidTemplate,
    /// The agenda has a review phase, but the session follows no earlier session (no
    /// `follows`): there would be nothing to review. Create the session as a follow-up, or
    /// remove the review phase.
    ReviewNeedsEarlierSession,
    /// The `groups` of `POST /api/sessions`: fewer than 2 or more than 4, a name empty, too long
    /// or with control characters, or two names the same.
    InvalidGroups,
    /// An uploaded logo that is not a PNG image (HTTP 415), larger than
    /// `limits::MAX_LOGO_BYTES` (413), or broken or outside 16 to `limits::MAX_LOGO_PIXELS`
    /// pixels each way (422).
    InvalidImage,
    /// The language is not supported (`nl` or `en`).
    UnsupportedLanguage,
    /// The endpoint exists but not with this HTTP method (e.g. `DELETE /api/sessions`).
    MethodNotAllowed,
    /// A plain HTTP request to `/ws`, which only takes WebSocket upgrades.
    UpgradeRequired,
    /// The request's `Host` header names none of this server's names (against DNS rebinding).
    HostNotAllowed,
}

impl ErrorCode {
    /// The code as it appears on the wire, for logs and error texts.
    pub fn as_str(self) -> &'static str {
        ALL.iter()
            .find(|(code, _)| *code == self)
            .map(|(_, name)| *name)
            .unwrap_or("internal")
    }

    /// The WebSocket close code (RFC 6455, section 7.4) of a connection the server closes for
    /// this reason; the close frame's reason text is [`ErrorCode::as_str`].
    pub fn close_code(self) -> u16 {
        match self {
            ErrorCode::ShuttingDown | ErrorCode::Unavailable | ErrorCode::IdleTimeout => {
                close::GOING_AWAY
            }
            ErrorCode::InvalidUtf8 => close::INVALID_PAYLOAD,
            ErrorCode::MessageTooLarge => close::MESSAGE_TOO_BIG,
            ErrorCode::Internal | ErrorCode::StorageFailed => close::INTERNAL_ERROR,
            ErrorCode::ServerFull => close::TRY_AGAIN_LATER,
            _ => close::POLICY_VIOLATION,
        }
    }

    /// The code with this wire name (for close-frame reasons, which carry the name as text).
    pub fn parse(name: &str) -> Option<ErrorCode> {
        ALL.iter().find(|(_, n)| *n == name).map(|(code, _)| *code)
    }
}

/// Every code with its wire name; used by [`ErrorCode::as_str`] and by tests that check the list
/// is complete.
pub const ALL: &[(ErrorCode, &str)] = &[
    (ErrorCode::BadMessage, "bad_message"),
    (ErrorCode::UnknownType, "unknown_type"),
    (ErrorCode::BinaryFrame, "binary_frame"),
    (ErrorCode::MessageTooLarge, "message_too_large"),
    (ErrorCode::InvalidUtf8, "invalid_utf8"),
    (ErrorCode::UnsupportedVersion, "unsupported_version"),
    (ErrorCode::NotJoined, "not_joined"),
    (ErrorCode::AlreadyJoined, "already_joined"),
    (ErrorCode::SessionNotFound, "session_not_found"),
    (ErrorCode::BadCredentials, "bad_credentials"),
    (ErrorCode::SessionClosed, "session_closed"),
    (ErrorCode::InvalidName, "invalid_name"),
    (ErrorCode::InvalidGroup, "invalid_group"),
    (ErrorCode::InvalidIntentId, "invalid_intent_id"),
    (ErrorCode::Forbidden, "forbidden"),
    (ErrorCode::WrongPhase, "wrong_phase"),
    (ErrorCode::InputLocked, "input_locked"),
    (ErrorCode::NotFound, "not_found"),
    (ErrorCode::NotOwner, "not_owner"),
    (ErrorCode::Hidden, "hidden"),
    (ErrorCode::BudgetExhausted, "budget_exhausted"),
    (ErrorCode::ItemLimit, "item_limit"),
    (ErrorCode::NoDot, "no_dot"),
    (ErrorCode::TextTooLong, "text_too_long"),
    (ErrorCode::EmptyText, "empty_text"),
    (ErrorCode::InvalidText, "invalid_text"),
    (ErrorCode::InvalidSplice, "invalid_splice"),
    (ErrorCode::StaleRevision, "stale_revision"),
    (ErrorCode::InvalidScore, "invalid_score"),
    (ErrorCode::InvalidValue, "invalid_value"),
    (ErrorCode::LimitReached, "limit_reached"),
    (ErrorCode::NoChange, "no_change"),
    (ErrorCode::ReasonRequired, "reason_required"),
    (ErrorCode::Clustered, "clustered"),
    (ErrorCode::HasVotes, "has_votes"),
    (ErrorCode::NotProxy, "not_proxy"),
    (ErrorCode::Removed, "removed"),
    (ErrorCode::VoteClosed, "vote_closed"),
    (ErrorCode::RuleFrozen, "rule_frozen"),
    (ErrorCode::ConfirmRequired, "confirm_required"),
    (ErrorCode::Decided, "decided"),
    (ErrorCode::GroupLocked, "group_locked"),
    (ErrorCode::StorageFailed, "storage_failed"),
    (ErrorCode::RateLimited, "rate_limited"),
    (ErrorCode::SlowConsumer, "slow_consumer"),
    (ErrorCode::IdleTimeout, "idle_timeout"),
    (ErrorCode::ShuttingDown, "shutting_down"),
    (ErrorCode::Unavailable, "unavailable"),
    (ErrorCode::Internal, "internal"),
    (ErrorCode::ServerFull, "server_full"),
    (ErrorCode::Unauthorized, "unauthorized"),
    (ErrorCode::OriginNotAllowed, "origin_not_allowed"),
    (ErrorCode::InvalidRequest, "invalid_request"),
    (ErrorCode::UnknownTemplate, "unknown_template"),
    (ErrorCode::InvalidTemplate, "invalid_template"),
    (ErrorCode::InvalidGroups, "invalid_groups"),
    (ErrorCode::InvalidImage, "invalid_image"),
    (
        ErrorCode::ReviewNeedsEarlierSession,
        "review_needs_earlier_session",
    ),
    (ErrorCode::UnsupportedLanguage, "unsupported_language"),
    (ErrorCode::MethodNotAllowed, "method_not_allowed"),
    (ErrorCode::UpgradeRequired, "upgrade_required"),
    (ErrorCode::HostNotAllowed, "host_not_allowed"),
];

/// WebSocket close codes the server uses (RFC 6455 section 7.4.1, and 1013 from the IANA
/// registry). A connection the server closes for a reason gets an `error` message with the
/// [`ErrorCode`] first, then a close frame with [`ErrorCode::close_code`] and the code's name as
/// the reason; a normal close is [`close::NORMAL`] with the reason `bye`.
pub mod close {
    /// A normal close (reason `bye`).
    pub const NORMAL: u16 = 1000;
    /// The server is going away or stops this connection for now: `shutting_down`,
    /// `unavailable`, `idle_timeout`. Reconnect.
    pub const GOING_AWAY: u16 = 1001;
    /// A text frame that is not valid UTF-8: `invalid_utf8`.
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// Any other refusal that ends the connection (`rate_limited`, `removed`, `slow_consumer`,
    /// `unsupported_version`, …).
    pub const POLICY_VIOLATION: u16 = 1008;
    /// A frame larger than `limits::MAX_MESSAGE_BYTES`: `message_too_large`.
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// `internal`, `storage_failed`.
    pub const INTERNAL_ERROR: u16 = 1011;
    /// `server_full`: the server is at its capacity; try again later.
    pub const TRY_AGAIN_LATER: u16 = 1013;
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_serialises_to_its_listed_name() {
        for (code, name) in ALL {
            assert_eq!(serde_json::to_value(code).unwrap(), serde_json::json!(name));
            assert_eq!(code.as_str(), *name);
            assert_eq!(ErrorCode::parse(name), Some(*code));
        }
    }

    #[test]
    fn close_codes_follow_rfc_6455() {
        assert_eq!(ErrorCode::InvalidUtf8.close_code(), 1007);
        assert_eq!(ErrorCode::MessageTooLarge.close_code(), 1009);
        assert_eq!(ErrorCode::ServerFull.close_code(), 1013);
        assert_eq!(ErrorCode::IdleTimeout.close_code(), 1001);
        assert_eq!(ErrorCode::StorageFailed.close_code(), 1011);
        assert_eq!(ErrorCode::RateLimited.close_code(), 1008);
    }
}
