//! Campaign coverage ("no blind spots"), kept by the view updater as ops arrive, so the
//! campaign page reads counts and one page of rows.
//!
//! Keys, per organisation and campaign (in the `views` tree):
//! - `C | org | v | campaign | venue` → [`VenueCoverage`]: one target venue's figures;
//! - `C | org | l | campaign | inspected | venue order` → (): the rows, targets not yet
//!   inspected first, each group by street and address;
//! - `C | org | z | campaign` → (): the campaign's coverage must be computed afresh (it was
//!   defined or redefined), done right after the batch that marks it;
//! - `K | org | c | campaign | figure | street` → a count: targets (`t`), inspected (`i`),
//!   hazards found (`f`), rectified (`r`); and `o | street | day` → counted hazards still
//!   needing work, by deadline day (overdue ones are those before today).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::query::{CoverageRow, StreetCoverage};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::index::{count_key, day, day_of, lp, split_lp, venue_order, IndexPage};
use super::views::ViewBatch;
use super::{decode, key, Result, Store, StoreError};

/// One target venue's figures in one campaign.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VenueCoverage {
    pub venue: Venue,
    /// Its inspections the campaign counts, and when the latest finished.
    pub inspections: u64,
    pub last_inspected: Option<Timestamp>,
    /// Its hazards the campaign counts: all, still needing work, verified or closed.
    pub hazards_found: u32,
    pub hazards_active: u32,
    pub hazards_rectified: u32,
    /// Deadlines of its counted hazards still needing work.
    pub deadlines: Vec<NaiveDate>,
}

impl VenueCoverage {
    pub fn row(&self, today: NaiveDate) -> (CoverageRow, usize) {
        let overdue = self.deadlines.iter().filter(|d| **d < today).count();
        (
            CoverageRow {
                venue: self.venue.clone(),
                last_inspected: self.last_inspected,
                inspections: self.inspections as usize,
                hazards_found: self.hazards_found as usize,
                hazards_active: self.hazards_active as usize,
            },
            overdue,
        )
    }
}

fn venue_key(org: OrgId, c: CampaignId, v: VenueId) -> Vec<u8> {
    key(b'C', &[org.as_bytes(), b"v", c.as_bytes(), v.as_bytes()])
}

fn row_key(org: OrgId, c: CampaignId, cov: &VenueCoverage) -> Vec<u8> {
    let mut k = key(
        b'C',
        &[
            org.as_bytes(),
            b"l",
            c.as_bytes(),
            &[u8::from(cov.inspections > 0)],
        ],
    );
    k.extend(venue_order(&cov.venue));
    k
}

fn stale_key(org: OrgId, c: CampaignId) -> Vec<u8> {
    key(b'C', &[org.as_bytes(), b"z", c.as_bytes()])
}

fn figure_key(org: OrgId, c: CampaignId, figure: u8, street: &str) -> Vec<u8> {
    count_key(org, &[b"c", c.as_bytes(), &[figure], &lp(street)])
}

fn overdue_key(org: OrgId, c: CampaignId, street: &str, d: NaiveDate) -> Vec<u8> {
    count_key(org, &[b"c", c.as_bytes(), b"o", &lp(street), &day(d)])
}

impl ViewBatch {
    /// A target venue's figures in a campaign changed (or it became, or stopped being, a
    /// target).
    pub fn venue_coverage(
        &mut self,
        c: CampaignId,
        old: Option<&VenueCoverage>,
        new: Option<&VenueCoverage>,
    ) {
        if old == new {
            return;
        }
        let org = self.org;
        for (cov, sign) in [(old, -1i64), (new, 1)] {
            let Some(cov) = cov else { continue };
            let street = &cov.venue.street;
            if sign < 0 {
                self.batch.remove(row_key(org, c, cov));
            } else {
                self.batch
                    .insert(venue_key(org, c, cov.venue.id), encode_unframed(cov));
                self.batch.insert(row_key(org, c, cov), &[] as &[u8]);
            }
            let figures = [
                (b't', 1),
                (b'i', i64::from(cov.inspections > 0)),
                (b'f', i64::from(cov.hazards_found)),
                (b'r', i64::from(cov.hazards_rectified)),
            ];
            for (figure, n) in figures {
                self.count(figure_key(org, c, figure, street), sign * n);
            }
            for d in &cov.deadlines {
                self.count(overdue_key(org, c, street, *d), sign);
            }
        }
        if new.is_none() {
            if let Some(old) = old {
                self.batch.remove(venue_key(org, c, old.venue.id));
            }
        }
    }

