//! `validate::op` (bounds, shapes, timestamps) and `validate::authorize` (who may make
//! which change), as both the client and the server run them.

mod common;

use common::*;
use firecheck_shared::hlc::MAX_FORWARD_DRIFT_MS;
use firecheck_shared::op::*;
use firecheck_shared::validate::{
    authorize, ValidationError as E, EARLIEST_MS, MAX_EVIDENCE, MAX_ITEMS, MAX_NAME_CHARS,
    MAX_TEXT_CHARS,
};
use firecheck_shared::*;

fn check(o: &Op) -> Result<(), E> {
    firecheck_shared::validate::op(o, NOW_MS)
}

/// The valid op of the given kind, to break.
fn base(kind: &str) -> Op {
    one_valid_op_of_each_kind()
        .into_iter()
        .find(|o| o.body.kind() == kind)
        .unwrap_or_else(|| panic!("no {kind} op"))
}

fn with_body(kind: &str, f: impl FnOnce(&mut OpBody)) -> Op {
    let mut o = base(kind);
    f(&mut o.body);
    o
}

fn inspection(f: impl FnOnce(&mut InspectionRecord)) -> Op {
    with_body("inspection_submitted", |b| match b {
        OpBody::InspectionSubmitted(r) => f(r),
        _ => unreachable!(),
    })
}

fn venue(f: impl FnOnce(&mut VenueFields)) -> Op {
    with_body("venue_upserted", |b| match b {
        OpBody::VenueUpserted(v) => f(v),
        _ => unreachable!(),
    })
}

fn campaign(f: impl FnOnce(&mut CampaignDefinition)) -> Op {
    with_body("campaign_defined", |b| match b {
        OpBody::CampaignDefined(c) => f(c),
        _ => unreachable!(),
    })
}

fn template(f: impl FnOnce(&mut TemplateDefinition)) -> Op {
    with_body("template_defined", |b| match b {
        OpBody::TemplateDefined(t) => f(t),
        _ => unreachable!(),
    })
}

#[test]
fn every_base_op_is_valid() {
    let ops = one_valid_op_of_each_kind();
    let kinds: std::collections::BTreeSet<usize> =
        ops.iter().map(|o| body_variant(&o.body)).collect();
    assert_eq!(kinds.len(), BODY_VARIANTS);
    for o in &ops {
        assert_eq!(check(o), Ok(()), "{}", o.body.kind());
    }
}

// ---------------------------------------------------------------------------------------
// Strings
// ---------------------------------------------------------------------------------------

#[test]
fn names_are_bounded_in_characters_not_bytes() {
    // 200 Chinese characters are 600 bytes, and still allowed.
    let at_limit = "火".repeat(MAX_NAME_CHARS);
    assert_eq!(check(&venue(|v| v.name = Some(at_limit))), Ok(()));
    let over = "火".repeat(MAX_NAME_CHARS + 1);
    assert_eq!(
        check(&venue(|v| v.name = Some(over.clone()))),
        Err(E::TooLong {
            field: "venue name",
            len: MAX_NAME_CHARS + 1,
            max: MAX_NAME_CHARS
        })
    );
    assert!(matches!(
        check(&venue(|v| v.street = Some(over.clone()))),
        Err(E::TooLong {
            field: "street",
            ..
        })
    ));
    assert!(matches!(
        check(&with_body("hazard_dispatched", |b| {
            if let OpBody::HazardDispatched { unit, .. } = b {
                *unit = over.clone();
            }
        })),
        Err(E::TooLong { field: "unit", .. })
    ));
    assert!(matches!(
        check(&with_body("citizen_reported", |b| {
            if let OpBody::CitizenReported(r) = b {
                r.address = over.clone();
            }
        })),
        Err(E::TooLong {
            field: "address",
            ..
        })
    ));
}

