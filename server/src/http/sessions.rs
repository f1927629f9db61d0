//! The session routes of the HTTP API: create a session (or a demo, or a follow-up), look one up
//! by join code, and what its facilitator may do over HTTP (QR of the facilitator link, a new
//! secret, reports, history, delete, erase a name).
//!
//! Every route that tells whether a join code exists draws on the address's join budget first
//! (the same one as a WebSocket `join`), so codes cannot be guessed faster over HTTP; over the
//! budget it answers 429 with `Retry-After`.

use axum::Json;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::api::SessionStatus;
use draagvlak_protocol::api::{
    CreateDemo, CreateSession, HistoryView, ParticipantErased, SecretRotated, SessionCreated,
    SessionLinks, SessionPublic,
};
use draagvlak_protocol::limits::MAX_TITLE_CHARS;
use draagvlak_protocol::{ErrorCode, ParticipantId};

use super::error::{AppError, JsonBody, refused};
use super::state::AppState;
use crate::credentials;
use crate::normalize;
use crate::report;
use crate::session::actor::{Cmd, Delete, Erasure, now_ms};
use crate::session::new_session::NewSession;
use crate::session::projection::{self, Audience};
use crate::session::workshop::{Meta, Workshop};
use crate::session::{demo, follow_up, groups, template};
use crate::store::{Chunk, SessionRow, StoreError};

/// How long a client is asked to wait when the server is full.
const FULL_RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(30);

/// One try of a join code from this address, counted against the same budget as WebSocket
/// joins: every route that answers differently for a live and an unknown code calls this first.
pub(super) fn code_attempt(app: &AppState, peer: SocketAddr) -> Result<(), AppError> {
    app.guard.join_attempt(peer.ip()).map_err(|wait| {
        AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many join codes tried from this address; wait and try again",
        )
        .retry_after(wait)
    })
}

fn check_title(field: &str, value: &str, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    let chars = value.chars().count();
    if (required && chars == 0) || chars > MAX_TITLE_CHARS || value.chars().any(char::is_control) {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::InvalidRequest,
            format!(
                "{field} must have {} to {MAX_TITLE_CHARS} characters and no control characters",
                if required { 1 } else { 0 }
            ),
        ));
    }
    Ok(value.to_string())
}

/// `POST /api/sessions`
#[utoipa::path(post, path = "/api/sessions", tag = "sessions",
    request_body = draagvlak_protocol::api::CreateSession,
    responses(
        (status = 201, description = "created; the facilitator secret is shown only here", body = draagvlak_protocol::api::SessionCreated),
        (status = 400, description = "invalid body, template or language", body = draagvlak_protocol::api::ApiError),
        (status = 422, description = "invalid_request, unknown_template, invalid_template, unsupported_language, invalid_groups (2 to 4 distinct group names), or review_needs_earlier_session (a review phase without `follows`); a refused request uses none of the creation limit", body = draagvlak_protocol::api::ApiError),
        (status = 401, description = "the operator token is missing or wrong", body = draagvlak_protocol::api::ApiError),
        (status = 429, description = "too many sessions from this address", body = draagvlak_protocol::api::ApiError),
    ),
    security((), ("operator_token" = [])))]
pub async fn create_session(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CreateSession>,
) -> Result<(StatusCode, Json<SessionCreated>), AppError> {
    operator_check(&app, &headers)?;
    // A request that is refused creates nothing, so it is checked before it draws on the budget.
    let checked = check_request(&req)?;
    may_create(&app, peer)?;
    if req.follows.is_some() {
        code_attempt(&app, peer)?;
    }
    let created = create(&app, req, checked, None).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// `POST /api/demo`: a session filled with sample content, to try every view.
#[utoipa::path(post, path = "/api/demo", tag = "sessions",
    request_body = draagvlak_protocol::api::CreateDemo,
    responses(
        (status = 201, description = "a session filled with sample content", body = draagvlak_protocol::api::SessionCreated),
        (status = 401, description = "the operator token is missing or wrong", body = draagvlak_protocol::api::ApiError),
        (status = 429, description = "too many sessions from this address", body = draagvlak_protocol::api::ApiError),
    ),
    security((), ("operator_token" = [])))]
