//! Read-side questions of the other channels: how a citizen report stands (for the office
//! and for the city platform's read-back), a drill with its findings, visits and an area's
//! visit report (走访反馈). Answered the same way on a device and on the server.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{hazard_row, HazardRow};
use crate::domain::*;
use crate::fold::PartitionState;
use crate::ids::*;
use crate::merge::Folded;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Where a citizen report stands, in the words the city platform reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum ReportStatus {
    /// Received; nothing done yet (the hazard is open).
    Received,
    /// Being handled: dispatched, reported fixed, or reopened.
    InProgress,
    /// Verified by a re-inspection, or closed by the office.
    Resolved,
}

impl ReportStatus {
    pub fn of(status: HazardStatus) -> Self {
        match status {
            HazardStatus::Open => ReportStatus::Received,
            HazardStatus::Dispatched | HazardStatus::ReportedFixed | HazardStatus::Reopened => {
                ReportStatus::InProgress
            }
            HazardStatus::Verified | HazardStatus::Closed => ReportStatus::Resolved,
        }
    }
}

/// A citizen report and how its problem is handled: the hazard that follows it (the one it
/// was linked to, else its own), that hazard's status and the reply to the citizen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReportProgress {
    pub report: CitizenReport,
    pub status: ReportStatus,
    /// The hazard following the problem.
    pub hazard: HazardId,
    pub hazard_status: HazardStatus,
    /// The unit it is dispatched to, and by when.
    pub assignee: Option<String>,
    pub deadline: Option<NaiveDate>,
    /// Whether the report follows another hazard (it was linked to one).
    pub linked: bool,
    /// The reply to the citizen (反馈), if the office gave one.
    pub reply: Option<CitizenReply>,
}

/// How a report stands: `followed` is the hazard it was linked to (or the one that carries
/// that id) when the reader holds it, else its own hazard (`own`) is read.
pub fn report_progress(
    report: &CitizenReport,
    own: Option<&Hazard>,
    followed: Option<&Hazard>,
) -> Option<ReportProgress> {
    let (h, linked) = match (report.linked_to, followed) {
        (Some(_), Some(f)) => (f, true),
        _ => (own?, false),
    };
    Some(ReportProgress {
        report: report.clone(),
        status: ReportStatus::of(h.status),
        hazard: h.id,
        hazard_status: h.status,
        assignee: h.assignee.clone(),
        deadline: h.deadline,
        linked,
        reply: h.reply.clone(),
    })
}

/// Citizen reports of partitions folded in memory, newest first, each with its progress
/// (links followed across the partitions given).
pub fn citizen_reports(parts: &[&Folded]) -> Vec<ReportProgress> {
    let mut out: Vec<ReportProgress> = parts
        .iter()
        .flat_map(|f| f.state.reports.values().map(move |r| (f, r)))
        .filter_map(|(f, r)| {
            let followed = r.linked_to.and_then(|l| {
                parts
                    .iter()
                    .find(|p| p.state.partition == l.partition)
                    .and_then(|p| p.hazard(l.hazard))
            });
            report_progress(r, f.state.hazards.get(&r.hazard), followed)
        })
        .collect();
    out.sort_by_key(|p| std::cmp::Reverse((p.report.reported_at, p.report.id)));
    out
}

/// A drill with its findings as tracked items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DrillDetail {
    pub drill: Drill,
    /// Its "must improve" points recorded as hazards, in the order recorded, each with its
    /// status.
    pub findings: Vec<HazardRow>,
}

/// A drill of `state` with its findings.
pub fn drill_detail(state: &PartitionState, id: DrillId, today: NaiveDate) -> Option<DrillDetail> {
    let drill = state.drills.get(&id)?;
    Some(DrillDetail {
        findings: drill
            .findings
            .iter()
            .filter_map(|h| hazard_row(state, *h, today))
            .collect(),
        drill: drill.clone(),
    })
}

/// Visits, most recent first.
pub fn visits<'a>(states: &[&'a PartitionState]) -> Vec<&'a Visit> {
    let mut out: Vec<&Visit> = states.iter().flat_map(|s| s.visits.values()).collect();
    out.sort_by_key(|v| std::cmp::Reverse((v.visited_on, v.hlc, v.id)));
    out
}

/// One problem raised at a visit and how it was handled: its hazard as a listing shows it,
/// and the last thing that happened to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ProblemHandling {
    pub problem: HazardRow,
    /// The newest event of its history that took effect (dispatched, fixed, verified …).
    pub last: Option<HazardEvent>,
}

/// One visit of a visit report, with its problems.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitEntry {
    pub visit: Visit,
    pub problems: Vec<ProblemHandling>,
}

/// What the team reports back at a residential area (走访反馈): every visit there, newest
/// first, with the problems residents raised and how each was handled.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VisitReport {
    /// The area's name (the venue's, when it is one).
    pub area: String,
    pub venue: Option<VenueId>,
    pub visits: Vec<VisitEntry>,
    /// Problems raised at all these visits.
    pub raised: usize,
    /// Verified or closed.
    pub resolved: usize,
    /// Dispatched, reported fixed or reopened.
    pub in_progress: usize,
    /// Not yet acted on.
    pub open: usize,
}

/// The visit report of one partition (a residential venue's or a named area's); `None` when
/// no visit was recorded there. `last` gives a hazard's newest applied event.
pub fn visit_report(
    state: &PartitionState,
    today: NaiveDate,
    mut last: impl FnMut(HazardId) -> Option<HazardEvent>,
) -> Option<VisitReport> {
    let refs = [state];
    let list = visits(&refs);
    let area = match &state.venue {
        Some(v) => v.name.clone(),
        None => list.first()?.area.clone(),
    };
    if list.is_empty() {
        return None;
    }
    let (mut raised, mut resolved, mut in_progress, mut open) = (0, 0, 0, 0);
    let visits = list
        .into_iter()
        .map(|v| VisitEntry {
            problems: v
                .problems
                .iter()
                .filter_map(|id| hazard_row(state, *id, today))
                .map(|problem| {
                    raised += 1;
                    match ReportStatus::of(problem.hazard.status) {
                        ReportStatus::Resolved => resolved += 1,
                        ReportStatus::InProgress => in_progress += 1,
                        ReportStatus::Received => open += 1,
                    }
                    ProblemHandling {
                        last: last(problem.hazard.id),
                        problem,
                    }
                })
                .collect(),
            visit: v.clone(),
        })
        .collect();
    Some(VisitReport {
        area,
        venue: state.venue.as_ref().map(|v| v.id),
        visits,
        raised,
        resolved,
        in_progress,
        open,
    })
}

/// [`visit_report`] of a partition folded in memory.
pub fn visit_report_of(part: &Folded, today: NaiveDate) -> Option<VisitReport> {
    visit_report(&part.state, today, |id| {
        part.history(id)
            .iter()
            .rev()
            .find(|e| e.outcome == EventOutcome::Applied)
            .cloned()
    })
}
