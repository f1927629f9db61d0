//! Errors of the HTTP API as the client sees them: `{"error": {"code", "message"}}` with a
//! stable code and the right status; the cause of an internal error goes to the log, never to
//! the client. Extractor rejections and the router's fallbacks answer the same way, so no
//! response of this server is an HTML or plain-text error page.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::api::{ApiError, ApiErrorBody};

use crate::session::Refusal;
use crate::store::StoreError;

/// An error answer.
#[derive(Debug)]
pub struct AppError {
    status: StatusCode,
    code: ErrorCode,
    message: String,
    /// Seconds for a `Retry-After` header (with 429 and 503).
    retry_after: Option<u64>,
}

impl AppError {
    pub fn new(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> AppError {
        AppError {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// What the client is told.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Tell the client when to try again (`Retry-After`, whole seconds, at least 1).
    pub fn retry_after(mut self, wait: std::time::Duration) -> AppError {
        self.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        self
    }

    pub(crate) fn internal(cause: impl std::fmt::Display) -> AppError {
        tracing::error!(%cause, "internal error in HTTP handler");
        AppError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::Internal,
            "unexpected server error",
        )
    }

    pub(crate) fn storage(cause: StoreError) -> AppError {
        tracing::error!(cause = %cause, "storage error in HTTP handler");
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::StorageFailed,
            "storage is unavailable; try again later",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let body = ApiError {
            error: ApiErrorBody {
                code: self.code,
                message: self.message,
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        response
    }
}

/// A JSON body extractor whose rejections are [`AppError`]s.
pub struct JsonBody<T>(pub T);

impl<S, T> axum::extract::FromRequest<S> for JsonBody<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(JsonBody(v)),
            Err(rejection) => Err(AppError::new(
                rejection.status(),
                ErrorCode::InvalidRequest,
                rejection.body_text(),
            )),
        }
    }
}

/// A session's refusal as an HTTP error.
pub(crate) fn refused(r: Refusal) -> AppError {
    let status = match r.code {
        ErrorCode::NotFound | ErrorCode::SessionNotFound => StatusCode::NOT_FOUND,
        ErrorCode::InvalidRequest => StatusCode::CONFLICT,
        ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    AppError::new(status, r.code, r.message)
}

/// Any other path.
pub async fn not_found() -> AppError {
    AppError::new(
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
        "no such endpoint",
    )
}

/// A known path with a method it does not take. axum adds the `Allow` header.
pub async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::MethodNotAllowed,
        "this endpoint does not take this HTTP method",
    )
}
