//! The browser app: static files from `client/web/`, embedded in the binary at compile time
//! (in debug builds read from that folder, so edits show without a rebuild), the QR code of a
//! session's join link, and the security headers every response carries.
//!
//! The app is plain ES modules with no build step. Every page is the same `index.html`; the
//! app's router reads the path (`/join/ABC234`, `/facilitator/ABC234`, `/projector/ABC234`).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::api::Limits;

use crate::credentials;
use crate::http::AppState;
use crate::http::error::AppError;

#[derive(rust_embed::Embed)]
#[folder = "../client/web/"]
struct Assets;

/// The Content-Security-Policy of every response: scripts and styles only from this server,
/// no inline script, no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

fn file(path: &str, cache: &'static str) -> Response {
    match Assets::get(path) {
        Some(content) => {
            let mime = content.metadata.mimetype().to_string();
            (
                [
                    (header::CONTENT_TYPE, mime),
                    (header::CACHE_CONTROL, cache.to_string()),
                ],
                content.data.into_owned(),
            )
                .into_response()
        }
        None => AppError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file")
            .into_response(),
    }
}

/// `/`, `/join/{code}`, `/facilitator/{code}`, `/projector/{code}`: the app's page, with this
/// server's limits in `<meta name="draagvlak-limits">` (the app reads them from there before it
/// draws anything, so it needs no request of its own and repeats no limit as a literal).
pub async fn index(State(app): State<AppState>) -> Response {
    let Some(page) = Assets::get("index.html") else {
        return AppError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file")
            .into_response();
    };
    let page = String::from_utf8_lossy(&page.data);
    let limits = serde_json::to_string(&limits(&app)).unwrap_or_default();
    // Numbers and ASCII keys only; escaped for an attribute all the same.
    let content = limits.replace('&', "&amp;").replace('"', "&quot;");
    let page = page.replacen(
        r#"<meta name="draagvlak-limits" content="">"#,
        &format!(r#"<meta name="draagvlak-limits" content="{content}">"#),
        1,
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        page,
    )
        .into_response()
}

/// This server's limits.
fn limits(app: &AppState) -> Limits {
    Limits::with_text_limit(app.config.limits.max_text_chars)
}

/// `GET /api/limits`: the limits a client needs before it sends anything.
#[utoipa::path(get, path = "/api/limits", tag = "sessions",
    responses((status = 200, description = "this server's limits", body = draagvlak_protocol::api::Limits)))]
pub async fn limits_json(State(app): State<AppState>) -> Json<Limits> {
    Json(limits(&app))
}

/// `/assets/{*path}`: scripts, styles, images.
pub async fn asset(Path(path): Path<String>) -> Response {
    if path.contains("..") {
        return AppError::new(StatusCode::NOT_FOUND, ErrorCode::NotFound, "no such file")
            .into_response();
    }
    file(&format!("assets/{path}"), "no-cache")
}

/// `/api/sessions/{code}/qr.svg`: a QR code of the session's join link.
#[utoipa::path(get, path = "/api/sessions/{code}/qr.svg", tag = "sessions",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 200, description = "a QR code of the join link", content_type = "image/svg+xml"),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
    ))]
pub async fn qr(State(app): State<AppState>, Path(code): Path<String>) -> Response {
    let code = credentials::normalise_code(&code);
    if code.len() != credentials::CODE_LENGTH || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::SessionNotFound,
            "no session has this join code",
        )
        .into_response();
    }
    let url = format!("{}/join/{code}", app.public_url);
    qr_svg(&url, "max-age=3600")
}

/// A QR code of `url` as an SVG response with this `Cache-Control`.
pub(crate) fn qr_svg(url: &str, cache: &'static str) -> Response {
    match qrcode::QrCode::new(url.as_bytes()) {
        Ok(qr) => {
            let svg = qr
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(256, 256)
                .quiet_zone(true)
                .build();
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("image/svg+xml"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
                ],
                svg,
            )
                .into_response()
        }
        Err(e) => AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            format!("cannot draw a QR code: {e}"),
        )
        .into_response(),
    }
}
