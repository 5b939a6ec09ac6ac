//! Read-side questions over folded partitions, answered the same way by the client's
//! listings and — as the reference its indexes are tested against — the server's review API.
//! Every function takes the partitions it may look at; sorting is part of the answer and is
//! deterministic.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::fold::PartitionState;
use crate::ids::*;
use crate::merge::Folded;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, utoipa::IntoParams))]
pub struct VenueFilter {
    /// Exact street name, e.g. `小木桥路`.
    pub street: Option<String>,
    pub kind: Option<VenueKind>,
}

/// Venues, sorted by street, then address, then name.
pub fn venues<'a>(states: &[&'a PartitionState], f: &VenueFilter) -> Vec<&'a Venue> {
    let mut out: Vec<&Venue> = states
        .iter()
        .filter_map(|s| s.venue.as_ref())
        .filter(|v| f.street.as_ref().is_none_or(|s| &v.street == s))
        .filter(|v| f.kind.is_none_or(|k| v.kind == k))
        .collect();
    out.sort_by(|a, b| {
        (&a.street, natural_key(&a.address), &a.name, a.id).cmp(&(
            &b.street,
            natural_key(&b.address),
            &b.name,
            b.id,
        ))
    });
    out
}

/// Sort key that orders "小木桥路 9号" before "小木桥路 10号".
fn natural_key(s: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num: Option<u64> = None;
    for c in s.chars() {
        if let Some(d) = c.to_digit(10) {
            num = Some(num.unwrap_or(0).saturating_mul(10).saturating_add(d as u64));
        } else {
            if let Some(n) = num.take() {
                out.push((std::mem::take(&mut text), n));
            }
            text.push(c);
        }
    }
    out.push((text, num.unwrap_or(0)));
    out
}

/// Which hazards to list. Empty filter: every hazard.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardFilter {
    pub statuses: Vec<HazardStatus>,
    /// Only hazards still needing work (not verified, not closed).
    pub active: bool,
    pub overdue: bool,
    pub street: Option<String>,
    pub venue: Option<VenueId>,
    pub assignee: Option<String>,
}

/// A hazard with what a list needs to show about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HazardRow {
    pub hazard: Hazard,
    pub venue_name: String,
    pub street: String,
    pub overdue: bool,
    pub conflicts: usize,
}

/// Hazards matching `f`, overdue first (oldest deadline first), then by deadline (none last),
/// then severity, then when found.
pub fn hazards(states: &[&PartitionState], f: &HazardFilter, today: NaiveDate) -> Vec<HazardRow> {
    let mut out: Vec<HazardRow> = states
        .iter()
        .flat_map(|s| s.hazards.values().map(move |h| (s, h)))
        .filter(|(s, h)| {
            let street = hazard_street(s, h);
            (f.statuses.is_empty() || f.statuses.contains(&h.status))
                && (!f.active || h.status.is_active())
                && (!f.overdue || h.is_overdue(today))
                && f.street
                    .as_ref()
                    .is_none_or(|want| street == Some(want.as_str()))
                && f.venue.is_none_or(|v| h.venue == Some(v))
                && f.assignee
                    .as_ref()
                    .is_none_or(|a| h.assignee.as_ref() == Some(a))
        })
        .map(|(s, h)| row(s, h, today))
        .collect();
    out.sort_by(|a, b| {
        let key = |r: &HazardRow| {
            (
                !r.overdue,
                r.hazard.deadline.is_none(),
                r.hazard.deadline,
                r.hazard.severity,
                r.hazard.found_at,
                r.hazard.id,
            )
        };
        key(a).cmp(&key(b))
    });
    out
}

fn hazard_street<'a>(s: &'a PartitionState, h: &'a Hazard) -> Option<&'a str> {
    match h.source {
        HazardSource::CitizenReport(r) if s.venue.is_none() => {
            s.reports.get(&r).map(|r| r.street.as_str())
        }
        _ => s.venue.as_ref().map(|v| v.street.as_str()),
    }
}

fn row(s: &PartitionState, h: &Hazard, today: NaiveDate) -> HazardRow {
    HazardRow {
        venue_name: s.venue.as_ref().map(|v| v.name.clone()).unwrap_or_default(),
        street: hazard_street(s, h).unwrap_or_default().to_string(),
        overdue: h.is_overdue(today),
        conflicts: h.conflicts as usize,
        hazard: h.clone(),
    }
}

