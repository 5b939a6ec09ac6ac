//! One error type for every handler, mapped to a status and the JSON shape
//! `{"error": {"code", "message"}}`. Internal failures are logged, never shown in detail.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firecheck_shared::i18n::{Lang, Msg};
use firecheck_shared::msg;
use firecheck_shared::sync::{ErrorBody, ErrorCode, ErrorDetail};

/// What a handler can fail with. Each variant is one [`ErrorCode`] (and so one status); the
/// message is for a person, says what to do, and is rendered in the request's language
/// (`Accept-Language`, see [`normalize_errors`]). `Internal` carries the details for the log
/// only: the caller gets its code and a fixed message.
#[derive(Debug)]
pub enum AppError {
    BadRequest(Msg),
    Unauthorized(Msg),
    Forbidden(Msg),
    NotFound(Msg),
    MethodNotAllowed,
    Timeout,
    Conflict(Msg),
    PayloadTooLarge(Msg),
    UnsupportedMediaType(Msg),
    Unprocessable(Msg),
    TooManyAttempts(u64),
    Unavailable(Msg),
    PendingUpload(Msg),
    /// The organisation keeps as many uploads no record refers to as it may.
    QuotaExceeded(Msg),
    /// The password is a one-time password: change it before logging in.
    PasswordChangeRequired(Msg),
    AccountDisabled(Msg),
    /// The device pulled from another log than the server's (it was restored from a
    /// backup): `log` is the server's, `shared` how many of the organisation's entries the
    /// two share. Sent with the headers of `shared::sync::LOG_HEADER` and
    /// `LOG_SHARED_HEADER`.
    LogRestored {
        message: Msg,
        log: uuid::Uuid,
        shared: u64,
    },
    /// A fault of the server's. The text is logged, never sent.
    Internal(String),
}

impl std::fmt::Display for AppError {
    /// English, for logs; a caller gets [`AppError::body`] in its language.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for AppError {}

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

    /// What the caller reads, not yet in a language.
    pub fn msg(&self) -> Msg {
        match self {
            AppError::BadRequest(m)
            | AppError::Unauthorized(m)
            | AppError::Forbidden(m)
            | AppError::NotFound(m)
            | AppError::Conflict(m)
            | AppError::PayloadTooLarge(m)
            | AppError::UnsupportedMediaType(m)
            | AppError::Unprocessable(m)
            | AppError::Unavailable(m)
            | AppError::PendingUpload(m)
            | AppError::QuotaExceeded(m)
            | AppError::PasswordChangeRequired(m)
            | AppError::AccountDisabled(m) => m.clone(),
            AppError::LogRestored { message, .. } => message.clone(),
            AppError::MethodNotAllowed => msg!("error-method-not-allowed"),
            AppError::Timeout => msg!("error-timeout"),
            AppError::TooManyAttempts(secs) => msg!("error-too-many-attempts", secs = *secs),
            AppError::Internal(_) => msg!("error-internal"),
        }
    }

    /// The status of [`Self::code`].
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The JSON body, its message in `lang`.
    pub fn body(&self, lang: Lang) -> ErrorBody {
        error_body(self.code(), &self.msg(), lang)
    }

    /// The server's storage failed: the disk's trouble (full, read-only, failing) is
    /// `unavailable`, named by its kind only, with a status clients retry; anything else is
    /// `internal`. The error itself goes to the log either way.
    pub fn storage(e: &crate::store::StoreError) -> Self {
        match e.io_error() {
            Some(io) => {
                tracing::warn!(error = %e, "storage unavailable");
                AppError::Unavailable(msg!(
                    "error-storage-unavailable",
                    trouble = disk_trouble(io)
                ))
            }
            None => AppError::Internal(e.to_string()),
        }
    }
}

fn error_body(code: ErrorCode, msg: &Msg, lang: Lang) -> ErrorBody {
    ErrorBody {
        error: ErrorDetail {
            code,
            message: msg.render(lang),
        },
    }
}

/// What a failed disk operation means, in words that name no path and no internals.
pub fn disk_trouble(e: &std::io::Error) -> Msg {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::StorageFull => msg!("disk-full"),
        ErrorKind::ReadOnlyFilesystem => msg!("disk-read-only"),
        ErrorKind::PermissionDenied => msg!("disk-permission"),
        _ => msg!("disk-failed"),
    }
}

/// The language a request asks for (`Accept-Language`; English when it names neither).
pub fn lang_of(headers: &HeaderMap) -> Lang {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .map(Lang::from_accept_language)
        .unwrap_or(Lang::En)
}

/// An error answer's code and message, kept on the response so [`normalize_errors`] can
/// render the message in the request's language.
#[derive(Clone, Debug)]
struct Localizable(ErrorCode, Msg);

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let mut resp = (self.status(), Json(self.body(Lang::En))).into_response();
        resp.extensions_mut()
            .insert(Localizable(self.code(), self.msg()));
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
        AppError::Unprocessable(e.msg())
    }
}

/// Turn axum's own rejections (bad JSON, wrong content type, body too large, bad query or
/// path) into the one error shape, and every error's message into the request's language.
pub async fn normalize_errors(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let lang = lang_of(req.headers());
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    if let Some(Localizable(code, msg)) = resp.extensions().get::<Localizable>().cloned() {
        if lang == Lang::En {
            return resp;
        }
        let (mut parts, _) = resp.into_parts();
        let body = serde_json::to_vec(&error_body(code, &msg, lang)).unwrap_or_default();
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, axum::body::Body::from(body));
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
    // axum's own words (serde's, mostly) name the exact problem: kept as a detail.
    let detail = text.trim().to_string();
    let err = match parts.status {
        StatusCode::PAYLOAD_TOO_LARGE => {
            AppError::PayloadTooLarge(msg!("error-body-too-large", detail = detail))
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            AppError::UnsupportedMediaType(msg!("error-media-type-detail", detail = detail))
        }
        StatusCode::NOT_FOUND if detail.is_empty() || detail == "Not Found" => {
            AppError::NotFound(msg!("error-no-endpoint"))
        }
        StatusCode::NOT_FOUND => {
            AppError::NotFound(msg!("error-not-found-detail", detail = detail))
        }
        StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        StatusCode::UNPROCESSABLE_ENTITY => {
            AppError::Unprocessable(msg!("error-unreadable-request", detail = detail))
        }
        StatusCode::REQUEST_TIMEOUT => AppError::Timeout,
        s if s.is_server_error() => AppError::Internal(detail),
        _ => AppError::BadRequest(msg!("error-unreadable-request", detail = detail)),
    };
    let (code, msg) = (err.code(), err.msg());
    let mut resp = err.into_response();
    if lang != Lang::En {
        *resp.body_mut() = axum::body::Body::from(
            serde_json::to_vec(&error_body(code, &msg, lang)).unwrap_or_default(),
        );
        resp.headers_mut().remove(header::CONTENT_LENGTH);
    }
    resp
}
