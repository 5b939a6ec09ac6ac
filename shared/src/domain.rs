//! Domain types: who, where, what gets inspected, and the records the fold derives.
//!
//! Records here are *derived state* (what a replica shows); what travels is [`crate::op`].
//! Text is UTF-8 throughout; street and venue names are usually Chinese.
//!
//! One file of about 750 lines on purpose: every type is short, and the whole domain — who,
//! where, what is checked, what the fold derives — reads best in one place.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::hlc::Hlc;
use crate::ids::*;
use crate::validate::ValidationError;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Milliseconds since the Unix epoch.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Timestamp(pub i64);

/// Shanghai local time (UTC+8, no daylight saving): how dates and deadlines are read.
pub fn local_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

impl Timestamp {
    pub fn now() -> Self {
        Self(Utc::now().timestamp_millis())
    }

    pub fn local(&self) -> DateTime<FixedOffset> {
        local_offset()
            .timestamp_millis_opt(self.0)
            .single()
            // A stamp out of chrono's range (any i64 may arrive in an op) reads as the epoch.
            .unwrap_or_else(|| DateTime::<Utc>::UNIX_EPOCH.with_timezone(&local_offset()))
    }

    /// The calendar day in Shanghai.
    pub fn local_date(&self) -> NaiveDate {
        self.local().date_naive()
    }

    /// The first moment of a Shanghai calendar day.
    pub fn start_of(day: NaiveDate) -> Self {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        Self(midnight.and_utc().timestamp_millis() - 8 * 3600 * 1000)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.local().format("%Y-%m-%d %H:%M"))
    }
}

impl From<Hlc> for Timestamp {
    fn from(h: Hlc) -> Self {
        Self(h.wall_ms.min(i64::MAX as u64) as i64)
    }
}

/// What a person may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Role {
    /// 巡查员: records checks, venues, drills, reports fixes.
    Inspector,
    /// 社区平安办: dispatches, verifies, closes, reopens; defines campaigns and templates.
    Officer,
    /// Accounts and devices.
    Admin,
}

impl Role {
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::Officer => "officer",
            Role::Admin => "admin",
        }
    }
}

impl Role {
    /// "an inspector", "an officer", "an admin": for sentences such as "an inspector may not …".
    pub fn with_article(&self) -> &'static str {
        match self {
            Role::Inspector => "an inspector",
            Role::Officer => "an officer",
            Role::Admin => "an admin",
        }
    }
}

impl FromStr for Role {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "inspector" => Ok(Role::Inspector),
            "officer" => Ok(Role::Officer),
            "admin" => Ok(Role::Admin),
            other => Err(ValidationError::UnknownValue {
                what: "role",
                value: crate::validate::clip(other),
                expected: "inspector, officer, admin",
            }),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Org {
    pub id: OrgId,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct User {
    pub id: UserId,
    pub org: OrgId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// What kind of premises a venue is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum VenueKind {
    /// 沿街门面商铺
    StreetShop,
    /// 电动自行车销售维修点
    EbikePoint,
    /// “三合一”场所: living, business and storage in one space.
    ThreeInOne,
    /// 地铁站
    MetroStation,
    /// 居民小区
    Residential,
    /// 办公楼
    OfficeTower,
    #[default]
    Other,
}

impl VenueKind {
    pub const ALL: [VenueKind; 7] = [
        VenueKind::StreetShop,
        VenueKind::EbikePoint,
        VenueKind::ThreeInOne,
        VenueKind::MetroStation,
        VenueKind::Residential,
        VenueKind::OfficeTower,
        VenueKind::Other,
    ];

    /// The code used on the command line and in JSON.
    pub fn code(&self) -> &'static str {
        match self {
            VenueKind::StreetShop => "street-shop",
            VenueKind::EbikePoint => "ebike-point",
            VenueKind::ThreeInOne => "three-in-one",
            VenueKind::MetroStation => "metro-station",
            VenueKind::Residential => "residential",
            VenueKind::OfficeTower => "office-tower",
            VenueKind::Other => "other",
        }
    }

    /// The name inspectors use.
    pub fn label(&self) -> &'static str {
        match self {
            VenueKind::StreetShop => "沿街商铺",
            VenueKind::EbikePoint => "电动车销售维修点",
            VenueKind::ThreeInOne => "三合一场所",
            VenueKind::MetroStation => "地铁站",
            VenueKind::Residential => "居民小区",
            VenueKind::OfficeTower => "办公楼",
            VenueKind::Other => "其他",
        }
    }
}

