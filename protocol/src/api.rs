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
    /// The session's groups, 2 to 4 names chosen by the facilitator (e.g. `["ICT", "Beleid",
    /// "Mandatarissen"]`), in the order the app shows them. Without it: `ict` and `business`
    /// (shown as "ICT" and "Business"), or for a follow-up the earlier session's groups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<String>>,
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
    /// The facilitator uploaded the organisation's logo: `GET /api/sessions/{code}/logo`.
    #[serde(default)]
    pub logo: bool,
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
    /// Most phases an agenda may have.
    pub max_agenda_phases: usize,
    /// Largest dot budget of a vote phase.
    pub max_dot_budget: u32,
    /// Longest agenda name, in bytes.
    pub max_agenda_name_bytes: usize,
    /// Longest phase title or question, in characters, in each language.
    pub max_agenda_text_chars: usize,
    /// Longest agenda as TOML text, in bytes.
    pub max_agenda_bytes: usize,
    /// Fewest groups a session may have.
    pub min_groups: usize,
    /// Most groups a session may have.
    pub max_groups: usize,
    /// Longest group name, in characters.
    pub max_group_name_chars: usize,
    /// Largest logo, in bytes (a PNG image).
    pub max_logo_bytes: usize,
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
            max_agenda_phases: MAX_AGENDA_PHASES,
            max_dot_budget: MAX_DOT_BUDGET,
            max_agenda_name_bytes: MAX_AGENDA_NAME_BYTES,
            max_agenda_text_chars: MAX_AGENDA_TEXT_CHARS,
            max_agenda_bytes: MAX_AGENDA_BYTES,
            min_groups: MIN_GROUPS,
            max_groups: MAX_GROUPS,
            max_group_name_chars: MAX_GROUP_NAME_CHARS,
            max_logo_bytes: MAX_LOGO_BYTES,
        }
    }
}

/// An agenda as JSON: the TOML template (`core/templates/*.toml`) field for field, so that the
/// form in the browser and the file a facilitator exports say the same thing. `phase` is the
/// ordered list of phases (named as in the file, `[[phase]]`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Agenda {
    /// 1 to `max_agenda_name_bytes` bytes.
    pub name: String,
    #[serde(default)]
    pub phase: Vec<AgendaPhase>,
}

/// One phase of an [`Agenda`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgendaPhase {
    /// `lobby`, `brainstorm`, `cluster`, `vote`, `rules`, `review` or `summary`.
    pub kind: String,
    /// `richten`, `inrichten` or `verrichten`; required for brainstorm, cluster, vote and rules,
    /// absent for lobby, review and summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<String>,
    /// Statements carry no author.
    #[serde(default, skip_serializing_if = "is_false")]
    pub anonymous: bool,
    /// Dots per participant (vote phases; default 3).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dot_budget: Option<u32>,
    /// Most dots of one participant on one item (vote phases; default 2, at most the budget).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dots_per_item: Option<u32>,
    pub title: AgendaText,
    pub question: AgendaText,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// A text of an agenda in both languages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgendaText {
    pub nl: String,
    pub en: String,
}

/// `POST /api/agendas/check`: check an agenda, given either as the text of a TOML template or as
/// JSON (exactly one of the two). Checking never counts against the session-creation limit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AgendaCheck {
    /// The language of the error messages: `nl` (default) or `en`.
    #[serde(default = "default_language")]
    pub language: String,
    /// The agenda as the text of a TOML template (an imported file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub toml: Option<String>,
    /// The agenda as JSON (the form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agenda: Option<Agenda>,
    /// The agenda is for a follow-up session (one with `follows`). Default `false`: an agenda
    /// with a review phase is then refused with `review_needs_earlier_session`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub follow_up: bool,
}

/// Answer to `POST /api/agendas/check` when the agenda is valid: the agenda with every default
/// filled in, and the same agenda as canonical TOML (to export, or to send as
/// `CreateSession.agenda`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaChecked {
    pub agenda: Agenda,
    pub toml: String,
}