pub async fn create_demo(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    JsonBody(req): JsonBody<CreateDemo>,
) -> Result<(StatusCode, Json<SessionCreated>), AppError> {
    operator_check(&app, &headers)?;
    let (title, organisation) = demo::title_and_organisation(&req.language);
    let create_req = CreateSession {
        title: title.into(),
        organisation: organisation.into(),
        place: String::new(),
        language: req.language.clone(),
        template: "strategic-framework".into(),
        agenda: None,
        follows: None,
        groups: None,
    };
    let checked = check_request(&create_req)?;
    may_create(&app, peer)?;
    let created = create(&app, create_req, checked, Some(&req.language)).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// The operator token, when the server requires one.
pub(crate) fn operator_allowed(app: &AppState, headers: &HeaderMap) -> bool {
    match &app.config.operator_token {
        Some(token) => {
            credentials::verify_secret(bearer(headers), &credentials::hash_secret(token))
        }
        None => true,
    }
}

/// The operator token, when the server requires one to create a session.
fn operator_check(app: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    if !operator_allowed(app, headers) {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "creating a session on this server needs the operator token",
        ));
    }
    Ok(())
}

/// The per-address creation limit (this uses one creation of the budget) and room for one more
/// live session. Called only for a request that has passed [`check_request`].
fn may_create(app: &AppState, peer: SocketAddr) -> Result<(), AppError> {
    if !app.guard.creation_allowed(peer.ip()) {
        return Err(AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            "too many sessions created from this address; try again later",
        )
        .retry_after(std::time::Duration::from_secs(60)));
    }
    // A session that could not be joined is no use: refuse while the server is full.
    if !app.registry.has_room() {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServerFull,
            "this server holds as many live sessions as it may; try again later",
        )
        .retry_after(FULL_RETRY_AFTER));
    }
    Ok(())
}

/// A create request as checked before anything is counted or stored.
struct Checked {
    title: String,
    organisation: String,
    place: String,
    template_name: String,
    phases: Vec<template::PhaseSpec>,
    /// The groups asked for, checked; `None` for the default (or a follow-up's earlier groups).
    groups: Option<Vec<String>>,
}

/// Check everything in a create request that needs no stored state: titles, language, and the
/// agenda (a template's name, or the text of one). A review phase needs `follows`: a session
/// that follows no earlier session would have nothing to review.
fn check_request(req: &CreateSession) -> Result<Checked, AppError> {
    let title = check_title("title", &req.title, true)?;
    let organisation = check_title("organisation", &req.organisation, false)?;
    let place = check_title("place", &req.place, false)?;
    if !["nl", "en"].contains(&req.language.as_str()) {
        return Err(AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedLanguage,
            "language must be \"nl\" or \"en\"",
        ));
    }
    let follow_up = req.follows.is_some();
    let template_requested = if follow_up && req.template == "strategic-framework" {
        "follow-up".to_string()
    } else {
        req.template.clone()
    };
    let (template_name, phases) = match &req.agenda {
        Some(text) => {
            let t = template::parse(text).map_err(|e| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidTemplate,
                    e.message(&req.language),
                )
            })?;
            (t.name, t.phases)
        }
        None => match template::phases(&template_requested) {
            Some(phases) => (template_requested.clone(), phases),
            None => {
                return Err(AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::UnknownTemplate,
                    format!(
                        "unknown template {:?}; known: {}",
                        template_requested,
                        template::TEMPLATES.join(", ")
                    ),
                ));
            }
        },
    };
    template::check_follow_up(&phases, follow_up).map_err(|e| {
        AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ReviewNeedsEarlierSession,
            e.message(&req.language),
        )
    })?;
    let groups = match &req.groups {
        Some(names) => {
            let names: Vec<String> = names.iter().map(|n| normalize::name(n)).collect();
            Some(groups::check(&names).map_err(|e| {
                AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ErrorCode::InvalidGroups,
                    e.message(&req.language),
                )
            })?)
        }
        None => None,
    };
    Ok(Checked {
        title,
        organisation,
        place,
        template_name,
        phases,
        groups,
    })
}

