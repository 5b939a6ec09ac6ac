//! The other channels a problem reaches the office by, folded by a `Replica` from hand-built
//! ops: citizen reports with case numbers (delivered twice, linked, replied to, the contact
//! never in a state), drill findings, resident visits and their report back, amended
//! inspections that withdraw a finding, and venues that closed.

mod common;

use common::*;
use firecheck_shared::domain::{EventOutcome, HazardAction, HazardStatus};
use firecheck_shared::op::*;
use firecheck_shared::query::{self, HazardFilter, ReportStatus, SourceKind};
use firecheck_shared::*;

/// A replica and a counter that mints op ids (and device positions).
struct World {
    replica: Replica,
    next: u128,
}

impl World {
    fn new() -> Self {
        Self {
            replica: Replica::new(),
            next: 1,
        }
    }

    fn push(&mut self, hlc: Hlc, entity: EntityRef, body: OpBody) -> Op {
        let o = op(self.next, hlc, entity, body);
        self.next += 1;
        self.replica.apply(o.clone());
        o
    }

    fn part(&self, p: Partition) -> &Folded {
        self.replica
            .partition(&p)
            .unwrap_or_else(|| panic!("no partition {p}"))
    }

    fn history(&self, p: Partition, h: HazardId) -> Vec<HazardEvent> {
        self.part(p).history(h).to_vec()
    }
}

fn today() -> chrono::NaiveDate {
    date(2023, 11, 15)
}

fn case_entity(case: &str) -> EntityRef {
    EntityRef::CitizenReport {
        venue: None,
        report: ReportId::for_case(org_id(), case),
    }
}

#[test]
fn a_case_delivered_twice_is_one_report_and_one_hazard() {
    let mut w = World::new();
    let case = "XH2023-0042";
    let report = ReportId::for_case(org_id(), case);
    let p = Partition::Report(report);
    w.push(
        hlc(10, 0, 7),
        case_entity(case),
        OpBody::CitizenCaseReported(citizen_case_record(case)),
    );
    // The platform delivered it again and it slipped past the intake's check.
    w.push(
        hlc(11, 0, 7),
        case_entity(case),
        OpBody::CitizenCaseReported(citizen_case_record(case)),
    );
    let f = w.part(p);
    assert_eq!(f.state.reports.len(), 1);
    assert_eq!(f.state.hazards.len(), 1, "never a second hazard");
    assert_eq!(f.state.unresolved, 1);
    assert!(f.records.unresolved[0].note.contains("already recorded"));
    let r = &f.state.reports[&report];
    assert_eq!(r.case_number.as_deref(), Some(case));
    assert_eq!(r.hazard, HazardId::for_report(report));
    let h = &f.state.hazards[&r.hazard];
    assert_eq!(h.source, HazardSource::CitizenReport(report));
    assert_eq!(h.description, "楼道里电动车充电");
    assert_eq!(SourceKind::of(&h.source), SourceKind::CitizenReport);
    // The street a venue-less report lists under is its own.
    let rows = query::hazards(&[&f.state], &HazardFilter::default(), today());
    assert_eq!(rows[0].street, "斜土路");
}

#[test]
fn the_reporters_contact_never_reaches_a_state() {
    let case = "XH2023-0043";
    let with = op(
        1,
        hlc(1, 0, 7),
        case_entity(case),
        OpBody::CitizenCaseReported(citizen_case_record(case)),
    );
    let without = with.clone().without_contact();
    let OpBody::CitizenCaseReported(r) = &without.body else {
        panic!()
    };
    assert_eq!(r.contact, None);
    assert_eq!(without.key(), with.key(), "the same op, less the contact");
    let p = with.partition();
    assert_eq!(Folded::fold(p, [&with]), Folded::fold(p, [&without]));
    // Other ops are left as they are.
    let other = one_valid_op_of_each_kind()[0].clone();
    assert_eq!(other.clone().without_contact(), other);
}

