//! Operations: the only thing that changes state, and the only thing that travels.
//!
//! **Wire type.** `Op` and everything in it is frozen: fields are never reordered, renamed or
//! removed, and enum variants are only ever appended (bincode encodes a variant by its index).
//! A change is a new [`crate::sync::WIRE_VERSION`]. `shared/tests/wire.rs` (golden files in `shared/tests/golden/`) guards the layout.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::hlc::Hlc;
use crate::ids::*;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// One change, stamped by the device that made it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Op {
    /// UUID v7 minted on the device.
    pub op_id: OpId,
    /// The device that made the op; must be the device the pushing token was issued to.
    pub device: DeviceId,
    /// The op's position in its device's outbox: starts at 1, increases by one per op.
    /// The server detects replays from it, and refuses a position reused by another op.
    pub device_seq: u64,
    /// What the op is about, including the partition it folds in.
    pub entity: EntityRef,
    pub hlc: Hlc,
    /// Who made it; must be the user the pushing token was issued to.
    pub author: UserId,
    pub body: OpBody,
}

impl Op {
    /// The op's place in the merge order and its identity in an op set.
    pub fn key(&self) -> OpKey {
        OpKey {
            hlc: self.hlc,
            op_id: self.op_id,
            device: self.device,
            device_seq: self.device_seq,
        }
    }

    pub fn partition(&self) -> Partition {
        self.entity.partition()
    }

    /// The op as a device whose user is not an officer receives it: a citizen report without
    /// the reporter's contact (the fold never reads it, so every replica's state is the same
    /// whoever pulled the op).
    pub fn without_contact(mut self) -> Self {
        if let OpBody::CitizenCaseReported(r) = &mut self.body {
            r.contact = None;
        }
        self
    }

    /// Every attachment the op refers to (photos, signed notices), by hash.
    pub fn evidence(&self) -> Vec<BlobHash> {
        let mut out: Vec<BlobHash> = match &self.body {
            OpBody::InspectionSubmitted(r) => r
                .items
                .iter()
                .flat_map(|i| i.evidence.iter().copied())
                .collect(),
            OpBody::InspectionAmended(a) => a
                .items
                .iter()
                .flat_map(|i| i.evidence.iter().copied())
                .collect(),
            OpBody::HazardReportedFixed { evidence, .. } => evidence.clone(),
            OpBody::DrillRecorded(d) => d.evidence.clone(),
            OpBody::CitizenReported(r) => r.evidence.clone(),
            OpBody::CitizenCaseReported(r) => r.evidence.clone(),
            OpBody::DrillFindingRecorded(f) => f.evidence.clone(),
            OpBody::VisitRecorded(v) => v
                .problems
                .iter()
                .flat_map(|p| p.evidence.iter().copied())
                .collect(),
            _ => Vec::new(),
        };
        out.sort();
        out.dedup();
        out
    }
}

/// Merge order: (HLC, op id), then the device position as a last tie-break, so the order
/// is total even for ops that (wrongly) share an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct OpKey {
    pub hlc: Hlc,
    pub op_id: OpId,
    pub device: DeviceId,
    pub device_seq: u64,
}

/// The unit of folding. Ops in one partition are folded together in [`OpKey`] order; ops in
/// different partitions never affect each other, so a late op re-folds only its partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Partition {
    /// A venue with its inspections, hazards, and the drills and reports placed there.
    Venue(VenueId),
    /// A drill held at no recorded venue.
    Drill(DrillId),
    /// A citizen report about no recorded venue.
    Report(ReportId),
    Campaign(CampaignId),
    Template(TemplateId),
    /// A residential area visited by name, with no venue: its visits and their problems.
    Area(AreaId),
}

/// `venue 0193a000-…`, `drill …`: for logs and the admin's stats.
impl std::fmt::Display for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Partition::Venue(id) => write!(f, "venue {id}"),
            Partition::Drill(id) => write!(f, "drill {id}"),
            Partition::Report(id) => write!(f, "citizen report {id}"),
            Partition::Campaign(id) => write!(f, "campaign {id}"),
            Partition::Template(id) => write!(f, "template {id}"),
            Partition::Area(id) => write!(f, "area {id}"),
        }
    }
}

impl Partition {
    /// A fixed-width byte key (kind byte + 16-byte id), for stores that index by partition.
    pub fn to_key(&self) -> [u8; 17] {
        let (tag, id) = match self {
            Partition::Venue(id) => (0u8, id.as_bytes()),
            Partition::Drill(id) => (1, id.as_bytes()),
            Partition::Report(id) => (2, id.as_bytes()),
            Partition::Campaign(id) => (3, id.as_bytes()),
            Partition::Template(id) => (4, id.as_bytes()),
            Partition::Area(id) => (5, id.as_bytes()),
        };
        let mut out = [0u8; 17];
        out[0] = tag;
        out[1..].copy_from_slice(id);
        out
    }

