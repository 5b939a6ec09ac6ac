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

mod channels;

pub use channels::*;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema, utoipa::IntoParams))]
pub struct VenueFilter {
    /// Exact street name, e.g. `小木桥路`.
    pub street: Option<String>,
    pub kind: Option<VenueKind>,
    /// Part of the name, e.g. `老王`.
    pub name: Option<String>,
}

/// Venues, sorted by street, then address, then name.
pub fn venues<'a>(states: &[&'a PartitionState], f: &VenueFilter) -> Vec<&'a Venue> {
    let mut out: Vec<&Venue> = states
        .iter()
        .filter_map(|s| s.venue.as_ref())
        .filter(|v| f.street.as_ref().is_none_or(|s| &v.street == s))
        .filter(|v| f.kind.is_none_or(|k| v.kind == k))
        .filter(|v| f.name.as_ref().is_none_or(|n| v.name.contains(n.as_str())))
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
pub fn natural_key(s: &str) -> Vec<(String, u64)> {
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

/// Where a hazard came from, as a listing filters it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum SourceKind {
    Inspection,
    CitizenReport,
    /// A drill's "must improve" point.
    Drill,
    /// A problem residents raised at a visit.
    Visit,
}

impl SourceKind {
    pub const ALL: [SourceKind; 4] = [
        SourceKind::Inspection,
        SourceKind::CitizenReport,
        SourceKind::Drill,
        SourceKind::Visit,
    ];

    pub fn of(source: &HazardSource) -> Self {
        match source {
            HazardSource::Inspection(_) => SourceKind::Inspection,
            HazardSource::CitizenReport(_) => SourceKind::CitizenReport,
            HazardSource::DrillFinding(_) => SourceKind::Drill,
            HazardSource::Visit(_) => SourceKind::Visit,
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            SourceKind::Inspection => "inspection",
            SourceKind::CitizenReport => "citizen_report",
            SourceKind::Drill => "drill",
            SourceKind::Visit => "visit",
        }
    }
}

impl std::str::FromStr for SourceKind {
    type Err = crate::validate::ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "inspection" => Ok(SourceKind::Inspection),
            "citizen_report" | "citizen-report" => Ok(SourceKind::CitizenReport),
            "drill" => Ok(SourceKind::Drill),
            "visit" => Ok(SourceKind::Visit),
            other => Err(crate::validate::ValidationError::UnknownValue {
                what: "hazard source",
                value: crate::validate::clip(other),
                expected: "inspection, citizen_report, drill, visit",
            }),
        }
    }
}

/// Which hazards to list. Empty filter: every hazard. Lists are "any of" within a field,
/// fields "all of".
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardFilter {
    pub statuses: Vec<HazardStatus>,
    /// Only hazards still needing work (not verified, not closed).
    pub active: bool,
    pub overdue: bool,
    pub street: Option<String>,
    pub venue: Option<VenueId>,
    /// The unit it is dispatched to.
    pub assignee: Option<String>,
    pub severities: Vec<Severity>,
    pub sources: Vec<SourceKind>,
    /// Only hazards a campaign counts: found by an inspection it counts at one of its
    /// targets (see [`coverage`]).
    pub campaign: Option<CampaignId>,
}