    /// Mark a campaign's coverage to be computed afresh (it was defined or redefined).
    pub fn coverage_stale(&mut self, c: CampaignId) {
        self.batch.insert(stale_key(self.org, c), &[] as &[u8]);
    }

    /// A campaign's coverage was computed afresh.
    pub fn coverage_fresh(&mut self, c: CampaignId) {
        self.batch.remove(stale_key(self.org, c));
    }
}

/// A campaign's figures and one page of its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct CoverageFigures {
    pub targets: usize,
    pub inspected: usize,
    pub hazards_found: usize,
    pub hazards_rectified: usize,
    pub hazards_overdue: usize,
    pub streets: Vec<StreetCoverage>,
    pub rows: IndexPage<CoverageRow>,
}

impl Store {
    /// A venue's stored figures in a campaign (`None`: not a target).
    pub fn venue_coverage(
        &self,
        org: OrgId,
        c: CampaignId,
        v: VenueId,
    ) -> Result<Option<VenueCoverage>> {
        self.views
            .get(venue_key(org, c, v))?
            .map(|b| decode("venue coverage", &b))
            .transpose()
    }

    /// Campaigns whose coverage must be computed afresh.
    pub fn stale_campaigns(&self, org: OrgId) -> Result<Vec<CampaignId>> {
        let prefix = key(b'C', &[org.as_bytes(), b"z"]);
        self.views
            .scan_prefix(&prefix)
            .keys()
            .map(|k| {
                let k = k?;
                uuid::Uuid::from_slice(&k[prefix.len()..])
                    .map(CampaignId)
                    .map_err(|_| StoreError::Corrupt {
                        what: "stale campaign",
                        message: format!("{} bytes of key", k.len()),
                    })
            })
            .collect()
    }

    /// A campaign's figures (per street and in all) and a page of its rows: counts and one
    /// range scan, whatever the campaign's history.
    pub fn coverage(
        &self,
        org: OrgId,
        c: CampaignId,
        today: NaiveDate,
        offset: usize,
        limit: usize,
    ) -> Result<CoverageFigures> {
        let mut streets: BTreeMap<String, StreetCoverage> = BTreeMap::new();
        let prefix = count_key(org, &[b"c", c.as_bytes()]);
        for item in self.views.scan_prefix(&prefix) {
            let (k, v) = item?;
            let bad = || StoreError::Corrupt {
                what: "coverage count",
                message: format!("{} bytes of key", k.len()),
            };
            let rest = &k[prefix.len()..];
            let (&figure, rest) = rest.split_first().ok_or_else(bad)?;
            let (street, tail) = split_lp(rest).ok_or_else(bad)?;
            let n = v
                .as_ref()
                .try_into()
                .map(i64::from_be_bytes)
                .unwrap_or(0)
                .max(0) as usize;
            let s = streets
                .entry(street.clone())
                .or_insert_with(|| StreetCoverage {
                    street,
                    ..Default::default()
                });
            match figure {
                b't' => s.targets += n,
                b'i' => s.inspected += n,
                b'f' => s.hazards_found += n,
                b'r' => s.hazards_rectified += n,
                b'o' => {
                    if day_of(tail).is_some_and(|d| d < today) {
                        s.hazards_overdue += n;
                    }
                }
                _ => return Err(bad()),
            }
        }
        streets.retain(|_, s| s.targets > 0);
        let sum = |f: fn(&StreetCoverage) -> usize| streets.values().map(f).sum::<usize>();
        let targets = sum(|s| s.targets);
        let rows_prefix = key(b'C', &[org.as_bytes(), b"l", c.as_bytes()]);
        let mut items = Vec::new();
        for k in self
            .views
            .scan_prefix(&rows_prefix)
            .keys()
            .skip(offset)
            .take(limit)
        {
            let k = k?;
            let id = k
                .len()
                .checked_sub(16)
                .and_then(|at| uuid::Uuid::from_slice(&k[at..]).ok())
                .map(VenueId)
                .ok_or(StoreError::Corrupt {
                    what: "coverage row",
                    message: format!("{} bytes of key", k.len()),
                })?;
            let cov = self
                .venue_coverage(org, c, id)?
                .ok_or(StoreError::Corrupt {
                    what: "coverage row",
                    message: format!("names venue {id}, which has no figures"),
                })?;
            items.push(cov.row(today).0);
        }
        Ok(CoverageFigures {
            targets,
            inspected: sum(|s| s.inspected),
            hazards_found: sum(|s| s.hazards_found),
            hazards_rectified: sum(|s| s.hazards_rectified),
            hazards_overdue: sum(|s| s.hazards_overdue),
            streets: streets.into_values().collect(),
            rows: IndexPage {
                next: None,
                total: Some(targets),
                items,
            },
        })
    }
}
