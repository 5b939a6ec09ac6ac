//! The review indexes are views like the states: a property test feeds random op sets
//! (venues moving street, closing and reopening, inspections with failed and passed items,
//! amendments withdrawing findings, hazards dispatched, fixed, verified, closed, reopened and
//! replied to, reports with case numbers and links, drills and their findings, visits,
//! campaigns defined and redefined) into a store in random orders and batch splits — so ops arrive out of HLC order
//! and partitions fold again — and checks that
//! - the indexes, counts and coverage kept as ops arrive equal a rebuild from the log
//!   (`Store::views_digest`), and
//! - every listing read through them equals the same question answered by a full scan of
//!   the folded partitions (`firecheck_shared::query`, the client's own listings), page by
//!   page with `after` cursors and with offsets; so do the citizen reports linked to each
//!   hazard.

use chrono::NaiveDate;
use firecheck_server::store::{CommitBatch, LogEntry, Store};
use firecheck_server::views::{rebuild, Views};
use firecheck_shared::fuzzing::built_ops;
use firecheck_shared::query::{self, HazardFilter, HazardRow, SourceKind};
use firecheck_shared::*;
use proptest::prelude::*;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;

fn date(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2023, m, d).unwrap()
}

/// A store holding `ops` in the given order, its views folded after each of `splits`.
fn store_with(dir: &std::path::Path, org: OrgId, ops: &[Op], splits: &[usize]) -> Store {
    let store = firecheck_server::testing::open_store(dir);
    store
        .put_org(&Org {
            id: org,
            name: "斜土街道".into(),
        })
        .unwrap();
    let views = Views::new();
    let mut seq = 0;
    let mut rest = ops;
    let mut cuts = splits.iter().cycle();
    while !rest.is_empty() {
        let n = (*cuts.next().unwrap()).min(rest.len());
        let (now, later) = rest.split_at(n);
        let entries = now
            .iter()
            .map(|op| {
                seq += 1;
                (
                    org,
                    seq,
                    LogEntry {
                        received_ms: 0,
                        op: op.clone(),
                    },
                )
            })
            .collect();
        store
            .commit(&CommitBatch {
                entries,
                runs: Vec::new(),
            })
            .unwrap();
        views.catch_up(&store, org).unwrap();
        rest = later;
    }
    store
}

/// Every page of a hazard listing, following `next` cursors.
fn all_pages(
    store: &Store,
    org: OrgId,
    f: &HazardFilter,
    today: NaiveDate,
    limit: usize,
) -> Vec<HazardRow> {
    let mut out = Vec::new();
    let mut after: Option<Vec<u8>> = None;
    loop {
        let page = store
            .hazards_page(org, f, today, after.as_deref(), 0, limit)
            .unwrap();
        out.extend(page.items);
        match page.next {
            Some(n) => after = Some(hex::decode(n).unwrap()),
            None => return out,
        }
    }
}

