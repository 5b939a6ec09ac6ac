//! The fold rules of the other channels a problem reaches the office by: citizen reports
//! with the platform's case number and their links, drill findings, resident visits, venue
//! status, and amendments that withdraw a finding (the rules are in [`super`]'s module docs).
//! Apart from the inspection and hazard rules so each file reads as one piece.

use crate::domain::*;
use crate::ids::*;
use crate::merge::Records;
use crate::op::*;

use super::{event, Step};

impl<R: Records> Step<'_, R> {
    /// An amendment turned a failed item into pass or n/a: the hazard its finding opened is
    /// closed when that finding was its only one; else the withdrawal is only recorded.
    pub(super) fn withdraw_finding(
        &mut self,
        inspection: InspectionId,
        code: &str,
        op: &Op,
        reason: &str,
    ) -> Result<(), R::Error> {
        let derived = HazardId::for_finding(inspection, code);
        let carrier = if self.state.hazards.contains_key(&derived) {
            Some(derived)
        } else {
            self.records.alias(derived)?
        };
        let Some(hazard) = carrier.and_then(|c| self.state.hazards.get(&c)) else {
            // The finding opened nothing here (its id was taken by another record).
            return Ok(());
        };
        let id = hazard.id;
        let sole = id == derived
            && hazard.merged_findings == 0
            && hazard.source == HazardSource::Inspection(inspection);
        let status = if sole && hazard.status.is_active() {
            if self.state.by_item.get(code) == Some(&id) {
                self.state.by_item.remove(code);
            }
            HazardStatus::Closed
        } else {
            hazard.status
        };
        self.push_event(
            id,
            event(
                op,
                HazardAction::FindingCorrected {
                    inspection,
                    reason: reason.to_string(),
                },
                EventOutcome::Applied,
                status,
            ),
        )
    }

    /// A report with the platform's case number. The contact is not read: the fold's result
    /// is the same whether the op carries it or a non-officer's copy without it.
    pub(super) fn citizen_case(
        &mut self,
        venue: Option<VenueId>,
        id: ReportId,
        op: &Op,
        rec: &CitizenCaseRecord,
    ) -> Result<(), R::Error> {
        let case = rec.case_number.trim();
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
            case_number: (!case.is_empty()).then(|| case.to_string()),
            location: rec.location,
            linked_to: None,
        };
        self.open_report(report, rec.severity, op)
    }

    /// A hazard for a drill finding or a visit problem: venue, source, text, severity.
    pub(super) fn tracked_item(
        &self,
        id: HazardId,
        source: HazardSource,
        text: &str,
        severity: Severity,
        found_at: Timestamp,
        op: &Op,
    ) -> Hazard {
        Hazard {
            id,
            venue: match self.state.partition {
                Partition::Venue(v) => Some(v),
                _ => None,
            },
            item: None,
            severity,
            source,
            status: HazardStatus::Open,
            assignee: None,
            deadline: None,
            found_at,
            found_by: op.author,
            description: text.trim().to_string(),
            merged_findings: 0,
            events: 0,
            conflicts: 0,
            updated: op.hlc,
            verified_at: None,
            closed_reason: None,
            inspection_finished: None,
            inspection_campaign: None,
            reply: None,
        }
    }

    pub(super) fn link_report(
        &mut self,
        id: ReportId,
        op: &Op,
        link: &ReportLink,
    ) -> Result<(), R::Error> {
        let Some(report) = self.state.reports.get_mut(&id) else {
            return self.unresolved(
                op,
                format!("links citizen report {id}, which this replica has not seen"),
            );
        };
        let own = report.hazard;
        if link.hazard == own {
            return self.unresolved(op, format!("links citizen report {id} to its own hazard"));
        }
        report.linked_to = Some(LinkedHazard {
            hazard: link.hazard,
            partition: link.partition,
        });
        let Some(hazard) = self.state.hazards.get(&own) else {
            return Ok(());
        };
        let status = if hazard.status.is_active() {
            HazardStatus::Closed
        } else {
            hazard.status
        };
        self.push_event(
            own,
            event(
                op,
                HazardAction::Linked {
                    hazard: link.hazard,
                },
                EventOutcome::Applied,
                status,
            ),
        )
    }

    pub(super) fn venue_status(
        &mut self,
        id: VenueId,
        op: &Op,
        change: &VenueStatusChange,
    ) -> Result<(), R::Error> {
        let Some(venue) = self.state.venue.as_mut().filter(|v| v.id == id) else {
            return self.unresolved(
                op,
                format!("changes the status of venue {id}, which this replica has not seen"),
            );
        };
        venue.status = change.status;
        venue.status_reason = change.reason.clone();
        venue.updated = op.hlc;
        Ok(())
    }

    pub(super) fn drill_finding(
        &mut self,
        drill: DrillId,
        op: &Op,
        rec: &DrillFindingRecord,
    ) -> Result<(), R::Error> {
        let Some(held_at) = self.state.drills.get(&drill).map(|d| d.held_at) else {
            return self.unresolved(
                op,
                format!("records a finding of drill {drill}, which this replica has not seen"),
            );
        };
        let id = HazardId::for_drill_finding(drill, &rec.point);
        if self.state.hazards.contains_key(&id) {
            return self.unresolved(
                op,
                format!("this point of drill {drill} is already tracked as hazard {id}"),
            );
        }
        let hazard = self.tracked_item(
            id,
            HazardSource::DrillFinding(drill),
            &rec.point,
            rec.severity,
            held_at,
            op,
        );
        if let Some(d) = self.state.drills.get_mut(&drill) {
            d.findings.push(id);
        }
        self.open_hazard(hazard, op)
    }

    pub(super) fn record_visit(
        &mut self,
        id: VisitId,
        op: &Op,
        rec: &VisitRecord,
    ) -> Result<(), R::Error> {
        if self.state.visits.contains_key(&id) {
            return self.unresolved(op, format!("visit {id} was already recorded by another op"));
        }
        let found_at = Timestamp::start_of(rec.visited_on);
        let mut problems = Vec::with_capacity(rec.problems.len());
        let mut hazards = Vec::with_capacity(rec.problems.len());
        for (n, p) in rec.problems.iter().enumerate() {
            let hid = HazardId::for_visit_problem(id, u32::try_from(n).unwrap_or(u32::MAX));
            if self.state.hazards.contains_key(&hid) || hazards.iter().any(|h: &Hazard| h.id == hid)
            {
                // Only a forged id can clash: keep both records apart.
                self.unresolved(
                    op,
                    format!("hazard id {hid} is already taken by another record"),
                )?;
                continue;
            }
            problems.push(hid);
            hazards.push(self.tracked_item(
                hid,
                HazardSource::Visit(id),
                &p.text,
                p.severity,
                found_at,
                op,
            ));
        }
        self.state.visits.insert(
            id,
            Visit {
                id,
                area: rec.area.trim().to_string(),
                venue: match self.state.partition {
                    Partition::Venue(v) => Some(v),
                    _ => None,
                },
                visited_on: rec.visited_on,
                team: rec.team.clone(),
                units: rec.units.clone(),
                residents_met: rec.residents_met,
                topics: rec.topics.clone(),
                note: rec.note.clone(),
                problems,
                recorded_by: op.author,
                hlc: op.hlc,
            },
        );
        for h in hazards {
            self.open_hazard(h, op)?;
        }
        Ok(())
    }
}