#[test]
fn texts_are_bounded() {
    let at_limit = "记".repeat(MAX_TEXT_CHARS);
    let over = "记".repeat(MAX_TEXT_CHARS + 1);
    assert_eq!(check(&inspection(|r| r.note = at_limit.clone())), Ok(()));
    assert_eq!(
        check(&inspection(|r| r.note = over.clone())),
        Err(E::TooLong {
            field: "note",
            len: MAX_TEXT_CHARS + 1,
            max: MAX_TEXT_CHARS
        })
    );
    assert!(matches!(
        check(&inspection(|r| r.items[0].note = over.clone())),
        Err(E::TooLong {
            field: "item note",
            ..
        })
    ));
    assert!(matches!(
        check(&with_body("hazard_closed", |b| {
            if let OpBody::HazardClosed { reason } = b {
                *reason = over.clone();
            }
        })),
        Err(E::TooLong {
            field: "reason",
            ..
        })
    ));
    assert!(matches!(
        check(&with_body("hazard_commented", |b| {
            if let OpBody::HazardCommented { text } = b {
                *text = over.clone();
            }
        })),
        Err(E::TooLong {
            field: "comment",
            ..
        })
    ));
}

#[test]
fn control_characters_are_refused_but_line_breaks_in_notes_are_fine() {
    for bad in ["\u{0}", "\u{7}", "\u{1b}[2J", "\u{7f}", "\u{85}"] {
        let name = format!("老王{bad}五金店");
        assert_eq!(
            check(&venue(|v| v.name = Some(name.clone()))),
            Err(E::ControlCharacters {
                field: "venue name"
            }),
            "{bad:?}"
        );
        let note = format!("第一行{bad}");
        assert_eq!(
            check(&inspection(|r| r.note = note.clone())),
            Err(E::ControlCharacters { field: "note" }),
            "{bad:?}"
        );
    }
    assert_eq!(
        check(&inspection(|r| r.note = "第一行\r\n第二行\t完".into())),
        Ok(())
    );
}

#[test]
fn required_strings_must_not_be_blank() {
    assert_eq!(
        check(&with_body("hazard_reopened", |b| {
            if let OpBody::HazardReopened { reason } = b {
                *reason = " \n ".into();
            }
        })),
        Err(E::Empty { field: "reason" })
    );
    assert_eq!(
        check(&inspection(|r| r.items[0].code = "  ".into())),
        Err(E::Empty { field: "item code" })
    );
    assert!(matches!(
        check(&venue(|v| *v = VenueFields::default())),
        Err(E::Invalid(_))
    ));
}

// ---------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------

fn items(n: usize) -> Vec<ItemResult> {
    (0..n)
        .map(|i| item(&format!("ITEM-{i:03}"), Outcome::Pass))
        .collect()
}

#[test]
fn too_many_items_are_refused() {
    assert_eq!(check(&inspection(|r| r.items = items(MAX_ITEMS))), Ok(()));
    assert_eq!(
        check(&inspection(|r| r.items = items(MAX_ITEMS + 1))),
        Err(E::TooMany {
            what: "checklist items",
            len: MAX_ITEMS + 1,
            max: MAX_ITEMS
        })
    );
    let amended = with_body("inspection_amended", |b| {
        if let OpBody::InspectionAmended(a) = b {
            a.items = items(MAX_ITEMS + 1);
        }
    });
    assert!(matches!(check(&amended), Err(E::TooMany { .. })));
    let too_many_template_items: Vec<ChecklistItem> = (0..=MAX_ITEMS)
        .map(|i| ChecklistItem {
            code: format!("T-{i}"),
            text: "检查".into(),
            severity: Severity::Minor,
        })
        .collect();
    assert!(matches!(
        check(&template(|t| t.items = too_many_template_items)),
        Err(E::TooMany { .. })
    ));
    // An inspection without any item is no inspection.
    assert_eq!(
        check(&inspection(|r| r.items.clear())),
        Err(E::Empty { field: "items" })
    );
}