impl FromStr for VenueKind {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        VenueKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s)
            .ok_or_else(|| ValidationError::UnknownValue {
                what: "venue kind",
                value: crate::validate::clip(s),
                expected: "street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other",
            })
    }
}

impl fmt::Display for VenueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A WGS-84 point in millionths of a degree (integers, so states compare exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct GeoPoint {
    pub lat_e6: i32,
    pub lon_e6: i32,
}

/// Whether premises are still there to inspect.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum VenueStatus {
    /// Trading (or lived in) at its address.
    #[default]
    Active,
    /// Shut down (关停): no longer a campaign target; its open hazards stay on the lists.
    Closed,
    /// The business left this address (搬迁): no longer a target here.
    Moved,
}

impl VenueStatus {
    pub fn label(&self) -> &'static str {
        match self {
            VenueStatus::Active => "active",
            VenueStatus::Closed => "closed",
            VenueStatus::Moved => "moved",
        }
    }
}

impl fmt::Display for VenueStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A venue as the fold shows it: each field is the last write to it, by (HLC, op id).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Venue {
    pub id: VenueId,
    pub name: String,
    pub kind: VenueKind,
    pub address: String,
    pub street: String,
    pub location: Option<GeoPoint>,
    /// Who first recorded it, and when.
    pub created_by: UserId,
    pub created: Hlc,
    /// The newest write to any field.
    pub updated: Hlc,
    /// Active, closed or moved: the last status change (by HLC, op id).
    pub status: VenueStatus,
    /// Why its status last changed ("已关停", "搬至斜土路 1101号").
    pub status_reason: String,
}

/// How bad a failed checklist item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Severity {
    Critical,
    Major,
    Minor,
}

impl Severity {
    pub fn label(&self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Major => "major",
            Severity::Minor => "minor",
        }
    }
}

impl FromStr for Severity {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "critical" => Ok(Severity::Critical),
            "major" => Ok(Severity::Major),
            "minor" => Ok(Severity::Minor),
            other => Err(ValidationError::UnknownValue {
                what: "severity",
                value: crate::validate::clip(other),
                expected: "critical, major, minor",
            }),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChecklistItem {
    /// Stable code, e.g. `3IN1-01`. Hazards are keyed by it.
    pub code: String,
    pub text: String,
    pub severity: Severity,
}

/// One version of a checklist template.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ChecklistTemplate {
    pub id: TemplateId,
    /// Short code used on the command line, e.g. `three-in-one`.
    pub code: String,
    pub name: String,
    pub version: u32,
    /// Venue kinds the template is meant for.
    pub kinds: Vec<VenueKind>,
    pub items: Vec<ChecklistItem>,
}

impl ChecklistTemplate {
    pub fn item(&self, code: &str) -> Option<&ChecklistItem> {
        self.items.iter().find(|i| i.code == code)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
}

/// The result for one checklist item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ItemResult {
    pub code: String,
    pub outcome: Outcome,
    /// Copied from the template when the inspection is made, so the hazard it opens carries
    /// its severity without the fold reaching into another partition.
    pub severity: Severity,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
}

/// A correction to an immutable record: who, when, why, and what it changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Amendment {
    pub op: OpId,
    pub author: UserId,
    pub hlc: Hlc,
    pub reason: String,
    /// The checklist items it changed, each with the outcome it had before (an inspection's
    /// amendments; empty for a drill's), so the original stays readable beside the correction.
    pub changes: Vec<ItemChange>,
}

/// One checklist item an amendment changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ItemChange {
    pub code: String,
    /// The outcome and note before (none: the item was not in the inspection).
    pub from: Option<Outcome>,
    pub from_note: String,
    pub to: Outcome,
    pub to_note: String,
}

/// An inspection as recorded, with later amendments applied on top.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Inspection {
    pub id: InspectionId,
    pub venue: VenueId,
    pub template: TemplateId,
    pub template_version: u32,
    pub inspector: UserId,
    pub device: DeviceId,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub items: Vec<ItemResult>,
    pub note: String,
    pub campaign: Option<CampaignId>,
    pub hlc: Hlc,
    pub amendments: Vec<Amendment>,
}

impl Inspection {
    pub fn failed(&self) -> impl Iterator<Item = &ItemResult> {
        self.items.iter().filter(|i| i.outcome == Outcome::Fail)
    }
}

