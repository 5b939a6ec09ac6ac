//! The deterministic merge: one partition's state as a pure function of its set of ops.
//!
//! [`PartitionState::fold`] applies a partition's ops in [`OpKey`] order (HLC, then op id).
//! [`PartitionState::apply`] is the same step for one op that sorts after everything applied
//! so far; an op that arrives out of order is handled by re-folding its partition
//! ([`crate::merge::merge`], which every replica — in memory, the client's, the server's
//! views — calls). Because both sides run this code on the same sets, every replica shows
//! the same state.
//!
//! # Bounded state, records apart
//! A partition's state holds only what stays small however long its history grows: the
//! venue, its hazards' current facts, which hazard each checklist item points at, drills,
//! reports, counters. What grows with history — each inspection in full, each hazard's
//! events, the ids of merged findings, ops that could not be placed — goes to [`Records`],
//! which each replica keeps its own way (in memory, or as keyed records in its store). The
//! fold reads back only what a decision needs: an inspection being amended, an alias.
//!
//! # Layout
//! The inspection and hazard rules are this one file (about 900 lines, much of it these docs
//! and the transition table) because they decide together: a finding, a pass and a hazard op
//! all move the same hazards. The other channels' rules — citizen reports with case numbers
//! and links, drill findings, visits, venue status, withdrawn findings — are in `channels`.
//!
//! # Merge rules
//! - **Venues**: per-field last writer wins by (HLC, op id) — folding in order and
//!   overwriting only the fields an upsert carries is exactly that.
//! - **Inspections, drills, citizen reports** are immutable; amendments apply on top in order.
//! - **Hazards** are a state machine ([`transition`]). A transition not allowed where it
//!   stands in the order is kept in the history as a conflict note; nothing is dropped.
//! - **One problem, one hazard.** A failed item opens hazard `HazardId::for_finding(inspection,
//!   item)` unless the venue already has a hazard for that item. Then the finding joins it:
//!   if it is still being worked on the finding is recorded as "found again" (two inspectors
//!   who, offline, both found the blocked exit end up with one hazard: the earlier finding in
//!   (HLC, op id) order opens it, the later one's id becomes an alias of it); if it was
//!   reported fixed, verified or closed, the hazard is reopened — and when the office had
//!   closed it, that is a conflict note showing both facts.
//! - **Re-inspection**: a passed item verifies the venue's hazard for that item once work
//!   was ordered or reported (dispatched, reported fixed, reopened). While a hazard is merely
//!   open, a pass is recorded in its history and the hazard stays open: two inspectors the
//!   same night may disagree, and the office decides.
//! - **Amendments** correct what was recorded, they are not new observations. An amendment
//!   that turns a failed item into pass or n/a withdraws that finding: the hazard it opened
//!   is closed ([`HazardAction::FindingCorrected`], with the amendment's reason) when that
//!   finding was its only one and it still needed work, and the venue's item no longer points
//!   at it (a later failure opens a new hazard; the same inspection amended back to fail
//!   reopens it). When other findings were merged into it, or it was the alias of another
//!   hazard, the withdrawal is recorded in the history and the status stays: the other
//!   findings still stand. Any other change of an item is judged as before (a new failure is
//!   a finding; n/a → pass is a pass). Every amendment keeps the changed items' earlier
//!   outcomes ([`ItemChange`]), so the original stays readable beside the correction.
//! - **Venue status** (active, closed, moved) is one more field, last writer wins; a change
//!   for a venue this replica has not seen is unresolved. A closed or moved venue is no
//!   campaign's target ([`Campaign::targets`]); its hazards stay as they are.
//! - **Citizen reports with a case number** ([`OpBody::CitizenCaseReported`]) open a hazard
//!   like the older reports; a second report with the same id (the platform delivered the
//!   case twice and it slipped past the intake's check) is unresolved, never a second hazard.
//!   The reporter's contact is never read here.
//! - **Linking a report** ([`OpBody::CitizenReportLinked`], in the report's partition) points
//!   it at the hazard that already tracks its problem, last link winning; its own hazard is
//!   closed by the link ([`HazardAction::Linked`]) when it still needed work. The target may
//!   live in another partition, which this fold never touches: readers follow the link.
//! - **Replies** ([`OpBody::HazardReplied`]) are allowed in every status, like comments; the
//!   hazard keeps the last one, and every report linked to it reads that one.
//! - **Drill findings**: a "must improve" point of a drill recorded in the drill's partition
//!   opens hazard `HazardId::for_drill_finding(drill, point)` (source: drill) and is listed
//!   on the drill; the same point again, or a drill this replica has not seen, is unresolved.
//! - **Visits** are immutable records; each problem raised opens hazard
//!   `HazardId::for_visit_problem(visit, n)` (source: visit) in the visit's partition — the
//!   residential venue's, or the named area's — so a later visit's report finds every
//!   earlier problem of the area in one partition. A visit recorded twice is unresolved.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::hlc::Hlc;
use crate::ids::*;
use crate::merge::Records;
use crate::op::*;