/// The row of a hazard of `state` (by its own id; aliases are among the records).
pub fn hazard_row(state: &PartitionState, id: HazardId, today: NaiveDate) -> Option<HazardRow> {
    state.hazards.get(&id).map(|h| row(state, h, today))
}

/// One hazard by id (an alias of a merged finding finds the hazard that carries it).
pub fn hazard(parts: &[&Folded], id: HazardId, today: NaiveDate) -> Option<HazardRow> {
    parts
        .iter()
        .find_map(|f| f.hazard(id).map(|h| row(&f.state, h, today)))
}

/// One hazard with its history (a page of it) and the ids of findings merged into it: what
/// a hazard's own page shows. Dereferences to the [`Hazard`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct HazardDetail {
    /// The hazard as a listing shows it (flattened: `hazard`, `venue_name`, `street`, …).
    #[serde(flatten)]
    pub row: HazardRow,
    /// Events of its history, oldest first, from `history_offset` on.
    pub history: Vec<HazardEvent>,
    pub history_offset: usize,
    /// Events in the whole history.
    pub history_total: usize,
    /// Ids of other findings of the same problem that were folded into it.
    pub merged: Vec<HazardId>,
}

impl std::ops::Deref for HazardDetail {
    type Target = Hazard;
    fn deref(&self) -> &Hazard {
        &self.row.hazard
    }
}

impl HazardDetail {
    /// The events (of this page) that are conflicts.
    pub fn conflicts(&self) -> impl Iterator<Item = &HazardEvent> {
        self.history
            .iter()
            .filter(|e| matches!(e.outcome, EventOutcome::Conflict { .. }))
    }
}

/// A hazard of a partition folded in memory, with its whole history.
pub fn hazard_detail(part: &Folded, id: HazardId, today: NaiveDate) -> Option<HazardDetail> {
    let h = part.hazard(id)?;
    let history = part.history(h.id).to_vec();
    Some(HazardDetail {
        row: row(&part.state, h, today),
        history_offset: 0,
        history_total: history.len(),
        history,
        merged: part.merged(h.id),
    })
}

/// Whether `user` found a hazard or acted on it (anything in its history).
pub fn involves(part: &Folded, hazard: &Hazard, user: UserId) -> bool {
    hazard.found_by == user || part.history(hazard.id).iter().any(|e| e.author == user)
}

/// A venue's inspections, newest first (by when they finished, then HLC).
pub fn inspections_of(part: &Folded) -> Vec<Inspection> {
    let mut out: Vec<Inspection> = part.records.inspections.values().cloned().collect();
    out.sort_by_key(|i| std::cmp::Reverse((i.finished_at, i.hlc, i.id)));
    out
}

/// Drills, most recent first.
pub fn drills<'a>(states: &[&'a PartitionState]) -> Vec<&'a Drill> {
    let mut out: Vec<&Drill> = states.iter().flat_map(|s| s.drills.values()).collect();
    out.sort_by_key(|d| std::cmp::Reverse((d.held_at, d.id)));
    out
}

/// Campaigns, newest start first.
pub fn campaigns<'a>(states: &[&'a PartitionState]) -> Vec<&'a Campaign> {
    let mut out: Vec<&Campaign> = states.iter().filter_map(|s| s.campaign.as_ref()).collect();
    out.sort_by(|a, b| (b.starts, &a.name).cmp(&(a.starts, &b.name)));
    out
}

/// The newest version of every template, by code.
pub fn templates<'a>(states: &[&'a PartitionState]) -> Vec<&'a ChecklistTemplate> {
    let mut out: Vec<&ChecklistTemplate> =
        states.iter().filter_map(|s| s.latest_template()).collect();
    out.sort_by(|a, b| (&a.code, a.id).cmp(&(&b.code, b.id)));
    out
}

/// A template by code or id (newest version).
pub fn template<'a>(
    states: &[&'a PartitionState],
    code_or_id: &str,
) -> Option<&'a ChecklistTemplate> {
    let id = code_or_id.parse::<TemplateId>().ok();
    templates(states)
        .into_iter()
        .find(|t| t.code == code_or_id || Some(t.id) == id)
}

/// One target venue in a campaign's coverage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CoverageRow {
    pub venue: Venue,
    /// The latest inspection counted for the campaign, if any.
    pub last_inspected: Option<Timestamp>,
    pub inspections: usize,
    pub hazards_found: usize,
    pub hazards_active: usize,
}

