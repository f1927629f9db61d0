//! The router: every route of the server, the body limit, the `Host` check and the security
//! headers every response carries. `tests/tests/openapi.rs` reads this file's routes and checks
//! them against the OpenAPI description.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use draagvlak_protocol::ErrorCode;
use tower_http::set_header::SetResponseHeaderLayer;

use super::error::{self, AppError};
use super::state::AppState;
use super::{agendas, logo, openapi, operations, sessions, web};
use crate::ws;

/// Body size limit for the HTTP API (an agenda template may be up to 64 KiB).
const MAX_BODY_BYTES: usize = 96 * 1024;

/// The router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/api/sessions", post(sessions::create_session))
        .route("/api/demo", post(sessions::create_demo))
        .route("/api/agendas", get(agendas::built_in))
        .route(
            "/api/agendas/check",
            post(agendas::check).layer(axum::extract::DefaultBodyLimit::max(
                agendas::MAX_AGENDA_BODY_BYTES,
            )),
        )
        .route("/api/openapi.json", get(openapi::openapi_json))
        .route("/api/limits", get(web::limits_json))
        .route(
            "/api/sessions/{code}",
            get(sessions::lookup_session).delete(sessions::delete_session),
        )
        .route("/healthz", get(operations::healthz))
        .route("/readyz", get(operations::readyz))
        .route("/metrics", get(operations::metrics))
        .route("/api/sessions/{code}/qr.svg", get(web::qr))
        .route(
            "/api/sessions/{code}/history/{phase}",
            get(sessions::history),
        )
        .route(
            "/api/sessions/{code}/report/{format}",
            get(sessions::report),
        )
        .route(
            "/api/sessions/{code}/participants/{participant}/erase",
            post(sessions::erase_participant),
        )
        .route(
            "/api/sessions/{code}/facilitator-secret",
            post(sessions::rotate_secret),
        )
        .route(
            "/api/sessions/{code}/facilitator-qr.svg",
            get(sessions::facilitator_qr),
        )
        .route(
            "/api/sessions/{code}/logo",
            get(logo::get_logo)
                .put(logo::put_logo)
                .delete(logo::delete_logo)
                .layer(axum::extract::DefaultBodyLimit::max(
                    logo::MAX_LOGO_BODY_BYTES,
                )),
        )
        .route("/ws", any(ws::upgrade))
        .route("/", get(web::index))
        .route("/join/{code}", get(web::index))
        .route("/facilitator/{code}", get(web::index))
        .route("/projector/{code}", get(web::index))
        .route("/assets/{*path}", get(web::asset))
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        // Inside the header layers, so that a refusal carries the security headers too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            check_host,
        ))
        .layer(header(header::CONTENT_SECURITY_POLICY, web::CSP))
        .layer(header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header(header::REFERRER_POLICY, "no-referrer"))
        .layer(header(header::X_FRAME_OPTIONS, "DENY"))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Refuse a request whose `Host` is none of this server's names (DNS rebinding: a page on
/// another site whose name now points at this server's address); see [`Names`].
async fn check_host(
    State(app): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{fffd}"))
        .or_else(|| request.uri().authority().map(|a| a.as_str()));
    if !app.names.host_allowed(host) {
        tracing::warn!(?host, "request for a host that is not this server refused");
        return AppError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::HostNotAllowed,
            "this server does not answer to this host name (see --allowed-hosts)",
        )
        .into_response();
    }
    next.run(request).await
}

/// A layer that sets a security header on every response.
fn header(name: header::HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    // A handler may set a header of its own (the HTML report sets its own policy).
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}
