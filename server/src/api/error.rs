//! One error type for every handler, mapped to a status and the JSON shape
//! `{"error": {"code", "message"}}`. Internal failures are logged, never shown in detail.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firecheck_shared::sync::{ErrorBody, ErrorDetail};

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
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::PendingUpload(_) => StatusCode::NOT_FOUND,
            AppError::QuotaExceeded(_) => StatusCode::INSUFFICIENT_STORAGE,
            AppError::PasswordChangeRequired(_) | AppError::AccountDisabled(_) => {
                StatusCode::FORBIDDEN
            }
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            AppError::BadRequest(_) => "bad_request",
            AppError::Unauthorized(_) => "unauthorized",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Conflict(_) => "conflict",
            AppError::PayloadTooLarge(_) => "payload_too_large",
            AppError::UnsupportedMediaType(_) => "unsupported_media_type",
            AppError::Unprocessable(_) => "invalid",
            AppError::TooManyAttempts(_) => "too_many_attempts",
            AppError::Unavailable(_) => "unavailable",
            AppError::PendingUpload(_) => "pending_upload",
            AppError::QuotaExceeded(_) => "quota_exceeded",
            AppError::PasswordChangeRequired(_) => "password_change_required",
            AppError::AccountDisabled(_) => "account_disabled",
            AppError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code().to_string(),
                message: self.to_string(),
            },
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut resp = (self.status(), Json(self.body())).into_response();
        if let AppError::TooManyAttempts(secs) = self {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        resp
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        match e {
            // A full, read-only or failing disk is the server's trouble, not a bug: say so,
            // with a status that clients retry.
            crate::store::StoreError::Sled(sled::Error::Io(io)) => AppError::Unavailable(format!(
                "the server's storage is not available right now ({io}); retry later"
            )),
            e => AppError::Internal(e.to_string()),
        }
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
        .is_some_and(|v| v.starts_with("application/json"));
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
        StatusCode::METHOD_NOT_ALLOWED => {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                Json(ErrorBody {
                    error: ErrorDetail {
                        code: "method_not_allowed".into(),
                        message: "method not allowed on this endpoint".into(),
                    },
                }),
            )
                .into_response()
        }
        StatusCode::UNPROCESSABLE_ENTITY => AppError::Unprocessable(message),
        StatusCode::REQUEST_TIMEOUT => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                Json(ErrorBody {
                    error: ErrorDetail {
                        code: "timeout".into(),
                        message: "the request took too long".into(),
                    },
                }),
            )
                .into_response()
        }
        s if s.is_server_error() => AppError::Internal(message),
        _ => AppError::BadRequest(message),
    };
    err.into_response()
}