mod channels;

/// An op this partition could not place (e.g. a fix reported for a hazard this replica has
/// not seen). Kept visible; a later op may resolve it on the next fold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Unresolved {
    pub op: OpId,
    pub hlc: Hlc,
    pub author: UserId,
    pub kind: String,
    pub note: String,
}

/// Everything one partition's ops add up to, apart from its [`Records`]: bounded by what the
/// partition holds (one venue, its hazards, drills and reports), never by its history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub partition: Partition,
    pub venue: Option<Venue>,
    /// Inspections recorded (each in full among the records).
    pub inspections: u64,
    /// The latest time an inspection finished here.
    pub last_inspected: Option<Timestamp>,
    pub hazards: BTreeMap<HazardId, Hazard>,
    /// The current hazard for each checklist item code at this venue.
    pub by_item: BTreeMap<String, HazardId>,
    pub drills: BTreeMap<DrillId, Drill>,
    pub campaign: Option<Campaign>,
    /// Template versions, by version number.
    pub templates: BTreeMap<u32, ChecklistTemplate>,
    pub reports: BTreeMap<ReportId, CitizenReport>,
    /// Resident visits folded here (a residential venue's, or a named area's).
    pub visits: BTreeMap<VisitId, Visit>,
    /// Ops this partition could not place (each among the records).
    pub unresolved: u32,
    /// The greatest op applied: the next op may be applied incrementally only if it sorts after.
    pub last: Option<OpKey>,
    pub op_count: u64,
}

impl PartitionState {
    pub fn new(partition: Partition) -> Self {
        Self {
            partition,
            venue: None,
            inspections: 0,
            last_inspected: None,
            hazards: BTreeMap::new(),
            by_item: BTreeMap::new(),
            drills: BTreeMap::new(),
            campaign: None,
            templates: BTreeMap::new(),
            reports: BTreeMap::new(),
            visits: BTreeMap::new(),
            unresolved: 0,
            last: None,
            op_count: 0,
        }
    }