/// Two citizens report the same blocked exit the office already tracks: both reports are
/// linked to the inspection's hazard, their own hazards close, and the one reply given on
/// the tracked hazard is both reports' reply.
#[test]
fn linked_reports_follow_one_hazard_and_both_get_its_reply() {
    let mut w = World::new();
    let v = venue_id(1);
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(venue_fields("老王五金店")),
    );
    let insp = inspection_id(1);
    w.push(
        hlc(1, 0, 1),
        inspection_entity(v, insp),
        OpBody::InspectionSubmitted(inspection_record(vec![item("EXIT-01", Outcome::Fail)])),
    );
    let tracked = HazardId::for_finding(insp, "EXIT-01");
    for (n, case) in ["XH-1", "XH-2"].into_iter().enumerate() {
        w.push(
            hlc(2 + n as u64, 0, 7),
            case_entity(case),
            OpBody::CitizenCaseReported(citizen_case_record(case)),
        );
        w.push(
            hlc(4 + n as u64, 0, 2),
            case_entity(case),
            OpBody::CitizenReportLinked(ReportLink {
                hazard: tracked,
                partition: Partition::Venue(v),
                note: "同一问题".into(),
            }),
        );
    }
    w.push(
        hlc(6, 0, 2),
        hazard_entity(v, tracked),
        dispatched("城管斜土中队", date(2023, 11, 30)),
    );
    w.push(
        hlc(7, 0, 2),
        hazard_entity(v, tracked),
        OpBody::HazardReplied {
            text: "已责令店主清理，感谢反映".into(),
        },
    );
    for case in ["XH-1", "XH-2"] {
        let report = ReportId::for_case(org_id(), case);
        let f = w.part(Partition::Report(report));
        let r = &f.state.reports[&report];
        assert_eq!(r.linked_to.map(|l| l.hazard), Some(tracked));
        let own = &f.state.hazards[&r.hazard];
        assert_eq!(
            own.status,
            HazardStatus::Closed,
            "one problem stays one hazard"
        );
        assert!(own
            .closed_reason
            .as_deref()
            .is_some_and(|c| c.contains(&tracked.to_string())));
        let last = f.history(own.id).last().unwrap().clone();
        assert_eq!(last.action, HazardAction::Linked { hazard: tracked });
    }
    let parts: Vec<&Folded> = w.replica.partitions().collect();
    let progress = query::citizen_reports(&parts);
    assert_eq!(progress.len(), 2);
    for p in &progress {
        assert!(p.linked);
        assert_eq!(p.hazard, tracked);
        assert_eq!(p.hazard_status, HazardStatus::Dispatched);
        assert_eq!(p.status, ReportStatus::InProgress);
        assert_eq!(p.assignee.as_deref(), Some("城管斜土中队"));
        let reply = p.reply.as_ref().expect("both linked reports get the reply");
        assert_eq!(reply.text, "已责令店主清理，感谢反映");
        assert_eq!(reply.by, author(2));
    }
    // The reply stays in the tracked hazard's history, with the status unchanged.
    let h = w.history(Partition::Venue(v), tracked);
    assert!(h
        .iter()
        .any(|e| matches!(&e.action, HazardAction::Replied { .. })
            && e.status == HazardStatus::Dispatched));
}

#[test]
fn a_report_cannot_be_linked_to_its_own_hazard_or_before_it_is_seen() {
    let mut w = World::new();
    let case = "XH-3";
    let report = ReportId::for_case(org_id(), case);
    let link = OpBody::CitizenReportLinked(ReportLink {
        hazard: HazardId::for_report(report),
        partition: Partition::Report(report),
        note: String::new(),
    });
    // Before the report (in merge order): unresolved.
    w.push(hlc(1, 0, 2), case_entity(case), link.clone());
    w.push(
        hlc(2, 0, 7),
        case_entity(case),
        OpBody::CitizenCaseReported(citizen_case_record(case)),
    );
    // To its own hazard: unresolved, the hazard stays open.
    w.push(hlc(3, 0, 2), case_entity(case), link);
    let f = w.part(Partition::Report(report));
    assert_eq!(f.state.unresolved, 2);
    assert_eq!(
        f.state.hazards[&HazardId::for_report(report)].status,
        HazardStatus::Open
    );
}

