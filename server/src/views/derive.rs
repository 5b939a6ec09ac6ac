//! What a merged partition means for the review indexes and campaign coverage: the
//! difference between its state before and after the merge, written into the same view
//! batch (so indexes are as atomic, crash-healing and rebuildable as the states).

use std::collections::BTreeSet;

use firecheck_shared::query::{campaigns_counting, counts_for, hazard_street};
use firecheck_shared::*;

use crate::store::{
    HazardEntry, PartitionKind, PartitionRecords, Result, Store, VenueCoverage, ViewBatch,
};

/// What every partition of one view batch is judged against: the organisation's campaigns as
/// committed before the batch. A campaign defined in the batch is marked stale and its
/// coverage computed afresh right after ([`recompute_campaigns`]).
#[derive(Debug)]
pub(super) struct Campaigns(pub Vec<Campaign>);

impl Campaigns {
    pub fn load(store: &Store, org: OrgId) -> Result<Self> {
        Ok(Self(
            store
                .states_of_kind(org, PartitionKind::Campaign)?
                .into_iter()
                .filter_map(|s| s.campaign)
                .collect(),
        ))
    }

    fn refs(&self) -> Vec<&Campaign> {
        self.0.iter().collect()
    }
}

/// The listing entry of a hazard of `state`.
fn entry(state: &PartitionState, h: &Hazard, campaigns: &[&Campaign]) -> HazardEntry {
    HazardEntry {
        hazard: h.clone(),
        venue_name: state
            .venue
            .as_ref()
            .map(|v| v.name.clone())
            .unwrap_or_default(),
        street: hazard_street(state, h).unwrap_or_default().to_string(),
        partition: state.partition,
        campaigns: campaigns_counting(state.venue.as_ref(), h, campaigns),
    }
}

/// Write the index changes of one partition whose state went from `old` to `new`.
pub(super) fn partition_changed(
    store: &Store,
    org: OrgId,
    campaigns: &Campaigns,
    old: &PartitionState,
    new: &PartitionState,
    records: &PartitionRecords<'_>,
    out: &mut ViewBatch,
) -> Result<()> {
    let refs = campaigns.refs();
    out.venue_entry(old.venue.as_ref(), new.venue.as_ref());
    for id in old
        .drills
        .keys()
        .chain(new.drills.keys())
        .collect::<BTreeSet<_>>()
    {
        out.drill_entry(old.drills.get(id), new.drills.get(id));
    }
    for id in old
        .visits
        .keys()
        .chain(new.visits.keys())
        .collect::<BTreeSet<_>>()
    {
        out.visit_entry(old.visits.get(id), new.visits.get(id));
    }
    for id in old
        .reports
        .keys()
        .chain(new.reports.keys())
        .collect::<BTreeSet<_>>()
    {
        out.report_link(&new.partition, old.reports.get(id), new.reports.get(id));
    }
    hazards_changed(store, org, &refs, old, new, out)?;
    if let Some(venue) = &new.venue {
        for c in &campaigns.0 {
            let before = store.venue_coverage(org, c.id, venue.id)?;
            let after = venue_coverage(c, new, before.as_ref(), records)?;
            out.venue_coverage(c.id, before.as_ref(), after.as_ref());
        }
    }
    if new.campaign != old.campaign {
        if let Some(c) = &new.campaign {
            out.coverage_stale(c.id);
        }
    }
    Ok(())
}

/// Each hazard of the partition whose entry changed.
fn hazards_changed(
    store: &Store,
    org: OrgId,
    campaigns: &[&Campaign],
    old: &PartitionState,
    new: &PartitionState,
    out: &mut ViewBatch,
) -> Result<()> {
    let p = new.partition;
    let ids: BTreeSet<HazardId> = old
        .hazards
        .keys()
        .chain(new.hazards.keys())
        .copied()
        .collect();
    for id in ids {
        let before = store.hazard_entry(org, id, &p)?;
        let after = new.hazards.get(&id).map(|h| entry(new, h, campaigns));
        out.hazard_entry(before.as_ref(), after.as_ref());
    }
    Ok(())
}

