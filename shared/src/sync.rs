//! Messages between devices and the server.
//!
//! **Wire types.** Everything here is frozen: fields are never reordered, renamed or removed,
//! and enum variants are only appended. A breaking change bumps [`WIRE_VERSION`], which the
//! bincode frame carries (see [`crate::codec`]); JSON clients use the `/v1/` paths. The golden
//! test in `shared/tests/wire.rs` fails on any accidental layout change.

use serde::{Deserialize, Serialize};

use crate::domain::{Org, User};
use crate::ids::*;
use crate::op::Op;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Version of the bincode framing and the message layouts below.
pub const WIRE_VERSION: u16 = 1;

/// HTTP header of `/v1/sync`: in a request, the id of the server log the device last pulled
/// from (it sends none before its first answer); in every answer, the id of the server's
/// log. A request naming another log than the server's is refused with
/// [`ErrorCode::LogRestored`], so a device never takes sequence numbers of one log for
/// another's.
pub const LOG_HEADER: &str = "firecheck-log";

/// HTTP header of a [`ErrorCode::LogRestored`] answer: how many of the organisation's log
/// entries (sequence numbers 1 to this) the server's log shares with the one the device
/// pulled from.
pub const LOG_SHARED_HEADER: &str = "firecheck-log-shared";

/// One round trip: push the outbox, pull what this device has not seen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncRequest {
    /// The sequence number of the last op pulled (0 for a fresh replica).
    pub cursor: u64,
    /// Ops to push, in outbox (`device_seq`) order. At most `MAX_OPS_PER_SYNC`.
    #[serde(default)]
    pub ops: Vec<Op>,
    /// Most ops to pull in this round trip (0: push only). Capped by the server.
    pub limit: u32,
    /// The device's wall clock when it sent the request (ms since 1970; 0 if unknown), so
    /// the server can tell a device whose clock is far off.
    #[serde(default)]
    pub device_time_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SyncResponse {
    /// One per pushed op, in the order pushed.
    pub acks: Vec<Ack>,
    /// Ops after the request's cursor that this user may see, in sequence order.
    pub ops: Vec<Op>,
    /// Pass this as the next request's cursor.
    pub cursor: u64,
    /// More ops wait after `cursor`: ask again.
    pub has_more: bool,
    /// The server's wall clock when it answered (ms since 1970).
    pub server_time_ms: i64,
    /// Set when this device's clock is far from the server's.
    pub clock_warning: Option<String>,
    /// Evidence hashes referred to by this device's ops that the server does not hold yet.
    pub missing_blobs: Vec<BlobHash>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Ack {
    pub op_id: OpId,
    pub device_seq: u64,
    pub result: AckResult,
}

/// What became of one pushed op. An accepted or duplicate op is durable on the server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum AckResult {
    /// Stored now, at this sequence number.
    Accepted { seq: u64 },
    /// Stored before (a retry, a lost response): this is its sequence number.
    Duplicate { seq: u64 },
    /// Not stored. The op stays on the device, visible, until the user deals with it.
    Rejected { code: RejectCode, reason: String },
}

/// Why an op was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum RejectCode {
    /// The op breaks a validation rule (see the reason).
    Invalid,
    /// The author's role may not make this change.
    Forbidden,
    /// The op's author or device is not the token's.
    WrongIdentity,
    /// This device already stored a different op at this `device_seq` (e.g. a phone restored
    /// from an old backup). Log in again to register the device anew; the op is kept.
    DeviceSeqReused,
    /// The op's timestamp is implausible (far future or long past).
    BadClock,
}