    /// Fold a partition from its ops, in any order; duplicates (same key) count once.
    /// `records` must hold nothing of this partition yet.
    pub fn fold<'a, R: Records>(
        partition: Partition,
        records: &mut R,
        ops: impl IntoIterator<Item = &'a Op>,
    ) -> Result<Self, R::Error> {
        let mut sorted: Vec<&Op> = ops.into_iter().collect();
        sorted.sort_by_key(|op| op.key());
        sorted.dedup_by_key(|op| op.key());
        let mut state = Self::new(partition);
        for op in sorted {
            state.apply(records, op)?;
        }
        Ok(state)
    }

    /// Whether `op` can be applied incrementally (it sorts after everything applied).
    pub fn accepts_in_order(&self, op: &Op) -> bool {
        self.last.is_none_or(|last| op.key() > last)
    }

    /// Apply one op that sorts after every op applied so far (see [`Self::accepts_in_order`]).
    pub fn apply<R: Records>(&mut self, records: &mut R, op: &Op) -> Result<(), R::Error> {
        debug_assert!(self.accepts_in_order(op), "out-of-order op must re-fold");
        debug_assert_eq!(op.partition(), self.partition);
        self.last = Some(op.key());
        self.op_count += 1;
        let mut fold = Step {
            state: self,
            records,
        };
        match (&op.entity, &op.body) {
            (EntityRef::Venue(id), OpBody::VenueUpserted(fields)) => {
                fold.state.upsert_venue(*id, op, fields);
                Ok(())
            }
            (EntityRef::Inspection { venue, inspection }, OpBody::InspectionSubmitted(rec)) => {
                fold.submit_inspection(*venue, *inspection, op, rec)
            }
            (EntityRef::Inspection { inspection, .. }, OpBody::InspectionAmended(am)) => {
                fold.amend_inspection(*inspection, op, am)
            }
            (EntityRef::Hazard { hazard, .. }, body) if hazard_action(body).is_some() => {
                let action = hazard_action(body).expect("checked by the guard");
                fold.hazard_op(*hazard, op, action)
            }
            (EntityRef::Drill { venue, drill }, OpBody::DrillRecorded(rec)) => {
                fold.record_drill(*venue, *drill, op, rec)
            }
            (EntityRef::Drill { drill, .. }, OpBody::DrillAmended(am)) => {
                fold.amend_drill(*drill, op, am)
            }
            (EntityRef::Campaign(id), OpBody::CampaignDefined(def)) => {
                fold.state.campaign = Some(Campaign {
                    id: *id,
                    name: def.name.clone(),
                    starts: def.starts,
                    ends: def.ends,
                    streets: def.streets.clone(),
                    kinds: def.kinds.clone(),
                    goal: def.goal.clone(),
                    updated: op.hlc,
                });
                Ok(())
            }
            (EntityRef::Template(id), OpBody::TemplateDefined(def)) => {
                fold.state.templates.insert(
                    def.version,
                    ChecklistTemplate {
                        id: *id,
                        code: def.code.clone(),
                        name: def.name.clone(),
                        version: def.version,
                        kinds: def.kinds.clone(),
                        items: def.items.clone(),
                    },
                );
                Ok(())
            }
            (EntityRef::CitizenReport { venue, report }, OpBody::CitizenReported(rec)) => {
                fold.citizen_report(*venue, *report, op, rec)
            }
            (EntityRef::CitizenReport { venue, report }, OpBody::CitizenCaseReported(rec)) => {
                fold.citizen_case(*venue, *report, op, rec)
            }
            (EntityRef::CitizenReport { report, .. }, OpBody::CitizenReportLinked(link)) => {
                fold.link_report(*report, op, link)
            }
            (EntityRef::Venue(id), OpBody::VenueStatusChanged(change)) => {
                fold.venue_status(*id, op, change)
            }
            (EntityRef::Drill { drill, .. }, OpBody::DrillFindingRecorded(rec)) => {
                fold.drill_finding(*drill, op, rec)
            }
            (EntityRef::Visit { visit, .. }, OpBody::VisitRecorded(rec)) => {
                fold.record_visit(*visit, op, rec)
            }
            (_, body) => fold.unresolved(
                op,
                format!(
                    "{} op does not belong to this entity",
                    crate::validate::with_article(body.kind())
                ),
            ),
        }
    }

    /// The hazard an id names here (not following aliases of merged findings: those are
    /// among the records; see [`crate::merge::Folded::hazard`]).
    pub fn hazard(&self, id: HazardId) -> Option<&Hazard> {
        self.hazards.get(&id)
    }

    /// The newest version of this partition's template, if it is a template partition.
    pub fn latest_template(&self) -> Option<&ChecklistTemplate> {
        self.templates.values().next_back()
    }

    fn upsert_venue(&mut self, id: VenueId, op: &Op, f: &VenueFields) {
        let venue = self.venue.get_or_insert_with(|| Venue {
            id,
            name: String::new(),
            kind: VenueKind::Other,
            address: String::new(),
            street: String::new(),
            location: None,
            created_by: op.author,
            created: op.hlc,
            updated: op.hlc,
            status: VenueStatus::Active,
            status_reason: String::new(),
        });
        if let Some(v) = &f.name {
            venue.name = v.clone();
        }
        if let Some(v) = f.kind {
            venue.kind = v;
        }
        if let Some(v) = &f.address {
            venue.address = v.clone();
        }
        if let Some(v) = &f.street {
            venue.street = v.clone();
        }
        if let Some(v) = f.location {
            venue.location = Some(v);
        }
        venue.updated = op.hlc;
    }
}