/// The 龙华中路站 drill with two "must improve" points: two tracked items at the drill's
/// venue, listed on the drill; one fixed and verified, the other past its deadline.
#[test]
fn drill_findings_are_tracked_items_listed_on_the_drill() {
    let mut w = World::new();
    let v = venue_id(4);
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(VenueFields {
            name: Some("龙华中路站".into()),
            kind: Some(VenueKind::MetroStation),
            address: Some("龙华中路 600号".into()),
            street: Some("龙华中路".into()),
            location: None,
        }),
    );
    let d = drill_id(1);
    let drill = EntityRef::Drill {
        venue: Some(v),
        drill: d,
    };
    w.push(hlc(1, 0, 3), drill, OpBody::DrillRecorded(drill_record()));
    let points = ["2号出入口外非机动车乱停", "出入口应急广播声音偏小"];
    for (n, point) in points.into_iter().enumerate() {
        w.push(
            hlc(2 + n as u64, 0, 3),
            drill,
            OpBody::DrillFindingRecorded(DrillFindingRecord {
                point: point.into(),
                severity: Severity::Major,
                evidence: Vec::new(),
            }),
        );
    }
    // The same point again: unresolved, not a third item.
    w.push(
        hlc(4, 0, 3),
        drill,
        OpBody::DrillFindingRecorded(DrillFindingRecord {
            point: format!(" {}", points[0]),
            severity: Severity::Critical,
            evidence: Vec::new(),
        }),
    );
    let [a, b] = points.map(|p| HazardId::for_drill_finding(d, p));
    let he = |h| hazard_entity(v, h);
    w.push(
        hlc(5, 0, 2),
        he(a),
        dispatched("城管斜土中队", date(2023, 11, 20)),
    );
    w.push(hlc(6, 0, 3), he(a), reported_fixed());
    w.push(hlc(7, 0, 2), he(a), verified());
    w.push(
        hlc(8, 0, 2),
        he(b),
        dispatched("龙华中路站", date(2023, 11, 10)),
    );

    let f = w.part(Partition::Venue(v));
    assert_eq!(f.state.unresolved, 1);
    let detail = query::drill_detail(&f.state, d, today()).unwrap();
    assert_eq!(detail.drill.findings, vec![a, b]);
    let statuses: Vec<(HazardStatus, bool)> = detail
        .findings
        .iter()
        .map(|r| (r.hazard.status, r.overdue))
        .collect();
    assert_eq!(
        statuses,
        [
            (HazardStatus::Verified, false),
            (HazardStatus::Dispatched, true)
        ]
    );
    for r in &detail.findings {
        assert_eq!(r.hazard.source, HazardSource::DrillFinding(d));
        assert_eq!(r.hazard.venue, Some(v));
        assert_eq!(r.street, "龙华中路");
    }
    let board = query::street_counts(&[&f.state], today(), (today(), today()));
    assert_eq!(board.len(), 1);
    assert_eq!((board[0].verified, board[0].overdue), (1, 1));
    let overdue = query::hazards(
        &[&f.state],
        &HazardFilter {
            overdue: true,
            sources: vec![SourceKind::Drill],
            ..Default::default()
        },
        today(),
    );
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0].hazard.id, b);
}

#[test]
fn a_finding_of_a_drill_not_seen_is_unresolved_and_a_venueless_drill_keeps_its_own() {
    let mut w = World::new();
    let d = drill_id(2);
    let drill = EntityRef::Drill {
        venue: None,
        drill: d,
    };
    let finding = OpBody::DrillFindingRecorded(DrillFindingRecord {
        point: "楼梯口堆物".into(),
        severity: Severity::Minor,
        evidence: Vec::new(),
    });
    w.push(hlc(1, 0, 3), drill, finding.clone());
    w.push(hlc(2, 0, 3), drill, OpBody::DrillRecorded(drill_record()));
    w.push(hlc(3, 0, 3), drill, finding);
    let f = w.part(Partition::Drill(d));
    assert_eq!(f.state.unresolved, 1);
    assert_eq!(f.state.drills[&d].findings.len(), 1);
    let h = f.state.hazards.values().next().unwrap();
    assert_eq!(h.venue, None);
    assert_eq!(h.found_at, drill_record().held_at);
}

