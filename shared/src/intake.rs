//! What the city platform (一网统管) sends and reads back: `POST /v1/intake/citizen-reports`
//! and `GET /v1/intake/citizen-reports/{case}`, authenticated by an organisation's intake
//! key. JSON only.
//!
//! **Wire types**, frozen like [`crate::sync`]'s: fields are never renamed or removed, and
//! new ones are optional. The request refuses unknown fields, so a misspelt field is an
//! error the integrator sees at once, not data silently dropped.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::domain::{GeoPoint, HazardStatus, Severity, Timestamp};
use crate::ids::{BlobHash, HazardId, ReportId};
use crate::op::{CitizenCaseRecord, ReporterContact};
use crate::query::ReportStatus;
use crate::validate::ValidationError;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Most photos one delivery carries.
pub const MAX_INTAKE_PHOTOS: usize = 3;
/// Largest photo sent inline (decoded bytes).
pub const MAX_INLINE_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// Largest intake request body: three inline photos in base64 and the text around them.
pub const MAX_INTAKE_BODY_BYTES: usize = 9 * 1024 * 1024;

/// A citizen report as the platform delivers it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CitizenReportIntake {
    /// The platform's case number: unique within the organisation. A repeated delivery of
    /// the same case number is answered with the report it made the first time.
    pub case_number: String,
    /// The platform's channel, e.g. `随手拍`, `12345热线`.
    #[serde(default)]
    pub channel: String,
    /// What the citizen wrote.
    pub text: String,
    pub location: IntakeLocation,
    /// Photos: each by SHA-256 (hex) or inline (base64), at most three.
    #[serde(default)]
    pub photos: Vec<IntakePhoto>,
    /// How to reach the citizen. Shown to the safety office's officers only.
    #[serde(default)]
    pub reporter: Option<ReporterContact>,
    /// When the citizen reported it: RFC 3339 with its offset, e.g. `2026-11-25T09:30:00+08:00`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub reported_at: DateTime<FixedOffset>,
    /// How serious the platform judged it (default `major`).
    #[serde(default)]
    pub severity: Option<Severity>,
}

/// Where the reported problem is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeLocation {
    /// The street, e.g. `斜土路` (what the office's board counts it under).
    pub street: String,
    #[serde(default)]
    pub address: String,
    /// WGS-84 degrees, when the platform has them (both or neither).
    #[serde(default)]
    pub latitude: Option<f64>,
    #[serde(default)]
    pub longitude: Option<f64>,
}

/// One photo of a delivery: `{"sha256": "…"}` for a photo the organisation already holds
/// (or uploads later), or `{"base64": "…"}` with the bytes (JPEG, PNG, HEIC or PDF, at most
/// 2 MiB decoded).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakePhoto {
    #[serde(default)]
    pub sha256: Option<BlobHash>,
    #[serde(default)]
    pub base64: Option<String>,
}

impl IntakeLocation {
    /// The point in millionths of a degree; an error for one coordinate alone or one out of
    /// range.
    pub fn point(&self) -> Result<Option<GeoPoint>, ValidationError> {
        match (self.latitude, self.longitude) {
            (None, None) => Ok(None),
            (Some(lat), Some(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                Ok(Some(GeoPoint {
                    lat_e6: (lat * 1e6).round() as i32,
                    lon_e6: (lon * 1e6).round() as i32,
                }))
            }
            (Some(_), Some(_)) => Err(ValidationError::Invalid(crate::msg!("invalid-coordinates"))),
            _ => Err(ValidationError::Invalid(crate::msg!(
                "invalid-coordinates-half"
            ))),
        }
    }
}

impl CitizenReportIntake {
    /// The op body this delivery becomes, with the photos' hashes (already checked and, when
    /// inline, stored by the caller).
    pub fn record(&self, evidence: Vec<BlobHash>) -> Result<CitizenCaseRecord, ValidationError> {
        if self.case_number.trim().is_empty() {
            return Err(ValidationError::Empty {
                field: "case_number",
            });
        }
        Ok(CitizenCaseRecord {
            case_number: self.case_number.trim().to_string(),
            channel: self.channel.trim().to_string(),
            street: self.location.street.trim().to_string(),
            address: self.location.address.trim().to_string(),
            location: self.location.point()?,
            description: self.text.clone(),
            evidence,
            reported_at: Timestamp(self.reported_at.timestamp_millis()),
            severity: self.severity.unwrap_or(Severity::Major),
            contact: self
                .reporter
                .clone()
                .filter(|c| !(c.name.trim().is_empty() && c.phone.trim().is_empty())),
        })
    }
}

/// The answer to a delivery: 201 the first time, 200 with `created: false` for a repeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeReceipt {
    pub case_number: String,
    /// The office's id of the report (the same for every delivery of the case).
    pub report: ReportId,
    /// The hazard the report opened.
    pub hazard: HazardId,
    /// Whether this delivery made the report (false: it was there already).
    pub created: bool,
    /// Photos named by hash that the organisation does not hold yet.
    pub missing_photos: Vec<BlobHash>,
}

/// The office's reply to the citizen, for the platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IntakeReply {
    pub text: String,
    /// When the office replied: RFC 3339, Shanghai time.
    pub replied_at: String,
}

/// `GET /v1/intake/citizen-reports/{case}`: where the case stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CaseStatus {
    pub case_number: String,
    pub report: ReportId,
    /// `received`, `in_progress` or `resolved`.
    pub status: ReportStatus,
    /// The hazard that follows the problem (another one when the office linked the report
    /// to a problem it already tracked), and its status.
    pub hazard: HazardId,
    pub hazard_status: HazardStatus,
    /// Whether the office found it to be a problem it already tracked.
    pub linked: bool,
    /// The unit it is dispatched to, and by when (YYYY-MM-DD).
    pub assignee: Option<String>,
    pub deadline: Option<chrono::NaiveDate>,
    /// The reply to the citizen (反馈), once the office has given one.
    pub reply: Option<IntakeReply>,
}

/// A time as the platform reads it: RFC 3339 in Shanghai time.
pub fn rfc3339(t: Timestamp) -> String {
    t.local().to_rfc3339()
}