/// One op being applied: the state and the records it writes to.
struct Step<'a, R> {
    state: &'a mut PartitionState,
    records: &'a mut R,
}

impl<R: Records> Step<'_, R> {
    fn unresolved(&mut self, op: &Op, note: String) -> Result<(), R::Error> {
        let index = self.state.unresolved;
        self.state.unresolved += 1;
        self.records.push_unresolved(
            index,
            &Unresolved {
                op: op.op_id,
                hlc: op.hlc,
                author: op.author,
                kind: op.body.kind().to_string(),
                note,
            },
        )
    }

    /// Append an event to a hazard's history and keep its counters.
    fn push_event(&mut self, id: HazardId, event: HazardEvent) -> Result<(), R::Error> {
        let Some(hazard) = self.state.hazards.get_mut(&id) else {
            return Ok(());
        };
        let index = hazard.events;
        hazard.events += 1;
        if matches!(event.outcome, EventOutcome::Conflict { .. }) {
            hazard.conflicts += 1;
        }
        hazard.updated = event.hlc;
        if event.outcome == EventOutcome::Applied {
            match &event.action {
                HazardAction::Closed { reason } => hazard.closed_reason = Some(reason.clone()),
                HazardAction::FindingCorrected { reason, .. }
                    if event.status == HazardStatus::Closed && hazard.status.is_active() =>
                {
                    hazard.closed_reason = Some(reason.clone())
                }
                HazardAction::Linked { hazard: to }
                    if event.status == HazardStatus::Closed && hazard.status.is_active() =>
                {
                    hazard.closed_reason = Some(format!("the same problem as hazard {to}"))
                }
                HazardAction::Replied { text } => {
                    hazard.reply = Some(CitizenReply {
                        text: text.clone(),
                        at: event.hlc.into(),
                        by: event.author,
                    })
                }
                _ => {}
            }
        }
        if event.status != HazardStatus::Verified {
            hazard.verified_at = None;
        } else if hazard.status != HazardStatus::Verified {
            hazard.verified_at = Some(event.hlc.into());
        }
        hazard.status = event.status;
        self.records.push_event(id, index, &event)
    }

    fn submit_inspection(
        &mut self,
        venue: VenueId,
        id: InspectionId,
        op: &Op,
        rec: &InspectionRecord,
    ) -> Result<(), R::Error> {
        if self.records.inspection(id)?.is_some() {
            return self.unresolved(
                op,
                format!("inspection {id} was already recorded by another op"),
            );
        }
        let inspection = Inspection {
            id,
            venue,
            template: rec.template,
            template_version: rec.template_version,
            inspector: op.author,
            device: op.device,
            started_at: rec.started_at,
            finished_at: rec.finished_at,
            items: rec.items.clone(),
            note: rec.note.clone(),
            campaign: rec.campaign,
            hlc: op.hlc,
            amendments: Vec::new(),
        };
        self.records.put_inspection(&inspection)?;
        self.state.inspections += 1;
        self.state.last_inspected = self.state.last_inspected.max(Some(rec.finished_at));
        for item in &rec.items {
            self.observe_item(&inspection, item, op)?;
        }
        Ok(())
    }

    fn amend_inspection(
        &mut self,
        id: InspectionId,
        op: &Op,
        am: &InspectionAmendment,
    ) -> Result<(), R::Error> {
        let Some(mut inspection) = self.records.inspection(id)? else {
            return self.unresolved(
                op,
                format!("amends inspection {id}, which this replica has not seen"),
            );
        };
        let mut changes = Vec::new();
        if let Some(note) = &am.note {
            inspection.note = note.clone();
        }
        // Only an item whose outcome or severity changed means something for its hazard; a
        // corrected note does not. A failure corrected away withdraws its finding.
        let mut changed = Vec::new();
        let mut withdrawn = Vec::new();
        for new in &am.items {
            match inspection.items.iter_mut().find(|i| i.code == new.code) {
                Some(old) => {
                    if (old.outcome, &old.note) != (new.outcome, &new.note) {
                        changes.push(ItemChange {
                            code: new.code.clone(),
                            from: Some(old.outcome),
                            from_note: old.note.clone(),
                            to: new.outcome,
                            to_note: new.note.clone(),
                        });
                    }
                    if (old.outcome, old.severity) != (new.outcome, new.severity) {
                        if old.outcome == Outcome::Fail && new.outcome != Outcome::Fail {
                            withdrawn.push(new.code.clone());
                        } else {
                            changed.push(new.clone());
                        }
                    }
                    *old = new.clone();
                }
                None => {
                    changes.push(ItemChange {
                        code: new.code.clone(),
                        from: None,
                        from_note: String::new(),
                        to: new.outcome,
                        to_note: new.note.clone(),
                    });
                    inspection.items.push(new.clone());
                    changed.push(new.clone());
                }
            }
        }
        inspection.amendments.push(Amendment {
            op: op.op_id,
            author: op.author,
            hlc: op.hlc,
            reason: am.reason.clone(),
            changes,
        });
        self.records.put_inspection(&inspection)?;
        for code in &withdrawn {
            self.withdraw_finding(inspection.id, code, op, &am.reason)?;
        }
        for item in &changed {
            self.observe_item(&inspection, item, op)?;
        }
        Ok(())
    }

    /// What a checklist result means for the venue's hazard for that item.
    fn observe_item(
        &mut self,
        inspection: &Inspection,
        item: &ItemResult,
        op: &Op,
    ) -> Result<(), R::Error> {
        match item.outcome {
            Outcome::Fail => self.finding(inspection, item, op),
            Outcome::Pass => self.passed(inspection.id, &item.code, op),
            Outcome::NotApplicable => Ok(()),
        }
    }

    fn finding(
        &mut self,
        inspection: &Inspection,
        item: &ItemResult,
        op: &Op,
    ) -> Result<(), R::Error> {
        let derived = HazardId::for_finding(inspection.id, &item.code);
        let current = self
            .state
            .by_item
            .get(&item.code)
            .copied()
            .filter(|id| self.state.hazards.contains_key(id));
        let Some(current) = current else {
            if let Some(h) = self.state.hazards.get(&derived).filter(|h| {
                h.source == HazardSource::Inspection(inspection.id)
                    && h.item.as_deref() == Some(item.code.as_str())
            }) {
                // The same inspection's finding, withdrawn by an amendment and now amended back
                // to a failure: its hazard is the venue's again, reopened.
                let status = if h.status.is_active() {
                    h.status
                } else {
                    HazardStatus::Reopened
                };
                self.state.by_item.insert(item.code.clone(), derived);
                let action = HazardAction::FoundAgain {
                    inspection: inspection.id,
                    note: item.note.clone(),
                };
                return self.push_event(derived, event(op, action, EventOutcome::Applied, status));
            }
            if self.state.hazards.contains_key(&derived) {
                // Only a forged id can clash (a report sharing this inspection's UUID): keep
                // both records, never let one overwrite the other's hazard.
                return self.unresolved(
                    op,
                    format!("hazard id {derived} is already taken by another record"),
                );
            }
            self.state.by_item.insert(item.code.clone(), derived);
            self.state.hazards.insert(
                derived,
                Hazard {
                    id: derived,
                    venue: Some(inspection.venue),
                    item: Some(item.code.clone()),
                    severity: item.severity,
                    source: HazardSource::Inspection(inspection.id),
                    status: HazardStatus::Open,
                    assignee: None,
                    deadline: None,
                    found_at: op.hlc.into(),
                    found_by: op.author,
                    description: item.note.clone(),
                    merged_findings: 0,
                    events: 0,
                    conflicts: 0,
                    updated: op.hlc,
                    verified_at: None,
                    closed_reason: None,
                    inspection_finished: Some(inspection.finished_at),
                    inspection_campaign: inspection.campaign,
                    reply: None,
                },
            );
            return self.push_event(
                derived,
                event(
                    op,
                    HazardAction::Found {
                        note: item.note.clone(),
                    },
                    EventOutcome::Applied,
                    HazardStatus::Open,
                ),
            );
        };
        if derived != current && self.records.alias(derived)?.is_none() {
            self.records.put_alias(derived, current)?;
            if let Some(h) = self.state.hazards.get_mut(&current) {
                h.merged_findings += 1;
            }
        }
        let Some(hazard) = self.state.hazards.get_mut(&current) else {
            return Ok(());
        };
        let action = HazardAction::FoundAgain {
            inspection: inspection.id,
            note: item.note.clone(),
        };
        let (status, outcome) = match hazard.status {
            HazardStatus::Open | HazardStatus::Dispatched | HazardStatus::Reopened => {
                (hazard.status, EventOutcome::Applied)
            }
            HazardStatus::ReportedFixed | HazardStatus::Verified => {
                (HazardStatus::Reopened, EventOutcome::Applied)
            }
            HazardStatus::Closed => (
                HazardStatus::Reopened,
                EventOutcome::Conflict {
                    note: format!(
                        "the office closed this hazard, but it was found still present{}; reopened so both facts stay visible",
                        hazard
                            .closed_reason
                            .as_ref()
                            .map(|r| format!(" (closed because: {r})"))
                            .unwrap_or_default()
                    ),
                },
            ),
        };
        if hazard.status == HazardStatus::Verified || hazard.status == HazardStatus::Closed {
            // A reopened hazard gets the new severity if it got worse.
            hazard.severity = hazard.severity.min(item.severity);
        }
        self.push_event(current, event(op, action, outcome, status))
    }

    fn passed(&mut self, inspection: InspectionId, code: &str, op: &Op) -> Result<(), R::Error> {
        let Some(current) = self.state.by_item.get(code).copied() else {
            return Ok(());
        };
        let Some(hazard) = self.state.hazards.get(&current) else {
            return Ok(());
        };
        let status = match hazard.status {
            // Work was ordered or reported done, or it was found again: a pass is the re-inspection.
            HazardStatus::Dispatched | HazardStatus::ReportedFixed | HazardStatus::Reopened => {
                HazardStatus::Verified
            }
            // Found but nothing done yet: another inspection that saw no problem is recorded,
            // and the hazard stays open for the office to decide.
            HazardStatus::Open => HazardStatus::Open,
            HazardStatus::Verified | HazardStatus::Closed => return Ok(()),
        };
        self.push_event(
            current,
            event(
                op,
                HazardAction::PassedReinspection { inspection },
                EventOutcome::Applied,
                status,
            ),
        )
    }

    fn hazard_op(&mut self, id: HazardId, op: &Op, action: HazardAction) -> Result<(), R::Error> {
        let id = if self.state.hazards.contains_key(&id) {
            id
        } else {
            self.records.alias(id)?.unwrap_or(id)
        };
        let Some(hazard) = self.state.hazards.get_mut(&id) else {
            return self.unresolved(
                op,
                format!(
                    "{} for hazard {id}, which this replica has not seen",
                    op.body.kind()
                ),
            );
        };
        let (status, outcome) = match transition(hazard.status, &action) {
            Ok(next) => (next, EventOutcome::Applied),
            Err(note) => (hazard.status, EventOutcome::Conflict { note }),
        };
        if outcome == EventOutcome::Applied {
            if let HazardAction::Dispatched { unit, due, .. } = &action {
                hazard.assignee = Some(unit.clone());
                hazard.deadline = Some(*due);
            }
        }
        self.push_event(id, event(op, action, outcome, status))
    }

    fn record_drill(
        &mut self,
        venue: Option<VenueId>,
        id: DrillId,
        op: &Op,
        rec: &DrillRecord,
    ) -> Result<(), R::Error> {
        if self.state.drills.contains_key(&id) {
            return self.unresolved(op, format!("drill {id} was already recorded by another op"));
        }
        self.state.drills.insert(
            id,
            Drill {
                id,
                venue,
                held_at: rec.held_at,
                place: rec.place.clone(),
                organiser: rec.organiser.clone(),
                units: rec.units.clone(),
                scenario: rec.scenario.clone(),
                participants: rec.participants,
                evacuation_secs: rec.evacuation_secs,
                went_well: rec.went_well.clone(),
                to_improve: rec.to_improve.clone(),
                evidence: rec.evidence.clone(),
                recorded_by: op.author,
                hlc: op.hlc,
                amendments: Vec::new(),
                findings: Vec::new(),
            },
        );
        Ok(())
    }

    fn amend_drill(&mut self, id: DrillId, op: &Op, am: &DrillAmendment) -> Result<(), R::Error> {
        let Some(drill) = self.state.drills.get_mut(&id) else {
            return self.unresolved(
                op,
                format!("amends drill {id}, which this replica has not seen"),
            );
        };
        if let Some(v) = am.participants {
            drill.participants = v;
        }
        if let Some(v) = am.evacuation_secs {
            drill.evacuation_secs = v;
        }
        if let Some(v) = &am.went_well {
            drill.went_well = v.clone();
        }
        if let Some(v) = &am.to_improve {
            drill.to_improve = v.clone();
        }
        drill.amendments.push(Amendment {
            op: op.op_id,
            author: op.author,
            hlc: op.hlc,
            reason: am.reason.clone(),
            changes: Vec::new(),
        });
        Ok(())
    }

    fn citizen_report(
        &mut self,
        venue: Option<VenueId>,
        id: ReportId,
        op: &Op,
        rec: &CitizenReportRecord,
    ) -> Result<(), R::Error> {
        let report = CitizenReport {
            id,
            venue,
            street: rec.street.clone(),
            address: rec.address.clone(),
            description: rec.description.clone(),
            evidence: rec.evidence.clone(),
            reported_at: rec.reported_at,
            channel: rec.channel.clone(),
            hazard: HazardId::for_report(id),
            recorded_by: op.author,
            case_number: None,
            location: None,
            linked_to: None,
        };
        self.open_report(report, rec.severity, op)
    }

    /// A citizen report and the hazard it opens.
    fn open_report(
        &mut self,
        report: CitizenReport,
        severity: Severity,
        op: &Op,
    ) -> Result<(), R::Error> {
        let id = report.id;
        if self.state.reports.contains_key(&id) {
            return self.unresolved(
                op,
                format!("citizen report {id} was already recorded by another op"),
            );
        }
        let hazard = report.hazard;
        if self.state.hazards.contains_key(&hazard) {
            return self.unresolved(
                op,
                format!("hazard id {hazard} is already taken by another record"),
            );
        }
        let description = report.description.clone();
        let (venue, found_at) = (report.venue, report.reported_at);
        self.state.reports.insert(id, report);
        self.open_hazard(
            Hazard {
                id: hazard,
                venue,
                item: None,
                severity,
                source: HazardSource::CitizenReport(id),
                status: HazardStatus::Open,
                assignee: None,
                deadline: None,
                found_at,
                found_by: op.author,
                description,
                merged_findings: 0,
                events: 0,
                conflicts: 0,
                updated: op.hlc,
                verified_at: None,
                closed_reason: None,
                inspection_finished: None,
                inspection_campaign: None,
                reply: None,
            },
            op,
        )
    }

    /// A new hazard, with its "found" event.
    fn open_hazard(&mut self, hazard: Hazard, op: &Op) -> Result<(), R::Error> {
        let id = hazard.id;
        let note = hazard.description.clone();
        self.state.hazards.insert(id, hazard);
        self.push_event(
            id,
            event(
                op,
                HazardAction::Found { note },
                EventOutcome::Applied,
                HazardStatus::Open,
            ),
        )
    }
}