/// Where a hazard stands in its lifecycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum HazardStatus {
    /// 发现: found, not yet dispatched.
    Open,
    /// 交办: dispatched to a responsible unit with a deadline.
    Dispatched,
    /// 整改完成待复查: reported fixed, awaiting re-inspection.
    ReportedFixed,
    /// 复查销项: a re-inspection verified the fix.
    Verified,
    /// Closed by the office with a written reason.
    Closed,
    /// Found again after it was fixed, verified or closed.
    Reopened,
}

impl HazardStatus {
    /// Still needs work (everything but verified and closed).
    pub fn is_active(&self) -> bool {
        !matches!(self, HazardStatus::Verified | HazardStatus::Closed)
    }

    pub fn label(&self) -> &'static str {
        match self {
            HazardStatus::Open => "open",
            HazardStatus::Dispatched => "dispatched",
            HazardStatus::ReportedFixed => "reported-fixed",
            HazardStatus::Verified => "verified",
            HazardStatus::Closed => "closed",
            HazardStatus::Reopened => "reopened",
        }
    }
}

impl FromStr for HazardStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "open" => HazardStatus::Open,
            "dispatched" => HazardStatus::Dispatched,
            "reported-fixed" | "reported_fixed" => HazardStatus::ReportedFixed,
            "verified" => HazardStatus::Verified,
            "closed" => HazardStatus::Closed,
            "reopened" => HazardStatus::Reopened,
            other => {
                return Err(ValidationError::UnknownValue {
                    what: "hazard status",
                    value: crate::validate::clip(other),
                    expected: "open, dispatched, reported-fixed, verified, closed, reopened",
                })
            }
        })
    }
}

impl fmt::Display for HazardStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Where a hazard came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum HazardSource {
    Inspection(InspectionId),
    CitizenReport(ReportId),
    /// A "must improve" point of a drill.
    DrillFinding(DrillId),
    /// A problem residents raised at a visit (走访).
    Visit(VisitId),
}

/// What happened to a hazard at one point of its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum HazardAction {
    /// Opened by a failed checklist item or a citizen report.
    Found {
        note: String,
    },
    /// The same open problem found again (another inspector, another inspection).
    FoundAgain {
        inspection: InspectionId,
        note: String,
    },
    /// A re-inspection passed the item.
    PassedReinspection {
        inspection: InspectionId,
    },
    Dispatched {
        unit: String,
        due: NaiveDate,
        note: String,
    },
    ReportedFixed {
        note: String,
        evidence: Vec<BlobHash>,
    },
    Verified {
        note: String,
    },
    Reopened {
        reason: String,
    },
    Closed {
        reason: String,
    },
    Commented {
        text: String,
    },
    /// The office's reply to the citizen (反馈), read back by the city platform.
    Replied {
        text: String,
    },
    /// The citizen report that opened this hazard is about a problem another hazard tracks:
    /// closed here, followed there.
    Linked {
        hazard: HazardId,
    },
    /// The failed item that opened it was corrected by an amendment of its inspection.
    FindingCorrected {
        inspection: InspectionId,
        reason: String,
    },
}

/// The office's reply to a citizen (反馈): what it said, when, who.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CitizenReply {
    pub text: String,
    pub at: Timestamp,
    pub by: UserId,
}

/// Whether an action took effect where it stands in (HLC, op id) order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EventOutcome {
    Applied,
    /// Not allowed at its place in the order: kept, visible, and explained.
    Conflict {
        note: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HazardEvent {
    pub op: OpId,
    pub hlc: Hlc,
    pub author: UserId,
    pub device: DeviceId,
    pub action: HazardAction,
    pub outcome: EventOutcome,
    /// Status after this event.
    pub status: HazardStatus,
}

/// A hazard as its partition's state keeps it: its current facts, never its history. The
/// history (every event, conflicts included) is kept apart and read page by page, so a
/// hazard found again ten thousand times is as small as one found once. Derived from its
/// ops, never stored as such on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Hazard {
    pub id: HazardId,
    pub venue: Option<VenueId>,
    /// Checklist item code, for hazards found by inspection.
    pub item: Option<String>,
    pub severity: Severity,
    pub source: HazardSource,
    pub status: HazardStatus,
    /// The unit it is dispatched to (e.g. 城管斜土中队).
    pub assignee: Option<String>,
    pub deadline: Option<NaiveDate>,
    pub found_at: Timestamp,
    pub found_by: UserId,
    /// What the finder wrote.
    pub description: String,
    /// How many other findings of the same problem were folded into this one (their ids
    /// find it).
    pub merged_findings: u32,
    /// Events in its history.
    pub events: u32,
    /// Events of its history that are conflicts.
    pub conflicts: u32,
    /// When its last event happened.
    pub updated: Hlc,
    /// When the re-inspection verified the fix, while it stays verified.
    pub verified_at: Option<Timestamp>,
    /// The reason given with the office's last close.
    pub closed_reason: Option<String>,
    /// For a hazard an inspection found: when that inspection finished and the campaign it
    /// named — what campaign coverage counts it by.
    pub inspection_finished: Option<Timestamp>,
    pub inspection_campaign: Option<CampaignId>,
    /// The last reply to the citizen(s) who reported it (反馈); every report linked to it
    /// reads this one.
    pub reply: Option<CitizenReply>,
}

