//! Read-side questions over folded partitions, shared by the server's review API and the
//! client's listings so both answer the same way. Every function takes the partitions it
//! may look at; sorting is part of the answer and is deterministic.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::*;
use crate::fold::PartitionState;
use crate::ids::*;
use crate::op::Op;

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
    /// Only hazards this user found or acted on.
    pub involving: Option<UserId>,
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
                && f.involving
                    .is_none_or(|u| h.found_by == u || h.history.iter().any(|e| e.author == u))
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
        conflicts: h.conflicts().count(),
        hazard: h.clone(),
    }
}

/// One hazard by id (an alias of a merged finding finds the hazard that carries it).
pub fn hazard(states: &[&PartitionState], id: HazardId, today: NaiveDate) -> Option<HazardRow> {
    states
        .iter()
        .find_map(|s| s.hazard(id).map(|h| row(s, h, today)))
}

/// A venue's inspections, newest first, in full (from the venue partition's ops).
pub fn inspections_of<'a>(venue_ops: impl IntoIterator<Item = &'a Op>) -> Vec<Inspection> {
    let mut out = crate::fold::inspections(venue_ops);
    out.sort_by_key(|i| std::cmp::Reverse((i.finished_at, i.hlc)));
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

/// Coverage of one campaign. An inspection counts when it names the campaign or was
/// finished within the campaign's period (Shanghai dates, inclusive); a hazard counts when
/// it was found by such an inspection.
pub fn coverage(
    states: &[&PartitionState],
    campaign: CampaignId,
    today: NaiveDate,
) -> Option<Coverage> {
    let campaign = states
        .iter()
        .filter_map(|s| s.campaign.as_ref())
        .find(|c| c.id == campaign)?
        .clone();
    let counts = |i: &InspectionSummary| {
        i.campaign == Some(campaign.id)
            || (campaign.starts..=campaign.ends).contains(&i.finished_at.local_date())
    };
    let mut rows = Vec::new();
    let (mut found, mut rectified, mut overdue) = (0, 0, 0);
    for s in states {
        let Some(venue) = s.venue.as_ref().filter(|v| campaign.targets(v)) else {
            continue;
        };
        let counted: Vec<&InspectionSummary> =
            s.inspections.values().filter(|i| counts(i)).collect();
        let hazards: Vec<&Hazard> = s
            .hazards
            .values()
            .filter(|h| matches!(h.source, HazardSource::Inspection(i) if counted.iter().any(|c| c.id == i)))
            .collect();
        found += hazards.len();
        rectified += hazards.iter().filter(|h| !h.status.is_active()).count();
        overdue += hazards.iter().filter(|h| h.is_overdue(today)).count();
        rows.push(CoverageRow {
            venue: venue.clone(),
            last_inspected: counted.iter().map(|i| i.finished_at).max(),
            inspections: counted.len(),
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