fn event(
    op: &Op,
    action: HazardAction,
    outcome: EventOutcome,
    status: HazardStatus,
) -> HazardEvent {
    HazardEvent {
        op: op.op_id,
        hlc: op.hlc,
        author: op.author,
        device: op.device,
        action,
        outcome,
        status,
    }
}

/// The hazard action an op body stands for, if it is a hazard op.
pub fn hazard_action(body: &OpBody) -> Option<HazardAction> {
    Some(match body {
        OpBody::HazardDispatched { unit, due, note } => HazardAction::Dispatched {
            unit: unit.clone(),
            due: *due,
            note: note.clone(),
        },
        OpBody::HazardReportedFixed { note, evidence } => HazardAction::ReportedFixed {
            note: note.clone(),
            evidence: evidence.clone(),
        },
        OpBody::HazardVerified { note } => HazardAction::Verified { note: note.clone() },
        OpBody::HazardReopened { reason } => HazardAction::Reopened {
            reason: reason.clone(),
        },
        OpBody::HazardClosed { reason } => HazardAction::Closed {
            reason: reason.clone(),
        },
        OpBody::HazardCommented { text } => HazardAction::Commented { text: text.clone() },
        OpBody::HazardReplied { text } => HazardAction::Replied { text: text.clone() },
        _ => return None,
    })
}