impl HazardFilter {
    /// Whether a hazard passes every filter but the campaign's (which needs the campaigns).
    pub fn passes(&self, row: &HazardRow, today: NaiveDate) -> bool {
        let h = &row.hazard;
        (self.statuses.is_empty() || self.statuses.contains(&h.status))
            && (!self.active || h.status.is_active())
            && (!self.overdue || h.is_overdue(today))
            && self.street.as_ref().is_none_or(|s| &row.street == s)
            && self.venue.is_none_or(|v| h.venue == Some(v))
            && self
                .assignee
                .as_ref()
                .is_none_or(|a| h.assignee.as_ref() == Some(a))
            && (self.severities.is_empty() || self.severities.contains(&h.severity))
            && (self.sources.is_empty() || self.sources.contains(&SourceKind::of(&h.source)))
    }
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

/// Where a hazard sorts in a listing, apart from being overdue: by deadline (none last),
/// then severity, then when found, then id.
pub type HazardOrder = (bool, Option<NaiveDate>, Severity, Timestamp, HazardId);

pub fn hazard_order(h: &Hazard) -> HazardOrder {
    (
        h.deadline.is_none(),
        h.deadline,
        h.severity,
        h.found_at,
        h.id,
    )
}

/// The campaigns that count a hazard: it was found by an inspection the campaign counts
/// (names it, or finished within its period) at one of its targets.
pub fn campaigns_counting(
    venue: Option<&Venue>,
    h: &Hazard,
    campaigns: &[&Campaign],
) -> Vec<CampaignId> {
    let (Some(venue), Some(finished)) = (venue, h.inspection_finished) else {
        return Vec::new();
    };
    let mut out: Vec<CampaignId> = campaigns
        .iter()
        .filter(|c| c.targets(venue) && counts_for(c, finished, h.inspection_campaign))
        .map(|c| c.id)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Hazards matching `f`, overdue first (oldest deadline first), then by deadline (none last),
/// then severity, then when found.
pub fn hazards(states: &[&PartitionState], f: &HazardFilter, today: NaiveDate) -> Vec<HazardRow> {
    let campaigns: Vec<&Campaign> = states.iter().filter_map(|s| s.campaign.as_ref()).collect();
    let mut out: Vec<HazardRow> = states
        .iter()
        .flat_map(|s| s.hazards.values().map(move |h| (s, h)))
        .filter(|(s, h)| {
            f.campaign
                .is_none_or(|c| campaigns_counting(s.venue.as_ref(), h, &campaigns).contains(&c))
        })
        .map(|(s, h)| row(s, h, today))
        .filter(|r| f.passes(r, today))
        .collect();
    out.sort_by(|a, b| {
        (!a.overdue, hazard_order(&a.hazard)).cmp(&(!b.overdue, hazard_order(&b.hazard)))
    });
    out
}

/// One street's hazards on the board: how many in each state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StreetCounts {
    /// The street (empty for hazards with no street).
    pub street: String,
    pub open: usize,
    pub dispatched: usize,
    /// Reported fixed, awaiting re-inspection (整改完成待复查).
    pub reported_fixed: usize,
    pub reopened: usize,
    pub verified: usize,
    pub closed: usize,
    /// Still needing work: open, dispatched, reported fixed or reopened.
    pub active: usize,
    /// Active and past their deadline.
    pub overdue: usize,
    /// Verified (and still verified) on a day of the period asked for.
    pub verified_in_period: usize,
}

impl StreetCounts {
    pub fn add(&mut self, h: &Hazard, today: NaiveDate, period: (NaiveDate, NaiveDate)) {
        match h.status {
            HazardStatus::Open => self.open += 1,
            HazardStatus::Dispatched => self.dispatched += 1,
            HazardStatus::ReportedFixed => self.reported_fixed += 1,
            HazardStatus::Reopened => self.reopened += 1,
            HazardStatus::Verified => self.verified += 1,
            HazardStatus::Closed => self.closed += 1,
        }
        if h.status.is_active() {
            self.active += 1;
        }
        if h.is_overdue(today) {
            self.overdue += 1;
        }
        if h.verified_at
            .is_some_and(|t| (period.0..=period.1).contains(&t.local_date()))
        {
            self.verified_in_period += 1;
        }
    }
}

/// The board: hazard counts per street, by street; `period` (Shanghai dates, inclusive) is
/// what "verified in period" counts.
pub fn street_counts(
    states: &[&PartitionState],
    today: NaiveDate,
    period: (NaiveDate, NaiveDate),
) -> Vec<StreetCounts> {
    let mut by: std::collections::BTreeMap<String, StreetCounts> = Default::default();
    for s in states {
        for h in s.hazards.values() {
            let street = hazard_street(s, h).unwrap_or_default().to_string();
            by.entry(street.clone())
                .or_insert_with(|| StreetCounts {
                    street,
                    ..Default::default()
                })
                .add(h, today, period);
        }
    }
    by.into_values().collect()
}

/// The street a hazard lists under: its venue's, a venue-less report's own, or the name of
/// the residential area a venue-less visit went to.
pub fn hazard_street<'a>(s: &'a PartitionState, h: &'a Hazard) -> Option<&'a str> {
    match h.source {
        HazardSource::CitizenReport(r) if s.venue.is_none() => {
            s.reports.get(&r).map(|r| r.street.as_str())
        }
        HazardSource::Visit(v) if s.venue.is_none() => s.visits.get(&v).map(|v| v.area.as_str()),
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
    /// The same figures per street, by street.
    pub streets: Vec<StreetCoverage>,
}

/// A campaign's figures on one street.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StreetCoverage {
    pub street: String,
    pub targets: usize,
    pub inspected: usize,
    pub hazards_found: usize,
    pub hazards_rectified: usize,
    pub hazards_overdue: usize,
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
    let mut streets: std::collections::BTreeMap<String, StreetCoverage> = Default::default();
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
        let street = streets
            .entry(venue.street.clone())
            .or_insert_with(|| StreetCoverage {
                street: venue.street.clone(),
                ..Default::default()
            });
        street.targets += 1;
        street.inspected += usize::from(inspections > 0);
        street.hazards_found += hazards.len();
        street.hazards_rectified += hazards.iter().filter(|h| !h.status.is_active()).count();
        street.hazards_overdue += hazards.iter().filter(|h| h.is_overdue(today)).count();
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
    // Not inspected first, then in the venues' listing order (street, address, name).
    rows.sort_by(|a, b| {
        (
            a.inspections > 0,
            &a.venue.street,
            natural_key(&a.venue.address),
            &a.venue.name,
            a.venue.id,
        )
            .cmp(&(
                b.inspections > 0,
                &b.venue.street,
                natural_key(&b.venue.address),
                &b.venue.name,
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
        streets: streets.into_values().collect(),
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
