//! The OpenAPI description of the HTTP API, generated from the handlers' `#[utoipa::path]`
//! attributes and the protocol crate's body types, served at `/api/openapi.json`.
//!
//! The WebSocket protocol is not HTTP and is described in PROTOCOL.md; here `/ws` is only the
//! upgrade. `tests/tests/openapi.rs` checks this description against the router: every API
//! route is described, and every described operation is answered by a route.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{agendas, logo, operations, sessions, web};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Draagvlak",
        description = "HTTP API of the Draagvlak workshop server. The workshop itself runs over \
                       the WebSocket at /ws (see PROTOCOL.md). Errors: \
                       {\"error\": {\"code\", \"message\"}} with a stable code."
    ),
    paths(
        sessions::create_session,
        sessions::create_demo,
        agendas::built_in,
        agendas::check,
        sessions::lookup_session,
        sessions::delete_session,
        sessions::erase_participant,
        sessions::rotate_secret,
        sessions::facilitator_qr,
        sessions::report,
        sessions::history,
        logo::put_logo,
        logo::get_logo,
        logo::delete_logo,
        operations::healthz,
        operations::readyz,
        operations::metrics,
        web::qr,
        web::limits_json,
        websocket,
        openapi_json,
    ),
    modifiers(&Bearer),
    tags(
        (name = "sessions", description = "create and find sessions"),
        (name = "agendas", description = "built-in agendas; check an agenda (never counted against session creation)"),
        (name = "facilitator", description = "with the facilitator secret as bearer token"),
        (name = "operations", description = "health, readiness, metrics"),
        (name = "websocket", description = "the workshop protocol (PROTOCOL.md)"),
    )
)]
pub struct ApiDoc;

/// The two bearer tokens: the operator token and a session's facilitator secret.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        for name in ["operator_token", "facilitator_secret"] {
            components.add_security_scheme(
                name,
                SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
            );
        }
    }
}

/// The WebSocket upgrade (documented here so that the route list is complete).
#[utoipa::path(get, path = "/ws", tag = "websocket",
    responses(
        (status = 101, description = "upgraded; JSON text frames as in PROTOCOL.md"),
        (status = 403, description = "origin_not_allowed", body = draagvlak_protocol::api::ApiError),
        (status = 426, description = "upgrade_required: a plain HTTP request", body = draagvlak_protocol::api::ApiError),
        (status = 429, description = "limit_reached: too many connections from this address", body = draagvlak_protocol::api::ApiError),
    ))]
#[allow(dead_code)]
fn websocket() {}

/// `GET /api/openapi.json`: this description.
#[utoipa::path(get, path = "/api/openapi.json", tag = "operations",
    responses((status = 200, description = "the OpenAPI description", content_type = "application/json")))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