#[test]
fn too_much_evidence_is_refused() {
    let many: Vec<BlobHash> = (0..=MAX_EVIDENCE as u32)
        .map(|i| BlobHash::of(&i.to_le_bytes()))
        .collect();
    assert!(matches!(
        check(&inspection(|r| r.items[0].evidence = many.clone())),
        Err(E::TooMany { .. })
    ));
    assert!(matches!(
        check(&with_body("hazard_reported_fixed", |b| {
            if let OpBody::HazardReportedFixed { evidence, .. } = b {
                *evidence = many.clone();
            }
        })),
        Err(E::TooMany {
            what: "evidence",
            ..
        })
    ));
    let ok: Vec<BlobHash> = many[..MAX_EVIDENCE].to_vec();
    assert_eq!(
        check(&inspection(|r| r.items[0].evidence = ok.clone())),
        Ok(())
    );
}

#[test]
fn duplicate_item_codes_are_refused() {
    assert_eq!(
        check(&inspection(|r| {
            r.items = vec![
                item("EXIT-01", Outcome::Pass),
                item("EXT-02", Outcome::Pass),
                item("EXIT-01", Outcome::Fail),
            ]
        })),
        Err(E::DuplicateItem {
            code: "EXIT-01".into()
        })
    );
    let amended = with_body("inspection_amended", |b| {
        if let OpBody::InspectionAmended(a) = b {
            a.items = vec![item("EXT-02", Outcome::Pass), item("EXT-02", Outcome::Fail)];
        }
    });
    assert_eq!(
        check(&amended),
        Err(E::DuplicateItem {
            code: "EXT-02".into()
        })
    );
    assert_eq!(
        check(&template(|t| {
            let again = t.items[0].clone();
            t.items.push(again);
        })),
        Err(E::DuplicateItem {
            code: "EXIT-01".into()
        })
    );
}

// ---------------------------------------------------------------------------------------
// Shape
// ---------------------------------------------------------------------------------------

fn entity_kind(e: &EntityRef) -> &'static str {
    match e {
        EntityRef::Venue(_) => "venue",
        EntityRef::Inspection { .. } => "inspection",
        EntityRef::Hazard { .. } => "hazard",
        EntityRef::Drill { .. } => "drill",
        EntityRef::Campaign(_) => "campaign",
        EntityRef::Template(_) => "template",
        EntityRef::CitizenReport { .. } => "citizen report",
        EntityRef::Visit { .. } => "visit",
    }
}

/// The entity kind each body belongs to, written out independently of the validator.
fn belongs_to(b: &OpBody) -> &'static str {
    match body_variant(b) {
        0 => "venue",
        1 | 2 => "inspection",
        3..=8 => "hazard",
        9 | 10 => "drill",
        11 => "campaign",
        12 => "template",
        13..=15 => "citizen report",
        16 => "hazard",
        17 => "drill",
        18 => "visit",
        19 => "venue",
        _ => unreachable!(),
    }
}

#[test]
fn a_body_must_name_its_kind_of_entity() {
    let ops = one_valid_op_of_each_kind();
    let entities: Vec<EntityRef> = ops.iter().map(|o| o.entity).collect();
    let mut mismatches = 0;
    for o in &ops {
        for e in &entities {
            let mut wrong = o.clone();
            wrong.entity = *e;
            let result = check(&wrong);
            if entity_kind(e) == belongs_to(&o.body) {
                assert_eq!(result, Ok(()), "{} on a {}", o.body.kind(), entity_kind(e));
            } else {
                mismatches += 1;
                match result {
                    Err(E::EntityMismatch { kind, expected }) => {
                        assert_eq!(kind, o.body.kind());
                        assert!(expected.ends_with(belongs_to(&o.body)), "{expected}");
                    }
                    other => panic!("{} on a {}: {other:?}", o.body.kind(), entity_kind(e)),
                }
            }
        }
    }
    assert!(mismatches > 100);
}

#[test]
fn device_seq_starts_at_one() {
    let mut o = base("hazard_commented");
    o.device_seq = 0;
    assert_eq!(check(&o), Err(E::ZeroDeviceSeq));
    o.device_seq = 1;
    assert_eq!(check(&o), Ok(()));
    o.device_seq = u64::MAX;
    assert_eq!(check(&o), Ok(()));
}

// ---------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------