/// The hazard state machine for explicit hazard ops.
///
/// | from \ action   | dispatch | reported fixed | verify | reopen | close | comment, reply |
/// |-----------------|----------|----------------|--------|--------|-------|----------------|
/// | open, reopened  | ✓        | ✓              | ✗      | ✗      | ✓     | ✓              |
/// | dispatched      | ✓ (re-)  | ✓              | ✗      | ✗      | ✓     | ✓              |
/// | reported fixed  | ✓ (re-)  | ✓ (again)      | ✓      | ✓      | ✓     | ✓              |
/// | verified        | ✗        | ✗              | ✗      | ✓      | ✗     | ✓              |
/// | closed          | ✗        | ✗              | ✗      | ✓      | ✗     | ✓              |
///
/// `Err` carries the conflict note shown in the history.
pub fn transition(from: HazardStatus, action: &HazardAction) -> Result<HazardStatus, String> {
    use HazardStatus::*;
    let done = |what: &str| {
        Err(format!(
            "{what} arrived after the hazard was already {}; kept in the history, status unchanged",
            from.label()
        ))
    };
    match action {
        HazardAction::Commented { .. } | HazardAction::Replied { .. } => Ok(from),
        HazardAction::Dispatched { .. } => match from {
            Open | Reopened | Dispatched | ReportedFixed => Ok(Dispatched),
            Verified | Closed => done("a dispatch"),
        },
        HazardAction::ReportedFixed { .. } => match from {
            Open | Reopened | Dispatched | ReportedFixed => Ok(ReportedFixed),
            Verified | Closed => done("a fix report"),
        },
        HazardAction::Verified { .. } => match from {
            ReportedFixed => Ok(Verified),
            Open | Reopened | Dispatched => Err(format!(
                "verification arrived while the hazard was {} with no fix reported; a re-inspection or a fix report must come first",
                from.label()
            )),
            Verified | Closed => done("a verification"),
        },
        HazardAction::Reopened { .. } => match from {
            ReportedFixed | Verified | Closed => Ok(Reopened),
            Open | Reopened | Dispatched => Err(format!("reopen arrived while the hazard was still {}; nothing to reopen", from.label())),
        },
        HazardAction::Closed { .. } => match from {
            Open | Reopened | Dispatched | ReportedFixed => Ok(Closed),
            Verified | Closed => done("a close"),
        },
        HazardAction::Found { .. } | HazardAction::FoundAgain { .. } | HazardAction::PassedReinspection { .. } => {
            Err("findings come from inspections, not from hazard ops".to_string())
        }
        HazardAction::Linked { .. } | HazardAction::FindingCorrected { .. } => {
            Err("links and corrections come from report and inspection ops, not from hazard ops".to_string())
        }
    }
}
