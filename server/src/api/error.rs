//! One error type for every handler, mapped to a status and the JSON shape
//! `{"error": {"code", "message"}}`. Internal failures are logged, never shown in detail.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firecheck_shared::sync::{ErrorBody, ErrorCode, ErrorDetail};

/// What a handler can fail with. Each variant is one [`ErrorCode`] (and so one status); the
/// message is for a person and says what to do. `Internal` carries the details for the log
/// only: the caller gets its code and a fixed message.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("method not allowed on this endpoint")]
    MethodNotAllowed,
    #[error("the request took too long")]
    Timeout,
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("too many failed logins; try again in {0} s")]
    TooManyAttempts(u64),
    #[error("{0}")]
    Unavailable(String),
    #[error("{0}")]
    PendingUpload(String),
    /// The organisation keeps as many uploads no record refers to as it may.
    #[error("{0}")]
    QuotaExceeded(String),
    /// The password is a one-time password: change it before logging in.
    #[error("{0}")]
    PasswordChangeRequired(String),
    #[error("{0}")]
    AccountDisabled(String),
    /// The device pulled from another log than the server's (it was restored from a
    /// backup): `log` is the server's, `shared` how many of the organisation's entries the
    /// two share. Sent with the headers of `shared::sync::LOG_HEADER` and
    /// `LOG_SHARED_HEADER`.
    #[error("{message}")]
    LogRestored {
        message: String,
        log: uuid::Uuid,
        shared: u64,
    },
    /// A fault of the server's. The text is logged, never sent.
    #[error("internal error; the server logged what happened — retry, and tell the server's operator if it keeps happening")]
    Internal(String),
}

impl AppError {
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::Unauthorized(_) => ErrorCode::Unauthorized,
            AppError::Forbidden(_) => ErrorCode::Forbidden,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            AppError::Timeout => ErrorCode::Timeout,
            AppError::Conflict(_) => ErrorCode::Conflict,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            AppError::Unprocessable(_) => ErrorCode::Invalid,
            AppError::TooManyAttempts(_) => ErrorCode::TooManyAttempts,
            AppError::Unavailable(_) => ErrorCode::Unavailable,
            AppError::PendingUpload(_) => ErrorCode::PendingUpload,
            AppError::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            AppError::PasswordChangeRequired(_) => ErrorCode::PasswordChangeRequired,
            AppError::AccountDisabled(_) => ErrorCode::AccountDisabled,
            AppError::LogRestored { .. } => ErrorCode::LogRestored,
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }

    /// The status of [`Self::code`].
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message: self.to_string(),
            },
        }
    }

    /// The server's storage failed: the disk's trouble (full, read-only, failing) is
    /// `unavailable`, named by its kind only, with a status clients retry; anything else is
    /// `internal`. The error itself goes to the log either way.
    pub fn storage(e: &crate::store::StoreError) -> Self {
        match e.io_error() {
            Some(io) => {
                tracing::warn!(error = %e, "storage unavailable");
                AppError::Unavailable(format!(
                    "the server's storage is not available right now ({}); retry later",
                    disk_trouble(io)
                ))
            }
            None => AppError::Internal(e.to_string()),
        }
    }
}

/// What a failed disk operation means, in words that name no path and no internals.
pub fn disk_trouble(e: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull => "No space left on the server's disk",
        ErrorKind::ReadOnlyFilesystem => "the server's disk is read-only",
        ErrorKind::PermissionDenied => "the server may not write its data dir",
        _ => "the server's disk failed",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut resp = (self.status(), Json(self.body())).into_response();
        match self {
            AppError::TooManyAttempts(secs) => {
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            AppError::LogRestored { log, shared, .. } => {
                use firecheck_shared::sync::{LOG_HEADER, LOG_SHARED_HEADER};
                let headers = resp.headers_mut();
                for (name, value) in [
                    (LOG_HEADER, log.to_string()),
                    (LOG_SHARED_HEADER, shared.to_string()),
                ] {
                    if let Ok(v) = HeaderValue::from_str(&value) {
                        headers.insert(name, v);
                    }
                }
            }
            _ => {}
        }
        resp
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        AppError::storage(&e)
    }
}

impl From<crate::store::AccountError> for AppError {
    fn from(e: crate::store::AccountError) -> Self {
        match e {
            crate::store::AccountError::NotFound(m) => AppError::NotFound(m),
            crate::store::AccountError::Conflict(m) => AppError::Conflict(m),
            crate::store::AccountError::Store(e) => e.into(),
        }
    }
}

impl From<firecheck_shared::validate::ValidationError> for AppError {
    fn from(e: firecheck_shared::validate::ValidationError) -> Self {
        AppError::Unprocessable(e.to_string())
    }
}

/// Turn axum's own rejections (bad JSON, wrong content type, body too large, bad query or
/// path) into the one error shape.
pub async fn normalize_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The console's error pages are HTML for a person, and stay so.
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let message = if text.trim().is_empty() {
        parts
            .status
            .canonical_reason()
            .unwrap_or("error")
            .to_string()
    } else {
        text.trim().to_string()
    };
    let err = match parts.status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge(format!("request body too large: {message}"))
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(message),
        StatusCode::NOT_FOUND => AppError::NotFound(if message == "Not Found" {
            "no such endpoint".into()
        } else {
            message
        }),
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Unprocessable(message),
        StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
        s if s.is_server_error() => AppError::Internal(message),
        _ => AppError::BadRequest(message),
    };
    err.into_response()
}