#[test]
fn hlc_far_in_the_future_is_refused() {
    let mut o = base("hazard_commented");
    o.hlc.wall_ms = NOW_MS as u64 + MAX_FORWARD_DRIFT_MS;
    assert_eq!(check(&o), Ok(()), "exactly the allowed drift");
    o.hlc.wall_ms += 1;
    assert_eq!(check(&o), Err(E::InFuture { field: "hlc" }));
    // Absurd values neither overflow nor pass.
    for wall in [u64::MAX, i64::MAX as u64, i64::MAX as u64 + 1] {
        o.hlc.wall_ms = wall;
        assert_eq!(check(&o), Err(E::InFuture { field: "hlc" }), "{wall}");
    }
}

#[test]
fn hlc_before_2000_is_refused() {
    let mut o = base("hazard_commented");
    o.hlc.wall_ms = EARLIEST_MS as u64;
    assert_eq!(check(&o), Ok(()));
    o.hlc.wall_ms = EARLIEST_MS as u64 - 1;
    assert_eq!(
        check(&o),
        Err(E::BadTimestamp {
            field: "hlc",
            ms: EARLIEST_MS - 1
        })
    );
    o.hlc.wall_ms = 0;
    assert!(matches!(check(&o), Err(E::BadTimestamp { .. })));
}

#[test]
fn record_times_are_checked_too() {
    assert_eq!(
        check(&inspection(|r| r.started_at = Timestamp(EARLIEST_MS - 1))),
        Err(E::BadTimestamp {
            field: "started_at",
            ms: EARLIEST_MS - 1
        })
    );
    assert_eq!(
        check(&inspection(|r| r.finished_at = Timestamp(i64::MAX))),
        Err(E::InFuture {
            field: "finished_at"
        })
    );
    assert!(matches!(
        check(&inspection(|r| {
            r.finished_at = Timestamp(r.started_at.0 - 1);
        })),
        Err(E::Invalid(_))
    ));
    assert!(matches!(
        check(&with_body("drill_recorded", |b| {
            if let OpBody::DrillRecorded(d) = b {
                d.held_at = Timestamp(i64::MIN);
            }
        })),
        Err(E::BadTimestamp {
            field: "held_at",
            ..
        })
    ));
    assert!(matches!(
        check(&with_body("citizen_reported", |b| {
            if let OpBody::CitizenReported(r) = b {
                r.reported_at = Timestamp(NOW_MS + MAX_FORWARD_DRIFT_MS as i64 + 1);
            }
        })),
        Err(E::InFuture {
            field: "reported_at"
        })
    ));
}

#[test]
fn campaign_cannot_end_before_it_starts() {
    assert_eq!(
        check(&campaign(|c| {
            c.starts = date(2023, 11, 10);
            c.ends = date(2023, 11, 9);
        })),
        Err(E::Invalid(firecheck_shared::msg!(
            "invalid-campaign-period"
        )))
    );
    assert_eq!(
        check(&campaign(|c| {
            c.starts = date(2023, 11, 10);
            c.ends = date(2023, 11, 10);
        })),
        Ok(()),
        "a one-day campaign"
    );
}

#[test]
fn template_versions_start_at_one_and_need_items() {
    assert!(matches!(
        check(&template(|t| t.version = 0)),
        Err(E::Invalid(_))
    ));
    assert_eq!(
        check(&template(|t| t.items.clear())),
        Err(E::Empty {
            field: "template items"
        })
    );
}

// ---------------------------------------------------------------------------------------
// Roles
// ---------------------------------------------------------------------------------------

/// Which bodies only the safety office may make, written out from the design's role list.
fn office_only(b: &OpBody) -> bool {
    matches!(
        b,
        OpBody::HazardDispatched { .. }
            | OpBody::HazardVerified { .. }
            | OpBody::HazardReopened { .. }
            | OpBody::HazardClosed { .. }
            | OpBody::CampaignDefined(_)
            | OpBody::TemplateDefined(_)
            | OpBody::CitizenCaseReported(_)
            | OpBody::CitizenReportLinked(_)
            | OpBody::HazardReplied { .. }
    )
}

