//! The organisation's logo of a session: `PUT /api/sessions/{code}/logo` (the facilitator sends
//! the image as the body), `GET` (anyone with the code: the projector and the join screen show
//! it), `DELETE` (the facilitator).
//!
//! Only PNG is taken, recognised by its bytes (`imagesize`, which reads the header only), never
//! by the name or the `Content-Type` the browser guessed: an SVG could carry script, and a file
//! that only says it is an image is refused. PNG only, because the policy note's writer
//! (`docx-rs`) embeds every picture as PNG, and one format shows the same logo everywhere; a JPEG
//! would need a decoder on the server to convert it (saving it as PNG takes a second anywhere). The size is checked before anything is
//! read into the database ([`MAX_LOGO_BYTES`]), and so are the pixels (16 to
//! [`MAX_LOGO_PIXELS`] each way); a refusal says what is wrong in the session's language. The
//! image is served with the type it was recognised as, under
//! the app's `nosniff` and CSP headers, and not cached, so a new logo shows at once.

use std::net::SocketAddr;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::limits::{MAX_LOGO_BYTES, MAX_LOGO_PIXELS};

use super::error::AppError;
use super::sessions::{bearer, code_attempt, facilitator_only, session_row};
use super::state::AppState;
use crate::store::Logo;

/// The body limit of the upload route: a little over the largest logo, so that a file just too
/// large gets this module's clear answer rather than the framework's.
pub const MAX_LOGO_BODY_BYTES: usize = MAX_LOGO_BYTES + 1024;

/// Smallest logo, in pixels each way.
const MIN_LOGO_PIXELS: usize = 16;

/// Why an upload is not a logo we take.
fn refused(status: StatusCode, message: impl Into<String>) -> AppError {
    AppError::new(status, ErrorCode::InvalidImage, message)
}

/// "a logo is at most 256 KB" and the like, in the session's language.
fn too_large(language: &str, size: Option<usize>) -> String {
    let max = MAX_LOGO_BYTES / 1024;
    match (language, size) {
        ("nl", Some(n)) => format!(
            "Een logo is hoogstens {max} KB; dit is {} KB.",
            n.div_ceil(1024)
        ),
        ("nl", None) => format!("Een logo is hoogstens {max} KB."),
        (_, Some(n)) => format!(
            "a logo is at most {max} KB; this one is {} KB",
            n.div_ceil(1024)
        ),
        (_, None) => format!("a logo is at most {max} KB"),
    }
}

/// Check an uploaded image: its type from its bytes, its size, its pixels. Messages in the
/// session's `language`.
pub fn check(bytes: &[u8], language: &str) -> Result<Logo, AppError> {
    let nl = language == "nl";
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large(language, Some(bytes.len())),
        ));
    }
    if !matches!(imagesize::image_type(bytes), Ok(imagesize::ImageType::Png)) {
        return Err(refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            if nl {
                "Een logo is een PNG-afbeelding; sla het eerst op als PNG."
            } else {
                "a logo is a PNG image; save it as PNG first"
            },
        ));
    }
    let size = imagesize::blob_size(bytes).map_err(|_| {
        refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            if nl {
                "Deze afbeelding is beschadigd: haar afmetingen zijn niet te lezen."
            } else {
                "this image is damaged: its size cannot be read"
            },
        )
    })?;
    let fits = |n: usize| (MIN_LOGO_PIXELS..=MAX_LOGO_PIXELS).contains(&n);
    if !fits(size.width) || !fits(size.height) {
        let (w, h) = (size.width, size.height);
        return Err(refused(
            StatusCode::UNPROCESSABLE_ENTITY,
            if nl {
                format!(
                    "Een logo is {MIN_LOGO_PIXELS} tot {MAX_LOGO_PIXELS} pixels breed en hoog; dit is {w}×{h}."
                )
            } else {
                format!(
                    "a logo is {MIN_LOGO_PIXELS} to {MAX_LOGO_PIXELS} pixels each way; this one is {w}×{h}"
                )
            },
        ));
    }
    Ok(Logo {
        content_type: "image/png".to_string(),
        width: u32::try_from(size.width).unwrap_or(u32::MAX),
        height: u32::try_from(size.height).unwrap_or(u32::MAX),
        data: bytes.to_vec(),
    })
}

/// `PUT /api/sessions/{code}/logo` with `Authorization: Bearer <facilitator secret>` and the
/// image as the body.
#[utoipa::path(put, path = "/api/sessions/{code}/logo", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code")),
    request_body(content = Vec<u8>, content_type = "image/png", description = "a PNG image, at most max_logo_bytes"),
    responses(
        (status = 204, description = "stored; it replaces an earlier logo"),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found", body = draagvlak_protocol::api::ApiError),
        (status = 413, description = "invalid_image: larger than max_logo_bytes", body = draagvlak_protocol::api::ApiError),
        (status = 415, description = "invalid_image: not a PNG image", body = draagvlak_protocol::api::ApiError),
        (status = 422, description = "invalid_image: damaged, or fewer than 16 or more than 4096 pixels each way", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn put_logo(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    facilitator_only(&row, bearer(&headers), "the logo")?;
    let bytes = body.map_err(|_| {
        refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large(&row.language, None),
        )
    })?;
    let logo = check(&bytes, &row.language)?;
    app.store
        .set_logo(&row.id, &logo)
        .await
        .map_err(AppError::storage)?;
    tracing::info!(session = %row.id, bytes = logo.data.len(), "logo stored");
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/sessions/{code}/logo`: the image, or `not_found`.
#[utoipa::path(get, path = "/api/sessions/{code}/logo", tag = "sessions",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 200, description = "the logo (image/png, not cached)"),
        (status = 404, description = "session_not_found, or not_found when the session has no logo", body = draagvlak_protocol::api::ApiError),
    ))]
pub async fn get_logo(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
) -> Result<Response, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    let Some(logo) = app.store.logo(&row.id).await.map_err(AppError::storage)? else {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "this session has no logo",
        ));
    };
    Ok((
        [
            (header::CONTENT_TYPE, logo.content_type),
            (header::CACHE_CONTROL, "no-cache".to_string()),
        ],
        logo.data,
    )
        .into_response())
}

/// `DELETE /api/sessions/{code}/logo` with the facilitator secret.
#[utoipa::path(delete, path = "/api/sessions/{code}/logo", tag = "facilitator",
    params(("code" = String, Path, description = "the session's join code")),
    responses(
        (status = 204, description = "removed"),
        (status = 401, description = "bad_credentials", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "session_not_found, or not_found when the session has no logo", body = draagvlak_protocol::api::ApiError),
    ),
    security(("facilitator_secret" = [])))]
pub async fn delete_logo(
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    code_attempt(&app, peer)?;
    let row = session_row(&app, &code).await?;
    facilitator_only(&row, bearer(&headers), "the logo")?;
    if !app
        .store
        .delete_logo(&row.id)
        .await
        .map_err(AppError::storage)?
    {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
            "this session has no logo",
        ));
    }
    Ok(StatusCode::NO_CONTENT)
}