fn filters(campaign: Option<CampaignId>) -> Vec<HazardFilter> {
    let mut out = vec![
        HazardFilter::default(),
        HazardFilter {
            active: true,
            ..Default::default()
        },
        HazardFilter {
            overdue: true,
            ..Default::default()
        },
        HazardFilter {
            street: Some("小木桥路".into()),
            ..Default::default()
        },
        HazardFilter {
            statuses: vec![HazardStatus::Open, HazardStatus::Reopened],
            street: Some("斜土路".into()),
            ..Default::default()
        },
        HazardFilter {
            assignee: Some("城管斜土中队".into()),
            active: true,
            ..Default::default()
        },
        HazardFilter {
            severities: vec![Severity::Critical],
            sources: vec![SourceKind::Inspection],
            ..Default::default()
        },
        HazardFilter {
            sources: vec![SourceKind::CitizenReport],
            ..Default::default()
        },
        HazardFilter {
            sources: vec![SourceKind::Drill, SourceKind::Visit],
            active: true,
            ..Default::default()
        },
        HazardFilter {
            sources: vec![SourceKind::Visit],
            overdue: true,
            ..Default::default()
        },
    ];
    if let Some(c) = campaign {
        out.push(HazardFilter {
            campaign: Some(c),
            ..Default::default()
        });
        out.push(HazardFilter {
            campaign: Some(c),
            overdue: true,
            ..Default::default()
        });
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn indexes_equal_a_rebuild_and_listings_equal_a_full_scan(
        data in proptest::collection::vec(any::<u8>(), 0..700),
        splits in proptest::collection::vec(1usize..9, 1..6),
        seed in any::<u64>(),
    ) {
        let mut ops = built_ops(&data);
        ops.shuffle(&mut SmallRng::seed_from_u64(seed));
        let org = OrgId::new();
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), org, &ops, &splits);
        let live = store.views_digest(org).unwrap();
        let mut replica = Replica::new();
        replica.apply_all(ops.iter().cloned());
        let parts: Vec<&Folded> = replica.partitions().collect();
        let states: Vec<&PartitionState> = replica.states().collect();
        let campaign = query::campaigns(&states).first().map(|c| c.id);

        for today in [date(11, 10), date(11, 20), date(12, 5)] {
            for f in filters(campaign) {
                let want = query::hazards(&states, &f, today);
                let page = store.hazards_page(org, &f, today, None, 0, 1000).unwrap();
                prop_assert_eq!(&page.items, &want, "{:?} on {}", f, today);
                if let Some(total) = page.total {
                    prop_assert_eq!(total, want.len(), "total of {:?}", f);
                }
                prop_assert_eq!(&all_pages(&store, org, &f, today, 2), &want, "pages of {:?}", f);
                let skipped = store.hazards_page(org, &f, today, None, 1, 3).unwrap();
                prop_assert_eq!(&skipped.items[..], &want[want.len().min(1)..want.len().min(4)]);
            }
            let period = (date(11, 6), today);
            prop_assert_eq!(
                store.street_counts(org, today, period).unwrap(),
                query::street_counts(&states, today, period)
            );
            if let Some(c) = campaign {
                let want = query::coverage_of(&parts, c, today).unwrap();
                let got = store.coverage(org, c, today, 0, 1000).unwrap();
                prop_assert_eq!(got.targets, want.targets);
                prop_assert_eq!(got.inspected, want.inspected);
                prop_assert_eq!(got.hazards_found, want.hazards_found);
                prop_assert_eq!(got.hazards_rectified, want.hazards_rectified);
                prop_assert_eq!(got.hazards_overdue, want.hazards_overdue);
                prop_assert_eq!(&got.streets, &want.streets);
                prop_assert_eq!(&got.rows.items, &want.rows);
            }
        }
        let venue_filters = [
            query::VenueFilter::default(),
            query::VenueFilter { street: Some("小木桥路".into()), ..Default::default() },
            query::VenueFilter { street: Some("斜土路".into()), ..Default::default() },
            query::VenueFilter { kind: Some(VenueKind::StreetShop), ..Default::default() },
            query::VenueFilter {
                street: Some("斜土路".into()),
                kind: Some(VenueKind::EbikePoint),
                ..Default::default()
            },
            query::VenueFilter { name: Some("老王".into()), ..Default::default() },
        ];
        for f in &venue_filters {
            let want: Vec<Venue> = query::venues(&states, f).into_iter().cloned().collect();
            let got = store.venues_page(org, f, None, 0, 1000).unwrap();
            prop_assert_eq!(&got.items, &want, "{:?}", f);
            if let Some(total) = got.total {
                prop_assert_eq!(total, want.len(), "{:?}", f);
            }
            // Page by page.
            let mut paged = Vec::new();
            let mut after: Option<Vec<u8>> = None;
            loop {
                let page = store.venues_page(org, f, after.as_deref(), 0, 2).unwrap();
                paged.extend(page.items);
                match page.next {
                    Some(n) => after = Some(hex::decode(n).unwrap()),
                    None => break,
                }
            }
            prop_assert_eq!(&paged, &want, "pages of {:?}", f);
        }
        let drills: Vec<Drill> = query::drills(&states).into_iter().cloned().collect();
        prop_assert_eq!(store.drills_page(org, 0, 1000).unwrap().items, drills);
        let visits: Vec<Visit> = query::visits(&states).into_iter().cloned().collect();
        let page = store.visits_page(org, 0, 1000).unwrap();
        prop_assert_eq!(page.total, Some(visits.len()));
        prop_assert_eq!(page.items, visits);
        // The reports linked to each hazard, as a scan of every partition's reports finds them.
        let mut linked: std::collections::BTreeMap<HazardId, Vec<(Partition, CitizenReport)>> =
            Default::default();
        for st in &states {
            for r in st.reports.values() {
                if let Some(l) = r.linked_to {
                    linked.entry(l.hazard).or_default().push((st.partition, r.clone()));
                }
            }
        }
        let targets: Vec<HazardId> = states
            .iter()
            .flat_map(|st| st.hazards.keys().copied())
            .chain(linked.keys().copied())
            .collect();
        for h in targets {
            let mut want = linked.get(&h).cloned().unwrap_or_default();
            want.sort_by_key(|(p, r)| (p.to_key(), r.id));
            prop_assert_eq!(store.linked_reports(org, h).unwrap(), want, "reports linked to {}", h);
        }

        // Indexes kept as ops arrived equal a rebuild from the log.
        rebuild(&store).unwrap();
        prop_assert_eq!(store.views_digest(org).unwrap(), live);
    }
}