#[test]
fn inspectors_record_but_may_not_dispatch_verify_close_reopen_or_define() {
    let mut refused = Vec::new();
    for o in one_valid_op_of_each_kind() {
        let r = authorize(Role::Inspector, &o.body);
        if office_only(&o.body) {
            assert_eq!(
                r,
                Err(E::RoleMayNot {
                    role: Role::Inspector,
                    kind: o.body.kind()
                })
            );
            refused.push(o.body.kind());
        } else {
            assert_eq!(r, Ok(()), "an inspector may make a {}", o.body.kind());
        }
    }
    refused.sort();
    assert_eq!(
        refused,
        [
            "campaign_defined",
            "citizen_case_reported",
            "citizen_report_linked",
            "hazard_closed",
            "hazard_dispatched",
            "hazard_reopened",
            "hazard_replied",
            "hazard_verified",
            "template_defined"
        ]
    );
    // What an inspector does in the field, explicitly.
    for kind in [
        "venue_upserted",
        "inspection_submitted",
        "inspection_amended",
        "hazard_reported_fixed",
        "hazard_commented",
        "drill_recorded",
        "drill_amended",
        "citizen_reported",
        "drill_finding_recorded",
        "visit_recorded",
        "venue_status_changed",
    ] {
        assert_eq!(
            authorize(Role::Inspector, &base(kind).body),
            Ok(()),
            "{kind}"
        );
    }
}

#[test]
fn officers_may_make_every_change() {
    for o in one_valid_op_of_each_kind() {
        assert_eq!(
            authorize(Role::Officer, &o.body),
            Ok(()),
            "{}",
            o.body.kind()
        );
    }
}

#[test]
fn admins_make_no_records() {
    for o in one_valid_op_of_each_kind() {
        let err = authorize(Role::Admin, &o.body).unwrap_err();
        assert_eq!(
            err,
            E::RoleMayNot {
                role: Role::Admin,
                kind: o.body.kind()
            }
        );
        assert!(err.to_string().contains("admin"), "{err}");
    }
}

/// Any i64 may arrive as a stamp in an op: out of chrono's range it reads as the epoch,
/// never a panic.
#[test]
fn stamps_out_of_chronos_range_read_as_the_epoch() {
    for ms in [i64::MAX, i64::MIN] {
        assert_eq!(Timestamp(ms).local(), Timestamp(0).local());
        let _ = Timestamp(ms).local_date();
        let _ = Timestamp(ms).to_string();
    }
}

// ---------------------------------------------------------------------------------------
// The other channels: late entries, visits, venue status, links
// ---------------------------------------------------------------------------------------

/// An inspection typed in after the fact carries the time it took place: at most 7 days
/// before the op was made (its HLC), whatever the server's clock says when it arrives.
#[test]
fn a_late_inspection_may_be_at_most_seven_days_old_when_typed_in() {
    use firecheck_shared::validate::LATE_ENTRY_MAX_MS;
    let stamped = |finished: i64| {
        let mut o = inspection(|r| {
            r.started_at = Timestamp(finished - 600_000);
            r.finished_at = Timestamp(finished);
        });
        o.hlc = hlc(0, 0, 1);
        o
    };
    let wall = T0 as i64;
    assert_eq!(check(&stamped(wall - LATE_ENTRY_MAX_MS)), Ok(()));
    assert_eq!(check(&stamped(wall - 3 * 24 * 3_600_000)), Ok(()));
    let e = check(&stamped(wall - LATE_ENTRY_MAX_MS - 1)).unwrap_err();
    assert!(e.to_string().contains("7 days"), "{e}");
    // An op made offline a week ago and pushed today is judged by its own stamp.
    let mut old = stamped(wall - 8 * 24 * 3_600_000);
    old.hlc = Hlc::new(T0 - 8 * 24 * 3_600_000, 0, 1);
    assert_eq!(check(&old), Ok(()));
}

fn visit(f: impl FnOnce(&mut VisitRecord)) -> Op {
    with_body("visit_recorded", |b| match b {
        OpBody::VisitRecorded(v) => f(v),
        _ => unreachable!(),
    })
}

