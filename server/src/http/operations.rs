//! Operations: liveness, readiness and the Prometheus metrics.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::ErrorCode;

use super::error::{AppError, not_found};
use super::sessions::operator_allowed;
use super::state::AppState;

/// `GET /healthz`: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "the process is up", body = String, content_type = "text/plain")))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers and the server is not shutting down.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "the database answers and the server is not shutting down", body = String, content_type = "text/plain"),
        (status = 503, description = "shutting_down or storage_failed", body = draagvlak_protocol::api::ApiError),
    ))]
pub async fn readyz(State(app): State<AppState>) -> Result<&'static str, AppError> {
    if app.shutdown.is_cancelled() {
        return Err(AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ShuttingDown,
            "shutting down",
        ));
    }
    app.store.ping().await.map_err(AppError::storage)?;
    Ok("ready")
}

/// `GET /metrics` on the main address: the operator token when one is set; not here at all when
/// `--metrics-listen` moves it to an address of its own.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses(
        (status = 200, description = "Prometheus text format", body = String, content_type = "text/plain; version=0.0.4"),
        (status = 401, description = "the operator token is missing or wrong", body = draagvlak_protocol::api::ApiError),
        (status = 404, description = "served on --metrics-listen instead", body = draagvlak_protocol::api::ApiError),
    ),
    security((), ("operator_token" = [])))]
pub async fn metrics(State(app): State<AppState>, headers: HeaderMap) -> Response {
    if app.config.metrics_listen.is_some() {
        return not_found().await.into_response();
    }
    if !operator_allowed(&app, &headers) {
        return AppError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::Unauthorized,
            "the metrics of this server need the operator token",
        )
        .into_response();
    }
    metrics_unguarded(State(app)).await
}

/// `GET /metrics` on the `--metrics-listen` address (no token: bind it to an internal address).
pub async fn metrics_unguarded(State(app): State<AppState>) -> Response {
    let text = app.metrics.render(app.registry.live());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response()
}