/// Answer to `POST /api/agendas/check` (status 422) when the agenda is not valid: the usual
/// error body (`invalid_template`), and what is wrong where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaRefused {
    pub error: ApiErrorBody,
    pub problem: AgendaProblem,
}

/// What is wrong with an agenda, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgendaProblem {
    pub code: AgendaErrorCode,
    /// The 1-based line of the TOML text (only when a TOML text was checked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// The 0-based index of the phase that is wrong, when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<usize>,
    /// The field that is wrong, as named in the file: `name`, `kind`, `level`, `dot_budget`,
    /// `max_dots_per_item`, `title.nl`, `title.en`, `question.nl`, `question.en`, or another
    /// (unknown) field's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What to change, in the language asked for.
    pub message: String,
}

/// Why an agenda is refused (stable codes; the message says what to change).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgendaErrorCode {
    /// The TOML text is longer than `max_agenda_bytes`.
    TooLarge,
    /// The text is not valid TOML.
    Syntax,
    /// A field this format does not have.
    UnknownField,
    /// A required field is missing.
    MissingField,
    /// A field has a value of the wrong type (e.g. text where a number belongs).
    WrongType,
    /// The name is empty or longer than `max_agenda_name_bytes`.
    InvalidName,
    /// The agenda has no phase.
    NoPhases,
    /// More than `max_agenda_phases` phases.
    TooManyPhases,
    /// A phase kind this server does not know.
    UnknownKind,
    /// A level other than richten, inrichten or verrichten.
    UnknownLevel,
    /// A level on a lobby, review or summary phase.
    LevelNotAllowed,
    /// A brainstorm, cluster, vote or rules phase without a level.
    LevelRequired,
    /// A dot budget outside 1 to `max_dot_budget`.
    InvalidDotBudget,
    /// Dots per item outside 1 to the phase's dot budget.
    InvalidMaxDots,
    /// A title or question that is empty or longer than `max_agenda_text_chars`.
    InvalidText,
    /// A second vote phase on the same level.
    SecondVote,
    /// A review phase in an agenda for a session that follows no earlier session: there is
    /// nothing to review. Create the session as a follow-up (`follows`), or remove the phase.
    ReviewNeedsEarlierSession,
}

impl AgendaErrorCode {
    /// Every code, for tests that check the list is complete.
    pub const ALL: [AgendaErrorCode; 17] = [
        AgendaErrorCode::TooLarge,
        AgendaErrorCode::Syntax,
        AgendaErrorCode::UnknownField,
        AgendaErrorCode::MissingField,
        AgendaErrorCode::WrongType,
        AgendaErrorCode::InvalidName,
        AgendaErrorCode::NoPhases,
        AgendaErrorCode::TooManyPhases,
        AgendaErrorCode::UnknownKind,
        AgendaErrorCode::UnknownLevel,
        AgendaErrorCode::LevelNotAllowed,
        AgendaErrorCode::LevelRequired,
        AgendaErrorCode::InvalidDotBudget,
        AgendaErrorCode::InvalidMaxDots,
        AgendaErrorCode::InvalidText,
        AgendaErrorCode::SecondVote,
        AgendaErrorCode::ReviewNeedsEarlierSession,
    ];
}

/// Answer to `GET /api/agendas`: the built-in agendas, to start a form from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuiltInAgendas {
    pub agendas: Vec<BuiltInAgenda>,
}

/// One built-in agenda: the [`Agenda`]'s fields, and whether it is only for a follow-up session.
/// Send it back to `POST /api/agendas/check` without `needs_earlier_session` (an `Agenda` has
/// no such field).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BuiltInAgenda {
    #[serde(flatten)]
    pub agenda: Agenda,
    /// The agenda has a review phase, so only a session made as a follow-up of an earlier one
    /// (`CreateSession.follows`) may use it; without one it is refused with
    /// `review_needs_earlier_session`.
    pub needs_earlier_session: bool,
}
