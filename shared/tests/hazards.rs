//! The hazard lifecycle, folded by a `Replica` from hand-built ops: the transition table,
//! conflicts kept in the history, one hazard per problem, re-inspections, aliases,
//! dispatch and overdue listing, citizen reports.

mod common;

use common::*;
use firecheck_shared::domain::{EventOutcome, HazardAction, HazardStatus};
use firecheck_shared::fold::transition;
use firecheck_shared::op::*;
use firecheck_shared::query::{self, HazardDetail, HazardFilter};
use firecheck_shared::replica::Applied;
use firecheck_shared::*;

const EXIT: &str = "EXIT-01";
const EXT: &str = "EXT-02";

/// A replica with one venue, and a counter that mints op ids.
struct World {
    replica: Replica,
    venue: VenueId,
    next: u128,
}

impl World {
    fn new() -> Self {
        let mut w = World {
            replica: Replica::new(),
            venue: venue_id(1),
            next: 1,
        };
        let v = w.venue;
        w.push(
            hlc(0, 0, 9),
            EntityRef::Venue(v),
            OpBody::VenueUpserted(venue_fields("老王五金店")),
        );
        w
    }

    fn make(&mut self, hlc: Hlc, entity: EntityRef, body: OpBody) -> Op {
        let n = self.next;
        self.next += 1;
        op(n, hlc, entity, body)
    }

    fn push(&mut self, hlc: Hlc, entity: EntityRef, body: OpBody) -> Op {
        let o = self.make(hlc, entity, body);
        self.replica.apply(o.clone());
        o
    }

    /// An inspection op at this venue (not applied).
    fn inspection_op(
        &mut self,
        hlc: Hlc,
        n: u128,
        items: &[(&str, Outcome)],
    ) -> (Op, InspectionId) {
        let id = inspection_id(n);
        let items = items.iter().map(|(c, o)| item(c, *o)).collect();
        let v = self.venue;
        let o = self.make(
            hlc,
            inspection_entity(v, id),
            OpBody::InspectionSubmitted(inspection_record(items)),
        );
        (o, id)
    }

    fn inspect(&mut self, hlc: Hlc, n: u128, items: &[(&str, Outcome)]) -> InspectionId {
        let (o, id) = self.inspection_op(hlc, n, items);
        self.replica.apply(o);
        id
    }

    fn hazard_op(&mut self, hlc: Hlc, hazard: HazardId, body: OpBody) -> Op {
        let v = self.venue;
        self.make(hlc, hazard_entity(v, hazard), body)
    }

    fn act(&mut self, hlc: Hlc, hazard: HazardId, body: OpBody) -> Op {
        let o = self.hazard_op(hlc, hazard, body);
        self.replica.apply(o.clone());
        o
    }

    fn state(&self) -> &PartitionState {
        &self.folded().state
    }

    fn folded(&self) -> &Folded {
        self.replica
            .partition(&Partition::Venue(self.venue))
            .expect("the venue partition exists")
    }

    /// A hazard with its whole history.
    fn hazard(&self, id: HazardId) -> HazardDetail {
        detail(&self.replica, self.venue, id)
    }
}

/// A hazard of `venue` with its whole history, as a replica shows it.
fn detail(r: &Replica, venue: VenueId, id: HazardId) -> HazardDetail {
    let part = r
        .partition(&Partition::Venue(venue))
        .expect("the venue partition exists");
    query::hazard_detail(part, id, today()).expect("hazard exists")
}

fn today() -> chrono::NaiveDate {
    date(2023, 11, 20)
}

// ---------------------------------------------------------------------------------------
// The transition table
// ---------------------------------------------------------------------------------------