/// A visit to 恒益居民区 raises three problems; by the next visit one is verified, one
/// dispatched and one untouched, and the report back lists them all with their handling.
#[test]
fn the_next_visit_reports_back_on_the_problems_raised_before() {
    for partition in [
        Partition::Venue(venue_id(43)),
        Partition::Area(AreaId::for_name("恒益居民区")),
    ] {
        let mut w = World::new();
        if let Partition::Venue(v) = partition {
            w.push(
                hlc(0, 0, 9),
                EntityRef::Venue(v),
                OpBody::VenueUpserted(VenueFields {
                    name: Some("恒益居民区".into()),
                    kind: Some(VenueKind::Residential),
                    address: Some("恒益居民区 1号".into()),
                    street: Some("恒益居民区".into()),
                    location: None,
                }),
            );
        }
        let first = visit_id(1);
        let problems = ["3号楼楼道堆放杂物", "车棚飞线充电", "消防通道被私家车占用"];
        w.push(
            hlc(1, 0, 4),
            EntityRef::Visit {
                partition,
                visit: first,
            },
            OpBody::VisitRecorded(visit_record("恒益居民区", &problems)),
        );
        let ids: Vec<HazardId> = (0..3)
            .map(|n| HazardId::for_visit_problem(first, n))
            .collect();
        let he = |h| EntityRef::Hazard {
            partition,
            hazard: h,
        };
        w.push(
            hlc(2, 0, 2),
            he(ids[0]),
            dispatched("物业", date(2023, 11, 20)),
        );
        w.push(hlc(3, 0, 4), he(ids[0]), reported_fixed());
        w.push(hlc(4, 0, 2), he(ids[0]), verified());
        w.push(
            hlc(5, 0, 2),
            he(ids[1]),
            dispatched("城管斜土中队", date(2023, 11, 30)),
        );
        let mut next = visit_record("恒益居民区", &[]);
        next.visited_on = date(2023, 12, 3);
        w.push(
            hlc(6, 0, 4),
            EntityRef::Visit {
                partition,
                visit: visit_id(2),
            },
            OpBody::VisitRecorded(next),
        );

        let f = w.part(partition);
        let report = query::visit_report_of(f, today()).unwrap();
        assert_eq!(report.area, "恒益居民区");
        assert_eq!(report.visits.len(), 2);
        assert_eq!(report.visits[0].visit.id, visit_id(2), "newest first");
        let earlier = &report.visits[1];
        assert_eq!(earlier.visit.problems, ids);
        let handled: Vec<(HazardStatus, Option<String>)> = earlier
            .problems
            .iter()
            .map(|p| {
                (
                    p.problem.hazard.status,
                    p.last.as_ref().map(|e| format!("{:?}", e.action)),
                )
            })
            .collect();
        assert_eq!(handled[0].0, HazardStatus::Verified);
        assert!(handled[0].1.as_deref().unwrap().starts_with("Verified"));
        assert_eq!(handled[1].0, HazardStatus::Dispatched);
        assert!(handled[1].1.as_deref().unwrap().starts_with("Dispatched"));
        assert_eq!(handled[2].0, HazardStatus::Open);
        assert!(handled[2].1.as_deref().unwrap().starts_with("Found"));
        assert_eq!(
            (
                report.raised,
                report.resolved,
                report.in_progress,
                report.open
            ),
            (3, 1, 1, 1)
        );
        for p in &earlier.problems {
            assert_eq!(p.problem.hazard.source, HazardSource::Visit(first));
            assert_eq!(p.problem.street, "恒益居民区");
            assert_eq!(
                p.problem.hazard.found_at,
                Timestamp::start_of(date(2023, 11, 5))
            );
        }
    }
}

