//! HTTP API bodies (JSON). Errors from every endpoint have the shape [`ApiError`].

use serde::{Deserialize, Serialize};

use crate::error::ErrorCode;
use crate::view::Group;

/// `POST /api/sessions`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateSession {
    pub title: String,
    #[serde(default)]
    pub organisation: String,
    /// `nl` (default) or `en`.
    #[serde(default = "default_language")]
    pub language: String,
    /// A built-in template: `strategic-framework` (default) or `short`.
    #[serde(default = "default_template")]
    pub template: String,
    /// An agenda of one's own, as the text of a TOML template (see `server/templates/`); when
    /// given, it is used instead of `template`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda: Option<String>,
}

fn default_language() -> String {
    "nl".into()
}

fn default_template() -> String {
    "strategic-framework".into()
}

/// `POST /api/demo`: a session filled with sample content.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateDemo {
    /// `nl` (default) or `en`: the language of the sample content.
    #[serde(default = "default_language")]
    pub language: String,
}

/// Links a facilitator hands out or opens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct SessionCreated {
    pub id: String,
    pub code: String,
    /// Shown once; only its hash is stored.
    pub facilitator_secret: String,
    pub links: SessionLinks,
}

/// Answer to `GET /api/sessions/{code}`: public facts only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionPublic {
    pub code: String,
    pub title: String,
    pub organisation: String,
    pub language: String,
    pub template: String,
    pub status: String,
    pub groups: Vec<Group>,
}

/// Answer to `POST /api/sessions/{code}/facilitator-secret`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecretRotated {
    /// The new secret; the old one no longer works.
    pub facilitator_secret: String,
}

/// Every HTTP error body: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub error: ApiErrorBody,
}

/// The inside of [`ApiError`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    pub code: ErrorCode,
    pub message: String,
}