#[test]
fn a_visit_names_its_area_and_folds_in_a_venue_or_that_area() {
    // The area partition is derived from the name: another name is refused.
    let e = check(&visit(|v| v.area = "日晖六村".into())).unwrap_err();
    assert!(e.to_string().contains("named area"), "{e}");
    // A residential venue's partition takes any name (the venue's).
    let mut o = visit(|v| v.area = "恒益居民区".into());
    o.entity = EntityRef::Visit {
        partition: Partition::Venue(venue_id(1)),
        visit: visit_id(1),
    };
    assert_eq!(check(&o), Ok(()));
    // Not a report's, a drill's or a campaign's.
    for partition in [
        Partition::Report(report_id(1)),
        Partition::Drill(drill_id(1)),
        Partition::Campaign(campaign_id(1)),
    ] {
        o.entity = EntityRef::Visit {
            partition,
            visit: visit_id(1),
        };
        assert!(check(&o).is_err(), "{partition:?}");
    }
    assert!(matches!(
        check(&visit(|v| v.problems[0].text = " ".into())),
        Err(E::Empty { field: "problem" })
    ));
    assert!(matches!(
        check(&visit(|v| v.area = String::new())),
        Err(E::Empty { .. })
    ));
    let many = visit(|v| {
        v.problems = vec![v.problems[0].clone(); firecheck_shared::validate::MAX_VISIT_PROBLEMS + 1]
    });
    assert!(matches!(check(&many), Err(E::TooMany { .. })));
    let future = visit(|v| v.visited_on = date(2999, 1, 1));
    assert!(matches!(check(&future), Err(E::InFuture { .. })));
}

#[test]
fn closing_a_venue_needs_a_reason_reopening_does_not() {
    let status = |status, reason: &str| {
        with_body("venue_status_changed", |b| {
            *b = OpBody::VenueStatusChanged(VenueStatusChange {
                status,
                reason: reason.to_string(),
            })
        })
    };
    assert!(matches!(
        check(&status(VenueStatus::Closed, "")),
        Err(E::Empty { field: "reason" })
    ));
    assert!(check(&status(VenueStatus::Moved, " ")).is_err());
    assert_eq!(check(&status(VenueStatus::Active, "")), Ok(()));
    assert_eq!(
        check(&status(VenueStatus::Moved, "搬至斜土路 1101号")),
        Ok(())
    );
}

#[test]
fn a_report_links_only_to_a_hazard_of_a_partition_that_holds_hazards() {
    let link = |partition| {
        with_body("citizen_report_linked", |b| {
            *b = OpBody::CitizenReportLinked(ReportLink {
                hazard: HazardId::for_report(report_id(1)),
                partition,
                note: String::new(),
            })
        })
    };
    assert_eq!(check(&link(Partition::Report(report_id(1)))), Ok(()));
    assert_eq!(
        check(&link(Partition::Area(AreaId::for_name("恒益居民区")))),
        Ok(())
    );
    assert!(check(&link(Partition::Campaign(campaign_id(1)))).is_err());
    assert!(check(&link(Partition::Template(template_id(1)))).is_err());
}

#[test]
fn a_case_report_and_its_contact_are_bounded() {
    let case = |f: &dyn Fn(&mut CitizenCaseRecord)| {
        with_body("citizen_case_reported", |b| match b {
            OpBody::CitizenCaseReported(r) => f(r),
            _ => unreachable!(),
        })
    };
    assert!(matches!(
        check(&case(&|r| r.case_number = "号".repeat(MAX_NAME_CHARS + 1))),
        Err(E::TooLong { .. })
    ));
    assert!(matches!(
        check(&case(&|r| {
            if let Some(c) = r.contact.as_mut() {
                c.phone = "1".repeat(MAX_NAME_CHARS + 1)
            }
        })),
        Err(E::TooLong { .. })
    ));
    assert!(matches!(
        check(&case(&|r| r.description = String::new())),
        Err(E::Empty { .. })
    ));
    assert_eq!(check(&case(&|r| r.contact = None)), Ok(()));
    assert!(matches!(
        check(&with_body("hazard_replied", |b| *b =
            OpBody::HazardReplied {
                text: "\u{7}".into()
            })),
        Err(E::ControlCharacters { .. })
    ));
}