const STATUSES: [HazardStatus; 6] = [
    HazardStatus::Open,
    HazardStatus::Dispatched,
    HazardStatus::ReportedFixed,
    HazardStatus::Verified,
    HazardStatus::Closed,
    HazardStatus::Reopened,
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Act {
    Dispatch,
    Fixed,
    Verify,
    Reopen,
    Close,
    Comment,
}

const ACTS: [Act; 6] = [
    Act::Dispatch,
    Act::Fixed,
    Act::Verify,
    Act::Reopen,
    Act::Close,
    Act::Comment,
];

fn body_of(a: Act) -> OpBody {
    match a {
        Act::Dispatch => dispatched("城管斜土中队", date(2023, 12, 1)),
        Act::Fixed => reported_fixed(),
        Act::Verify => verified(),
        Act::Reopen => reopened("复查发现仍堵塞"),
        Act::Close => closed("商户已搬离"),
        Act::Comment => commented("已电话联系店主"),
    }
}

/// The table from `fold::transition`'s documentation, written out independently:
/// `Some(next)` where the action is allowed, `None` where it is a conflict.
fn expected(from: HazardStatus, a: Act) -> Option<HazardStatus> {
    use HazardStatus::*;
    match (from, a) {
        (_, Act::Comment) => Some(from),
        (Open | Reopened | Dispatched | ReportedFixed, Act::Dispatch) => Some(Dispatched),
        (Open | Reopened | Dispatched | ReportedFixed, Act::Fixed) => Some(ReportedFixed),
        (ReportedFixed, Act::Verify) => Some(Verified),
        (ReportedFixed | Verified | Closed, Act::Reopen) => Some(Reopened),
        (Open | Reopened | Dispatched | ReportedFixed, Act::Close) => Some(Closed),
        _ => None,
    }
}

/// Ops (after the finding) that bring a fresh hazard to `status`.
fn path_to(status: HazardStatus) -> Vec<Act> {
    use HazardStatus::*;
    match status {
        Open => vec![],
        Dispatched => vec![Act::Dispatch],
        ReportedFixed => vec![Act::Fixed],
        Verified => vec![Act::Fixed, Act::Verify],
        Closed => vec![Act::Close],
        Reopened => vec![Act::Close, Act::Reopen],
    }
}

/// A world with one hazard (EXIT-01 failed at the venue), brought to `status`.
fn hazard_in(status: HazardStatus) -> (World, HazardId) {
    let mut w = World::new();
    let insp = w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let id = HazardId::for_finding(insp, EXIT);
    for (i, a) in path_to(status).into_iter().enumerate() {
        w.act(hlc(20 + i as u64, 0, 2), id, body_of(a));
    }
    assert_eq!(w.hazard(id).status, status, "set-up reaches {status:?}");
    assert_eq!(
        w.hazard(id).conflicts().count(),
        0,
        "set-up has no conflicts"
    );
    (w, id)
}

#[test]
fn every_cell_of_the_transition_table() {
    let mut allowed = 0;
    let mut refused = 0;
    for from in STATUSES {
        for a in ACTS {
            let (mut w, id) = hazard_in(from);
            let before = w.hazard(id).clone();
            let o = w.act(hlc(100, 0, 3), id, body_of(a));
            let after = w.hazard(id).clone();
            let ctx = format!("{a:?} from {from:?}");

            // Nothing lost: the op is one more history entry, whatever its outcome.
            assert_eq!(after.history.len(), before.history.len() + 1, "{ctx}");
            assert_eq!(
                &after.history[..before.history.len()],
                &before.history[..],
                "{ctx}"
            );
            let last = after.history.last().unwrap();
            assert_eq!(last.op, o.op_id, "{ctx}");
            assert_eq!(last.author, o.author, "{ctx}");
            assert_eq!(last.device, o.device, "{ctx}");
            assert_eq!(last.hlc, o.hlc, "{ctx}");
            assert_eq!(
                Some(&last.action),
                fold::hazard_action(&o.body).as_ref(),
                "{ctx}"
            );
            assert_eq!(w.state().unresolved, 0, "{ctx}");

            match expected(from, a) {
                Some(next) => {
                    allowed += 1;
                    assert_eq!(last.outcome, EventOutcome::Applied, "{ctx}");
                    assert_eq!(after.status, next, "{ctx}");
                    assert_eq!(last.status, next, "{ctx}");
                    assert_eq!(after.conflicts().count(), 0, "{ctx}");
                    assert_eq!(transition(from, &last.action), Ok(next), "{ctx}");
                }
                None => {
                    refused += 1;
                    let EventOutcome::Conflict { note } = &last.outcome else {
                        panic!("{ctx}: expected a conflict, got {:?}", last.outcome);
                    };
                    assert!(!note.trim().is_empty(), "{ctx}");
                    assert!(
                        note.contains(from.label()),
                        "{ctx}: note {note:?} names the status"
                    );
                    assert_eq!(after.status, from, "{ctx}: status unchanged");
                    assert_eq!(last.status, from, "{ctx}");
                    assert_eq!(after.conflicts().count(), 1, "{ctx}");
                    assert_eq!(transition(from, &last.action), Err(note.clone()), "{ctx}");
                }
            }
            // A dispatch sets the assignee only when it applies.
            if a == Act::Dispatch {
                if expected(from, a).is_some() {
                    assert_eq!(after.assignee.as_deref(), Some("城管斜土中队"), "{ctx}");
                    assert_eq!(after.deadline, Some(date(2023, 12, 1)), "{ctx}");
                } else {
                    assert_eq!(after.assignee, before.assignee, "{ctx}");
                    assert_eq!(after.deadline, before.deadline, "{ctx}");
                }
            }
        }
    }
    assert_eq!((allowed, refused), (22, 14));
}

#[test]
fn findings_are_not_hazard_ops() {
    for from in STATUSES {
        for action in [
            HazardAction::Found {
                note: String::new(),
            },
            HazardAction::FoundAgain {
                inspection: inspection_id(1),
                note: String::new(),
            },
            HazardAction::PassedReinspection {
                inspection: inspection_id(1),
            },
        ] {
            assert!(
                transition(from, &action).is_err(),
                "{action:?} from {from:?}"
            );
        }
    }
}

/// A verification whose HLC is before the fix report stays a conflict, even when it is
/// delivered after it (the partition re-folds), and both delivery orders agree.
#[test]
fn conflict_is_decided_by_merge_order_not_arrival() {
    let mut w = World::new();
    let insp = w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let id = HazardId::for_finding(insp, EXIT);
    let verify = w.hazard_op(hlc(20, 0, 2), id, verified());
    let fixed = w.hazard_op(hlc(30, 0, 1), id, reported_fixed());

    let mut a = w.replica.clone();
    assert_eq!(a.apply(fixed.clone()), Applied::Appended);
    assert_eq!(a.apply(verify.clone()), Applied::Refolded);
    let mut b = w.replica.clone();
    assert_eq!(b.apply(verify.clone()), Applied::Appended);
    assert_eq!(b.apply(fixed.clone()), Applied::Appended);
    assert_eq!(a, b);

    let h = detail(&a, w.venue, id);
    assert_eq!(h.status, HazardStatus::ReportedFixed);
    let ops: Vec<OpId> = h.history.iter().map(|e| e.op).collect();
    assert_eq!(ops[1..], [verify.op_id, fixed.op_id]);
    assert!(matches!(
        h.history[1].outcome,
        EventOutcome::Conflict { .. }
    ));
    assert_eq!(h.history[2].outcome, EventOutcome::Applied);
}

// ---------------------------------------------------------------------------------------
// Closed by the office, found again offline
// ---------------------------------------------------------------------------------------

#[test]
fn office_close_then_offline_finding_reopens_with_a_conflict_note() {
    let mut w = World::new();
    let (first, insp_a) = w.inspection_op(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let id = HazardId::for_finding(insp_a, EXIT);
    let close = w.hazard_op(hlc(20, 0, 5), id, closed("商户已搬离，场所停业"));
    // Inspector 2 was offline and found the exit still blocked after the close.
    let (later, insp_b) = w.inspection_op(hlc(30, 0, 2), 2, &[(EXIT, Outcome::Fail)]);

    let base = w.replica.clone();
    let orders = [
        vec![first.clone(), close.clone(), later.clone()],
        vec![later.clone(), first.clone(), close.clone()],
        vec![close.clone(), later.clone(), first.clone()],
    ];
    let replicas: Vec<Replica> = orders
        .iter()
        .map(|ops| {
            let mut r = base.clone();
            r.apply_all(ops.iter().cloned());
            r
        })
        .collect();
    assert_eq!(replicas[0], replicas[1]);
    assert_eq!(replicas[0], replicas[2]);

    let folded = replicas[0].partition(&Partition::Venue(w.venue)).unwrap();
    let state = &folded.state;
    assert_eq!(state.hazards.len(), 1, "one problem, one hazard");
    let h = detail(&replicas[0], w.venue, id);
    assert_eq!(h.status, HazardStatus::Reopened);
    assert_eq!(
        h.history.len(),
        3,
        "found, closed, found again: both facts kept"
    );
    assert!(matches!(h.history[0].action, HazardAction::Found { .. }));
    assert!(
        matches!(&h.history[1].action, HazardAction::Closed { reason } if reason == "商户已搬离，场所停业")
    );
    assert_eq!(h.history[1].outcome, EventOutcome::Applied);
    assert_eq!(h.history[1].status, HazardStatus::Closed);
    assert!(
        matches!(h.history[2].action, HazardAction::FoundAgain { inspection, .. } if inspection == insp_b)
    );
    assert_eq!(h.history[2].status, HazardStatus::Reopened);
    let EventOutcome::Conflict { note } = &h.history[2].outcome else {
        panic!(
            "the reopening is a conflict note, got {:?}",
            h.history[2].outcome
        );
    };
    assert!(
        note.contains("商户已搬离，场所停业"),
        "note names the close reason: {note}"
    );
    assert!(note.contains("closed"), "{note}");
    assert_eq!(h.conflicts().count(), 1);
    // The later finding's own id leads to the same hazard.
    let alias = HazardId::for_finding(insp_b, EXIT);
    assert_eq!(folded.hazard(alias).map(|h| h.id), Some(id));
    // It shows up as an active hazard with its conflict counted.
    let rows = query::hazards(
        &[state],
        &HazardFilter {
            active: true,
            ..Default::default()
        },
        today(),
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].conflicts, 1);
}

/// The contrast case: the offline finding sorts *before* the close, so it joins the open
/// hazard and the office's close is the last word — no reopen.
#[test]
fn finding_before_the_close_does_not_reopen() {
    let mut w = World::new();
    let insp_a = w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let id = HazardId::for_finding(insp_a, EXIT);
    w.act(hlc(30, 0, 5), id, closed("商户已搬离"));
    let (late, _) = w.inspection_op(hlc(20, 0, 2), 2, &[(EXIT, Outcome::Fail)]);
    assert_eq!(w.replica.apply(late), Applied::Refolded);
    let h = w.hazard(id);
    assert_eq!(h.status, HazardStatus::Closed);
    assert_eq!(h.conflicts().count(), 0);
    assert_eq!(h.history.len(), 3);
    assert!(matches!(
        h.history[1].action,
        HazardAction::FoundAgain { .. }
    ));
}

// ---------------------------------------------------------------------------------------
// Two inspectors, one problem
// ---------------------------------------------------------------------------------------

fn two_inspectors(first_hlc: Hlc, second_hlc: Hlc, first_n: u128, second_n: u128) {
    let mut w = World::new();
    let (a, insp_a) = w.inspection_op(
        first_hlc,
        first_n,
        &[(EXIT, Outcome::Fail), (EXT, Outcome::Pass)],
    );
    let (b, insp_b) = w.inspection_op(second_hlc, second_n, &[(EXIT, Outcome::Fail)]);
    let (earlier, later) = if a.key() < b.key() {
        ((a.clone(), insp_a), (b.clone(), insp_b))
    } else {
        ((b.clone(), insp_b), (a.clone(), insp_a))
    };

    let mut ab = w.replica.clone();
    ab.apply_all([a.clone(), b.clone()]);
    let mut ba = w.replica.clone();
    ba.apply_all([b.clone(), a.clone()]);
    assert_eq!(ab, ba, "both delivery orders give the same state");

    let folded = ab.partition(&Partition::Venue(w.venue)).unwrap();
    let state = &folded.state;
    let carrier = HazardId::for_finding(earlier.1, EXIT);
    let alias = HazardId::for_finding(later.1, EXIT);
    assert_ne!(carrier, alias);
    assert_eq!(state.hazards.len(), 1, "one hazard, not two");
    assert!(
        state.hazards.contains_key(&carrier),
        "the earlier finding carries the id"
    );
    assert!(!state.hazards.contains_key(&alias));
    assert_eq!(folded.records.aliases.get(&alias), Some(&carrier));
    assert_eq!(state.by_item.get(EXIT), Some(&carrier));

    let h = detail(&ab, w.venue, carrier);
    assert_eq!(h.source, HazardSource::Inspection(earlier.1));
    assert_eq!(h.found_by, earlier.0.author);
    assert_eq!(h.merged, vec![alias]);
    assert_eq!(h.status, HazardStatus::Open);
    assert_eq!(h.history.len(), 2);
    assert_eq!(h.history[0].op, earlier.0.op_id);
    assert_eq!(h.history[1].op, later.0.op_id);
    assert!(
        matches!(h.history[1].action, HazardAction::FoundAgain { inspection, .. } if inspection == later.1)
    );
    assert_eq!(h.history[1].outcome, EventOutcome::Applied);

    // The alias resolves everywhere an id is looked up.
    assert_eq!(folded.hazard(alias).map(|h| h.id), Some(carrier));
    assert_eq!(folded.hazard(carrier).map(|h| h.id), Some(carrier));
    let row = query::hazard(&[folded], alias, today()).expect("alias resolves in the query");
    assert_eq!(row.hazard.id, carrier);
    assert_eq!(row.venue_name, "老王五金店");
    assert_eq!(
        query::hazards(&[state], &HazardFilter::default(), today()).len(),
        1
    );
}

#[test]
fn two_offline_inspectors_one_hazard_earlier_hlc_carries() {
    two_inspectors(hlc(10, 0, 1), hlc(11, 0, 2), 1, 2);
    two_inspectors(hlc(11, 0, 1), hlc(10, 0, 2), 1, 2);
    // Same wall clock: the counter, then the node decide.
    two_inspectors(hlc(10, 1, 1), hlc(10, 0, 2), 1, 2);
    two_inspectors(hlc(10, 0, 2), hlc(10, 0, 1), 1, 2);
}

#[test]
fn two_offline_inspectors_identical_hlc_op_id_decides() {
    // Same HLC (a node collision): the smaller op id is earlier. `World` mints op ids in
    // creation order, so the first op created is the earlier one either way.
    two_inspectors(hlc(10, 0, 1), hlc(10, 0, 1), 1, 2);
    two_inspectors(hlc(10, 0, 1), hlc(10, 0, 1), 2, 1);
}

#[test]
fn hazard_op_for_an_alias_applies_to_the_merged_hazard() {
    let mut w = World::new();
    let insp_a = w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let insp_b = w.inspect(hlc(11, 0, 2), 2, &[(EXIT, Outcome::Fail)]);
    let carrier = HazardId::for_finding(insp_a, EXIT);
    let alias = HazardId::for_finding(insp_b, EXIT);
    // The officer only saw inspector B's finding and dispatches it by its own id.
    w.act(
        hlc(20, 0, 5),
        alias,
        dispatched("城管斜土中队", date(2023, 11, 25)),
    );
    w.act(hlc(21, 0, 2), alias, reported_fixed());
    let state = w.state();
    assert_eq!(state.unresolved, 0, "{:?}", w.folded().records.unresolved);
    assert_eq!(state.hazards.len(), 1);
    let h = w.hazard(carrier);
    assert_eq!(h.status, HazardStatus::ReportedFixed);
    assert_eq!(h.assignee.as_deref(), Some("城管斜土中队"));
    assert_eq!(h.deadline, Some(date(2023, 11, 25)));
    assert_eq!(h.history.len(), 4);

    // Same result when the officer's dispatch arrived before inspector A's finding did:
    // then it was B's hazard, and the late, earlier finding re-folds it under A's id.
    let mut late = World::new();
    let (a_op, _) = late.inspection_op(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    late.inspect(hlc(11, 0, 2), 2, &[(EXIT, Outcome::Fail)]);
    late.act(
        hlc(20, 0, 5),
        alias,
        dispatched("城管斜土中队", date(2023, 11, 25)),
    );
    late.act(hlc(21, 0, 2), alias, reported_fixed());
    assert!(late.state().hazards.contains_key(&alias));
    assert_eq!(late.replica.apply(a_op), Applied::Refolded);
    let h2 = late.hazard(alias);
    assert_eq!(h2.id, carrier);
    assert_eq!(h2.status, HazardStatus::ReportedFixed);
    assert!(!late.state().hazards.contains_key(&alias));
}

// ---------------------------------------------------------------------------------------
// Re-inspections
// ---------------------------------------------------------------------------------------

#[test]
fn reinspection_that_passes_the_item_verifies() {
    for status in [
        HazardStatus::Dispatched,
        HazardStatus::ReportedFixed,
        HazardStatus::Reopened,
    ] {
        let (mut w, id) = hazard_in(status);
        let len = w.hazard(id).history.len();
        let re = w.inspect(
            hlc(200, 0, 3),
            7,
            &[(EXIT, Outcome::Pass), (EXT, Outcome::Pass)],
        );
        let h = w.hazard(id);
        assert_eq!(h.status, HazardStatus::Verified, "from {status:?}");
        assert_eq!(h.history.len(), len + 1);
        let last = h.history.last().unwrap();
        assert!(
            matches!(last.action, HazardAction::PassedReinspection { inspection } if inspection == re)
        );
        assert_eq!(last.outcome, EventOutcome::Applied);
        assert_eq!(w.state().hazards.len(), 1, "passing items open nothing");
    }
    // A hazard merely found (nothing ordered or reported yet) stays open: the pass is recorded
    // and the office decides between two inspections that disagree.
    let (mut w, id) = hazard_in(HazardStatus::Open);
    let len = w.hazard(id).history.len();
    let re = w.inspect(
        hlc(200, 0, 3),
        7,
        &[(EXIT, Outcome::Pass), (EXT, Outcome::Pass)],
    );
    let h = w.hazard(id);
    assert_eq!(h.status, HazardStatus::Open);
    assert_eq!(h.history.len(), len + 1);
    assert!(
        matches!(h.history.last().unwrap().action, HazardAction::PassedReinspection { inspection } if inspection == re)
    );
    // A closed hazard is left alone by a passing re-inspection.
    let (mut w, id) = hazard_in(HazardStatus::Closed);
    let before = w.hazard(id).clone();
    w.inspect(hlc(200, 0, 3), 7, &[(EXIT, Outcome::Pass)]);
    assert_eq!(w.hazard(id), before);
}

#[test]
fn reinspection_that_fails_again_after_reported_fixed_reopens() {
    let (mut w, id) = hazard_in(HazardStatus::ReportedFixed);
    let re = w.inspect(hlc(200, 0, 3), 7, &[(EXIT, Outcome::Fail)]);
    let state = w.state();
    assert_eq!(
        state.hazards.len(),
        1,
        "the same hazard reopens; no second one"
    );
    let h = w.hazard(id);
    assert_eq!(h.status, HazardStatus::Reopened);
    let last = h.history.last().unwrap();
    assert!(matches!(last.action, HazardAction::FoundAgain { inspection, .. } if inspection == re));
    assert_eq!(
        last.outcome,
        EventOutcome::Applied,
        "reopening a reported fix is no conflict"
    );
    assert_eq!(
        w.folded()
            .hazard(HazardId::for_finding(re, EXIT))
            .map(|h| h.id),
        Some(id)
    );

    // After verification, failing again also reopens (and takes the worse severity).
    let (mut w, id) = hazard_in(HazardStatus::Verified);
    let (mut o, _) = w.inspection_op(hlc(200, 0, 3), 8, &[(EXIT, Outcome::Fail)]);
    if let OpBody::InspectionSubmitted(r) = &mut o.body {
        r.items[0].severity = Severity::Critical;
    }
    w.replica.apply(o);
    let h = w.hazard(id);
    assert_eq!(h.status, HazardStatus::Reopened);
    assert_eq!(h.severity, Severity::Critical);
    assert_eq!(h.conflicts().count(), 0);
}

#[test]
fn amendment_failing_an_item_opens_and_correcting_it_back_closes_it() {
    let mut w = World::new();
    let insp = w.inspect(
        hlc(10, 0, 1),
        1,
        &[(EXIT, Outcome::Pass), (EXT, Outcome::Pass)],
    );
    assert!(w.state().hazards.is_empty());
    let v = w.venue;
    let amend = |items: Vec<ItemResult>| {
        OpBody::InspectionAmended(InspectionAmendment {
            reason: "录入错误".to_string(),
            items,
            note: None,
        })
    };
    w.push(
        hlc(11, 0, 1),
        inspection_entity(v, insp),
        amend(vec![item(EXT, Outcome::Fail)]),
    );
    let id = HazardId::for_finding(insp, EXT);
    assert_eq!(w.hazard(id).status, HazardStatus::Open);
    w.push(
        hlc(12, 0, 1),
        inspection_entity(v, insp),
        amend(vec![item(EXT, Outcome::Pass)]),
    );
    // The amendment withdrew the only finding of the hazard: closed by the correction, with
    // its reason (an amendment is not a re-inspection, so it never verifies).
    assert_eq!(w.hazard(id).status, HazardStatus::Closed);
    assert!(matches!(
        &w.hazard(id).history.last().unwrap().action,
        HazardAction::FindingCorrected { inspection, reason } if *inspection == insp && reason == "录入错误"
    ));
    // The full record carries both amendments and their reasons.
    let full = firecheck_shared::query::inspections_of(w.folded());
    let record = full.iter().find(|r| r.id == insp).unwrap();
    assert_eq!(record.amendments.len(), 2);
    assert!(record.amendments.iter().all(|a| a.reason == "录入错误"));
    assert_eq!(
        record.items.iter().find(|i| i.code == EXT).unwrap().outcome,
        Outcome::Pass
    );
}

// ---------------------------------------------------------------------------------------
// Dispatch, deadlines, overdue
// ---------------------------------------------------------------------------------------

#[test]
fn dispatch_sets_assignee_and_deadline_and_overdue_sorts_first() {
    let mut w = World::new();
    let codes = ["A-01", "B-02", "C-03", "D-04", "E-05"];
    let items: Vec<(&str, Outcome)> = codes.iter().map(|c| (*c, Outcome::Fail)).collect();
    let insp = w.inspect(hlc(10, 0, 1), 1, &items);
    let id = |c: &str| HazardId::for_finding(insp, c);
    // today() is 2023-11-20.
    w.act(
        hlc(20, 0, 5),
        id("A-01"),
        dispatched("街道城建办", date(2023, 12, 31)),
    );
    w.act(
        hlc(21, 0, 5),
        id("B-02"),
        dispatched("城管斜土中队", date(2023, 11, 15)),
    );
    w.act(
        hlc(22, 0, 5),
        id("C-03"),
        dispatched("物业", date(2023, 11, 1)),
    );
    // D-04 is past its deadline but verified: not overdue.
    w.act(
        hlc(23, 0, 5),
        id("D-04"),
        dispatched("物业", date(2023, 10, 1)),
    );
    w.act(hlc(24, 0, 2), id("D-04"), reported_fixed());
    w.act(hlc(25, 0, 5), id("D-04"), verified());
    // E-05 is never dispatched.

    let h = w.hazard(id("B-02"));
    assert_eq!(h.status, HazardStatus::Dispatched);
    assert_eq!(h.assignee.as_deref(), Some("城管斜土中队"));
    assert_eq!(h.deadline, Some(date(2023, 11, 15)));
    assert!(h.is_overdue(today()));
    assert!(
        !h.is_overdue(date(2023, 11, 15)),
        "due today is not overdue yet"
    );
    assert!(w.hazard(id("E-05")).assignee.is_none());

    let state = w.state();
    let all = query::hazards(&[state], &HazardFilter::default(), today());
    let order: Vec<HazardId> = all.iter().map(|r| r.hazard.id).collect();
    assert_eq!(
        order,
        vec![id("C-03"), id("B-02"), id("D-04"), id("A-01"), id("E-05")],
        "overdue first (oldest deadline first), then by deadline, undated last"
    );
    let flags: Vec<bool> = all.iter().map(|r| r.overdue).collect();
    assert_eq!(flags, [true, true, false, false, false]);

    let overdue = query::hazards(
        &[state],
        &HazardFilter {
            overdue: true,
            ..Default::default()
        },
        today(),
    );
    let ids: Vec<HazardId> = overdue.iter().map(|r| r.hazard.id).collect();
    assert_eq!(ids, vec![id("C-03"), id("B-02")]);

    let by_unit = query::hazards(
        &[state],
        &HazardFilter {
            assignee: Some("物业".to_string()),
            active: true,
            ..Default::default()
        },
        today(),
    );
    assert_eq!(by_unit.len(), 1);
    assert_eq!(by_unit[0].hazard.id, id("C-03"));
}

#[test]
fn redispatch_replaces_assignee_and_deadline() {
    let (mut w, id) = hazard_in(HazardStatus::Dispatched);
    w.act(
        hlc(50, 0, 5),
        id,
        dispatched("消防救援站", date(2024, 1, 5)),
    );
    let h = w.hazard(id);
    assert_eq!(h.assignee.as_deref(), Some("消防救援站"));
    assert_eq!(h.deadline, Some(date(2024, 1, 5)));
}

// ---------------------------------------------------------------------------------------
// Citizen reports, and hazard ops nobody can place yet
// ---------------------------------------------------------------------------------------

#[test]
fn citizen_report_opens_a_hazard_with_the_derived_id() {
    // Without a venue: its own partition.
    let rid = report_id(7);
    let entity = EntityRef::CitizenReport {
        venue: None,
        report: rid,
    };
    let part = Partition::Report(rid);
    assert_eq!(entity.partition(), part);
    let mut r = Replica::new();
    let rec = citizen_report_record();
    r.apply(op(
        1,
        hlc(5, 0, 4),
        entity,
        OpBody::CitizenReported(rec.clone()),
    ));
    let folded = r.partition(&part).unwrap();
    let state = &folded.state;
    let hid = HazardId::for_report(rid);
    assert_eq!(state.hazards.len(), 1);
    let h = &state.hazards[&hid];
    assert_eq!(folded.history(hid).len(), 1);
    assert_eq!(h.status, HazardStatus::Open);
    assert_eq!(h.source, HazardSource::CitizenReport(rid));
    assert_eq!(h.severity, Severity::Critical);
    assert_eq!(h.found_at, rec.reported_at);
    assert_eq!(h.venue, None);
    assert_eq!(h.item, None);
    assert_eq!(state.reports[&rid].hazard, hid);
    let row = query::hazard(&[folded], hid, today()).unwrap();
    assert_eq!(
        row.street, "小木桥路",
        "a venue-less report lists under its street"
    );

    r.apply(op(
        2,
        hlc(6, 0, 5),
        EntityRef::Hazard {
            partition: part,
            hazard: hid,
        },
        dispatched("城管斜土中队", date(2023, 11, 30)),
    ));
    let h = r.state(&part).unwrap().hazard(hid).unwrap();
    assert_eq!(h.status, HazardStatus::Dispatched);

    // At a venue: in the venue's partition, next to inspection hazards, not merged with them.
    let mut w = World::new();
    let insp = w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let v = w.venue;
    w.push(
        hlc(11, 0, 4),
        EntityRef::CitizenReport {
            venue: Some(v),
            report: rid,
        },
        OpBody::CitizenReported(rec),
    );
    let state = w.state();
    assert_eq!(state.hazards.len(), 2);
    assert_eq!(state.hazards[&hid].venue, Some(v));
    assert!(state
        .hazards
        .contains_key(&HazardId::for_finding(insp, EXIT)));
}

#[test]
fn hazard_op_before_its_finding_is_kept_and_resolves_on_refold() {
    let mut w = World::new();
    let insp = inspection_id(1);
    let id = HazardId::for_finding(insp, EXIT);
    // A comment stamped before the finding can never be placed: unresolved, visible.
    let early = w.act(hlc(5, 0, 2), id, commented("先到的备注"));
    // A fix report that arrives before the inspection it refers to.
    let fix = w.act(hlc(20, 0, 2), id, reported_fixed());
    let unresolved = &w.folded().records.unresolved;
    assert_eq!(w.state().unresolved, 2);
    assert_eq!(unresolved.len(), 2);
    assert_eq!(unresolved[1].op, fix.op_id);
    assert_eq!(unresolved[1].kind, "hazard_reported_fixed");

    w.inspect(hlc(10, 0, 1), 1, &[(EXIT, Outcome::Fail)]);
    let unresolved = &w.folded().records.unresolved;
    assert_eq!(w.state().unresolved, 1);
    assert_eq!(unresolved.len(), 1, "the fix now has its hazard");
    assert_eq!(unresolved[0].op, early.op_id);
    assert_eq!(w.state().hazards[&id].status, HazardStatus::ReportedFixed);
    assert_eq!(w.replica.op_count(), 4);
}

/// A citizen report and an inspection that (forged) share one UUID derive the same hazard id
/// for item code "report": neither may overwrite the other's hazard, in either order.
#[test]
fn clashing_derived_hazard_ids_never_overwrite_a_hazard() {
    let shared_uuid = uuid::Uuid::from_u128(0xC1A5);
    let finding = HazardId::for_finding(InspectionId(shared_uuid), "report");
    assert_eq!(
        finding,
        HazardId::for_report(ReportId(shared_uuid)),
        "the clash this test is about"
    );
    let venue = VenueId(uuid::Uuid::from_u128(0xE1));
    let mk = |n: u128, entity: EntityRef, body: OpBody| Op {
        op_id: OpId(uuid::Uuid::from_u128(n)),
        device: DeviceId(uuid::Uuid::from_u128(0xD)),
        device_seq: n as u64,
        entity,
        hlc: firecheck_shared::Hlc::new(1_800_000_000_000 + n as u64, 0, 1),
        author: UserId(uuid::Uuid::from_u128(0xA)),
        body,
    };
    let report = mk(
        1,
        EntityRef::CitizenReport {
            venue: Some(venue),
            report: ReportId(shared_uuid),
        },
        OpBody::CitizenReported(CitizenReportRecord {
            street: "小木桥路".into(),
            address: "小木桥路 251号".into(),
            description: "楼道堆放电瓶".into(),
            evidence: vec![],
            reported_at: Timestamp(1_800_000_000_000),
            channel: "一网统管".into(),
            severity: Severity::Major,
        }),
    );
    let inspection = mk(
        2,
        EntityRef::Inspection {
            venue,
            inspection: InspectionId(shared_uuid),
        },
        OpBody::InspectionSubmitted(InspectionRecord {
            template: TemplateId(uuid::Uuid::from_u128(0x7)),
            template_version: 1,
            started_at: Timestamp(1_800_000_000_000),
            finished_at: Timestamp(1_800_000_000_000),
            items: vec![ItemResult {
                code: "report".into(),
                outcome: Outcome::Fail,
                severity: Severity::Critical,
                note: "后门堵塞".into(),
                evidence: vec![],
            }],
            note: String::new(),
            campaign: None,
        }),
    );
    for order in [
        [report.clone(), inspection.clone()],
        [inspection.clone(), report.clone()],
    ] {
        let mut r = Replica::new();
        r.apply_all(order);
        let f = r.partition(&Partition::Venue(venue)).unwrap();
        let h = &f.state.hazards[&finding];
        // The report sorts first, so it keeps the hazard; the clashing finding is kept visible.
        assert_eq!(h.source, HazardSource::CitizenReport(ReportId(shared_uuid)));
        assert_eq!(f.history(finding).len(), 1);
        assert_eq!(h.events, 1);
        let unresolved = &f.records.unresolved;
        assert_eq!(unresolved.len(), 1, "{unresolved:?}");
        assert!(unresolved[0].note.contains("already taken"));
    }
}