impl Hazard {
    /// Past its deadline and still needing work, as seen on `today` (Shanghai date).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_active() && self.deadline.is_some_and(|d| d < today)
    }
}

/// An emergency drill record, with amendments applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Drill {
    pub id: DrillId,
    pub venue: Option<VenueId>,
    pub held_at: Timestamp,
    pub place: String,
    pub organiser: String,
    pub units: Vec<String>,
    pub scenario: String,
    pub participants: u32,
    pub evacuation_secs: u32,
    pub went_well: String,
    pub to_improve: String,
    pub evidence: Vec<BlobHash>,
    pub recorded_by: UserId,
    pub hlc: Hlc,
    pub amendments: Vec<Amendment>,
    /// Its "must improve" points recorded as tracked items (hazards of this partition), in
    /// the order recorded.
    pub findings: Vec<HazardId>,
}

/// An inspection campaign: a period, target premises (by street and kind), a goal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Campaign {
    pub id: CampaignId,
    pub name: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub streets: Vec<String>,
    pub kinds: Vec<VenueKind>,
    pub goal: String,
    pub updated: Hlc,
}

impl Campaign {
    /// Whether a venue is one of the campaign's targets (empty lists match everything); a
    /// closed or moved venue is no one's target.
    pub fn targets(&self, venue: &Venue) -> bool {
        venue.status == VenueStatus::Active
            && (self.streets.is_empty() || self.streets.iter().any(|s| s == &venue.street))
            && (self.kinds.is_empty() || self.kinds.contains(&venue.kind))
    }
}

/// A report from the city's unified management platform (一网统管).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CitizenReport {
    pub id: ReportId,
    pub venue: Option<VenueId>,
    pub street: String,
    pub address: String,
    pub description: String,
    pub evidence: Vec<BlobHash>,
    pub reported_at: Timestamp,
    pub channel: String,
    pub hazard: HazardId,
    pub recorded_by: UserId,
    /// The platform's case number (none for reports made before case numbers were kept,
    /// and for a report taken by phone with none).
    pub case_number: Option<String>,
    pub location: Option<GeoPoint>,
    /// The hazard that follows the problem when an officer linked the report to one the
    /// office already tracked (its own hazard is closed then): its status and reply are the
    /// report's.
    pub linked_to: Option<LinkedHazard>,
}

/// Where a linked citizen report's problem is followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LinkedHazard {
    pub hazard: HazardId,
    /// The partition it lives in (its venue's, a report's, a drill's, an area's).
    pub partition: crate::op::Partition,
}

/// A resident visit (走访): who went where, whom they met, what they explained, and the
/// problems residents raised (each a hazard of the visit's partition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Visit {
    pub id: VisitId,
    /// The residential area's name (the venue's name when it is a venue).
    pub area: String,
    pub venue: Option<VenueId>,
    pub visited_on: NaiveDate,
    /// Team members (subdistrict leaders, a councillor, a lawyer, liaison staff).
    pub team: Vec<String>,
    /// Partner units that came along (城管斜土中队, 斜土路派出所 …).
    pub units: Vec<String>,
    pub residents_met: u32,
    /// Topics explained to the residents.
    pub topics: Vec<String>,
    pub note: String,
    /// The problems raised (hazards of this partition), in the order listed.
    pub problems: Vec<HazardId>,
    pub recorded_by: UserId,
    pub hlc: Hlc,
}