/// A venue partition's figures in campaign `c` after a merge (`None`: not a target).
/// Inspections are counted from what the merge added when the figures before are known and
/// the partition was not folded again, else from all its inspections.
fn venue_coverage(
    c: &Campaign,
    state: &PartitionState,
    before: Option<&VenueCoverage>,
    records: &PartitionRecords<'_>,
) -> Result<Option<VenueCoverage>> {
    let Some(venue) = state.venue.as_ref().filter(|v| c.targets(v)) else {
        return Ok(None);
    };
    let count = |times: &[(Timestamp, Option<CampaignId>)], start: (u64, Option<Timestamp>)| {
        times
            .iter()
            .filter(|(at, named)| counts_for(c, *at, *named))
            .fold(start, |(n, last), (at, _)| (n + 1, last.max(Some(*at))))
    };
    let (inspections, last_inspected) = match before {
        Some(b) if !records.refolded() => count(records.added(), (b.inspections, b.last_inspected)),
        _ => count(&records.inspection_times()?, (0, None)),
    };
    Ok(Some(figures(c, state, venue, inspections, last_inspected)))
}

/// A target venue's figures from its state and its counted inspections.
fn figures(
    c: &Campaign,
    state: &PartitionState,
    venue: &Venue,
    inspections: u64,
    last_inspected: Option<Timestamp>,
) -> VenueCoverage {
    let mut cov = VenueCoverage {
        venue: venue.clone(),
        inspections,
        last_inspected,
        hazards_found: 0,
        hazards_active: 0,
        hazards_rectified: 0,
        deadlines: Vec::new(),
    };
    for h in state.hazards.values() {
        if !h
            .inspection_finished
            .is_some_and(|at| counts_for(c, at, h.inspection_campaign))
        {
            continue;
        }
        cov.hazards_found += 1;
        if h.status.is_active() {
            cov.hazards_active += 1;
            cov.deadlines.extend(h.deadline);
        } else {
            cov.hazards_rectified += 1;
        }
    }
    cov.deadlines.sort();
    cov
}

/// Compute afresh the coverage of campaigns marked stale (defined or redefined), and the
/// campaign lists of every hazard entry: one pass over the organisation's venues and their
/// inspection time indexes. A campaign is redefined rarely; this costs the organisation's
/// inspections once.
pub(super) fn recompute_campaigns(store: &Store, org: OrgId, mark: u64) -> Result<()> {
    let stale = store.stale_campaigns(org)?;
    if stale.is_empty() {
        return Ok(());
    }
    let campaigns = Campaigns::load(store, org)?;
    let refs = campaigns.refs();
    let mut out = store.view_batch(org);
    for state in store.venue_states(org)? {
        let Some(venue) = &state.venue else { continue };
        for c in campaigns.0.iter().filter(|c| stale.contains(&c.id)) {
            let before = store.venue_coverage(org, c.id, venue.id)?;
            let after = if c.targets(venue) {
                let times = store.inspection_times(org, &state.partition)?;
                let (n, last) = times
                    .iter()
                    .filter(|(at, named)| counts_for(c, *at, *named))
                    .fold((0u64, None), |(n, last), (at, _)| {
                        (n + 1, last.max(Some(*at)))
                    });
                Some(figures(c, &state, venue, n, last))
            } else {
                None
            };
            out.venue_coverage(c.id, before.as_ref(), after.as_ref());
        }
        hazards_changed(store, org, &refs, &state, &state, &mut out)?;
    }
    for c in stale {
        out.coverage_fresh(c);
    }
    store.write_view_batch(out, mark)?;
    tracing::debug!(%org, "campaign coverage computed afresh");
    Ok(())
}