async fn create(
    app: &AppState,
    req: CreateSession,
    checked: Checked,
    demo: Option<&str>,
) -> Result<SessionCreated, AppError> {
    let Checked {
        title,
        organisation,
        place,
        template_name,
        phases,
        groups,
    } = checked;
    // A follow-up starts from the earlier session's result; only its facilitator may make one.
    let earlier = match &req.follows {
        Some(f) => {
            let (_, workshop) = load_as_facilitator(app, &f.code, &f.secret, "a follow-up").await?;
            Some(workshop)
        }
        None => None,
    };
    let secret = credentials::new_secret();
    let id = credentials::new_session_id();
    for _ in 0..8 {
        let code = credentials::new_join_code();
        let meta = Meta {
            id: id.clone(),
            code: code.clone(),
            title: title.clone(),
            organisation: organisation.clone(),
            language: req.language.clone(),
            template: template_name.clone(),
        };
        let mut new = NewSession::with_agenda(meta, phases.clone());
        new.place = place.clone();
        // The demo's clock starts 160 minutes ago, so its finished phases have plausible times.
        new.demo = demo.map(|language| (language, now_ms().saturating_sub(160 * 60 * 1000)));
        new.follows = earlier.as_ref().map(Workshop::state);
        new.groups = groups.clone();
        let mut workshop = new.create().map_err(AppError::internal)?;
        let group_names = workshop.state().groups.clone();
        let snapshot = Chunk::first(&mut workshop);
        let row = SessionRow {
            id: id.clone(),
            code: code.clone(),
            title: title.clone(),
            organisation: organisation.clone(),
            language: req.language.clone(),
            template: template_name.clone(),
            status: SessionStatus::Open,
            facilitator_hash: credentials::hash_secret(&secret),
        };
        match app.store.create_session(&row, &snapshot).await {
            Ok(()) => {
                tracing::info!(session = %id, code = %code, demo = demo.is_some(), "session created");
                app.group_names.insert(&id, &group_names);
                let base: &str = &app.public_url;
                return Ok(SessionCreated {
                    id,
                    code: code.clone(),
                    facilitator_secret: secret,
                    links: SessionLinks {
                        join: format!("{base}/join/{code}"),
                        facilitator: format!("{base}/facilitator/{code}"),
                        projector: format!("{base}/projector/{code}"),
                        websocket: app.websocket_url.clone(),
                    },
                });
            }
            Err(StoreError::CodeTaken) => continue,
            Err(e) => return Err(AppError::storage(e)),
        }
    }
    Err(AppError::internal("no free join code after 8 tries"))
}

/// The index row of the session with this join code, or a 404.
pub(super) async fn session_row(app: &AppState, code: &str) -> Result<SessionRow, AppError> {
    app.store
        .session_by_code(&credentials::normalise_code(code))
        .await
        .map_err(AppError::storage)?
        .ok_or_else(|| {
            AppError::new(
                StatusCode::NOT_FOUND,
                ErrorCode::SessionNotFound,
                "no session has this join code",
            )
        })
}

/// The token of an `Authorization: Bearer <token>` header, or "".
pub(super) fn bearer(headers: &HeaderMap) -> &str {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("")
}

/// `GET /api/sessions/{code}`: public facts only.
#[utoipa::path(get, path = "/api/sessions/{code}", tag = "sessions",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 200, description = "public facts", body = draagvlak_protocol::api::SessionPublic),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
    ))]
pub async fn lookup_session(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Result<Json<SessionPublic>, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    let groups = app
        .group_names
        .get_or_load(&row.id, || async {
            report::load(&app.store, &row.code)
                .await
                .map(|(_, workshop)| workshop.state().groups.clone())
        })
        .await
        .map_err(AppError::internal)?;
    Ok(Json(SessionPublic {
        code: row.code,
        title: row.title,
        organisation: row.organisation,
        language: row.language,
        template: row.template,
        status: row.status,
        groups: groups.to_vec(),
        logo: app
            .store
            .has_logo(&row.id)
            .await
            .map_err(AppError::storage)?,
    }))
}

