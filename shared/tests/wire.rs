//! The wire: every message type round-trips through both encodings, a checked-in golden
//! message pins the bincode and JSON layouts byte for byte, and bad input of every kind is
//! an error — never a panic, never a huge allocation.
//!
//! Golden files live in `tests/golden/`. When one is missing, run the tests once with
//! `FIRECHECK_BLESS=1` to write it; an existing golden file is never rewritten — a difference
//! is a wire change, which needs a new `WIRE_VERSION` and new golden files.

mod common;

use std::path::PathBuf;

use chrono::NaiveDate;
use firecheck_shared::codec::{self, DecodeError, Format, DECODE_LIMIT};
use firecheck_shared::domain::{Org, Role, User};
use firecheck_shared::op::*;
use firecheck_shared::sync::*;
use firecheck_shared::*;
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use uuid::Uuid;

const FORMATS: [Format; 2] = [Format::Bincode, Format::Json];

fn round_trip<T>(msg: &T) -> Result<(), String>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    for f in FORMATS {
        let bytes = codec::encode(f, msg);
        let back: T = codec::decode(f, &bytes).map_err(|e| format!("{f:?}: {e}"))?;
        if &back != msg {
            return Err(format!("{f:?}: {back:#?} != {msg:#?}"));
        }
        // Encoding is a function of the value.
        if codec::encode(f, &back) != bytes {
            return Err(format!("{f:?}: re-encoding differs"));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------------------

fn text() -> impl Strategy<Value = String> {
    "(?s).{0,16}"
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

macro_rules! id {
    ($t:ident) => {
        uuid().prop_map($t)
    };
}

fn hash() -> impl Strategy<Value = BlobHash> {
    any::<[u8; 32]>().prop_map(BlobHash)
}

fn hashes() -> impl Strategy<Value = Vec<BlobHash>> {
    prop::collection::vec(hash(), 0..3)
}

fn day() -> impl Strategy<Value = NaiveDate> {
    // 1890 … 2217.
    (690_000i32..810_000).prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap())
}

fn ts() -> impl Strategy<Value = Timestamp> {
    any::<i64>().prop_map(Timestamp)
}

fn arb_hlc() -> impl Strategy<Value = Hlc> {
    (any::<u64>(), any::<u32>(), any::<u64>()).prop_map(|(w, c, n)| Hlc::new(w, c, n))
}

fn kind() -> impl Strategy<Value = VenueKind> {
    prop::sample::select(VenueKind::ALL.to_vec())
}

fn severity() -> impl Strategy<Value = Severity> {
    prop::sample::select(vec![Severity::Critical, Severity::Major, Severity::Minor])
}

fn arb_item() -> impl Strategy<Value = ItemResult> {
    (
        text(),
        prop::sample::select(vec![Outcome::Pass, Outcome::Fail, Outcome::NotApplicable]),
        severity(),
        text(),
        hashes(),
    )
        .prop_map(|(code, outcome, severity, note, evidence)| ItemResult {
            code,
            outcome,
            severity,
            note,
            evidence,
        })
}

fn items() -> impl Strategy<Value = Vec<ItemResult>> {
    prop::collection::vec(arb_item(), 0..4)
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn arb_partition() -> impl Strategy<Value = Partition> {
    prop_oneof![
        id!(VenueId).prop_map(Partition::Venue),
        id!(DrillId).prop_map(Partition::Drill),
        id!(ReportId).prop_map(Partition::Report),
        id!(CampaignId).prop_map(Partition::Campaign),
        id!(TemplateId).prop_map(Partition::Template),
        id!(AreaId).prop_map(Partition::Area),
    ]
}

fn arb_entity() -> impl Strategy<Value = EntityRef> {
    prop_oneof![
        id!(VenueId).prop_map(EntityRef::Venue),
        (id!(VenueId), id!(InspectionId))
            .prop_map(|(venue, inspection)| EntityRef::Inspection { venue, inspection }),
        (arb_partition(), id!(HazardId))
            .prop_map(|(partition, hazard)| EntityRef::Hazard { partition, hazard }),
        (prop::option::of(id!(VenueId)), id!(DrillId))
            .prop_map(|(venue, drill)| EntityRef::Drill { venue, drill }),
        id!(CampaignId).prop_map(EntityRef::Campaign),
        id!(TemplateId).prop_map(EntityRef::Template),
        (prop::option::of(id!(VenueId)), id!(ReportId))
            .prop_map(|(venue, report)| EntityRef::CitizenReport { venue, report }),
        (arb_partition(), id!(VisitId))
            .prop_map(|(partition, visit)| EntityRef::Visit { partition, visit }),
    ]
}

/// The bodies appended after the first wire release (a separate `prop_oneof!`: the macro
/// takes a bounded number of arms).
fn arb_channel_body() -> impl Strategy<Value = OpBody> {
    let contact = prop::option::of(
        (text(), text()).prop_map(|(name, phone)| ReporterContact { name, phone }),
    );
    let location = prop::option::of(
        (any::<i32>(), any::<i32>()).prop_map(|(lat_e6, lon_e6)| GeoPoint { lat_e6, lon_e6 }),
    );
    let problem =
        (text(), severity(), hashes()).prop_map(|(text, severity, evidence)| VisitProblem {
            text,
            severity,
            evidence,
        });
    prop_oneof![
        (
            (text(), text(), text(), text()),
            location,
            (text(), hashes(), ts(), severity()),
            contact
        )
            .prop_map(
                |(
                    (case_number, channel, street, address),
                    location,
                    (description, evidence, reported_at, severity),
                    contact,
                )| {
                    OpBody::CitizenCaseReported(CitizenCaseRecord {
                        case_number,
                        channel,
                        street,
                        address,
                        location,
                        description,
                        evidence,
                        reported_at,
                        severity,
                        contact,
                    })
                }
            ),
        (id!(HazardId), arb_partition(), text()).prop_map(|(hazard, partition, note)| {
            OpBody::CitizenReportLinked(ReportLink {
                hazard,
                partition,
                note,
            })
        }),
        text().prop_map(|text| OpBody::HazardReplied { text }),
        (text(), severity(), hashes()).prop_map(|(point, severity, evidence)| {
            OpBody::DrillFindingRecorded(DrillFindingRecord {
                point,
                severity,
                evidence,
            })
        }),
        (
            (text(), day(), prop::collection::vec(text(), 0..3)),
            (prop::collection::vec(text(), 0..3), any::<u32>()),
            (
                prop::collection::vec(text(), 0..3),
                prop::collection::vec(problem, 0..3),
                text()
            )
        )
            .prop_map(
                |((area, visited_on, team), (units, residents_met), (topics, problems, note))| {
                    OpBody::VisitRecorded(VisitRecord {
                        area,
                        visited_on,
                        team,
                        units,
                        residents_met,
                        topics,
                        problems,
                        note,
                    })
                }
            ),
        (
            prop::sample::select(vec![
                VenueStatus::Active,
                VenueStatus::Closed,
                VenueStatus::Moved
            ]),
            text()
        )
            .prop_map(
                |(status, reason)| OpBody::VenueStatusChanged(VenueStatusChange { status, reason })
            ),
    ]
}

fn arb_body() -> impl Strategy<Value = OpBody> {
    prop_oneof![
        (
            opt_text(),
            prop::option::of(kind()),
            opt_text(),
            opt_text(),
            prop::option::of((any::<i32>(), any::<i32>()))
        )
            .prop_map(|(name, kind, address, street, loc)| {
                OpBody::VenueUpserted(VenueFields {
                    name,
                    kind,
                    address,
                    street,
                    location: loc.map(|(lat_e6, lon_e6)| GeoPoint { lat_e6, lon_e6 }),
                })
            }),
        (
            id!(TemplateId),
            any::<u32>(),
            ts(),
            ts(),
            items(),
            text(),
            prop::option::of(id!(CampaignId))
        )
            .prop_map(
                |(template, template_version, started_at, finished_at, items, note, campaign)| {
                    OpBody::InspectionSubmitted(InspectionRecord {
                        template,
                        template_version,
                        started_at,
                        finished_at,
                        items,
                        note,
                        campaign,
                    })
                }
            ),
        (text(), items(), opt_text()).prop_map(|(reason, items, note)| {
            OpBody::InspectionAmended(InspectionAmendment {
                reason,
                items,
                note,
            })
        }),
        (text(), day(), text()).prop_map(|(unit, due, note)| OpBody::HazardDispatched {
            unit,
            due,
            note
        }),
        (text(), hashes())
            .prop_map(|(note, evidence)| OpBody::HazardReportedFixed { note, evidence }),
        text().prop_map(|note| OpBody::HazardVerified { note }),
        text().prop_map(|reason| OpBody::HazardReopened { reason }),
        text().prop_map(|reason| OpBody::HazardClosed { reason }),
        text().prop_map(|text| OpBody::HazardCommented { text }),
        (
            ts(),
            (text(), text(), prop::collection::vec(text(), 0..3), text()),
            (any::<u32>(), any::<u32>()),
            (text(), text(), hashes())
        )
            .prop_map(
                |(
                    held_at,
                    (place, organiser, units, scenario),
                    (participants, evacuation_secs),
                    (went_well, to_improve, evidence),
                )| {
                    OpBody::DrillRecorded(DrillRecord {
                        held_at,
                        place,
                        organiser,
                        units,
                        scenario,
                        participants,
                        evacuation_secs,
                        went_well,
                        to_improve,
                        evidence,
                    })
                }
            ),
        (
            text(),
            prop::option::of(any::<u32>()),
            prop::option::of(any::<u32>()),
            opt_text(),
            opt_text()
        )
            .prop_map(
                |(reason, participants, evacuation_secs, went_well, to_improve)| {
                    OpBody::DrillAmended(DrillAmendment {
                        reason,
                        participants,
                        evacuation_secs,
                        went_well,
                        to_improve,
                    })
                }
            ),
        (
            text(),
            day(),
            day(),
            prop::collection::vec(text(), 0..3),
            prop::collection::vec(kind(), 0..3),
            text()
        )
            .prop_map(|(name, starts, ends, streets, kinds, goal)| {
                OpBody::CampaignDefined(CampaignDefinition {
                    name,
                    starts,
                    ends,
                    streets,
                    kinds,
                    goal,
                })
            }),
        (
            text(),
            text(),
            any::<u32>(),
            prop::collection::vec(kind(), 0..3),
            prop::collection::vec(
                (text(), text(), severity()).prop_map(|(code, text, severity)| ChecklistItem {
                    code,
                    text,
                    severity
                }),
                0..3
            )
        )
            .prop_map(|(code, name, version, kinds, items)| {
                OpBody::TemplateDefined(TemplateDefinition {
                    code,
                    name,
                    version,
                    kinds,
                    items,
                })
            }),
        (text(), text(), text(), hashes(), ts(), text(), severity()).prop_map(
            |(street, address, description, evidence, reported_at, channel, severity)| {
                OpBody::CitizenReported(CitizenReportRecord {
                    street,
                    address,
                    description,
                    evidence,
                    reported_at,
                    channel,
                    severity,
                })
            }
        ),
    ]
}

fn arb_op() -> impl Strategy<Value = Op> {
    (
        id!(OpId),
        id!(DeviceId),
        any::<u64>(),
        arb_entity(),
        arb_hlc(),
        id!(UserId),
        prop_oneof![3 => arb_body(), 1 => arb_channel_body()],
    )
        .prop_map(
            |(op_id, device, device_seq, entity, hlc, author, body)| Op {
                op_id,
                device,
                device_seq,
                entity,
                hlc,
                author,
                body,
            },
        )
}

fn arb_reject_code() -> impl Strategy<Value = RejectCode> {
    prop::sample::select(ALL_REJECT_CODES.to_vec())
}

fn arb_ack() -> impl Strategy<Value = Ack> {
    (
        id!(OpId),
        any::<u64>(),
        prop_oneof![
            any::<u64>().prop_map(|seq| AckResult::Accepted { seq }),
            any::<u64>().prop_map(|seq| AckResult::Duplicate { seq }),
            (arb_reject_code(), text())
                .prop_map(|(code, reason)| AckResult::Rejected { code, reason }),
        ],
    )
        .prop_map(|(op_id, device_seq, result)| Ack {
            op_id,
            device_seq,
            result,
        })
}

fn arb_role() -> impl Strategy<Value = Role> {
    prop::sample::select(vec![Role::Inspector, Role::Officer, Role::Admin])
}

fn arb_error_code() -> impl Strategy<Value = ErrorCode> {
    prop::sample::select(ErrorCode::ALL.to_vec())
}

const ALL_REJECT_CODES: [RejectCode; 5] = [
    RejectCode::Invalid,
    RejectCode::Forbidden,
    RejectCode::WrongIdentity,
    RejectCode::DeviceSeqReused,
    RejectCode::BadClock,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn op_round_trips(op in arb_op()) {
        prop_assert_eq!(round_trip(&op), Ok(()));
    }

    #[test]
    fn sync_request_round_trips(cursor in any::<u64>(), ops in prop::collection::vec(arb_op(), 0..4), limit in any::<u32>(), device_time_ms in any::<i64>()) {
        prop_assert_eq!(round_trip(&SyncRequest { cursor, ops, limit, device_time_ms }), Ok(()));
    }

    #[test]
    fn sync_response_round_trips(
        acks in prop::collection::vec(arb_ack(), 0..5),
        ops in prop::collection::vec(arb_op(), 0..3),
        cursor in any::<u64>(),
        has_more in any::<bool>(),
        server_time_ms in any::<i64>(),
        clock_warning in opt_text(),
        missing_blobs in hashes(),
    ) {
        let msg = SyncResponse { acks, ops, cursor, has_more, server_time_ms, clock_warning, missing_blobs };
        prop_assert_eq!(round_trip(&msg), Ok(()));
    }

    #[test]
    fn auth_and_error_messages_round_trip(
        (username, password, device_name, refresh_token) in (text(), text(), text(), text()),
        (access_token, expires_in, display_name, org_name) in (text(), any::<u64>(), text(), text()),
        (device, user, org) in (id!(DeviceId), id!(UserId), id!(OrgId)),
        role in arb_role(),
        (code, message) in (arb_error_code(), text()),
    ) {
        prop_assert_eq!(round_trip(&LoginRequest { username: username.clone(), password, device_id: device, device_name }), Ok(()));
        prop_assert_eq!(round_trip(&RefreshRequest { refresh_token: refresh_token.clone() }), Ok(()));
        prop_assert_eq!(round_trip(&TokenResponse {
            access_token,
            expires_in,
            refresh_token,
            user: User { id: user, org, username, display_name, role },
            org: Org { id: org, name: org_name },
            device_id: device,
        }), Ok(()));
        prop_assert_eq!(round_trip(&ErrorBody { error: ErrorDetail { code, message } }), Ok(()));
    }

    /// Random bytes never panic any decoder, framed or not.
    #[test]
    fn random_bytes_are_an_error_or_a_message_never_a_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..300),
        framed in any::<bool>(),
    ) {
        let mut input = Vec::new();
        if framed {
            input.extend_from_slice(b"FC");
            input.extend_from_slice(&WIRE_VERSION.to_le_bytes());
        }
        input.extend_from_slice(&bytes);
        for f in FORMATS {
            let _ = codec::decode::<SyncRequest>(f, &input);
            let _ = codec::decode::<SyncResponse>(f, &input);
            let _ = codec::decode::<Op>(f, &input);
            let _ = codec::decode::<LoginRequest>(f, &input);
            let _ = codec::decode::<TokenResponse>(f, &input);
        }
        let _ = codec::decode_unframed::<Op>(&bytes);
    }

    /// A valid message with one byte changed decodes to something or fails cleanly.
    #[test]
    fn corrupted_messages_never_panic(op in arb_op(), at in any::<usize>(), xor in 1u8..=255) {
        let msg = SyncRequest { cursor: 1, ops: vec![op], limit: 10, device_time_ms: 5 };
        for f in FORMATS {
            let mut bytes = codec::encode(f, &msg);
            let i = at % bytes.len();
            bytes[i] ^= xor;
            if let Ok(back) = codec::decode::<SyncRequest>(f, &bytes) {
                // Whatever came out is a well-formed message again.
                let again: SyncRequest = codec::decode(f, &codec::encode(f, &back)).unwrap();
                prop_assert_eq!(again, back);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Every variant, deterministically
// ---------------------------------------------------------------------------------------

fn entity_variant(e: &EntityRef) -> usize {
    match e {
        EntityRef::Venue(_) => 0,
        EntityRef::Inspection { .. } => 1,
        EntityRef::Hazard { .. } => 2,
        EntityRef::Drill { .. } => 3,
        EntityRef::Campaign(_) => 4,
        EntityRef::Template(_) => 5,
        EntityRef::CitizenReport { .. } => 6,
        EntityRef::Visit { .. } => 7,
    }
}

fn partition_variant(p: &Partition) -> usize {
    match p {
        Partition::Venue(_) => 0,
        Partition::Drill(_) => 1,
        Partition::Report(_) => 2,
        Partition::Campaign(_) => 3,
        Partition::Template(_) => 4,
        Partition::Area(_) => 5,
    }
}

fn ack_variant(a: &AckResult) -> usize {
    match a {
        AckResult::Accepted { .. } => 0,
        AckResult::Duplicate { .. } => 1,
        AckResult::Rejected { .. } => 2,
    }
}

fn reject_variant(c: RejectCode) -> usize {
    match c {
        RejectCode::Invalid => 0,
        RejectCode::Forbidden => 1,
        RejectCode::WrongIdentity => 2,
        RejectCode::DeviceSeqReused => 3,
        RejectCode::BadClock => 4,
    }
}

fn u(n: u128) -> Uuid {
    Uuid::from_u128(n)
}

fn every_entity() -> Vec<EntityRef> {
    let v = VenueId(u(1));
    let mut out = vec![
        EntityRef::Venue(v),
        EntityRef::Inspection {
            venue: v,
            inspection: InspectionId(u(2)),
        },
        EntityRef::Drill {
            venue: Some(v),
            drill: DrillId(u(3)),
        },
        EntityRef::Drill {
            venue: None,
            drill: DrillId(u(3)),
        },
        EntityRef::Campaign(CampaignId(u(4))),
        EntityRef::Template(TemplateId(u(5))),
        EntityRef::CitizenReport {
            venue: Some(v),
            report: ReportId(u(6)),
        },
        EntityRef::CitizenReport {
            venue: None,
            report: ReportId(u(6)),
        },
        EntityRef::Visit {
            partition: Partition::Venue(v),
            visit: VisitId(u(8)),
        },
        EntityRef::Visit {
            partition: Partition::Area(AreaId(u(9))),
            visit: VisitId(u(8)),
        },
    ];
    for partition in [
        Partition::Venue(v),
        Partition::Drill(DrillId(u(3))),
        Partition::Report(ReportId(u(6))),
        Partition::Campaign(CampaignId(u(4))),
        Partition::Template(TemplateId(u(5))),
        Partition::Area(AreaId(u(9))),
    ] {
        out.push(EntityRef::Hazard {
            partition,
            hazard: HazardId(u(7)),
        });
    }
    out
}

#[test]
fn every_op_body_and_entity_variant_round_trips() {
    let bodies = common::one_valid_op_of_each_kind();
    let mut body_seen = [false; common::BODY_VARIANTS];
    let mut entity_seen = [false; 8];
    let mut partition_seen = [false; 6];
    let entities = every_entity();
    for (i, base) in bodies.iter().enumerate() {
        body_seen[common::body_variant(&base.body)] = true;
        for e in &entities {
            entity_seen[entity_variant(e)] = true;
            if let EntityRef::Hazard { partition, .. } = e {
                partition_seen[partition_variant(partition)] = true;
            }
            let op = Op {
                entity: *e,
                device_seq: i as u64 + 1,
                ..base.clone()
            };
            round_trip(&op).unwrap();
        }
    }
    assert!(body_seen.iter().all(|s| *s), "{body_seen:?}");
    assert!(entity_seen.iter().all(|s| *s), "{entity_seen:?}");
    assert!(partition_seen.iter().all(|s| *s), "{partition_seen:?}");
    round_trip(&SyncRequest {
        cursor: 7,
        ops: bodies,
        limit: 1000,
        device_time_ms: 1_700_000_000_000,
    })
    .unwrap();
}

#[test]
fn every_ack_result_and_reject_code_round_trips() {
    let mut results = vec![
        AckResult::Accepted { seq: 1 },
        AckResult::Duplicate { seq: u64::MAX },
    ];
    for code in ALL_REJECT_CODES {
        results.push(AckResult::Rejected {
            code,
            reason: format!("{code:?}: 原因"),
        });
    }
    let mut seen = [false; 3];
    let mut codes = [false; 5];
    let acks: Vec<Ack> = results
        .into_iter()
        .enumerate()
        .map(|(i, result)| {
            seen[ack_variant(&result)] = true;
            if let AckResult::Rejected { code, .. } = &result {
                codes[reject_variant(*code)] = true;
            }
            Ack {
                op_id: OpId(u(100 + i as u128)),
                device_seq: i as u64 + 1,
                result,
            }
        })
        .collect();
    assert!(seen.iter().all(|s| *s) && codes.iter().all(|s| *s));
    for ack in &acks {
        round_trip(ack).unwrap();
    }
    round_trip(&SyncResponse {
        acks,
        ops: common::one_valid_op_of_each_kind(),
        cursor: 99,
        has_more: true,
        server_time_ms: -5,
        clock_warning: Some("时钟偏差".into()),
        missing_blobs: vec![BlobHash([0xab; 32])],
    })
    .unwrap();
}

// ---------------------------------------------------------------------------------------
// The JSON form is a public API
// ---------------------------------------------------------------------------------------

fn to_json<T: Serialize>(v: &T) -> Value {
    serde_json::from_slice(&codec::encode(Format::Json, v)).unwrap()
}

#[test]
fn json_op_shape_is_the_documented_one() {
    for op in common::one_valid_op_of_each_kind() {
        let v = to_json(&op);
        let obj = v.as_object().unwrap();
        let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
        let mut want = vec![
            "op_id",
            "device",
            "device_seq",
            "entity",
            "hlc",
            "author",
            "body",
        ];
        want.sort();
        let mut got = keys.clone();
        got.sort();
        assert_eq!(got, want);
        // The body is tagged by its kind: a single key.
        let body = obj["body"].as_object().unwrap();
        assert_eq!(body.len(), 1, "{body:?}");
        assert_eq!(body.keys().next().unwrap(), op.body.kind());
        // Ids are hyphenated UUID strings; the HLC is an object.
        assert_eq!(obj["op_id"], json!(op.op_id.to_string()));
        assert_eq!(obj["author"], json!(op.author.to_string()));
        assert_eq!(
            obj["hlc"],
            json!({"wall_ms": op.hlc.wall_ms, "counter": op.hlc.counter, "node": op.hlc.node})
        );
    }
    let closed = to_json(&OpBody::HazardClosed {
        reason: "商户已搬离".into(),
    });
    assert_eq!(closed, json!({"hazard_closed": {"reason": "商户已搬离"}}));
    let entity = to_json(&EntityRef::Hazard {
        partition: Partition::Report(ReportId(u(6))),
        hazard: HazardId(u(7)),
    });
    assert_eq!(
        entity,
        json!({"hazard": {"partition": {"report": u(6).to_string()}, "hazard": u(7).to_string()}})
    );
    // Evidence hashes are hex in JSON, raw 32 bytes in bincode.
    let h = BlobHash([0xab; 32]);
    assert_eq!(to_json(&h), json!("ab".repeat(32)));
    assert_eq!(codec::encode_unframed(&h), vec![0xab; 32]);
}

#[test]
fn json_defaults_let_a_client_omit_optional_fields() {
    let op: Op = codec::decode(
        Format::Json,
        json!({
            "op_id": u(1).to_string(),
            "device": u(2).to_string(),
            "device_seq": 1,
            "entity": {"hazard": {"partition": {"venue": u(3).to_string()}, "hazard": u(4).to_string()}},
            "hlc": {"wall_ms": common::T0, "counter": 0, "node": 9},
            "author": u(5).to_string(),
            "body": {"hazard_dispatched": {"unit": "城管斜土中队", "due": "2023-11-30"}}
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    assert_eq!(
        op.body,
        OpBody::HazardDispatched {
            unit: "城管斜土中队".into(),
            due: common::date(2023, 11, 30),
            note: String::new()
        }
    );
    let req: SyncRequest = codec::decode(Format::Json, br#"{"cursor": 3, "limit": 10}"#).unwrap();
    assert_eq!(
        req,
        SyncRequest {
            cursor: 3,
            ops: vec![],
            limit: 10,
            device_time_ms: 0,
        }
    );
    let rep: OpBody = serde_json::from_value(json!({"citizen_reported": {
        "street": "小木桥路", "description": "堆物", "reported_at": 1_700_000_000_000i64
    }}))
    .unwrap();
    let OpBody::CitizenReported(r) = rep else {
        panic!()
    };
    assert_eq!(r.severity, Severity::Major, "documented default severity");
}

// ---------------------------------------------------------------------------------------
// Golden message
// ---------------------------------------------------------------------------------------

/// A fully deterministic request: literal ids, HLCs, hashes and dates, every field set.
/// Never change it; a new wire version gets a new golden message beside it.
fn golden_request() -> SyncRequest {
    let venue = VenueId(u(0x0193_a000_0000_7000_8000_0000_0000_0001));
    let inspection = InspectionId(u(0x0193_a001_0000_7000_8000_0000_0000_0002));
    let device = DeviceId(u(0x0193_a002_0000_7000_8000_0000_0000_0003));
    let author = UserId(u(0x0193_a003_0000_7000_8000_0000_0000_0004));
    let report = ReportId(u(0x0193_a004_0000_7000_8000_0000_0000_0005));
    let template = TemplateId(u(0x0193_a005_0000_7000_8000_0000_0000_0006));
    let campaign = CampaignId(u(0x0193_a006_0000_7000_8000_0000_0000_0007));
    let hazard = HazardId(u(0x6c1f_3b2a_0d4e_5f60_8172_8394_a5b6_c7d8));
    let photo = BlobHash([
        0x9f, 0x86, 0xd0, 0x81, 0x88, 0x4c, 0x7d, 0x65, 0x9a, 0x2f, 0xea, 0xa0, 0xc5, 0x5a, 0xd0,
        0x15, 0xa3, 0xbf, 0x4f, 0x1b, 0x2b, 0x0b, 0x82, 0x2c, 0xd1, 0x5d, 0x6c, 0x15, 0xb0, 0xf0,
        0x0a, 0x08,
    ]);
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let hlc = |wall_ms: u64, counter: u32| Hlc::new(wall_ms, counter, 0x1234_5678_9abc_def0);
    let op = |n: u128, seq: u64, h: Hlc, entity: EntityRef, body: OpBody| Op {
        op_id: OpId(u(0x0193_b000_0000_7000_8000_0000_0000_0000 + n)),
        device,
        device_seq: seq,
        entity,
        hlc: h,
        author,
        body,
    };
    let hazard_entity = EntityRef::Hazard {
        partition: Partition::Venue(venue),
        hazard,
    };
    SyncRequest {
        cursor: 1_234_567,
        limit: 500,
        device_time_ms: 1_700_000_765_432,
        ops: vec![
            op(
                1,
                41,
                hlc(1_700_000_000_000, 0),
                EntityRef::Venue(venue),
                OpBody::VenueUpserted(VenueFields {
                    name: Some("老王五金店".into()),
                    kind: Some(VenueKind::ThreeInOne),
                    address: Some("小木桥路 251号".into()),
                    street: Some("小木桥路".into()),
                    location: Some(GeoPoint {
                        lat_e6: 31_190_123,
                        lon_e6: -121_450_456,
                    }),
                }),
            ),
            op(
                2,
                42,
                hlc(1_700_000_000_000, 1),
                EntityRef::Inspection { venue, inspection },
                OpBody::InspectionSubmitted(InspectionRecord {
                    template,
                    template_version: 3,
                    started_at: Timestamp(1_699_999_000_000),
                    finished_at: Timestamp(1_699_999_600_000),
                    items: vec![
                        ItemResult {
                            code: "EXIT-01".into(),
                            outcome: Outcome::Fail,
                            severity: Severity::Critical,
                            note: "安全出口被电动车堵塞".into(),
                            evidence: vec![photo],
                        },
                        ItemResult {
                            code: "EXT-02".into(),
                            outcome: Outcome::Pass,
                            severity: Severity::Major,
                            note: String::new(),
                            evidence: vec![],
                        },
                        ItemResult {
                            code: "ELEC-03".into(),
                            outcome: Outcome::NotApplicable,
                            severity: Severity::Minor,
                            note: "无".into(),
                            evidence: vec![],
                        },
                    ],
                    note: "进博会夜查".into(),
                    campaign: Some(campaign),
                }),
            ),
            op(
                3,
                43,
                hlc(1_700_000_100_000, 0),
                EntityRef::Inspection { venue, inspection },
                OpBody::InspectionAmended(InspectionAmendment {
                    reason: "录入错误".into(),
                    items: vec![],
                    note: Some("更正".into()),
                }),
            ),
            op(
                4,
                44,
                hlc(1_700_000_200_000, 0),
                hazard_entity,
                OpBody::HazardDispatched {
                    unit: "城管斜土中队".into(),
                    due: day(2023, 11, 30),
                    note: "限期整改".into(),
                },
            ),
            op(
                5,
                45,
                hlc(1_700_000_300_000, 7),
                hazard_entity,
                OpBody::HazardReportedFixed {
                    note: "已清理".into(),
                    evidence: vec![photo, BlobHash([0x01; 32])],
                },
            ),
            op(
                6,
                46,
                hlc(1_700_000_400_000, 0),
                hazard_entity,
                OpBody::HazardClosed {
                    reason: "商户已搬离".into(),
                },
            ),
            op(
                7,
                47,
                hlc(1_700_000_500_000, 0),
                EntityRef::Drill {
                    venue: None,
                    drill: DrillId(u(0x0193_a007_0000_7000_8000_0000_0000_0008)),
                },
                OpBody::DrillRecorded(DrillRecord {
                    held_at: Timestamp(1_699_000_000_000),
                    place: "斜土街道社区中心".into(),
                    organiser: "社区平安办".into(),
                    units: vec!["斜土消防站".into(), "物业".into()],
                    scenario: "电动车充电起火疏散".into(),
                    participants: 120,
                    evacuation_secs: 245,
                    went_well: "疏散有序".into(),
                    to_improve: "楼梯口堆物".into(),
                    evidence: vec![],
                }),
            ),
            op(
                8,
                48,
                hlc(1_700_000_600_000, 0),
                EntityRef::CitizenReport {
                    venue: None,
                    report,
                },
                OpBody::CitizenReported(CitizenReportRecord {
                    street: "斜土路".into(),
                    address: "斜土路 1001号".into(),
                    description: "楼道堆放电动车电池".into(),
                    evidence: vec![photo],
                    reported_at: Timestamp(1_700_000_550_000),
                    channel: "一网统管".into(),
                    severity: Severity::Critical,
                }),
            ),
            op(
                9,
                49,
                hlc(1_700_000_700_000, 0),
                EntityRef::Campaign(campaign),
                OpBody::CampaignDefined(CampaignDefinition {
                    name: "进博会夜查".into(),
                    starts: day(2023, 10, 20),
                    ends: day(2023, 11, 10),
                    streets: vec!["小木桥路".into()],
                    kinds: vec![VenueKind::ThreeInOne, VenueKind::EbikePoint],
                    goal: "无盲区".into(),
                }),
            ),
        ],
    }
}

fn golden_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name)
}

/// Compare `actual` with the golden file byte for byte. A missing file is written only when
/// `FIRECHECK_BLESS=1`; an existing one is never overwritten.
fn check_golden(name: &str, actual: &[u8]) -> Vec<u8> {
    let path = golden_path(name);
    let Ok(expected) = std::fs::read(&path) else {
        if std::env::var("FIRECHECK_BLESS").as_deref() == Ok("1") {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
            eprintln!("wrote golden file {}", path.display());
            return actual.to_vec();
        }
        panic!(
            "golden file {} is missing; run the tests with FIRECHECK_BLESS=1 once to create it",
            path.display()
        );
    };
    if expected != actual {
        let at = expected
            .iter()
            .zip(actual)
            .position(|(a, b)| a != b)
            .unwrap_or(expected.len().min(actual.len()));
        panic!(
            "{name}: the encoding changed at byte {at} (golden {} bytes, now {} bytes).\n\
             golden[{at}..]: {:02x?}\n   now[{at}..]: {:02x?}\n\
             A wire layout change needs a new WIRE_VERSION and new golden files; \
             the existing file is not rewritten.",
            expected.len(),
            actual.len(),
            &expected[at..(at + 24).min(expected.len())],
            &actual[at..(at + 24).min(actual.len())],
        );
    }
    expected
}

#[test]
fn golden_bincode_sync_request() {
    let msg = golden_request();
    let bytes = codec::encode(Format::Bincode, &msg);
    assert_eq!(
        &bytes[..4],
        b"FC\x01\x00",
        "frame: magic and wire version 1 (LE)"
    );
    let golden = check_golden("sync_request_v1.bin", &bytes);
    let back: SyncRequest = codec::decode(Format::Bincode, &golden).unwrap();
    assert_eq!(back, msg);
}

#[test]
fn golden_json_sync_request() {
    let msg = golden_request();
    let bytes = codec::encode(Format::Json, &msg);
    let golden = check_golden("sync_request_v1.json", &bytes);
    let back: SyncRequest = codec::decode(Format::Json, &golden).unwrap();
    assert_eq!(back, msg);
}

/// The kinds appended to the wire after its first golden message (citizen reports with case
/// numbers, links, replies, drill findings, visits, venue status; the visit entity and the
/// area partition), pinned the same way. Appending them left `sync_request_v1.*` unchanged,
/// which `golden_bincode_sync_request` proves. Never change it.
fn golden_channels_request() -> SyncRequest {
    let venue = VenueId(u(0x0193_a000_0000_7000_8000_0000_0000_0043));
    let drill = DrillId(u(0x0193_a000_0000_7000_8000_0000_000d_0001));
    let device = DeviceId(u(0x0193_a002_0000_7000_8000_0000_0000_0003));
    let author = UserId(u(0x0193_a003_0000_7000_8000_0000_0000_0004));
    let report = ReportId(u(0x0193_a004_0000_7000_8000_0000_0000_0015));
    let target = HazardId(u(0x6c1f_3b2a_0d4e_5f60_8172_8394_a5b6_c7d8));
    let area = AreaId(u(0x0193_a008_0000_7000_8000_0000_0000_0009));
    let visit = VisitId(u(0x0193_a009_0000_7000_8000_0000_0000_000a));
    let photo = BlobHash([0x5a; 32]);
    let hlc = |wall_ms: u64| Hlc::new(wall_ms, 0, 0x1234_5678_9abc_def0);
    let op = |n: u128, entity: EntityRef, body: OpBody| Op {
        op_id: OpId(u(0x0193_b100_0000_7000_8000_0000_0000_0000 + n)),
        device,
        device_seq: 100 + n as u64,
        entity,
        hlc: hlc(1_700_001_000_000 + n as u64 * 1000),
        author,
        body,
    };
    let report_entity = EntityRef::CitizenReport {
        venue: None,
        report,
    };
    SyncRequest {
        cursor: 7_654_321,
        limit: 200,
        device_time_ms: 1_700_001_999_000,
        ops: vec![
            op(
                1,
                report_entity,
                OpBody::CitizenCaseReported(CitizenCaseRecord {
                    case_number: "XH20231114000123".into(),
                    channel: "随手拍".into(),
                    street: "斜土路".into(),
                    address: "斜土路 1001弄 3号".into(),
                    location: Some(GeoPoint {
                        lat_e6: 31_190_500,
                        lon_e6: 121_451_200,
                    }),
                    description: "楼道里电动车充电".into(),
                    evidence: vec![photo],
                    reported_at: Timestamp(1_699_990_000_000),
                    severity: Severity::Critical,
                    contact: Some(ReporterContact {
                        name: "王女士".into(),
                        phone: "13800000000".into(),
                    }),
                }),
            ),
            op(
                2,
                report_entity,
                OpBody::CitizenReportLinked(ReportLink {
                    hazard: target,
                    partition: Partition::Venue(venue),
                    note: "与巡查发现为同一问题".into(),
                }),
            ),
            op(
                3,
                EntityRef::Hazard {
                    partition: Partition::Venue(venue),
                    hazard: target,
                },
                OpBody::HazardReplied {
                    text: "已责令整改并复查合格，感谢您的反映".into(),
                },
            ),
            op(
                4,
                EntityRef::Drill {
                    venue: Some(venue),
                    drill,
                },
                OpBody::DrillFindingRecorded(DrillFindingRecord {
                    point: "2号出入口外非机动车乱停".into(),
                    severity: Severity::Major,
                    evidence: vec![photo],
                }),
            ),
            op(
                5,
                EntityRef::Visit {
                    partition: Partition::Area(area),
                    visit,
                },
                OpBody::VisitRecorded(VisitRecord {
                    area: "恒益居民区".into(),
                    visited_on: NaiveDate::from_ymd_opt(2023, 11, 5).unwrap(),
                    team: vec!["街道党工委书记".into(), "区人大代表".into()],
                    units: vec!["城管斜土中队".into()],
                    residents_met: 35,
                    topics: vec!["电动自行车充电安全".into()],
                    problems: vec![VisitProblem {
                        text: "3号楼楼道堆放杂物".into(),
                        severity: Severity::Major,
                        evidence: vec![],
                    }],
                    note: "下次走访反馈".into(),
                }),
            ),
            op(
                6,
                EntityRef::Venue(venue),
                OpBody::VenueStatusChanged(VenueStatusChange {
                    status: VenueStatus::Moved,
                    reason: "搬至斜土路 1101号".into(),
                }),
            ),
        ],
    }
}

#[test]
fn golden_bincode_channels_request() {
    let msg = golden_channels_request();
    let bytes = codec::encode(Format::Bincode, &msg);
    assert_eq!(&bytes[..4], b"FC\x01\x00", "still wire version 1");
    let golden = check_golden("sync_request_v1_channels.bin", &bytes);
    let back: SyncRequest = codec::decode(Format::Bincode, &golden).unwrap();
    assert_eq!(back, msg);
}

#[test]
fn golden_json_channels_request() {
    let msg = golden_channels_request();
    let bytes = codec::encode(Format::Json, &msg);
    let golden = check_golden("sync_request_v1_channels.json", &bytes);
    let back: SyncRequest = codec::decode(Format::Json, &golden).unwrap();
    assert_eq!(back, msg);
}

/// A citizen report from an older client (no case fields) and a case report without the
/// optional fields both read; the contact is optional.
#[test]
fn citizen_case_json_defaults() {
    let body: OpBody = serde_json::from_value(json!({"citizen_case_reported": {
        "street": "斜土路", "description": "楼道堆物", "reported_at": 1_700_000_000_000i64
    }}))
    .unwrap();
    let OpBody::CitizenCaseReported(r) = body else {
        panic!()
    };
    assert_eq!(r.case_number, "");
    assert_eq!(r.contact, None);
    assert_eq!(r.severity, Severity::Major);
}

// ---------------------------------------------------------------------------------------
// Malformed input
// ---------------------------------------------------------------------------------------

/// Error codes are the strings the server has always sent; a code from a newer server reads
/// as `unknown` instead of failing the whole error body.
#[test]
fn error_codes_keep_their_wire_strings_and_unknown_ones_still_decode() {
    let sent_before_the_enum = [
        "bad_request",
        "unauthorized",
        "forbidden",
        "not_found",
        "method_not_allowed",
        "timeout",
        "conflict",
        "payload_too_large",
        "unsupported_media_type",
        "invalid",
        "too_many_attempts",
        "unavailable",
        "pending_upload",
        "internal",
        "quota_exceeded",
        "password_change_required",
        "account_disabled",
        "log_restored",
    ];
    for (code, wire) in ErrorCode::ALL.iter().zip(sent_before_the_enum) {
        assert_eq!(serde_json::to_value(code).unwrap(), json!(wire));
        assert_eq!(code.as_str(), wire);
        let body: ErrorBody =
            serde_json::from_value(json!({"error": {"code": wire, "message": "m"}})).unwrap();
        assert_eq!(body.error.code, *code);
        // Codes that share their status with an older code read back as that one.
        if !matches!(
            code,
            ErrorCode::PendingUpload
                | ErrorCode::QuotaExceeded
                | ErrorCode::PasswordChangeRequired
                | ErrorCode::AccountDisabled
                | ErrorCode::LogRestored
        ) {
            assert_eq!(ErrorCode::from_status(code.status()), *code, "{wire}");
        }
    }
    let newer: ErrorBody = serde_json::from_value(
        json!({"error": {"code": "visits_over_limit", "message": "ask the office"}}),
    )
    .unwrap();
    assert_eq!(newer.error.code, ErrorCode::Unknown);
    assert_eq!(newer.error.message, "ask the office");
    // In bincode too: an index this build does not know is `Unknown`.
    let mut bytes = codec::encode(
        Format::Bincode,
        &ErrorBody {
            error: ErrorDetail {
                code: ErrorCode::BadRequest,
                message: String::new(),
            },
        },
    );
    bytes[4] = 200;
    let back: ErrorBody = codec::decode(Format::Bincode, &bytes).unwrap();
    assert_eq!(back.error.code, ErrorCode::Unknown);
}

#[test]
fn empty_body_is_empty() {
    for f in FORMATS {
        assert_eq!(
            codec::decode::<SyncRequest>(f, b""),
            Err(DecodeError::Empty)
        );
    }
}

#[test]
fn every_truncation_of_a_bincode_message_is_an_error() {
    let resp = SyncResponse {
        acks: vec![Ack {
            op_id: OpId(u(1)),
            device_seq: 1,
            result: AckResult::Rejected {
                code: RejectCode::Invalid,
                reason: "太长".into(),
            },
        }],
        ops: golden_request().ops[..3].to_vec(),
        cursor: 9,
        has_more: false,
        server_time_ms: 1,
        clock_warning: None,
        missing_blobs: vec![BlobHash([3; 32])],
    };
    check_truncations(&golden_request());
    check_truncations(&resp);
    check_truncations(&golden_request().ops[1]);
}

fn check_truncations<T>(msg: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let full = codec::encode(Format::Bincode, msg);
    for len in 0..full.len() {
        let err = codec::decode::<T>(Format::Bincode, &full[..len])
            .expect_err(&format!("prefix of {len}/{} bytes decoded", full.len()));
        match len {
            0 => assert_eq!(err, DecodeError::Empty),
            1..=3 => assert_eq!(err, DecodeError::BadMagic),
            _ => assert!(matches!(err, DecodeError::Bincode(_)), "{len}: {err:?}"),
        }
    }
    assert_eq!(&codec::decode::<T>(Format::Bincode, &full).unwrap(), msg);
    // And one byte too many.
    let mut long = full.clone();
    long.push(0);
    assert_eq!(
        codec::decode::<T>(Format::Bincode, &long),
        Err(DecodeError::TrailingBytes(1))
    );

    let json = codec::encode(Format::Json, msg);
    for len in 1..json.len() {
        let err = codec::decode::<T>(Format::Json, &json[..len]).expect_err("JSON prefix decoded");
        assert!(matches!(err, DecodeError::Json(_)), "{err:?}");
    }
}

#[test]
fn wrong_magic_is_refused() {
    let mut bytes = codec::encode(Format::Bincode, &golden_request());
    for magic in [*b"CF", *b"fc", *b"F\0", [0, 0]] {
        bytes[..2].copy_from_slice(&magic);
        assert_eq!(
            codec::decode::<SyncRequest>(Format::Bincode, &bytes),
            Err(DecodeError::BadMagic)
        );
    }
    // A JSON body sent as bincode.
    let json = codec::encode(Format::Json, &golden_request());
    assert_eq!(
        codec::decode::<SyncRequest>(Format::Bincode, &json),
        Err(DecodeError::BadMagic)
    );
    // A bincode body sent as JSON.
    let bin = codec::encode(Format::Bincode, &golden_request());
    assert!(matches!(
        codec::decode::<SyncRequest>(Format::Json, &bin),
        Err(DecodeError::Json(_))
    ));
}

#[test]
fn wrong_version_is_unsupported() {
    let good = codec::encode(Format::Bincode, &golden_request());
    for version in [0u16, 2, 0x0100, u16::MAX] {
        let mut bytes = good.clone();
        bytes[2..4].copy_from_slice(&version.to_le_bytes());
        let err = codec::decode::<SyncRequest>(Format::Bincode, &bytes).unwrap_err();
        assert_eq!(err, DecodeError::UnsupportedVersion { found: version });
        assert!(err.to_string().contains("update the app"), "{err}");
    }
}

fn header() -> Vec<u8> {
    let mut v = b"FC".to_vec();
    v.extend_from_slice(&WIRE_VERSION.to_le_bytes());
    v
}

/// bincode's varint for a u64 that needs all eight bytes.
fn varint_u64(n: u64) -> Vec<u8> {
    let mut v = vec![253u8];
    v.extend_from_slice(&n.to_le_bytes());
    v
}

#[test]
fn huge_length_prefixes_are_errors_not_allocations() {
    for len in [u64::MAX, u64::MAX / 2, 1 << 40, DECODE_LIMIT as u64 + 1] {
        // SyncRequest { cursor: 0, ops: <len> ops …
        let mut bytes = header();
        bytes.push(0);
        bytes.extend(varint_u64(len));
        let err = codec::decode::<SyncRequest>(Format::Bincode, &bytes).unwrap_err();
        assert!(matches!(err, DecodeError::Bincode(_)), "{err:?}");
        // … and the same with a few real ops after it (so it is not just running dry at once).
        let mut bytes = header();
        bytes.push(0);
        bytes.extend(varint_u64(len));
        for op in &golden_request().ops {
            bytes.extend(codec::encode_unframed(op));
        }
        assert!(codec::decode::<SyncRequest>(Format::Bincode, &bytes).is_err());

        // LoginRequest { username: <len> bytes …
        let mut bytes = header();
        bytes.extend(varint_u64(len));
        bytes.extend_from_slice(b"zhangwei");
        let err = codec::decode::<LoginRequest>(Format::Bincode, &bytes).unwrap_err();
        // Refused by the decode limit before anything is allocated (bincode's own wording).
        assert!(
            matches!(&err, DecodeError::Bincode(m) if m.contains("LimitExceeded")),
            "{err:?}"
        );

        // A huge evidence list inside an op, unframed as the stores keep them.
        let mut bytes = codec::encode_unframed(&golden_request().ops[4]);
        let n = bytes.len();
        // The op ends with: note, evidence (len 2, 64 bytes). Replace the evidence length.
        bytes.truncate(n - 65);
        bytes.extend(varint_u64(len));
        assert!(codec::decode_unframed::<Op>(&bytes).is_err());
    }
}

#[test]
fn malformed_json_is_an_error() {
    for bad in [
        &b"{"[..],
        b"not json",
        b"[]",
        b"null",
        b"{\"cursor\": -1, \"limit\": 1}",
        b"{\"cursor\": \"1\", \"limit\": 1}",
        b"{\"cursor\": 1}",
        b"{\"cursor\": 18446744073709551616, \"limit\": 1}",
        b"{\"cursor\": 1, \"limit\": 1} trailing",
        b"\xff\xfe{}",
    ] {
        let err = codec::decode::<SyncRequest>(Format::Json, bad).unwrap_err();
        assert!(matches!(err, DecodeError::Json(_)), "{bad:?}: {err:?}");
    }
}

/// A JSON op that decodes, as a value to break.
fn good_json_op() -> Value {
    to_json(&golden_request().ops[1])
}

fn decode_op(v: &Value) -> Result<Op, DecodeError> {
    codec::decode(Format::Json, v.to_string().as_bytes())
}

fn assert_refused(v: &Value, what: &str, needle: &str) {
    match decode_op(v) {
        Err(DecodeError::Json(msg)) => assert!(msg.contains(needle), "{what}: {msg}"),
        other => panic!("{what}: expected a JSON error, got {other:?}"),
    }
}

#[test]
fn unknown_fields_in_json_ops_are_refused() {
    assert!(decode_op(&good_json_op()).is_ok());

    let mut v = good_json_op();
    v["colour"] = json!("red");
    assert_refused(&v, "op", "unknown field");

    let mut v = good_json_op();
    v["body"]["inspection_submitted"]["inspector"] = json!("me");
    assert_refused(&v, "inspection record", "unknown field");

    let mut v = good_json_op();
    v["body"]["inspection_submitted"]["items"][0]["photo"] = json!("x");
    assert_refused(&v, "item result", "unknown field");

    let mut v = to_json(&golden_request().ops[0]);
    v["body"]["venue_upserted"]["owner"] = json!("老王");
    assert_refused(&v, "venue fields", "unknown field");

    let mut v = to_json(&golden_request().ops[3]);
    v["body"]["hazard_dispatched"]["notes"] = json!("typo for note");
    assert_refused(&v, "hazard_dispatched body", "unknown field");

    let mut v = good_json_op();
    v["hlc"]["drift"] = json!(1);
    assert_refused(&v, "hlc", "unknown field");

    let mut v = good_json_op();
    v["entity"]["inspection"]["hazard"] = json!(u(9).to_string());
    assert_refused(&v, "entity", "unknown field");

    let mut v = to_json(&golden_request().ops[0]);
    v["body"]["venue_upserted"]["location"]["alt"] = json!(3);
    assert_refused(&v, "geo point", "unknown field");

    let mut req = to_json(&golden_request());
    req["since"] = json!(0);
    assert!(matches!(
        codec::decode::<SyncRequest>(Format::Json, req.to_string().as_bytes()),
        Err(DecodeError::Json(m)) if m.contains("unknown field")
    ));

    let login = json!({"username": "a", "password": "b", "device_id": u(1).to_string(), "device_name": "c", "remember": true});
    assert!(codec::decode::<LoginRequest>(Format::Json, login.to_string().as_bytes()).is_err());
    let refresh = json!({"refresh_token": "t", "access_token": "u"});
    assert!(codec::decode::<RefreshRequest>(Format::Json, refresh.to_string().as_bytes()).is_err());
}

#[test]
fn unknown_kinds_and_wrong_types_in_json_ops_are_refused() {
    let mut v = good_json_op();
    v["body"] = json!({"hazard_exploded": {"reason": "?"}});
    assert_refused(&v, "unknown op kind", "unknown variant");

    let mut v = good_json_op();
    v["body"] = json!({"hazard_closed": {"reason": "a"}, "hazard_verified": {"note": "b"}});
    assert!(decode_op(&v).is_err(), "two kinds in one body");

    let mut v = good_json_op();
    v["body"] = json!("hazard_verified");
    assert!(decode_op(&v).is_err(), "a kind without its fields");

    let mut v = good_json_op();
    v["entity"] = json!({"building": u(1).to_string()});
    assert_refused(&v, "unknown entity kind", "unknown variant");

    let mut v = good_json_op();
    v["body"]["inspection_submitted"]["items"][0]["outcome"] = json!("maybe");
    assert_refused(&v, "unknown outcome", "unknown variant");

    for (field, value) in [
        ("op_id", json!("not-a-uuid")),
        ("device_seq", json!(-1)),
        ("device_seq", json!("1")),
        ("hlc", json!(17)),
        ("author", json!(null)),
    ] {
        let mut v = good_json_op();
        v[field] = value;
        assert!(decode_op(&v).is_err(), "{field}");
    }
    let mut v = good_json_op();
    v.as_object_mut().unwrap().remove("hlc");
    assert_refused(&v, "missing hlc", "missing field");

    let mut v = to_json(&golden_request().ops[3]);
    v["body"]["hazard_dispatched"]["due"] = json!("2023-02-30");
    assert!(decode_op(&v).is_err(), "impossible date");

    let mut v = to_json(&golden_request().ops[4]);
    v["body"]["hazard_reported_fixed"]["evidence"] = json!(["abc"]);
    assert_refused(&v, "short evidence hash", "64 hex digits");
}

#[test]
fn media_types_choose_the_format() {
    assert_eq!(
        Format::from_media_type("application/x-firecheck-bincode"),
        Some(Format::Bincode)
    );
    assert_eq!(
        Format::from_media_type("Application/JSON; charset=utf-8"),
        Some(Format::Json)
    );
    assert_eq!(Format::from_media_type("text/plain"), None);
    for f in FORMATS {
        assert_eq!(Format::from_media_type(f.media_type()), Some(f));
    }
}

#[test]
fn whole_floats_read_as_integers_and_fractions_are_refused() {
    use firecheck_shared::codec::{decode, Format};
    use firecheck_shared::sync::SyncRequest;
    let req: SyncRequest = decode(
        Format::Json,
        br#"{"cursor": 3494.0, "device_time_ms": 1795993793058.0, "limit": 52, "ops": []}"#,
    )
    .expect("whole floats are integers");
    assert_eq!(req.cursor, 3494);
    assert_eq!(req.device_time_ms, 1795993793058);
    let e = decode::<SyncRequest>(
        Format::Json,
        br#"{"cursor": 3494.5, "device_time_ms": 0, "limit": 52, "ops": []}"#,
    )
    .unwrap_err();
    assert!(e.to_string().contains("floating point"), "{e}");
    let e = decode::<SyncRequest>(
        Format::Json,
        br#"{"cursor": -1.0, "device_time_ms": 0, "limit": 52, "ops": []}"#,
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("malformed JSON"), "{e}");
}

#[test]
fn floats_past_exact_integers_stay_refused() {
    use firecheck_shared::codec::{decode, Format};
    for bad in [
        &br#"{"cursor": 18446744073709551616.0, "device_time_ms": 0, "limit": 1, "ops": []}"#[..],
        br#"{"cursor": 9007199254740993.0, "device_time_ms": 0, "limit": 1, "ops": []}"#,
        br#"{"cursor": 1e300, "device_time_ms": 0, "limit": 1, "ops": []}"#,
    ] {
        assert!(
            decode::<SyncRequest>(Format::Json, bad).is_err(),
            "{}",
            String::from_utf8_lossy(bad)
        );
    }
}
