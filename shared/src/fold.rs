//! The deterministic merge: one partition's state as a pure function of its set of ops.
//!
//! [`PartitionState::fold`] applies a partition's ops in [`OpKey`] order (HLC, then op id).
//! [`PartitionState::apply`] is the same step for one op that sorts after everything applied
//! so far; an op that arrives out of order is handled by re-folding its partition (the
//! [`crate::replica::Replica`] and the server's view updater do that). Because both sides
//! run this code on the same sets, every replica shows the same state.
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

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::hlc::Hlc;
use crate::ids::*;
use crate::op::*;

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

/// Everything one partition's ops add up to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub partition: Partition,
    pub venue: Option<Venue>,
    pub inspections: BTreeMap<InspectionId, InspectionSummary>,
    pub hazards: BTreeMap<HazardId, Hazard>,
    /// Findings folded into another hazard: their derived id → the hazard that carries them.
    pub aliases: BTreeMap<HazardId, HazardId>,
    /// The current hazard for each checklist item code at this venue.
    pub by_item: BTreeMap<String, HazardId>,
    pub drills: BTreeMap<DrillId, Drill>,
    pub campaign: Option<Campaign>,
    /// Template versions, by version number.
    pub templates: BTreeMap<u32, ChecklistTemplate>,
    pub reports: BTreeMap<ReportId, CitizenReport>,
    pub unresolved: Vec<Unresolved>,
    /// The greatest op applied: the next op may be applied incrementally only if it sorts after.
    pub last: Option<OpKey>,
    pub op_count: u64,
}

impl PartitionState {
    pub fn new(partition: Partition) -> Self {
        Self {
            partition,
            venue: None,
            inspections: BTreeMap::new(),
            hazards: BTreeMap::new(),
            aliases: BTreeMap::new(),
            by_item: BTreeMap::new(),
            drills: BTreeMap::new(),
            campaign: None,
            templates: BTreeMap::new(),
            reports: BTreeMap::new(),
            unresolved: Vec::new(),
            last: None,
            op_count: 0,
        }
    }