/// "No blind spots": which targets were inspected, which not, and how rectification goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Coverage {
    pub campaign: Campaign,
    pub targets: usize,
    pub inspected: usize,
    /// Target venues with no inspection in the campaign yet, listed first, then the
    /// inspected ones; each group by street and address.
    pub rows: Vec<CoverageRow>,
    pub hazards_found: usize,
    /// Verified or closed.
    pub hazards_rectified: usize,
    pub hazards_overdue: usize,
    /// Rectified ÷ found; 1.0 when nothing was found.
    pub rectification_rate: f64,
}

/// Whether an inspection counts for a campaign: it names the campaign or finished within
/// the campaign's period (Shanghai dates, inclusive).
pub fn counts_for(campaign: &Campaign, finished_at: Timestamp, named: Option<CampaignId>) -> bool {
    named == Some(campaign.id)
        || (campaign.starts..=campaign.ends).contains(&finished_at.local_date())
}

/// How many of a venue's inspections count for a campaign, and when the latest finished.
pub fn counted<'a>(
    campaign: &Campaign,
    inspections: impl IntoIterator<Item = &'a Inspection>,
) -> (usize, Option<Timestamp>) {
    inspections
        .into_iter()
        .filter(|i| counts_for(campaign, i.finished_at, i.campaign))
        .fold((0, None), |(n, last), i| {
            (n + 1, last.max(Some(i.finished_at)))
        })
}

/// Coverage of one campaign. An inspection counts when it names the campaign or was
/// finished within the campaign's period ([`counts_for`]); a hazard counts when it was found
/// by such an inspection. `inspected` says, for a target venue's partition, how many of its
/// inspections count and when the latest finished ([`counted`] over its inspections).
pub fn coverage(
    states: &[&PartitionState],
    campaign: CampaignId,
    today: NaiveDate,
    mut inspected: impl FnMut(&PartitionState, &Campaign) -> (usize, Option<Timestamp>),
) -> Option<Coverage> {
    let campaign = states
        .iter()
        .filter_map(|s| s.campaign.as_ref())
        .find(|c| c.id == campaign)?
        .clone();
    let mut rows = Vec::new();
    let (mut found, mut rectified, mut overdue) = (0, 0, 0);
    for s in states {
        let Some(venue) = s.venue.as_ref().filter(|v| campaign.targets(v)) else {
            continue;
        };
        let (inspections, last_inspected) = inspected(s, &campaign);
        let hazards: Vec<&Hazard> = s
            .hazards
            .values()
            .filter(|h| {
                h.inspection_finished
                    .is_some_and(|at| counts_for(&campaign, at, h.inspection_campaign))
            })
            .collect();
        found += hazards.len();
        rectified += hazards.iter().filter(|h| !h.status.is_active()).count();
        overdue += hazards.iter().filter(|h| h.is_overdue(today)).count();
        rows.push(CoverageRow {
            venue: venue.clone(),
            last_inspected,
            inspections,
            hazards_found: hazards.len(),
            hazards_active: hazards.iter().filter(|h| h.status.is_active()).count(),
        });
    }
    rows.sort_by(|a, b| {
        (
            a.inspections > 0,
            &a.venue.street,
            natural_key(&a.venue.address),
            a.venue.id,
        )
            .cmp(&(
                b.inspections > 0,
                &b.venue.street,
                natural_key(&b.venue.address),
                b.venue.id,
            ))
    });
    Some(Coverage {
        targets: rows.len(),
        inspected: rows.iter().filter(|r| r.inspections > 0).count(),
        rows,
        hazards_found: found,
        hazards_rectified: rectified,
        hazards_overdue: overdue,
        rectification_rate: if found == 0 {
            1.0
        } else {
            rectified as f64 / found as f64
        },
        campaign,
    })
}

/// [`coverage`] over partitions folded in memory.
pub fn coverage_of(parts: &[&Folded], campaign: CampaignId, today: NaiveDate) -> Option<Coverage> {
    let states: Vec<&PartitionState> = parts.iter().map(|f| &f.state).collect();
    let by_partition: std::collections::BTreeMap<_, &Folded> =
        parts.iter().map(|f| (f.state.partition, *f)).collect();
    coverage(&states, campaign, today, |s, c| {
        by_partition
            .get(&s.partition)
            .map(|f| counted(c, f.records.inspections.values()))
            .unwrap_or((0, None))
    })
}

#[cfg(test)]
mod tests {
    use super::natural_key;

    #[test]
    fn addresses_sort_by_house_number() {
        let mut v = vec!["小木桥路 10号", "小木桥路 9号", "小木桥路 100号"];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(v, ["小木桥路 9号", "小木桥路 10号", "小木桥路 100号"]);
    }
}