/// The wrong item of an inspection opened a hazard; the amendment that corrects it closes
/// that hazard with its reason, and the original stays beside the correction.
#[test]
fn an_amendment_that_withdraws_a_finding_closes_the_hazard_it_opened() {
    let mut w = World::new();
    let v = venue_id(1);
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(venue_fields("老王五金店")),
    );
    let insp = inspection_id(1);
    w.push(
        hlc(1, 0, 1),
        inspection_entity(v, insp),
        OpBody::InspectionSubmitted(inspection_record(vec![
            item("EXIT-01", Outcome::Fail),
            item("EXT-02", Outcome::Pass),
        ])),
    );
    let wrong = HazardId::for_finding(insp, "EXIT-01");
    w.push(
        hlc(2, 0, 2),
        hazard_entity(v, wrong),
        dispatched("城管斜土中队", date(2023, 11, 30)),
    );
    let mut corrected = item("EXIT-01", Outcome::Pass);
    corrected.note = "误录：出口畅通".into();
    w.push(
        hlc(3, 0, 1),
        inspection_entity(v, insp),
        OpBody::InspectionAmended(InspectionAmendment {
            reason: "录入错误，应为合格".into(),
            items: vec![corrected],
            note: None,
        }),
    );
    let f = w.part(Partition::Venue(v));
    let h = &f.state.hazards[&wrong];
    assert_eq!(h.status, HazardStatus::Closed);
    assert_eq!(h.closed_reason.as_deref(), Some("录入错误，应为合格"));
    let last = f.history(wrong).last().unwrap();
    assert_eq!(
        last.action,
        HazardAction::FindingCorrected {
            inspection: insp,
            reason: "录入错误，应为合格".into()
        }
    );
    assert_eq!(last.outcome, EventOutcome::Applied);
    // Original and amendment both readable.
    let i = &f.records.inspections[&insp];
    assert_eq!(i.items[0].outcome, Outcome::Pass);
    let change = &i.amendments[0].changes[0];
    assert_eq!(
        (change.code.as_str(), change.from, change.to),
        ("EXIT-01", Some(Outcome::Fail), Outcome::Pass)
    );
    assert_eq!(change.from_note, "EXIT-01: Fail");
    assert!(!f.state.by_item.contains_key("EXIT-01"));

    // A later inspection that finds the exit blocked opens a new hazard, not the corrected one.
    let later = inspection_id(2);
    w.push(
        hlc(4, 0, 1),
        inspection_entity(v, later),
        OpBody::InspectionSubmitted(inspection_record(vec![item("EXIT-01", Outcome::Fail)])),
    );
    let f = w.part(Partition::Venue(v));
    let fresh = HazardId::for_finding(later, "EXIT-01");
    assert_eq!(f.state.hazards[&fresh].status, HazardStatus::Open);
    assert_eq!(f.state.hazards[&wrong].status, HazardStatus::Closed);
}

