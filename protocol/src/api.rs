//! HTTP API bodies (JSON). Errors from every endpoint have the shape [`ApiError`].

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::id::ParticipantId;
use crate::view::{Group, View};

/// `POST /api/sessions`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub title: String,
    #[serde(default)]
    pub organisation: String,
    /// Where the workshop takes place (e.g. "Raadzaal, Zaandam"), for the report; optional.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub place: String,
    /// `nl` (default) or `en`.
    #[serde(default = "default_language")]
    pub language: String,
    /// A built-in template: `strategic-framework` (default) or `short`.
    #[serde(default = "default_template")]
    pub template: String,
    /// An agenda of one's own, as the text of a TOML template (see `core/templates/`); when
    /// given, it is used instead of `template`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
    /// Make a follow-up of an earlier session: its adopted rules and top priorities come along,
    /// to be reviewed. Without `agenda` and with the default `template`, the agenda is the
    /// built-in `follow-up` (lobby, review, summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follows: Option<FollowUpOf>,
}

/// The earlier session of a follow-up, and the proof of being its facilitator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUpOf {
    /// The earlier session's join code.
    pub code: String,
    /// The earlier session's facilitator secret.
    pub secret: String,
}

/// Answer to `GET /api/sessions/{code}/history/{phase}`: the session as it was at the end of
/// an earlier phase (the facilitator's view, read-only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryView {
    /// The phase index asked for.
    pub phase: u32,
    /// When the phase ended, ms since the Unix epoch (server clock).
    pub at: u64,
    /// The facilitator's view (see PROTOCOL.md).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub view: View,
}

fn default_language() -> String {
    "nl".into()
}

fn default_template() -> String {
    "strategic-framework".into()
}

/// `POST /api/demo`: a session filled with sample content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateDemo {
    /// `nl` (default) or `en`: the language of the sample content.
    #[serde(default = "default_language")]
    pub language: String,
}

/// Links a facilitator hands out or opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionLinks {
    /// Where participants join (the join page with the code filled in).
    pub join: String,
    /// The facilitator console.
    pub facilitator: String,
    /// The projector view.
    pub projector: String,
    /// The WebSocket endpoint.
    pub websocket: String,
}

/// Answer to `POST /api/sessions` (status 201).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionCreated {
    pub id: String,
    pub code: String,
    /// Shown once; only its hash is stored.
    pub facilitator_secret: String,
    pub links: SessionLinks,
}

/// Answer to `GET /api/sessions/{code}`: public facts only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionPublic {
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
    pub status: SessionStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub groups: Vec<Group>,
}

/// Whether a session takes part still: open, or closed by its facilitator (readable, not
/// changeable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    Open,
    Closed,
}

impl SessionStatus {
    /// The wire (and stored) name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionStatus::Open => "open",
            SessionStatus::Closed => "closed",
        }
    }

    /// Parse a wire (or stored) name.
    pub fn parse(s: &str) -> Option<SessionStatus> {
        [SessionStatus::Open, SessionStatus::Closed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// Answer to `POST /api/sessions/{code}/facilitator-secret`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SecretRotated {
    /// The new secret; the old one no longer works.
    pub facilitator_secret: String,
}

/// Answer to `POST /api/sessions/{code}/participants/{id}/erase`: the participant's name is
/// replaced by this label everywhere the session keeps it, history included, and their resume
/// token no longer works.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantErased {
    /// The participant's id (unchanged).
    pub participant: ParticipantId,
    /// The neutral label that replaced the name: the group and a number, e.g. `ICT 3`.
    pub label: String,
}

/// Every HTTP error body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: ApiErrorBody,
}

/// The inside of [`ApiError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
}

/// The limits a client needs before it sends anything (`GET /api/limits`, and in the browser
/// app's page as `<meta name="draagvlak-limits">`), so that no client repeats them as literals:
/// a text box stops where the server would refuse, and a chart marks the gap the server marks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Limits {
    /// Longest statement or rule text on this server (`--max-text-chars`), in characters.
    pub max_text_chars: usize,
    /// Longest display name, in characters.
    pub max_name_chars: usize,
    /// Longest session title or organisation, in characters.
    pub max_title_chars: usize,
    /// Longest reason given with a low rating, in characters.
    pub max_reason_chars: usize,
    /// Longest cluster title, in characters.
    pub max_cluster_title_chars: usize,
    /// The difference in support between two groups from which they differ strongly.
    pub large_gap: f64,
}

impl Limits {
    /// The protocol's limits, with this server's text limit.
    pub fn with_text_limit(max_text_chars: usize) -> Limits {
        use crate::limits::*;
        Limits {
            max_text_chars,
            max_name_chars: MAX_NAME_CHARS,
            max_title_chars: MAX_TITLE_CHARS,
            max_reason_chars: MAX_REASON_CHARS,
            max_cluster_title_chars: MAX_CLUSTER_TITLE_CHARS,
            large_gap: LARGE_GAP,
        }
    }
}
