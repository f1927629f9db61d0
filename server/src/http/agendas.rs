//! The agenda routes: the built-in agendas to start a form from, and checking an agenda (a TOML
//! file or the form's JSON) with errors that say what to change, in Dutch or English.
//!
//! These routes create nothing, so they draw on no budget: checking an agenda as often as a
//! facilitator types never uses up the address's session-creation limit. Their body limit is
//! explicit ([`MAX_AGENDA_BODY_BYTES`]); the work per request is bounded by the template size
//! limit, which the parser checks before it reads anything.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::api::{
    AgendaCheck, AgendaChecked, AgendaProblem, AgendaRefused, ApiErrorBody, BuiltInAgenda,
    BuiltInAgendas,
};
use draagvlak_protocol::limits::MAX_AGENDA_BYTES;

use super::error::{AppError, JsonBody};
use crate::session::template;

/// Largest body of `POST /api/agendas/check`: a template at its size limit, with room for the
/// JSON escaping of its text (quotes and line breaks) and the other fields.
pub const MAX_AGENDA_BODY_BYTES: usize = 2 * MAX_AGENDA_BYTES;

/// `GET /api/agendas`
#[utoipa::path(get, path = "/api/agendas", tag = "agendas",
    responses((status = 200, description = "the built-in agendas, every default filled in, each saying whether only a follow-up session (`follows`) may use it", body = draagvlak_protocol::api::BuiltInAgendas)))]
pub async fn built_in() -> Json<BuiltInAgendas> {
    let agendas = template::TEMPLATES
        .iter()
        .filter_map(|name| template::built_in(name))
        .filter_map(|text| template::parse(text).ok())
        .map(|t| BuiltInAgenda {
            agenda: t.to_agenda(),
            needs_earlier_session: template::needs_earlier_session(&t.phases),
        })
        .collect();
    Json(BuiltInAgendas { agendas })
}

/// `POST /api/agendas/check`
#[utoipa::path(post, path = "/api/agendas/check", tag = "agendas",
    request_body = draagvlak_protocol::api::AgendaCheck,
    responses(
        (status = 200, description = "valid: the agenda with defaults filled in, and as canonical TOML", body = draagvlak_protocol::api::AgendaChecked),
        (status = 413, description = "invalid_request: the body is larger than the agenda limit", body = draagvlak_protocol::api::ApiError),
        (status = 422, description = "invalid_template: what is wrong where, in the language asked for (`review_needs_earlier_session` for a review phase unless `follow_up`); or invalid_request / unsupported_language", body = draagvlak_protocol::api::AgendaRefused),
    ))]
pub async fn check(JsonBody(req): JsonBody<AgendaCheck>) -> Result<Response, AppError> {
    if !["nl", "en"].contains(&req.language.as_str()) {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedLanguage,
            "language must be \"nl\" or \"en\"",
        ));
    }
    // The same check as at creation: a review phase only in an agenda for a follow-up session.
    let follow_up = req.follow_up;
    let checked = match (&req.toml, &req.agenda) {
        (Some(text), None) => template::parse(text).and_then(|t| {
            template::check_follow_up(&t.phases, follow_up)?;
            let agenda = t.to_agenda();
            template::to_toml(&agenda).map(|toml| (agenda, toml))
        }),
        (None, Some(agenda)) => template::check_agenda(agenda).and_then(|(t, toml)| {
            template::check_follow_up(&t.phases, follow_up)?;
            Ok((t.to_agenda(), toml))
        }),
        _ => {
            return Err(AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::InvalidRequest,
                "send the agenda either as `toml` (the text of a template) or as `agenda` (JSON), not both",
            ));
        }
    };
    Ok(match checked {
        Ok((agenda, toml)) => Json(AgendaChecked { agenda, toml }).into_response(),
        Err(e) => {
            let message = e.message(&req.language);
            let refused = AgendaRefused {
                error: ApiErrorBody {
                    code: ErrorCode::InvalidTemplate,
                    message: message.clone(),
                },
                problem: AgendaProblem {
                    code: e.code(),
                    line: e.line,
                    phase: e.phase,
                    field: e.field,
                    message,
                },
            };
            (StatusCode::UNPROCESSABLE_ENTITY, Json(refused)).into_response()
        }
    })
}
