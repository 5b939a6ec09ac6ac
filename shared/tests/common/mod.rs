//! Small, deterministic builders for ops, shared by the shared crate's integration tests.
//!
//! Ids are fixed UUIDs (`Uuid::from_u128`) so failures are reproducible; HLCs are given by
//! the caller so a test says exactly where each op sits in the merge order.
#![allow(dead_code)]

use chrono::NaiveDate;
use firecheck_shared::op::*;
use firecheck_shared::*;
use uuid::Uuid;

/// A plausible wall clock: 2023-11-14T22:13:20Z.
pub const T0: u64 = 1_700_000_000_000;

/// `validate::op`'s "now" for ops stamped near [`T0`].
pub const NOW_MS: i64 = T0 as i64 + 60_000;

pub fn uuid(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

pub fn venue_id(n: u128) -> VenueId {
    VenueId(uuid(0x7e00_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn inspection_id(n: u128) -> InspectionId {
    InspectionId(uuid(0x1500_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn drill_id(n: u128) -> DrillId {
    DrillId(uuid(0xd500_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn report_id(n: u128) -> ReportId {
    ReportId(uuid(0x5e00_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn visit_id(n: u128) -> VisitId {
    VisitId(uuid(0x7100_0000_0000_0000_0000_0000_0000_0000 | n))
}

/// The organisation case numbers are derived within in these tests.
pub fn org_id() -> OrgId {
    OrgId(uuid(0x0a00_0000_0000_0000_0000_0000_0000_0001))
}

pub fn template_id(n: u128) -> TemplateId {
    TemplateId(uuid(0x7e57_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn campaign_id(n: u128) -> CampaignId {
    CampaignId(uuid(0xca00_0000_0000_0000_0000_0000_0000_0000 | n))
}

/// The device a node number stands for (one device per node in these tests).
pub fn device(node: u64) -> DeviceId {
    DeviceId(uuid(
        0xde00_0000_0000_0000_0000_0000_0000_0000 | node as u128,
    ))
}

/// The user working on a node's device.
pub fn author(node: u64) -> UserId {
    UserId(uuid(
        0xa000_0000_0000_0000_0000_0000_0000_0000 | node as u128,
    ))
}

pub fn op_id(n: u128) -> OpId {
    OpId(uuid(0x0b00_0000_0000_0000_0000_0000_0000_0000 | n))
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An op with id `op_id(n)`, device/author from `hlc.node`, and `device_seq` `n` (≥ 1).
pub fn op(n: u128, hlc: Hlc, entity: EntityRef, body: OpBody) -> Op {
    Op {
        op_id: op_id(n),
        device: device(hlc.node),
        device_seq: n.max(1) as u64,
        entity,
        hlc,
        author: author(hlc.node),
        body,
    }
}

pub fn hlc(wall_offset: u64, counter: u32, node: u64) -> Hlc {
    Hlc::new(T0 + wall_offset, counter, node)
}

pub fn item(code: &str, outcome: Outcome) -> ItemResult {
    ItemResult {
        code: code.to_string(),
        outcome,
        severity: Severity::Major,
        note: format!("{code}: {outcome:?}"),
        evidence: Vec::new(),
    }
}

pub fn inspection_record(items: Vec<ItemResult>) -> InspectionRecord {
    InspectionRecord {
        template: template_id(1),
        template_version: 1,
        started_at: Timestamp(T0 as i64 - 600_000),
        finished_at: Timestamp(T0 as i64 - 60_000),
        items,
        note: "夜查".to_string(),
        campaign: None,
    }
}

pub fn venue_fields(name: &str) -> VenueFields {
    VenueFields {
        name: Some(name.to_string()),
        kind: Some(VenueKind::ThreeInOne),
        address: Some("小木桥路 9号".to_string()),
        street: Some("小木桥路".to_string()),
        location: Some(GeoPoint {
            lat_e6: 31_190_000,
            lon_e6: 121_450_000,
        }),
    }
}

pub fn drill_record() -> DrillRecord {
    DrillRecord {
        held_at: Timestamp(T0 as i64 - 86_400_000),
        place: "斜土街道社区中心".to_string(),
        organiser: "社区平安办".to_string(),
        units: vec!["斜土消防站".to_string()],
        scenario: "电动车充电起火疏散".to_string(),
        participants: 40,
        evacuation_secs: 180,
        went_well: "疏散有序".to_string(),
        to_improve: "楼梯口堆物".to_string(),
        evidence: vec![BlobHash::of(b"drill photo")],
    }
}

pub fn citizen_report_record() -> CitizenReportRecord {
    CitizenReportRecord {
        street: "小木桥路".to_string(),
        address: "小木桥路 12号".to_string(),
        description: "楼道堆放电动车电池".to_string(),
        evidence: vec![BlobHash::of(b"report photo")],
        reported_at: Timestamp(T0 as i64 - 3_600_000),
        channel: "一网统管".to_string(),
        severity: Severity::Critical,
    }
}

pub fn citizen_case_record(case: &str) -> CitizenCaseRecord {
    CitizenCaseRecord {
        case_number: case.to_string(),
        channel: "随手拍".to_string(),
        street: "斜土路".to_string(),
        address: "斜土路 1001弄 3号".to_string(),
        location: Some(GeoPoint {
            lat_e6: 31_190_500,
            lon_e6: 121_451_200,
        }),
        description: "楼道里电动车充电".to_string(),
        evidence: vec![BlobHash::of(b"case photo")],
        reported_at: Timestamp(T0 as i64 - 7_200_000),
        severity: Severity::Major,
        contact: Some(ReporterContact {
            name: "王女士".to_string(),
            phone: "13800000000".to_string(),
        }),
    }
}

pub fn visit_record(area: &str, problems: &[&str]) -> VisitRecord {
    VisitRecord {
        area: area.to_string(),
        visited_on: date(2023, 11, 5),
        team: vec!["街道党工委书记".to_string(), "区人大代表".to_string()],
        units: vec!["城管斜土中队".to_string()],
        residents_met: 30,
        topics: vec!["电动自行车充电安全".to_string()],
        problems: problems
            .iter()
            .map(|t| VisitProblem {
                text: t.to_string(),
                severity: Severity::Major,
                evidence: Vec::new(),
            })
            .collect(),
        note: String::new(),
    }
}

pub fn campaign_definition() -> CampaignDefinition {
    CampaignDefinition {
        name: "进博会夜查".to_string(),
        starts: date(2023, 10, 20),
        ends: date(2023, 11, 10),
        streets: vec!["小木桥路".to_string()],
        kinds: vec![VenueKind::ThreeInOne, VenueKind::EbikePoint],
        goal: "无盲区".to_string(),
    }
}

pub fn template_definition() -> TemplateDefinition {
    TemplateDefinition {
        code: "three-in-one".to_string(),
        name: "三合一场所检查表".to_string(),
        version: 1,
        kinds: vec![VenueKind::ThreeInOne],
        items: vec![
            ChecklistItem {
                code: "EXIT-01".to_string(),
                text: "安全出口畅通".to_string(),
                severity: Severity::Critical,
            },
            ChecklistItem {
                code: "EXT-02".to_string(),
                text: "灭火器在有效期内".to_string(),
                severity: Severity::Major,
            },
        ],
    }
}

pub fn dispatched(unit: &str, due: NaiveDate) -> OpBody {
    OpBody::HazardDispatched {
        unit: unit.to_string(),
        due,
        note: "限期整改".to_string(),
    }
}

pub fn reported_fixed() -> OpBody {
    OpBody::HazardReportedFixed {
        note: "已清理".to_string(),
        evidence: vec![BlobHash::of(b"fixed")],
    }
}

pub fn verified() -> OpBody {
    OpBody::HazardVerified {
        note: "复查合格".to_string(),
    }
}

pub fn reopened(reason: &str) -> OpBody {
    OpBody::HazardReopened {
        reason: reason.to_string(),
    }
}

pub fn closed(reason: &str) -> OpBody {
    OpBody::HazardClosed {
        reason: reason.to_string(),
    }
}

pub fn commented(text: &str) -> OpBody {
    OpBody::HazardCommented {
        text: text.to_string(),
    }
}

pub fn hazard_entity(venue: VenueId, hazard: HazardId) -> EntityRef {
    EntityRef::Hazard {
        partition: Partition::Venue(venue),
        hazard,
    }
}

pub fn inspection_entity(venue: VenueId, inspection: InspectionId) -> EntityRef {
    EntityRef::Inspection { venue, inspection }
}

/// One valid op of every body kind, each with the entity it belongs to, stamped near
/// [`T0`]: `validate::op(_, NOW_MS)` accepts every one of them.
pub fn one_valid_op_of_each_kind() -> Vec<Op> {
    let v = venue_id(1);
    let i = inspection_id(1);
    let h = HazardId::for_finding(i, "EXIT-01");
    let he = hazard_entity(v, h);
    let d = EntityRef::Drill {
        venue: Some(v),
        drill: drill_id(1),
    };
    let bodies: Vec<(EntityRef, OpBody)> = vec![
        (
            EntityRef::Venue(v),
            OpBody::VenueUpserted(venue_fields("老王五金店")),
        ),
        (
            inspection_entity(v, i),
            OpBody::InspectionSubmitted(inspection_record(vec![
                item("EXIT-01", Outcome::Fail),
                item("EXT-02", Outcome::Pass),
            ])),
        ),
        (
            inspection_entity(v, i),
            OpBody::InspectionAmended(InspectionAmendment {
                reason: "录入错误".to_string(),
                items: vec![item("EXT-02", Outcome::Fail)],
                note: Some("更正".to_string()),
            }),
        ),
        (he, dispatched("城管斜土中队", date(2023, 11, 30))),
        (he, reported_fixed()),
        (he, verified()),
        (he, reopened("又堵上了")),
        (he, closed("商户已搬离")),
        (he, commented("已电话联系店主")),
        (d, OpBody::DrillRecorded(drill_record())),
        (
            d,
            OpBody::DrillAmended(DrillAmendment {
                reason: "人数更正".to_string(),
                participants: Some(42),
                ..Default::default()
            }),
        ),
        (
            EntityRef::Campaign(campaign_id(1)),
            OpBody::CampaignDefined(campaign_definition()),
        ),
        (
            EntityRef::Template(template_id(1)),
            OpBody::TemplateDefined(template_definition()),
        ),
        (
            EntityRef::CitizenReport {
                venue: None,
                report: report_id(1),
            },
            OpBody::CitizenReported(citizen_report_record()),
        ),
        (
            EntityRef::CitizenReport {
                venue: None,
                report: ReportId::for_case(org_id(), "XH2023-0001"),
            },
            OpBody::CitizenCaseReported(citizen_case_record("XH2023-0001")),
        ),
        (
            EntityRef::CitizenReport {
                venue: None,
                report: ReportId::for_case(org_id(), "XH2023-0001"),
            },
            OpBody::CitizenReportLinked(ReportLink {
                hazard: h,
                partition: Partition::Venue(v),
                note: "同一问题".to_string(),
            }),
        ),
        (
            he,
            OpBody::HazardReplied {
                text: "已整改，感谢您的反映".to_string(),
            },
        ),
        (
            d,
            OpBody::DrillFindingRecorded(DrillFindingRecord {
                point: "出入口应急广播声音偏小".to_string(),
                severity: Severity::Minor,
                evidence: Vec::new(),
            }),
        ),
        (
            EntityRef::Visit {
                partition: Partition::Area(AreaId::for_name("恒益居民区")),
                visit: visit_id(1),
            },
            OpBody::VisitRecorded(visit_record("恒益居民区", &["楼道堆物", "飞线充电"])),
        ),
        (
            EntityRef::Venue(v),
            OpBody::VenueStatusChanged(VenueStatusChange {
                status: VenueStatus::Closed,
                reason: "已关停".to_string(),
            }),
        ),
    ];
    bodies
        .into_iter()
        .enumerate()
        .map(|(n, (entity, body))| op(n as u128 + 1, hlc(n as u64, 0, 1), entity, body))
        .collect()
}

/// Index of an op body's variant. No wildcard arm: a new variant fails to compile here,
/// which is the reminder to cover it in the tests (and to bump the wire version).
pub fn body_variant(b: &OpBody) -> usize {
    match b {
        OpBody::VenueUpserted(_) => 0,
        OpBody::InspectionSubmitted(_) => 1,
        OpBody::InspectionAmended(_) => 2,
        OpBody::HazardDispatched { .. } => 3,
        OpBody::HazardReportedFixed { .. } => 4,
        OpBody::HazardVerified { .. } => 5,
        OpBody::HazardReopened { .. } => 6,
        OpBody::HazardClosed { .. } => 7,
        OpBody::HazardCommented { .. } => 8,
        OpBody::DrillRecorded(_) => 9,
        OpBody::DrillAmended(_) => 10,
        OpBody::CampaignDefined(_) => 11,
        OpBody::TemplateDefined(_) => 12,
        OpBody::CitizenReported(_) => 13,
        OpBody::CitizenCaseReported(_) => 14,
        OpBody::CitizenReportLinked(_) => 15,
        OpBody::HazardReplied { .. } => 16,
        OpBody::DrillFindingRecorded(_) => 17,
        OpBody::VisitRecorded(_) => 18,
        OpBody::VenueStatusChanged(_) => 19,
    }
}

pub const BODY_VARIANTS: usize = 20;