#[test]
fn an_amendment_back_to_fail_reopens_and_a_withdrawal_leaves_other_findings_standing() {
    let mut w = World::new();
    let v = venue_id(1);
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(venue_fields("老王五金店")),
    );
    let (a, b) = (inspection_id(1), inspection_id(2));
    for (n, i) in [a, b].into_iter().enumerate() {
        w.push(
            hlc(1 + n as u64, 0, 1 + n as u64),
            inspection_entity(v, i),
            OpBody::InspectionSubmitted(inspection_record(vec![item("EXIT-01", Outcome::Fail)])),
        );
    }
    let carrier = HazardId::for_finding(a, "EXIT-01");
    let amend = |outcome| {
        OpBody::InspectionAmended(InspectionAmendment {
            reason: "更正".into(),
            items: vec![item("EXIT-01", outcome)],
            note: None,
        })
    };
    // Inspector B withdraws theirs: A's finding still stands.
    w.push(
        hlc(3, 0, 2),
        inspection_entity(v, b),
        amend(Outcome::NotApplicable),
    );
    let f = w.part(Partition::Venue(v));
    assert_eq!(f.state.hazards[&carrier].status, HazardStatus::Open);
    assert!(matches!(
        f.history(carrier).last().unwrap().action,
        HazardAction::FindingCorrected { inspection, .. } if inspection == b
    ));
    // Inspector A withdraws theirs too, but B's finding was merged in: still open.
    w.push(hlc(4, 0, 1), inspection_entity(v, a), amend(Outcome::Pass));
    assert_eq!(
        w.part(Partition::Venue(v)).state.hazards[&carrier].status,
        HazardStatus::Open
    );

    // A venue with one finding: withdrawn, then amended back to a failure → reopened.
    let mut w = World::new();
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(venue_fields("老王五金店")),
    );
    w.push(
        hlc(1, 0, 1),
        inspection_entity(v, a),
        OpBody::InspectionSubmitted(inspection_record(vec![item("EXIT-01", Outcome::Fail)])),
    );
    w.push(hlc(2, 0, 1), inspection_entity(v, a), amend(Outcome::Pass));
    w.push(hlc(3, 0, 1), inspection_entity(v, a), amend(Outcome::Fail));
    let f = w.part(Partition::Venue(v));
    assert_eq!(f.state.hazards.len(), 1);
    assert_eq!(f.state.hazards[&carrier].status, HazardStatus::Reopened);
    assert_eq!(f.state.by_item.get("EXIT-01"), Some(&carrier));
    assert_eq!(f.state.unresolved, 0);
}

#[test]
fn a_closed_venue_is_no_campaign_target_and_its_hazards_stay_listed() {
    let mut w = World::new();
    let v = venue_id(1);
    w.push(
        hlc(0, 0, 9),
        EntityRef::Venue(v),
        OpBody::VenueUpserted(venue_fields("老王五金店")),
    );
    w.push(
        hlc(1, 0, 1),
        inspection_entity(v, inspection_id(1)),
        OpBody::InspectionSubmitted(inspection_record(vec![item("EXIT-01", Outcome::Fail)])),
    );
    let c = campaign_id(1);
    w.push(
        hlc(2, 0, 2),
        EntityRef::Campaign(c),
        OpBody::CampaignDefined(campaign_definition()),
    );
    let parts = |w: &World| -> Vec<Folded> { w.replica.partitions().cloned().collect() };
    let covered = |w: &World| {
        let all = parts(w);
        let refs: Vec<&Folded> = all.iter().collect();
        query::coverage_of(&refs, c, today()).unwrap().targets
    };
    assert_eq!(covered(&w), 1);
    w.push(
        hlc(3, 0, 1),
        EntityRef::Venue(v),
        OpBody::VenueStatusChanged(VenueStatusChange {
            status: VenueStatus::Closed,
            reason: "已关停".into(),
        }),
    );
    let venue = w.part(Partition::Venue(v)).state.venue.clone().unwrap();
    assert_eq!(
        (venue.status, venue.status_reason.as_str()),
        (VenueStatus::Closed, "已关停")
    );
    assert_eq!(covered(&w), 0, "a closed venue is no longer a target");
    let all = parts(&w);
    let states: Vec<&PartitionState> = all.iter().map(|f| &f.state).collect();
    let open = query::hazards(
        &states,
        &HazardFilter {
            active: true,
            ..Default::default()
        },
        today(),
    );
    assert_eq!(open.len(), 1, "its open hazard stays visible");
    // Reopened: a target again. Status is last writer wins.
    w.push(
        hlc(4, 0, 1),
        EntityRef::Venue(v),
        OpBody::VenueStatusChanged(VenueStatusChange {
            status: VenueStatus::Active,
            reason: String::new(),
        }),
    );
    assert_eq!(covered(&w), 1);
    // A status change for a venue never seen is unresolved.
    w.push(
        hlc(5, 0, 1),
        EntityRef::Venue(venue_id(2)),
        OpBody::VenueStatusChanged(VenueStatusChange {
            status: VenueStatus::Moved,
            reason: "搬走".into(),
        }),
    );
    assert_eq!(w.part(Partition::Venue(venue_id(2))).state.unresolved, 1);
}