/// `GET /api/sessions/{code}/facilitator-qr.svg` with `Authorization: Bearer <secret>`: a QR code
/// of the facilitator link, `{public_url}/facilitator/{code}#key=<secret>`, so a co-facilitator or
/// the beamer PC can open the console (issue 13). The secret stays in the fragment, which browsers
/// never send to a server; the answer is not cached. Rotating the secret makes old links useless.
#[utoipa::path(get, path = "/api/sessions/{code}/facilitator-qr.svg", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 200, description = "a QR code of the facilitator link (not cached)", content_type = "image/svg+xml"),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn facilitator_qr(
    State(app): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let row = session_row(&app, &code).await?;
    let presented = bearer(&headers);
    facilitator_only(&row, presented, "the facilitator link")?;
    let url = format!(
        "{}/facilitator/{}#key={presented}",
        app.public_url, row.code
    );
    Ok(super::web::qr_svg(&url, "no-store"))
}

/// `POST /api/sessions/{code}/facilitator-secret` with `Authorization: Bearer <current secret>`:
/// a new facilitator secret. The old one stops working at once, and facilitator connections
/// made with it are closed.
#[utoipa::path(post, path = "/api/sessions/{code}/facilitator-secret", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 200, description = "the new secret; the old one stops working", body = draagvlak_protocol::api::SecretRotated),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn rotate_secret(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<Json<SecretRotated>, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    facilitator_only(&row, bearer(&headers), "a new facilitator secret")?;
    let secret = credentials::new_secret();
    let hash = credentials::hash_secret(&secret);
    app.store
        .set_facilitator_hash(&row.id, &hash)
        .await
        .map_err(AppError::storage)?;
    if let Some(handle) = app.registry.get(&row.id) {
        let _ = handle.send(Cmd::SetFacilitatorHash { hash }).await;
    }
    tracing::info!(session = %row.id, "facilitator secret rotated");
    Ok(Json(SecretRotated {
        facilitator_secret: secret,
    }))
}

/// `GET /api/sessions/{code}/report/{format}` (see [`report::Format::parse`]: `md`, `csv`,
/// `csv-en`, `csv-nl`, `json`, `html`, `xlsx`, `docx`) with `Authorization: Bearer <facilitator
/// secret>`: the session's report as a download, times in the configured time zone.
#[utoipa::path(get, path = "/api/sessions/{code}/report/{format}", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code"), ("format" = String, Path, description = "md, csv, csv-en, csv-nl, json, html, xlsx or docx")),
    responses(
        (status = 200, description = "the report as a download", content((String = "text/markdown"), (String = "text/csv"), (String = "application/json"), (String = "text/html"), (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (String = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found, or not_found for an unknown format", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn report(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((code, format)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<axum::response::Response, AppError> {
    code_attempt(&app, peer)?;
    let Some(format) = report::Format::parse(&format) else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("report formats: {}", report::FORMATS),
        ));
    };
    let (row, workshop) = load_as_facilitator(&app, &code, bearer(&headers), "the report").await?;
    let mut built = report::build_in(workshop.state(), &app.config.time_zone);
    built.logo = app
        .store
        .logo(&row.id)
        .await
        .map_err(AppError::storage)?
        .map(|l| report::ReportLogo {
            png: l.data,
            width: l.width,
            height: l.height,
        });
    let body = report::render(&built, format).map_err(AppError::internal)?;
    let disposition = format!(
        "attachment; filename=\"draagvlak-{}.{}\"",
        row.code,
        format.extension()
    );
    let mut response = (
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response();
    if format == report::Format::Html {
        // The report page has its own inline styles and no scripts at all.
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            axum::http::HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
            ),
        );
    }
    Ok(response)
}

/// The stored session with this join code, for its facilitator only (the secret as bearer
/// token). `what` names the thing asked for in the error message.
async fn load_as_facilitator(
    app: &AppState,
    code: &str,
    secret: &str,
    what: &str,
) -> Result<(SessionRow, Workshop), AppError> {
    let (row, workshop) = report::load(&app.store, code).await.map_err(|e| match e {
        report::ReportError::NotFound(_) => AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::SessionNotFound,
            "no session has this join code",
        ),
        other => AppError::internal(other),
    })?;
    facilitator_only(&row, secret, what)?;
    Ok((row, workshop))
}

/// The facilitator secret presented for a session, or `bad_credentials` saying what needs it.
pub(super) fn facilitator_only(row: &SessionRow, secret: &str, what: &str) -> Result<(), AppError> {
    if !credentials::verify_secret(secret, &row.facilitator_hash) {
        return Err(AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::BadCredentials,
            format!("{what} is for the facilitator: send `Authorization: Bearer <secret>`"),
        ));
    }
    Ok(())
}