impl AckResult {
    pub fn seq(&self) -> Option<u64> {
        match self {
            AckResult::Accepted { seq } | AckResult::Duplicate { seq } => Some(*seq),
            AckResult::Rejected { .. } => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
    /// The device's id (a UUID it generated once).
    pub device_id: DeviceId,
    /// A name a person recognises, e.g. "张伟's phone".
    pub device_name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefreshRequest {
    pub refresh_token: String,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    /// Short-lived bearer token for `Authorization: Bearer …`.
    pub access_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// Single-use token for `/v1/auth/refresh`; each refresh returns a new one.
    pub refresh_token: String,
    pub user: User,
    pub org: Org,
    pub device_id: DeviceId,
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("refresh_token", &"<redacted>")
            .field("user", &self.user)
            .field("org", &self.org)
            .field("device_id", &self.device_id)
            .finish()
    }
}

/// The one error shape every endpoint answers with: `{"error": {"code", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ErrorDetail {
    /// Stable machine-readable code: what a client matches on (never the HTTP status alone).
    pub code: ErrorCode,
    /// What went wrong and what to do, for a person.
    pub message: String,
}

/// Every error code the server sends, as the snake_case string in
/// `{"error": {"code", …}}`. Clients match on these, not on bare HTTP statuses.
///
/// **Wire type.** Codes are never renamed or removed; new ones are only appended. A code this
/// build does not know (sent by a newer server) reads as `unknown` instead of failing to
/// decode; a client then falls back on the HTTP status (`ErrorCode::from_status`). The
/// server never sends `unknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ErrorCode {
    /// 400: the request is malformed (body, header, query parameter).
    BadRequest,
    /// 401: no token, an expired or forged one, a revoked device, a wrong password: log in.
    Unauthorized,
    /// 403: the caller's role or organisation may not do this.
    Forbidden,
    /// 404: no such thing in the caller's organisation, or no such endpoint.
    NotFound,
    /// 405: the endpoint exists, the method does not.
    MethodNotAllowed,
    /// 408: the request took longer than the server's timeout; retry.
    Timeout,
    /// 409: taken already (a username), or out of step (an upload's offset).
    Conflict,
    /// 413: body, batch or attachment over its limit.
    PayloadTooLarge,
    /// 415: neither bincode nor JSON; an attachment that is not JPEG, PNG, HEIC or PDF.
    UnsupportedMediaType,
    /// 422: well-formed but invalid (a validation rule; bytes that do not hash to their name).
    Invalid,
    /// 429: too many failed logins; wait (`Retry-After`).
    TooManyAttempts,
    /// 503: the server cannot do it now (storage trouble, shutting down, views behind); retry.
    Unavailable,
    /// 404: the attachment is known but its device has not uploaded it yet.
    PendingUpload,
    /// 500: a fault of the server's; the details are in its log, never in the answer.
    Internal,
    /// 507: the organisation keeps as many uploads no record refers to as it may.
    QuotaExceeded,
    /// 403: the password is a one-time password an admin set: change it first
    /// (`POST /v1/auth/password`), then log in.
    PasswordChangeRequired,
    /// 403: the account is disabled; an admin can enable it.
    AccountDisabled,
    /// 409: the server's log is not the one the device pulled from — it was restored from a
    /// backup. The answer's [`LOG_HEADER`] names the server's log and [`LOG_SHARED_HEADER`]
    /// how many of the organisation's entries the two logs share: the device pulls again
    /// from there and sends again its own ops acknowledged after it (see ARCHITECTURE.md,
    /// "Backups and restores"). Nothing of the request was stored.
    LogRestored,
    /// A code this build does not know (from a newer server). Never sent.
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status the server answers with this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::BadRequest => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden
            | ErrorCode::PasswordChangeRequired
            | ErrorCode::AccountDisabled => 403,
            ErrorCode::NotFound | ErrorCode::PendingUpload => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Timeout => 408,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::Invalid => 422,
            ErrorCode::TooManyAttempts => 429,
            ErrorCode::Unavailable => 503,
            ErrorCode::Internal | ErrorCode::Unknown => 500,
            ErrorCode::QuotaExceeded => 507,
            ErrorCode::LogRestored => 409,
        }
    }

    /// The code an answer without one means: an error that is not firecheck's own JSON (from
    /// a proxy in between, say) or a code this build does not know. Gateway errors (502,
    /// 503, 504) read as [`ErrorCode::Unavailable`], so they are retried.
    pub fn from_status(status: u16) -> Self {
        match status {
            400 => ErrorCode::BadRequest,
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            408 => ErrorCode::Timeout,
            409 => ErrorCode::Conflict,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::Invalid,
            429 => ErrorCode::TooManyAttempts,
            507 => ErrorCode::QuotaExceeded,
            502..=504 => ErrorCode::Unavailable,
            500..=599 => ErrorCode::Internal,
            _ => ErrorCode::Unknown,
        }
    }

    /// Worth retrying the same request after a pause.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorCode::Timeout | ErrorCode::TooManyAttempts | ErrorCode::Unavailable
        )
    }

    /// The code as it appears on the wire, e.g. `"payload_too_large"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadRequest => "bad_request",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Conflict => "conflict",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::Invalid => "invalid",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::PendingUpload => "pending_upload",
            ErrorCode::Internal => "internal",
            ErrorCode::QuotaExceeded => "quota_exceeded",
            ErrorCode::PasswordChangeRequired => "password_change_required",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::LogRestored => "log_restored",
            ErrorCode::Unknown => "unknown",
        }
    }

    /// Every code, in wire order (for tests and documentation).
    pub const ALL: [ErrorCode; 19] = [
        ErrorCode::BadRequest,
        ErrorCode::Unauthorized,
        ErrorCode::Forbidden,
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::Timeout,
        ErrorCode::Conflict,
        ErrorCode::PayloadTooLarge,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::Invalid,
        ErrorCode::TooManyAttempts,
        ErrorCode::Unavailable,
        ErrorCode::PendingUpload,
        ErrorCode::Internal,
        ErrorCode::QuotaExceeded,
        ErrorCode::PasswordChangeRequired,
        ErrorCode::AccountDisabled,
        ErrorCode::LogRestored,
        ErrorCode::Unknown,
    ];
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