    /// Fold a partition from its ops, in any order; duplicates (same key) count once.
    pub fn fold<'a>(partition: Partition, ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut sorted: Vec<&Op> = ops.into_iter().collect();
        sorted.sort_by_key(|op| op.key());
        sorted.dedup_by_key(|op| op.key());
        let mut state = Self::new(partition);
        for op in sorted {
            state.apply(op);
        }
        state
    }

    /// Whether `op` can be applied incrementally (it sorts after everything applied).
    pub fn accepts_in_order(&self, op: &Op) -> bool {
        self.last.is_none_or(|last| op.key() > last)
    }

    /// Apply one op that sorts after every op applied so far (see [`Self::accepts_in_order`]).
    pub fn apply(&mut self, op: &Op) {
        debug_assert!(self.accepts_in_order(op), "out-of-order op must re-fold");
        debug_assert_eq!(op.partition(), self.partition);
        self.last = Some(op.key());
        self.op_count += 1;
        match (&op.entity, &op.body) {
            (EntityRef::Venue(id), OpBody::VenueUpserted(fields)) => {
                self.upsert_venue(*id, op, fields)
            }
            (EntityRef::Inspection { venue, inspection }, OpBody::InspectionSubmitted(rec)) => {
                self.submit_inspection(*venue, *inspection, op, rec)
            }
            (EntityRef::Inspection { inspection, .. }, OpBody::InspectionAmended(am)) => {
                self.amend_inspection(*inspection, op, am)
            }
            (EntityRef::Hazard { hazard, .. }, body) if hazard_action(body).is_some() => {
                let action = hazard_action(body).expect("checked by the guard");
                self.hazard_op(*hazard, op, action)
            }
            (EntityRef::Drill { venue, drill }, OpBody::DrillRecorded(rec)) => {
                self.record_drill(*venue, *drill, op, rec)
            }
            (EntityRef::Drill { drill, .. }, OpBody::DrillAmended(am)) => {
                self.amend_drill(*drill, op, am)
            }
            (EntityRef::Campaign(id), OpBody::CampaignDefined(def)) => {
                self.campaign = Some(Campaign {
                    id: *id,
                    name: def.name.clone(),
                    starts: def.starts,
                    ends: def.ends,
                    streets: def.streets.clone(),
                    kinds: def.kinds.clone(),
                    goal: def.goal.clone(),
                    updated: op.hlc,
                })
            }
            (EntityRef::Template(id), OpBody::TemplateDefined(def)) => {
                self.templates.insert(
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
            }
            (EntityRef::CitizenReport { venue, report }, OpBody::CitizenReported(rec)) => {
                self.citizen_report(*venue, *report, op, rec)
            }
            (_, body) => self.unresolved(
                op,
                format!(
                    "{} op does not belong to this entity",
                    crate::validate::with_article(body.kind())
                ),
            ),
        }
    }

    fn unresolved(&mut self, op: &Op, note: String) {
        self.unresolved.push(Unresolved {
            op: op.op_id,
            hlc: op.hlc,
            author: op.author,
            kind: op.body.kind().to_string(),
            note,
        });
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

    fn submit_inspection(
        &mut self,
        venue: VenueId,
        id: InspectionId,
        op: &Op,
        rec: &InspectionRecord,
    ) {
        if self.inspections.contains_key(&id) {
            return self.unresolved(
                op,
                format!("inspection {id} was already recorded by another op"),
            );
        }
        self.inspections.insert(
            id,
            InspectionSummary {
                id,
                venue,
                template: rec.template,
                template_version: rec.template_version,
                inspector: op.author,
                finished_at: rec.finished_at,
                campaign: rec.campaign,
                hlc: op.hlc,
                outcomes: rec
                    .items
                    .iter()
                    .map(|i| ItemOutcome {
                        code: i.code.clone(),
                        outcome: i.outcome,
                        severity: i.severity,
                    })
                    .collect(),
                amendments: 0,
            },
        );
        for item in &rec.items {
            self.observe_item(venue, id, item, op);
        }
    }

    fn amend_inspection(&mut self, id: InspectionId, op: &Op, am: &InspectionAmendment) {
        let Some(inspection) = self.inspections.get_mut(&id) else {
            return self.unresolved(
                op,
                format!("amends inspection {id}, which this replica has not seen"),
            );
        };
        inspection.amendments += 1;
        let venue = inspection.venue;
        let mut changed = Vec::new();
        for new in &am.items {
            let now = ItemOutcome {
                code: new.code.clone(),
                outcome: new.outcome,
                severity: new.severity,
            };
            match inspection.outcomes.iter_mut().find(|i| i.code == new.code) {
                Some(old) if *old != now => {
                    *old = now;
                    changed.push(new.clone());
                }
                Some(_) => {}
                None => {
                    inspection.outcomes.push(now);
                    changed.push(new.clone());
                }
            }
        }
        for item in &changed {
            self.observe_item(venue, id, item, op);
        }
    }

    /// What a checklist result means for the venue's hazard for that item.
    fn observe_item(
        &mut self,
        venue: VenueId,
        inspection: InspectionId,
        item: &ItemResult,
        op: &Op,
    ) {
        match item.outcome {
            Outcome::Fail => self.finding(venue, inspection, item, op),
            Outcome::Pass => self.passed(inspection, &item.code, op),
            Outcome::NotApplicable => {}
        }
    }

    fn finding(&mut self, venue: VenueId, inspection: InspectionId, item: &ItemResult, op: &Op) {
        let derived = HazardId::for_finding(inspection, &item.code);
        let existing = self.by_item.get(&item.code).copied();
        let Some(current) = existing else {
            if self.hazards.contains_key(&derived) {
                // Only a forged id can clash (a report sharing this inspection's UUID): keep
                // both records, never let one overwrite the other's hazard.
                return self.unresolved(
                    op,
                    format!("hazard id {derived} is already taken by another record"),
                );
            }
            self.by_item.insert(item.code.clone(), derived);
            self.hazards.insert(
                derived,
                Hazard {
                    id: derived,
                    venue: Some(venue),
                    item: Some(item.code.clone()),
                    severity: item.severity,
                    source: HazardSource::Inspection(inspection),
                    status: HazardStatus::Open,
                    assignee: None,
                    deadline: None,
                    found_at: op.hlc.into(),
                    found_by: op.author,
                    description: item.note.clone(),
                    merged: Vec::new(),
                    history: vec![event(
                        op,
                        HazardAction::Found {
                            note: item.note.clone(),
                        },
                        EventOutcome::Applied,
                        HazardStatus::Open,
                    )],
                },
            );
            return;
        };
        if derived != current && !self.aliases.contains_key(&derived) {
            self.aliases.insert(derived, current);
        }
        let hazard = self
            .hazards
            .get_mut(&current)
            .expect("by_item names a stored hazard");
        if derived != current && !hazard.merged.contains(&derived) {
            hazard.merged.push(derived);
        }
        let action = HazardAction::FoundAgain {
            inspection,
            note: item.note.clone(),
        };
        let (status, outcome) = match hazard.status {
            HazardStatus::Open | HazardStatus::Dispatched | HazardStatus::Reopened => (hazard.status, EventOutcome::Applied),
            HazardStatus::ReportedFixed | HazardStatus::Verified => (HazardStatus::Reopened, EventOutcome::Applied),
            HazardStatus::Closed => (
                HazardStatus::Reopened,
                EventOutcome::Conflict {
                    note: format!(
                        "the office closed this hazard, but it was found still present{}; reopened so both facts stay visible",
                        closed_reason(hazard).map(|r| format!(" (closed because: {r})")).unwrap_or_default()
                    ),
                },
            ),
        };
        if hazard.status == HazardStatus::Verified || hazard.status == HazardStatus::Closed {
            // A reopened hazard gets the new severity if it got worse.
            hazard.severity = hazard.severity.min(item.severity);
        }
        hazard.status = status;
        hazard.history.push(event(op, action, outcome, status));
    }

    fn passed(&mut self, inspection: InspectionId, code: &str, op: &Op) {
        let Some(current) = self.by_item.get(code).copied() else {
            return;
        };
        let hazard = self
            .hazards
            .get_mut(&current)
            .expect("by_item names a stored hazard");
        let status = match hazard.status {
            // Work was ordered or reported done, or it was found again: a pass is the re-inspection.
            HazardStatus::Dispatched | HazardStatus::ReportedFixed | HazardStatus::Reopened => {
                HazardStatus::Verified
            }
            // Found but nothing done yet: another inspection that saw no problem is recorded,
            // and the hazard stays open for the office to decide.
            HazardStatus::Open => HazardStatus::Open,
            HazardStatus::Verified | HazardStatus::Closed => return,
        };
        hazard.status = status;
        hazard.history.push(event(
            op,
            HazardAction::PassedReinspection { inspection },
            EventOutcome::Applied,
            status,
        ));
    }

    fn hazard_op(&mut self, id: HazardId, op: &Op, action: HazardAction) {
        let id = self.aliases.get(&id).copied().unwrap_or(id);
        let Some(hazard) = self.hazards.get_mut(&id) else {
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
        hazard.status = status;
        hazard.history.push(event(op, action, outcome, status));
    }

    fn record_drill(&mut self, venue: Option<VenueId>, id: DrillId, op: &Op, rec: &DrillRecord) {
        if self.drills.contains_key(&id) {
            return self.unresolved(op, format!("drill {id} was already recorded by another op"));
        }
        self.drills.insert(
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
            },
        );
    }

    fn amend_drill(&mut self, id: DrillId, op: &Op, am: &DrillAmendment) {
        let Some(drill) = self.drills.get_mut(&id) else {
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
        });
    }

    fn citizen_report(
        &mut self,
        venue: Option<VenueId>,
        id: ReportId,
        op: &Op,
        rec: &CitizenReportRecord,
    ) {
        if self.reports.contains_key(&id) {
            return self.unresolved(
                op,
                format!("citizen report {id} was already recorded by another op"),
            );
        }
        let hazard = HazardId::for_report(id);
        if self.hazards.contains_key(&hazard) {
            return self.unresolved(
                op,
                format!("hazard id {hazard} is already taken by another record"),
            );
        }
        self.reports.insert(
            id,
            CitizenReport {
                id,
                venue,
                street: rec.street.clone(),
                address: rec.address.clone(),
                description: rec.description.clone(),
                evidence: rec.evidence.clone(),
                reported_at: rec.reported_at,
                channel: rec.channel.clone(),
                hazard,
                recorded_by: op.author,
            },
        );
        self.hazards.insert(
            hazard,
            Hazard {
                id: hazard,
                venue,
                item: None,
                severity: rec.severity,
                source: HazardSource::CitizenReport(id),
                status: HazardStatus::Open,
                assignee: None,
                deadline: None,
                found_at: rec.reported_at,
                found_by: op.author,
                description: rec.description.clone(),
                merged: Vec::new(),
                history: vec![event(
                    op,
                    HazardAction::Found {
                        note: rec.description.clone(),
                    },
                    EventOutcome::Applied,
                    HazardStatus::Open,
                )],
            },
        );
    }

    /// The hazard an id names here, following aliases of merged findings.
    pub fn hazard(&self, id: HazardId) -> Option<&Hazard> {
        let id = self.aliases.get(&id).copied().unwrap_or(id);
        self.hazards.get(&id)
    }

    /// The newest version of this partition's template, if it is a template partition.
    pub fn latest_template(&self) -> Option<&ChecklistTemplate> {
        self.templates.values().next_back()
    }
}

