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
    /// Stable machine-readable code, e.g. `unauthorized`, `payload_too_large`.
    pub code: String,
    /// What went wrong and what to do, for a person.
    pub message: String,
}