/// `GET /api/sessions/{code}/history/{phase}`: the session as it was at the end of an earlier
/// phase, rebuilt from the Automerge history (facilitator only, read-only).
#[utoipa::path(get, path = "/api/sessions/{code}/history/{phase}", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code"), ("phase" = u32, Path, description = "the phase index")),
    responses(
        (status = 200, description = "the session at the end of that phase", body = draagvlak_protocol::api::HistoryView),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found, or not_found while the phase has not ended", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn history(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((code, phase)): Path<(String, u32)>,
    headers: HeaderMap,
) -> Result<Json<HistoryView>, AppError> {
    code_attempt(&app, peer)?;
    let (_, mut workshop) =
        load_as_facilitator(&app, &code, bearer(&headers), "the history").await?;
    let Some(end) = follow_up::end_of_phase(workshop.state(), phase as usize) else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            format!("phase {phase} has not ended yet, so there is no history of it"),
        ));
    };
    let at = end.at_ms;
    let heads = end.heads_before.clone();
    let then = workshop.hydrate_at(&heads).map_err(AppError::internal)?;
    let view = projection::view(&then, &projection::Presence::new(), Audience::Facilitator);
    Ok(Json(HistoryView { phase, at, view }))
}

/// `DELETE /api/sessions/{code}`: the facilitator deletes a closed session and everything
/// stored with it. Refused while the session is open (close it first) and while it is loaded
/// (people are still connected; it unloads a little after the last one leaves).
#[utoipa::path(delete, path = "/api/sessions/{code}", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 204, description = "the session and all its data are deleted"),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
        (status = 409, description = "invalid_request while open", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn delete_session(
    State(app): State<AppState>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let row = session_row(&app, &code).await?;
    facilitator_only(&row, bearer(&headers), "deleting a session")?;
    if row.status == SessionStatus::Open {
        return Err(AppError::new(
            StatusCode::CONFLICT,
            ErrorCode::InvalidRequest,
            "close the session before deleting it",
        ));
    }
    // A loaded session (the facilitator's own console is connected to it) is deleted by its
    // actor, which closes every connection and stops; an actor that is unloading answers
    // `unavailable`, and then the store is asked directly.
    if let Some(handle) = app.registry.get(&row.id) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        if handle.send(Cmd::Delete(Delete { reply })).await.is_ok() {
            match answer.await {
                Ok(Ok(())) => return Ok(StatusCode::NO_CONTENT),
                Ok(Err(r)) if r.code != ErrorCode::Unavailable => return Err(refused(r)),
                _ => {}
            }
        }
    }
    app.store
        .delete_session(&row.id)
        .await
        .map_err(AppError::storage)?;
    tracing::info!(session = %row.id, "session deleted by its facilitator");
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/sessions/{code}/participants/{participant}/erase` with `Authorization: Bearer
/// <facilitator secret>`: erase one participant's name at their request. The name is replaced
/// by a neutral label (their group and number, "ICT 3") in the document and in its history,
/// which is rewritten (`session/workshop/erase.rs`); their device is forgotten and their resume
/// token deleted, so nothing links the label to them any more. What they wrote and how they voted
/// stays, under the label. Works while people are connected: they get a fresh view.
#[utoipa::path(post, path = "/api/sessions/{code}/participants/{participant}/erase", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code"), ("participant" = String, Path, description = "the participant's id (`p3`)")),
    responses(
        (status = 200, description = "the name is erased; the label that replaced it", body = draagvlak_protocol::api::ParticipantErased),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found, or not_found for an unknown participant", body = draagvlak_protocol::api::ApiError),
        (status = 503, description = "server_full, unavailable or storage_failed: try again later", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn erase_participant(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path((code, participant)): Path<(String, ParticipantId)>,
    headers: HeaderMap,
) -> Result<Json<ParticipantErased>, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    facilitator_only(&row, bearer(&headers), "erasing a name")?;
    let erased = crate::retention::erase(&app, &row.id, Erasure::Participant(participant.clone()))
        .await
        .map_err(refused)?;
    let label = erased.labels.get(&participant).cloned().unwrap_or_default();
    tracing::info!(session = %row.id, "a participant's name was erased by the facilitator");
    Ok(Json(ParticipantErased { participant, label }))
}
