//! The HTTP API: create a session, look one up, and derive the WebSocket URL.
//!
//! Only two calls, so plain functions over `reqwest`. Every error body of the API has the shape
//! [`ApiError`]; it becomes [`ClientError::Api`] with the HTTP status, so a caller can branch on
//! the stable code. A body that is not an `ApiError` is reported with its status and first bytes.

use draagvlak_protocol::ErrorCode;
use draagvlak_protocol::api::{
    ApiError, ApiErrorBody, CreateSession, SessionCreated, SessionPublic,
};
use serde::de::DeserializeOwned;

use crate::error::ClientError;

/// `POST {base}/api/sessions`: create a session. The answer holds the facilitator secret, shown
/// only this once.
pub async fn create_session(
    base_url: &str,
    request: &CreateSession,
) -> Result<SessionCreated, ClientError> {
    let url = format!("{}/api/sessions", base(base_url)?);
    let response = reqwest::Client::new()
        .post(url)
        .json(request)
        .send()
        .await?;
    read(response).await
}

/// `GET {base}/api/sessions/{code}`: the public facts of a session (404 `session_not_found`).
pub async fn lookup_session(base_url: &str, code: &str) -> Result<SessionPublic, ClientError> {
    let url = format!("{}/api/sessions/{}", base(base_url)?, encode_segment(code));
    let response = reqwest::Client::new().get(url).send().await?;
    read(response).await
}

/// The WebSocket URL of a server: `http://host:port` becomes `ws://host:port/ws`, `https` becomes
/// `wss`. A `ws://` or `wss://` URL is returned unchanged.
pub fn ws_url(base_url: &str) -> Result<String, ClientError> {
    let trimmed = base_url.trim();
    if trimmed.starts_with("ws://") || trimmed.starts_with("wss://") {
        return Ok(trimmed.to_owned());
    }
    let base = base(trimmed)?;
    let rest = base
        .strip_prefix("http://")
        .map(|r| format!("ws://{r}"))
        .or_else(|| base.strip_prefix("https://").map(|r| format!("wss://{r}")));
    match rest {
        Some(url) => Ok(format!("{url}/ws")),
        None => Err(ClientError::Url {
            url: base_url.to_owned(),
            reason: "expected http://, https://, ws:// or wss://".into(),
        }),
    }
}

/// The base URL without a trailing slash; it must be http or https with a host.
fn base(base_url: &str) -> Result<&str, ClientError> {
    let trimmed = base_url.trim().trim_end_matches('/');
    let host = trimmed
        .strip_prefix("http://")
        .or_else(|| trimmed.strip_prefix("https://"));
    match host {
        Some(h) if !h.is_empty() => Ok(trimmed),
        _ => Err(ClientError::Url {
            url: base_url.to_owned(),
            reason: "expected http://host[:port]".into(),
        }),
    }
}

/// Percent-encode everything but unreserved characters, so any code is one path segment.
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

async fn read<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, ClientError> {
    let status = response.status();
    let body = response.bytes().await?;
    if status.is_success() {
        return serde_json::from_slice(&body).map_err(|e| {
            ClientError::Protocol(format!("unexpected answer (status {status}): {e}"))
        });
    }
    let error = match serde_json::from_slice::<ApiError>(&body) {
        Ok(api) => api.error,
        Err(_) => ApiErrorBody {
            code: ErrorCode::Internal,
            message: format!(
                "status {status} without an error body: {}",
                String::from_utf8_lossy(&body[..body.len().min(200)])
            ),
        },
    };
    Err(ClientError::Api {
        status: status.as_u16(),
        error,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

    use super::*;

    #[test]
    fn ws_url_follows_the_http_base() {
        assert_eq!(
            ws_url("http://127.0.0.1:8080").unwrap(),
            "ws://127.0.0.1:8080/ws"
        );
        assert_eq!(
            ws_url("https://example.org/draagvlak/").unwrap(),
            "wss://example.org/draagvlak/ws"
        );
        assert_eq!(ws_url("ws://h:1/ws").unwrap(), "ws://h:1/ws");
        assert!(ws_url("ftp://x").is_err());
        assert!(ws_url("http://").is_err());
    }

    #[test]
    fn codes_are_one_path_segment() {
        assert_eq!(encode_segment("ABC123"), "ABC123");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