    /// The partition a [`Self::to_key`] names (`None` for anything else).
    pub fn from_key(key: &[u8]) -> Option<Self> {
        let (&tag, id) = key.split_first()?;
        let id = uuid::Uuid::from_slice(id).ok()?;
        Some(match tag {
            0 => Partition::Venue(VenueId(id)),
            1 => Partition::Drill(DrillId(id)),
            2 => Partition::Report(ReportId(id)),
            3 => Partition::Campaign(CampaignId(id)),
            4 => Partition::Template(TemplateId(id)),
            5 => Partition::Area(AreaId(id)),
            _ => return None,
        })
    }
}

/// What an op is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum EntityRef {
    Venue(VenueId),
    Inspection {
        venue: VenueId,
        inspection: InspectionId,
    },
    /// A hazard, with the partition it lives in (its venue's, or its citizen report's).
    Hazard {
        partition: Partition,
        hazard: HazardId,
    },
    Drill {
        venue: Option<VenueId>,
        drill: DrillId,
    },
    Campaign(CampaignId),
    Template(TemplateId),
    CitizenReport {
        venue: Option<VenueId>,
        report: ReportId,
    },
    /// A resident visit, with the partition it folds in: the residential venue's, or the
    /// named area's ([`Partition::Area`]).
    Visit {
        partition: Partition,
        visit: VisitId,
    },
}

impl EntityRef {
    pub fn partition(&self) -> Partition {
        match *self {
            EntityRef::Venue(v) => Partition::Venue(v),
            EntityRef::Inspection { venue, .. } => Partition::Venue(venue),
            EntityRef::Hazard { partition, .. } => partition,
            EntityRef::Drill { venue: Some(v), .. } => Partition::Venue(v),
            EntityRef::Drill { venue: None, drill } => Partition::Drill(drill),
            EntityRef::Campaign(c) => Partition::Campaign(c),
            EntityRef::Template(t) => Partition::Template(t),
            EntityRef::CitizenReport { venue: Some(v), .. } => Partition::Venue(v),
            EntityRef::CitizenReport {
                venue: None,
                report,
            } => Partition::Report(report),
            EntityRef::Visit { partition, .. } => partition,
        }
    }
}

/// Every change firecheck knows. Closed: a new kind of change is a new variant at the end
/// and a new wire version.
///
/// JSON form: the kind is the single key, e.g. `{"hazard_closed": {"reason": "…"}}`
/// (externally tagged: the one enum form both bincode and JSON read without guessing).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum OpBody {
    /// Create a venue or change some of its fields (absent fields are left as they are).
    VenueUpserted(VenueFields),
    InspectionSubmitted(InspectionRecord),
    InspectionAmended(InspectionAmendment),
    HazardDispatched {
        unit: String,
        due: NaiveDate,
        #[serde(default)]
        note: String,
    },
    HazardReportedFixed {
        note: String,
        #[serde(default)]
        evidence: Vec<BlobHash>,
    },
    HazardVerified {
        #[serde(default)]
        note: String,
    },
    HazardReopened {
        reason: String,
    },
    HazardClosed {
        reason: String,
    },
    HazardCommented {
        text: String,
    },
    DrillRecorded(DrillRecord),
    DrillAmended(DrillAmendment),
    CampaignDefined(CampaignDefinition),
    TemplateDefined(TemplateDefinition),
    CitizenReported(CitizenReportRecord),
    /// A citizen report with the platform's case number, where it is, and who reported it:
    /// delivered by the city platform (一网统管) or taken by an officer by phone.
    CitizenCaseReported(CitizenCaseRecord),
    /// An officer links a citizen report to the hazard that already tracks its problem.
    CitizenReportLinked(ReportLink),
    /// The office's reply to the citizen(s) who reported a hazard (反馈).
    HazardReplied {
        text: String,
    },
    /// A drill's "must improve" point, recorded as a tracked item.
    DrillFindingRecorded(DrillFindingRecord),
    /// A resident visit (走访) and the problems residents raised.
    VisitRecorded(VisitRecord),
    /// A venue closed, moved away, or active again.
    VenueStatusChanged(VenueStatusChange),
}