/// Full inspection records — notes, photos, amendments — from a venue's ops, in any order
/// (duplicates count once). The same merge as the fold: records are immutable, amendments
/// apply on top in (HLC, op id) order.
pub fn inspections<'a>(ops: impl IntoIterator<Item = &'a Op>) -> Vec<Inspection> {
    let mut sorted: Vec<&Op> = ops.into_iter().collect();
    sorted.sort_by_key(|op| op.key());
    sorted.dedup_by_key(|op| op.key());
    let mut out: BTreeMap<InspectionId, Inspection> = BTreeMap::new();
    for op in sorted {
        let EntityRef::Inspection {
            venue,
            inspection: id,
        } = op.entity
        else {
            continue;
        };
        match &op.body {
            OpBody::InspectionSubmitted(rec) if !out.contains_key(&id) => {
                out.insert(
                    id,
                    Inspection {
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
                    },
                );
            }
            OpBody::InspectionAmended(am) => {
                let Some(inspection) = out.get_mut(&id) else {
                    continue;
                };
                inspection.amendments.push(Amendment {
                    op: op.op_id,
                    author: op.author,
                    hlc: op.hlc,
                    reason: am.reason.clone(),
                });
                if let Some(note) = &am.note {
                    inspection.note = note.clone();
                }
                for new in &am.items {
                    match inspection.items.iter_mut().find(|i| i.code == new.code) {
                        Some(old) => *old = new.clone(),
                        None => inspection.items.push(new.clone()),
                    }
                }
            }
            _ => {}
        }
    }
    out.into_values().collect()
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

fn closed_reason(h: &Hazard) -> Option<&str> {
    h.history
        .iter()
        .rev()
        .find_map(|e| match (&e.action, &e.outcome) {
            (HazardAction::Closed { reason }, EventOutcome::Applied) => Some(reason.as_str()),
            _ => None,
        })
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
        _ => return None,
    })
}

/// The hazard state machine for explicit hazard ops.
///
/// | from \ action   | dispatch | reported fixed | verify | reopen | close | comment |
/// |-----------------|----------|----------------|--------|--------|-------|---------|
/// | open, reopened  | ✓        | ✓              | ✗      | ✗      | ✓     | ✓       |
/// | dispatched      | ✓ (re-)  | ✓              | ✗      | ✗      | ✓     | ✓       |
/// | reported fixed  | ✓ (re-)  | ✓ (again)      | ✓      | ✓      | ✓     | ✓       |
/// | verified        | ✗        | ✗              | ✗      | ✓      | ✗     | ✓       |
/// | closed          | ✗        | ✗              | ✗      | ✓      | ✗     | ✓       |
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
        HazardAction::Commented { .. } => Ok(from),
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
    }
}