impl OpBody {
    /// The snake_case name used in JSON and in messages.
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::VenueUpserted(_) => "venue_upserted",
            OpBody::InspectionSubmitted(_) => "inspection_submitted",
            OpBody::InspectionAmended(_) => "inspection_amended",
            OpBody::HazardDispatched { .. } => "hazard_dispatched",
            OpBody::HazardReportedFixed { .. } => "hazard_reported_fixed",
            OpBody::HazardVerified { .. } => "hazard_verified",
            OpBody::HazardReopened { .. } => "hazard_reopened",
            OpBody::HazardClosed { .. } => "hazard_closed",
            OpBody::HazardCommented { .. } => "hazard_commented",
            OpBody::DrillRecorded(_) => "drill_recorded",
            OpBody::DrillAmended(_) => "drill_amended",
            OpBody::CampaignDefined(_) => "campaign_defined",
            OpBody::TemplateDefined(_) => "template_defined",
            OpBody::CitizenReported(_) => "citizen_reported",
            OpBody::CitizenCaseReported(_) => "citizen_case_reported",
            OpBody::CitizenReportLinked(_) => "citizen_report_linked",
            OpBody::HazardReplied { .. } => "hazard_replied",
            OpBody::DrillFindingRecorded(_) => "drill_finding_recorded",
            OpBody::VisitRecorded(_) => "visit_recorded",
            OpBody::VenueStatusChanged(_) => "venue_status_changed",
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VenueFields {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub kind: Option<VenueKind>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub street: Option<String>,
    #[serde(default)]
    pub location: Option<GeoPoint>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InspectionRecord {
    pub template: TemplateId,
    pub template_version: u32,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    pub items: Vec<ItemResult>,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub campaign: Option<CampaignId>,
}

/// Replaces the results of the listed items (and the overall note, if given).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct InspectionAmendment {
    pub reason: String,
    #[serde(default)]
    pub items: Vec<ItemResult>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DrillRecord {
    pub held_at: Timestamp,
    pub place: String,
    pub organiser: String,
    pub units: Vec<String>,
    pub scenario: String,
    pub participants: u32,
    pub evacuation_secs: u32,
    #[serde(default)]
    pub went_well: String,
    #[serde(default)]
    pub to_improve: String,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DrillAmendment {
    pub reason: String,
    #[serde(default)]
    pub participants: Option<u32>,
    #[serde(default)]
    pub evacuation_secs: Option<u32>,
    #[serde(default)]
    pub went_well: Option<String>,
    #[serde(default)]
    pub to_improve: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CampaignDefinition {
    pub name: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    #[serde(default)]
    pub streets: Vec<String>,
    #[serde(default)]
    pub kinds: Vec<VenueKind>,
    #[serde(default)]
    pub goal: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateDefinition {
    pub code: String,
    pub name: String,
    pub version: u32,
    #[serde(default)]
    pub kinds: Vec<VenueKind>,
    pub items: Vec<ChecklistItem>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CitizenReportRecord {
    pub street: String,
    #[serde(default)]
    pub address: String,
    pub description: String,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
    pub reported_at: Timestamp,
    /// Where it came from, e.g. `一网统管`.
    #[serde(default)]
    pub channel: String,
    #[serde(default = "default_severity")]
    pub severity: Severity,
}

fn default_severity() -> Severity {
    Severity::Major
}

/// A citizen report as the platform's intake delivers it (or an officer takes it by phone).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CitizenCaseRecord {
    /// The platform's case number; empty for a report taken by phone with none. The report's
    /// id is derived from it (`ReportId::for_case`) when there is one.
    #[serde(default)]
    pub case_number: String,
    /// Where it came from, e.g. `随手拍`, `12345`, `电话`.
    #[serde(default)]
    pub channel: String,
    pub street: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub location: Option<GeoPoint>,
    pub description: String,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
    /// When the citizen reported it (the platform's time).
    pub reported_at: Timestamp,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Who reported it. Officers only: removed from the op for every other role's device in
    /// pulls, and never read by the fold.
    #[serde(default)]
    pub contact: Option<ReporterContact>,
}

/// How to reach the citizen who reported a problem.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReporterContact {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub phone: String,
}

/// The hazard a citizen report's problem is already tracked by.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReportLink {
    pub hazard: HazardId,
    /// The partition the hazard lives in.
    pub partition: Partition,
    #[serde(default)]
    pub note: String,
}

/// A drill's "must improve" point as a tracked item (its hazard id is derived from the drill
/// and the point's text).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DrillFindingRecord {
    pub point: String,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
}

/// A resident visit (走访) to a residential area.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitRecord {
    /// The area's name (the venue's name when the entity names a venue's partition).
    pub area: String,
    pub visited_on: NaiveDate,
    /// Team members who went.
    #[serde(default)]
    pub team: Vec<String>,
    /// Partner units that came along.
    #[serde(default)]
    pub units: Vec<String>,
    #[serde(default)]
    pub residents_met: u32,
    /// Topics explained.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The problems residents raised, each tracked as a hazard.
    #[serde(default)]
    pub problems: Vec<VisitProblem>,
    #[serde(default)]
    pub note: String,
}

/// One problem residents raised at a visit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitProblem {
    pub text: String,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    #[serde(default)]
    pub evidence: Vec<BlobHash>,
}

/// A venue's new status, with why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VenueStatusChange {
    pub status: VenueStatus,
    #[serde(default)]
    pub reason: String,
}
