//! The review indexes the view updater keeps beside the states, in the same atomic batch, so
//! a review read costs the page it returns, never the organisation's history.
//!
//! Keys, per organisation (all in the `views` tree, so they are as disposable and
//! rebuildable as the states):
//! - `X | org | hazard | partition` → [`HazardEntry`]: what a listing shows of a hazard;
//! - `Q | org | dim | value | class | order | hazard | partition` → (): hazards in listing
//!   order, once for every organisation (`dim` = all) and once per filter a listing takes
//!   (status, severity, street, unit, venue, source, campaign). `class` is 0 while the hazard
//!   needs work, 1 once verified or closed; `order` is deadline (none last), severity, when
//!   found. Overdue hazards are then a prefix of each active range, so "overdue first, then
//!   by deadline" is two range scans merged, whatever today is;
//! - `K | org | …` → a count (i64 BE), kept by deltas: hazards per filter value and class,
//!   per street and status, active hazards per street and deadline day, verified hazards per
//!   street and day, venues per street and kind — totals and the board without scans;
//! - `V | org | street | address (natural order) | name | venue` → [`Venue`], and
//!   `P | org | kind | street | address | name | venue` → (): venues in listing order;
//! - `G | org | held at | drill` → [`Drill`]: drills, newest last;
//! - `M | org | visited on | hlc | visit | venue or area` → [`Visit`]: resident visits,
//!   newest last;
//! - `J | org | hazard | partition | report` → [`CitizenReport`]: citizen reports linked to
//!   the hazard they name (the report's partition after it), so a hazard lists the reports
//!   that follow it without reading every report;
//! - `C | org | …` → campaign coverage: per target venue, per street, the not-inspected-first
//!   listing, overdue counts by deadline day, and campaigns whose coverage must be computed
//!   again (see `views::coverage`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::NaiveDate;
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::query::{
    hazard_order, natural_key, HazardFilter, HazardRow, SourceKind, StreetCounts, VenueFilter,
};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::views::{ordered_ms, ViewBatch};
use super::{decode, key, Result, Store, StoreError};

/// What a listing shows of a hazard, with what its indexes are derived from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HazardEntry {
    pub hazard: Hazard,
    pub venue_name: String,
    pub street: String,
    pub partition: Partition,
    /// Campaigns that count it (see `query::campaigns_counting`).
    pub campaigns: Vec<CampaignId>,
}

impl HazardEntry {
    pub fn row(&self, today: NaiveDate) -> HazardRow {
        HazardRow {
            hazard: self.hazard.clone(),
            venue_name: self.venue_name.clone(),
            street: self.street.clone(),
            overdue: self.hazard.is_overdue(today),
            conflicts: self.hazard.conflicts as usize,
        }
    }

    fn dims(&self) -> Vec<Dim> {
        let h = &self.hazard;
        let mut dims = vec![
            Dim::All,
            Dim::Status(h.status),
            Dim::Severity(h.severity),
            Dim::Street(self.street.clone()),
            Dim::Source(SourceKind::of(&h.source)),
        ];
        if let Some(unit) = &h.assignee {
            dims.push(Dim::Unit(unit.clone()));
        }
        if let Some(v) = h.venue {
            dims.push(Dim::Venue(v));
        }
        dims.extend(self.campaigns.iter().map(|c| Dim::Campaign(*c)));
        dims
    }
}

/// A value a hazard listing can be filtered by, each with an index of its own.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dim {
    All,
    Status(HazardStatus),
    Severity(Severity),
    Street(String),
    Unit(String),
    Venue(VenueId),
    Source(SourceKind),
    Campaign(CampaignId),
}

/// A string in a key: its length (u16 BE, so no value is a prefix of another) then bytes.
pub(super) fn lp(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let len = u16::try_from(b.len()).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(2 + b.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&b[..len as usize]);
    out
}

/// A string in a key that sorts like the string: bytes, then a 0 (text has no NUL; the
/// validator refuses control characters).
fn sortable(s: &str) -> Vec<u8> {
    // Escaped so that bytes order as the strings do, NUL included, and end with 0: a string
    // sorts before every longer one it begins.
    let mut out = Vec::with_capacity(s.len() + 1);
    for b in s.bytes() {
        match b {
            0 => out.extend_from_slice(&[1, 1]),
            1 => out.extend_from_slice(&[1, 2]),
            b => out.push(b),
        }
    }
    out.push(0);
    out
}

pub(super) fn day(d: NaiveDate) -> [u8; 4] {
    ((chrono::Datelike::num_days_from_ce(&d) as u32) ^ (1 << 31)).to_be_bytes()
}

pub(super) fn day_of(b: &[u8]) -> Option<NaiveDate> {
    let v = u32::from_be_bytes(b.try_into().ok()?) ^ (1 << 31);
    NaiveDate::from_num_days_from_ce_opt(v as i32)
}

impl Dim {
    fn bytes(&self) -> Vec<u8> {
        match self {
            Dim::All => vec![b'a'],
            Dim::Status(s) => vec![b's', *s as u8],
            Dim::Severity(s) => vec![b'v', *s as u8],
            Dim::Street(s) => [vec![b't'], lp(s)].concat(),
            Dim::Unit(u) => [vec![b'u'], lp(u)].concat(),
            Dim::Venue(v) => [&[b'n'][..], v.as_bytes()].concat(),
            Dim::Source(k) => vec![b'o', *k as u8],
            Dim::Campaign(c) => [&[b'c'][..], c.as_bytes()].concat(),
        }
    }
}

fn class(h: &Hazard) -> u8 {
    u8::from(!h.status.is_active())
}

/// The listing order of a hazard as bytes: deadline (none last), severity, when found, id.
fn order_bytes(h: &Hazard) -> Vec<u8> {
    let (none, deadline, severity, found, id) = hazard_order(h);
    let mut out = Vec::with_capacity(30);
    out.push(u8::from(none));
    out.extend_from_slice(&deadline.map(day).unwrap_or([0; 4]));
    out.push(severity as u8);
    out.extend_from_slice(&ordered_ms(found.0));
    out.extend_from_slice(id.as_bytes());
    out
}

/// Most index entries a listing filtered by several fields reads past its page to count
/// the matches (beyond it, `total` is left out).
const COUNT_BUDGET: i64 = 5_000;

/// Where the hazard id sits in an order key (after none-last, deadline, severity, found).
const ORDER_ID_AT: usize = 1 + 4 + 1 + 8;
const ORDER_LEN: usize = ORDER_ID_AT + 16;

fn dim_prefix(org: OrgId, dim: &Dim) -> Vec<u8> {
    key(b'Q', &[org.as_bytes(), &dim.bytes()])
}

fn entry_key(org: OrgId, id: HazardId, p: &Partition) -> Vec<u8> {
    key(b'X', &[org.as_bytes(), id.as_bytes(), &p.to_key()])
}

pub(super) fn count_key(org: OrgId, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = key(b'K', &[org.as_bytes()]);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

fn hazard_count_key(org: OrgId, dim: &Dim, class: u8) -> Vec<u8> {
    count_key(org, &[b"h", &dim.bytes(), &[class]])
}

fn venue_key(org: OrgId, v: &Venue) -> Vec<u8> {
    let mut k = key(b'V', &[org.as_bytes()]);
    k.extend(venue_order(v));
    k
}

fn venue_kind_key(org: OrgId, v: &Venue) -> Vec<u8> {
    let mut k = key(b'P', &[org.as_bytes(), &[kind_byte(v.kind)]]);
    k.extend(venue_order(v));
    k
}

fn kind_byte(k: VenueKind) -> u8 {
    VenueKind::ALL.iter().position(|x| *x == k).unwrap_or(0) as u8
}

/// A venue's listing order as bytes: street, address (house numbers as numbers), name, id.
pub(crate) fn venue_order(v: &Venue) -> Vec<u8> {
    let mut out = sortable(&v.street);
    for (text, n) in natural_key(&v.address) {
        out.extend(sortable(&text));
        out.extend_from_slice(&n.to_be_bytes());
    }
    out.push(0xff);
    out.extend(sortable(&v.name));
    out.extend_from_slice(v.id.as_bytes());
    out
}

fn visit_key(org: OrgId, v: &Visit) -> Vec<u8> {
    key(
        b'M',
        &[
            org.as_bytes(),
            &day(v.visited_on),
            &v.hlc.wall_ms.to_be_bytes(),
            &v.hlc.counter.to_be_bytes(),
            &v.hlc.node.to_be_bytes(),
            v.id.as_bytes(),
            // The partition it is recorded in: one id recorded at two places (a device's
            // mistake, or a forged op) is two visits, as a scan of the partitions finds.
            &visit_place(v),
        ],
    )
}

fn visit_place(v: &Visit) -> [u8; 16] {
    match v.venue {
        Some(venue) => *venue.as_bytes(),
        None => *AreaId::for_name(&v.area).as_bytes(),
    }
}

fn link_key(org: OrgId, p: &Partition, r: &CitizenReport, target: HazardId) -> Vec<u8> {
    key(
        b'J',
        &[
            org.as_bytes(),
            target.as_bytes(),
            &p.to_key(),
            r.id.as_bytes(),
        ],
    )
}

fn drill_key(org: OrgId, d: &Drill) -> Vec<u8> {
    key(
        b'G',
        &[org.as_bytes(), &ordered_ms(d.held_at.0), d.id.as_bytes()],
    )
}

impl ViewBatch {
    pub(super) fn count(&mut self, key: Vec<u8>, delta: i64) {
        *self.counts.entry(key).or_default() += delta;
    }

    /// A hazard's entry changed (appeared, changed, or went away): its record, its index
    /// keys and its counts follow.
    pub fn hazard_entry(&mut self, old: Option<&HazardEntry>, new: Option<&HazardEntry>) {
        if old == new {
            return;
        }
        let org = self.org;
        // Most changes (an event added to its history) move none of its index keys: only
        // the keys and counts that differ are written.
        let mut keys: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        let mut counts: BTreeMap<Vec<u8>, i64> = BTreeMap::new();
        for (e, sign) in [(old, -1i64), (new, 1)] {
            let Some(e) = e else { continue };
            for (k, delta) in hazard_keys(org, e) {
                match delta {
                    Some(d) => *counts.entry(k).or_default() += sign * d,
                    None => *keys.entry(k).or_default() += sign,
                }
            }
        }
        for (k, d) in keys {
            match d.cmp(&0) {
                std::cmp::Ordering::Less => self.batch.remove(k),
                std::cmp::Ordering::Greater => self.batch.insert(k, []),
                std::cmp::Ordering::Equal => {}
            }
        }
        for (k, d) in counts {
            if d != 0 {
                self.count(k, d);
            }
        }
        if let Some(e) = old {
            if new.is_none_or(|n| (n.hazard.id, n.partition) != (e.hazard.id, e.partition)) {
                self.batch.remove(entry_key(org, e.hazard.id, &e.partition));
            }
        }
        if let Some(e) = new {
            self.batch.insert(
                entry_key(org, e.hazard.id, &e.partition),
                encode_unframed(e),
            );
        }
    }

    /// A venue appeared or changed.
    pub fn venue_entry(&mut self, old: Option<&Venue>, new: Option<&Venue>) {
        if old == new {
            return;
        }
        let org = self.org;
        if let Some(v) = old {
            self.batch.remove(venue_key(org, v));
            self.batch.remove(venue_kind_key(org, v));
            for k in venue_counts(org, v) {
                self.count(k, -1);
            }
        }
        if let Some(v) = new {
            self.batch.insert(venue_key(org, v), encode_unframed(v));
            self.batch.insert(venue_kind_key(org, v), &[] as &[u8]);
            for k in venue_counts(org, v) {
                self.count(k, 1);
            }
        }
    }

    /// A visit appeared or changed.
    pub fn visit_entry(&mut self, old: Option<&Visit>, new: Option<&Visit>) {
        if old == new {
            return;
        }
        if let Some(v) = old {
            self.batch.remove(visit_key(self.org, v));
            self.count(count_key(self.org, &[b"m"]), -1);
        }
        if let Some(v) = new {
            self.batch
                .insert(visit_key(self.org, v), encode_unframed(v));
            self.count(count_key(self.org, &[b"m"]), 1);
        }
    }

    /// A citizen report of partition `p` appeared or changed: its entry under the hazard it
    /// is linked to (if any) follows.
    pub fn report_link(
        &mut self,
        p: &Partition,
        old: Option<&CitizenReport>,
        new: Option<&CitizenReport>,
    ) {
        fn linked(r: Option<&CitizenReport>) -> Option<(&CitizenReport, HazardId)> {
            r.and_then(|r| Some((r, r.linked_to?.hazard)))
        }
        let (old, new) = (linked(old), linked(new));
        if old == new {
            return;
        }
        if let Some((r, target)) = old {
            self.batch.remove(link_key(self.org, p, r, target));
        }
        if let Some((r, target)) = new {
            self.batch
                .insert(link_key(self.org, p, r, target), encode_unframed(r));
        }
    }

    /// A drill appeared or changed.
    pub fn drill_entry(&mut self, old: Option<&Drill>, new: Option<&Drill>) {
        if old == new {
            return;
        }
        if let Some(d) = old {
            self.batch.remove(drill_key(self.org, d));
            self.count(count_key(self.org, &[b"g"]), -1);
        }
        if let Some(d) = new {
            self.batch
                .insert(drill_key(self.org, d), encode_unframed(d));
            self.count(count_key(self.org, &[b"g"]), 1);
        }
    }
}

/// The index keys of a hazard entry: `Some(1)` a count it adds one to, `None` a key.
fn hazard_keys(org: OrgId, e: &HazardEntry) -> Vec<(Vec<u8>, Option<i64>)> {
    let h = &e.hazard;
    let c = class(h);
    let order = order_bytes(h);
    let mut out = Vec::new();
    for dim in e.dims() {
        let mut k = dim_prefix(org, &dim);
        k.push(c);
        k.extend_from_slice(&order);
        k.extend_from_slice(&e.partition.to_key());
        out.push((k, None));
        out.push((hazard_count_key(org, &dim, c), Some(1)));
    }
    let street = lp(&e.street);
    out.push((count_key(org, &[b"b", &street, &[h.status as u8]]), Some(1)));
    if let (true, Some(d)) = (h.status.is_active(), h.deadline) {
        out.push((count_key(org, &[b"d", &street, &day(d)]), Some(1)));
    }
    if let (HazardStatus::Verified, Some(t)) = (h.status, h.verified_at) {
        out.push((
            count_key(org, &[b"y", &street, &day(t.local_date())]),
            Some(1),
        ));
    }
    out
}

fn venue_counts(org: OrgId, v: &Venue) -> Vec<Vec<u8>> {
    vec![
        count_key(org, &[b"v", b"a"]),
        count_key(org, &[b"v", b"t", &lp(&v.street)]),
        count_key(org, &[b"v", b"k", &[kind_byte(v.kind)]]),
    ]
}

/// One page of a listing read through an index.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexPage<T> {
    pub items: Vec<T>,
    /// How many match in all, when the indexes know it without a scan.
    pub total: Option<usize>,
    /// Where the next page starts (`after`), when there may be one.
    pub next: Option<String>,
}

/// A sled range that yields hazard listing keys as "sort bytes": a phase byte (0: overdue,
/// 1: the rest) then the order and the partition.
struct Part {
    iter: std::iter::Peekable<super::kv::Iter>,
    strip: usize,
    phase: u8,
}

impl Part {
    fn head(&mut self) -> Result<Option<Vec<u8>>> {
        match self.iter.peek() {
            None => Ok(None),
            Some(Err(_)) => match self.iter.next() {
                Some(Err(e)) => Err(e),
                _ => Ok(None),
            },
            Some(Ok((k, _))) => {
                let mut out = Vec::with_capacity(1 + k.len() - self.strip);
                out.push(self.phase);
                out.extend_from_slice(k.get(self.strip..).unwrap_or_default());
                Ok(Some(out))
            }
        }
    }
}

/// Parse a page cursor (`after`).
pub fn parse_cursor(s: &str) -> Option<Vec<u8>> {
    hex::decode(s).ok()
}

impl Store {
    fn counter(&self, k: &[u8]) -> Result<i64> {
        Ok(self
            .views
            .get(k)?
            .and_then(|v| v.as_ref().try_into().ok().map(i64::from_be_bytes))
            .unwrap_or(0))
    }

    /// Apply a batch's count deltas into its sled batch (read, add, write; the view
    /// updater is the only writer).
    pub(super) fn settle_counts(
        &self,
        counts: BTreeMap<Vec<u8>, i64>,
        batch: &mut super::views::Writes,
    ) -> Result<()> {
        for (k, delta) in counts {
            if delta == 0 {
                continue;
            }
            let now = self.counter(&k)? + delta;
            if now == 0 {
                batch.remove(k);
            } else {
                batch.insert(k, now.to_be_bytes());
            }
        }
        Ok(())
    }

    /// The stored listing entry of a hazard.
    pub fn hazard_entry(
        &self,
        org: OrgId,
        id: HazardId,
        p: &Partition,
    ) -> Result<Option<HazardEntry>> {
        self.views
            .get(entry_key(org, id, p))?
            .map(|v| decode("hazard entry", &v))
            .transpose()
    }

    /// The parts (sled ranges) that list `dim`'s hazards in order, from after `after`.
    fn parts(
        &self,
        org: OrgId,
        dim: &Dim,
        f: &HazardFilter,
        today: NaiveDate,
        after: Option<&[u8]>,
    ) -> Vec<Part> {
        let prefix = dim_prefix(org, dim);
        let strip = prefix.len() + 1;
        let active = [prefix.as_slice(), &[0]].concat();
        let done = [prefix.as_slice(), &[1]].concat();
        // Active hazards with a deadline before today: the overdue ones, first.
        let overdue_end = [active.as_slice(), &[0], &day(today)].concat();
        let after_phase = after.and_then(|a| a.first().copied());
        let from = |base: &[u8], phase: u8, lo: Bound<Vec<u8>>| match (after_phase, after) {
            (Some(p), Some(a)) if p == phase => {
                let k = [base, &a[1..]].concat();
                match &lo {
                    Bound::Included(l) if *l > k => lo,
                    _ => Bound::Excluded(k),
                }
            }
            _ => lo,
        };
        let mut parts = Vec::new();
        let range = |lo: Bound<Vec<u8>>, hi: Bound<Vec<u8>>| self.views.range((lo, hi));
        if after_phase.is_none_or(|p| p == 0) {
            parts.push(Part {
                iter: range(
                    from(&active, 0, Bound::Included(active.clone())),
                    Bound::Excluded(overdue_end.clone()),
                )
                .peekable(),
                strip,
                phase: 0,
            });
        }
        if !f.overdue {
            parts.push(Part {
                iter: range(
                    from(&active, 1, Bound::Included(overdue_end)),
                    Bound::Excluded(done.clone()),
                )
                .peekable(),
                strip,
                phase: 1,
            });
            if !f.active {
                let end = [prefix.as_slice(), &[2]].concat();
                parts.push(Part {
                    iter: range(
                        from(&done, 1, Bound::Included(done.clone())),
                        Bound::Excluded(end),
                    )
                    .peekable(),
                    strip,
                    phase: 1,
                });
            }
        }
        parts
    }

    /// How many hazards an index holds (by its counts; active ones only when asked).
    fn dim_count(&self, org: OrgId, dim: &Dim, active_only: bool) -> Result<i64> {
        let mut n = self.counter(&hazard_count_key(org, dim, 0))?;
        if !active_only {
            n += self.counter(&hazard_count_key(org, dim, 1))?;
        }
        Ok(n)
    }

    /// Overdue hazards of an index: a key-only range scan over exactly those.
    fn overdue_count(&self, org: OrgId, dim: &Dim, today: NaiveDate) -> Result<usize> {
        let active = [dim_prefix(org, dim).as_slice(), &[0]].concat();
        let end = [active.as_slice(), &[0], &day(today)].concat();
        let mut n = 0;
        for k in self.views.range(active..end).keys() {
            k?;
            n += 1;
        }
        Ok(n)
    }

    /// A page of hazards matching `f`, in listing order (overdue first, oldest deadline
    /// first, then by deadline, severity, when found): read through the filter's most
    /// selective index, the other filters checked on each entry. `total` is given when the
    /// indexes' counts answer it (at most one filter field besides `active`/`overdue`).
    pub fn hazards_page(
        &self,
        org: OrgId,
        f: &HazardFilter,
        today: NaiveDate,
        after: Option<&[u8]>,
        offset: usize,
        limit: usize,
    ) -> Result<IndexPage<HazardRow>> {
        // The candidate index sets: each field is "any of" its values.
        let mut fields: Vec<Vec<Dim>> = Vec::new();
        if let Some(v) = f.venue {
            fields.push(vec![Dim::Venue(v)]);
        }
        if let Some(u) = &f.assignee {
            fields.push(vec![Dim::Unit(u.clone())]);
        }
        if let Some(c) = f.campaign {
            fields.push(vec![Dim::Campaign(c)]);
        }
        if let Some(s) = &f.street {
            fields.push(vec![Dim::Street(s.clone())]);
        }
        if !f.statuses.is_empty() {
            let set: BTreeSet<HazardStatus> = f.statuses.iter().copied().collect();
            fields.push(set.into_iter().map(Dim::Status).collect());
        }
        if !f.severities.is_empty() {
            let set: BTreeSet<Severity> = f.severities.iter().copied().collect();
            fields.push(set.into_iter().map(Dim::Severity).collect());
        }
        if !f.sources.is_empty() {
            let set: BTreeSet<SourceKind> = f.sources.iter().copied().collect();
            fields.push(set.into_iter().map(Dim::Source).collect());
        }
        let active_only = f.active || f.overdue;
        let mut best: (Vec<Dim>, i64) = (vec![Dim::All], i64::MAX);
        for dims in &fields {
            let mut n = 0;
            for d in dims {
                n += self.dim_count(org, d, active_only)?;
            }
            if n < best.1 {
                best = (dims.clone(), n);
            }
        }
        let total = match fields.len() {
            0 | 1 if f.overdue => {
                let mut n = 0;
                for d in &best.0 {
                    n += self.overdue_count(org, d, today)?;
                }
                Some(n)
            }
            0 | 1 => {
                let mut n = 0;
                for d in &best.0 {
                    n += self.dim_count(org, d, active_only)?;
                }
                Some(usize::try_from(n.max(0)).unwrap_or(0))
            }
            _ => None,
        };
        let mut parts: Vec<Part> = best
            .0
            .iter()
            .flat_map(|d| self.parts(org, d, f, today, after))
            .collect();
        // With two or more filter fields the counts cannot say how many match; when the
        // driving index is small, the rest of it is read to count them.
        let count_rest = total.is_none() && after.is_none() && best.1 <= COUNT_BUDGET;
        let mut items = Vec::new();
        let mut skipped = 0;
        let mut matched = 0usize;
        let mut next = None;
        let mut last: Option<Vec<u8>> = None;
        loop {
            // The smallest head among the parts (k-way merge; they never share a hazard).
            let mut pick: Option<(usize, Vec<u8>)> = None;
            for (i, part) in parts.iter_mut().enumerate() {
                if let Some(h) = part.head()? {
                    if pick.as_ref().is_none_or(|(_, best)| h < *best) {
                        pick = Some((i, h));
                    }
                }
            }
            let Some((i, sort)) = pick else {
                // Read to the end: when from the start, every match was seen.
                let total = total.or((after.is_none()).then_some(matched));
                return Ok(IndexPage { items, total, next });
            };
            if items.len() == limit && next.is_none() {
                next = last.take().map(hex::encode);
                if !count_rest {
                    return Ok(IndexPage { items, total, next });
                }
            }
            parts[i].iter.next();
            let bad = || StoreError::Corrupt {
                what: "hazard index",
                message: format!("{} bytes of key", sort.len()),
            };
            let id = sort
                .get(1 + ORDER_ID_AT..1 + ORDER_LEN)
                .and_then(|b| uuid::Uuid::from_slice(b).ok())
                .map(HazardId)
                .ok_or_else(bad)?;
            let p = sort
                .get(1 + ORDER_LEN..)
                .and_then(Partition::from_key)
                .ok_or_else(bad)?;
            let entry = self.hazard_entry(org, id, &p)?.ok_or(StoreError::Corrupt {
                what: "hazard index",
                message: format!("names hazard {id}, which has no entry"),
            })?;
            let row = entry.row(today);
            if f.passes(&row, today) && f.campaign.is_none_or(|c| entry.campaigns.contains(&c)) {
                matched += 1;
                if skipped < offset {
                    skipped += 1;
                } else if next.is_none() {
                    items.push(row);
                    last = Some(sort);
                }
            }
        }
    }

    /// The board: hazard counts per street, from the counts alone.
    pub fn street_counts(
        &self,
        org: OrgId,
        today: NaiveDate,
        period: (NaiveDate, NaiveDate),
    ) -> Result<Vec<StreetCounts>> {
        let mut by: BTreeMap<String, StreetCounts> = BTreeMap::new();
        for (kind, body) in [(b'b', 1usize), (b'd', 4), (b'y', 4)] {
            let prefix = count_key(org, &[&[kind]]);
            for item in self.views.scan_prefix(&prefix) {
                let (k, v) = item?;
                let (street, tail) = split_lp(&k[prefix.len()..]).ok_or(StoreError::Corrupt {
                    what: "street count",
                    message: format!("{} bytes of key", k.len()),
                })?;
                if tail.len() != body {
                    continue;
                }
                let n = v
                    .as_ref()
                    .try_into()
                    .map(i64::from_be_bytes)
                    .unwrap_or(0)
                    .max(0) as usize;
                let c = by.entry(street.clone()).or_insert_with(|| StreetCounts {
                    street,
                    ..Default::default()
                });
                match kind {
                    b'b' => match tail[0] {
                        s if s == HazardStatus::Open as u8 => c.open += n,
                        s if s == HazardStatus::Dispatched as u8 => c.dispatched += n,
                        s if s == HazardStatus::ReportedFixed as u8 => c.reported_fixed += n,
                        s if s == HazardStatus::Reopened as u8 => c.reopened += n,
                        s if s == HazardStatus::Verified as u8 => c.verified += n,
                        _ => c.closed += n,
                    },
                    b'd' => {
                        if day_of(tail).is_some_and(|d| d < today) {
                            c.overdue += n;
                        }
                    }
                    _ => {
                        if day_of(tail).is_some_and(|d| (period.0..=period.1).contains(&d)) {
                            c.verified_in_period += n;
                        }
                    }
                }
            }
        }
        for c in by.values_mut() {
            c.active = c.open + c.dispatched + c.reported_fixed + c.reopened;
        }
        by.retain(|_, c| {
            c.open + c.dispatched + c.reported_fixed + c.reopened + c.verified + c.closed > 0
        });
        Ok(by.into_values().collect())
    }

    /// A page of venues in listing order (street, address, name), of one street or kind.
    pub fn venues_page(
        &self,
        org: OrgId,
        f: &VenueFilter,
        after: Option<&[u8]>,
        offset: usize,
        limit: usize,
    ) -> Result<IndexPage<Venue>> {
        let (street, kind, name) = (f.street.as_deref(), f.kind, f.name.as_deref());
        let base = key(b'V', &[org.as_bytes()]);
        let total = match (name, kind, street) {
            (Some(_), _, _) | (None, Some(_), Some(_)) => None,
            (None, Some(k), None) => {
                Some(self.counter(&count_key(org, &[b"v", b"k", &[kind_byte(k)]]))?)
            }
            (None, None, Some(s)) => Some(self.counter(&count_key(org, &[b"v", b"t", &lp(s)]))?),
            (None, None, None) => Some(self.counter(&count_key(org, &[b"v", b"a"]))?),
        }
        .map(|n| n.max(0) as usize);
        // By kind: the kind index names the venues; their records are read from `V`.
        let (prefix, by_kind) = match kind {
            Some(k) => (key(b'P', &[org.as_bytes(), &[kind_byte(k)]]), true),
            None => (base.clone(), false),
        };
        let mut start = prefix.clone();
        if let Some(s) = street {
            start.extend(sortable(s));
        }
        let lo = match after {
            Some(a) => Bound::Excluded([prefix.as_slice(), a].concat()),
            None => Bound::Included(start.clone()),
        };
        let mut items = Vec::new();
        let mut skipped = 0;
        let mut last = None;
        for item in self.views.range((lo, Bound::Unbounded)) {
            let (k, v) = item?;
            if !k.starts_with(&start) {
                break;
            }
            let order = &k[prefix.len()..];
            let venue: Venue = if by_kind {
                match self.views.get([base.as_slice(), order].concat())? {
                    Some(v) => decode("venue", &v)?,
                    None => continue,
                }
            } else {
                decode("venue", &v)?
            };
            if name.is_some_and(|n| !venue.name.contains(n)) {
                continue;
            }
            if skipped < offset {
                skipped += 1;
                continue;
            }
            if items.len() == limit {
                return Ok(IndexPage {
                    items,
                    total,
                    next: last.map(hex::encode),
                });
            }
            last = Some(order.to_vec());
            items.push(venue);
        }
        Ok(IndexPage {
            items,
            total,
            next: None,
        })
    }

    /// A page of drills, most recent first.
    pub fn drills_page(&self, org: OrgId, offset: usize, limit: usize) -> Result<IndexPage<Drill>> {
        let total = self.counter(&count_key(org, &[b"g"]))?.max(0) as usize;
        let items = self
            .views
            .scan_prefix(key(b'G', &[org.as_bytes()]))
            .values()
            .rev()
            .skip(offset)
            .take(limit)
            .map(|v| decode("drill", &v?))
            .collect::<Result<Vec<Drill>>>()?;
        Ok(IndexPage {
            items,
            total: Some(total),
            next: None,
        })
    }

    /// A drill by id, and the partition it folds in (a scan of the drills: an
    /// organisation has few).
    pub fn drill(&self, org: OrgId, id: DrillId) -> Result<Option<(Drill, Partition)>> {
        for v in self
            .views
            .scan_prefix(key(b'G', &[org.as_bytes()]))
            .values()
        {
            let d: Drill = decode("drill", &v?)?;
            if d.id == id {
                let p = match d.venue {
                    Some(v) => Partition::Venue(v),
                    None => Partition::Drill(id),
                };
                return Ok(Some((d, p)));
            }
        }
        Ok(None)
    }

    /// A page of visits, most recent first.
    pub fn visits_page(&self, org: OrgId, offset: usize, limit: usize) -> Result<IndexPage<Visit>> {
        let total = self.counter(&count_key(org, &[b"m"]))?.max(0) as usize;
        let items = self
            .views
            .scan_prefix(key(b'M', &[org.as_bytes()]))
            .values()
            .rev()
            .skip(offset)
            .take(limit)
            .map(|v| decode("visit", &v?))
            .collect::<Result<Vec<Visit>>>()?;
        Ok(IndexPage {
            items,
            total: Some(total),
            next: None,
        })
    }

    /// The citizen reports linked to `hazard`, each with the partition it lives in (in key
    /// order: a hazard has a handful).
    pub fn linked_reports(
        &self,
        org: OrgId,
        hazard: HazardId,
    ) -> Result<Vec<(Partition, CitizenReport)>> {
        let prefix = key(b'J', &[org.as_bytes(), hazard.as_bytes()]);
        let mut out = Vec::new();
        for item in self.views.scan_prefix(&prefix) {
            let (k, v) = item?;
            // The partition key is a tag byte and an id: 17 bytes, then the report's 16.
            let p = k
                .get(prefix.len()..prefix.len() + 17)
                .and_then(Partition::from_key)
                .ok_or(StoreError::Corrupt {
                    what: "linked report",
                    message: format!("{} bytes of key", k.len()),
                })?;
            out.push((p, decode("linked report", &v)?));
        }
        Ok(out)
    }

    /// Every venue partition's state (a campaign's coverage computed afresh).
    pub fn venue_states(&self, org: OrgId) -> Result<Vec<PartitionState>> {
        let tag = Partition::Venue(VenueId(uuid::Uuid::nil())).to_key()[0];
        self.views
            .scan_prefix(key(b'S', &[org.as_bytes(), &[tag]]))
            .values()
            .map(|v| decode("partition state", &v?))
            .collect()
    }

    /// The states of one kind of partition (campaigns, templates: a handful each).
    pub fn states_of_kind(&self, org: OrgId, kind: PartitionKind) -> Result<Vec<PartitionState>> {
        let tag = Partition::Campaign(CampaignId(uuid::Uuid::nil())).to_key()[0];
        let tag = match kind {
            PartitionKind::Campaign => tag,
            PartitionKind::Template => {
                Partition::Template(TemplateId(uuid::Uuid::nil())).to_key()[0]
            }
        };
        self.views
            .scan_prefix(key(b'S', &[org.as_bytes(), &[tag]]))
            .values()
            .map(|v| decode("partition state", &v?))
            .collect()
    }
}

/// Partitions read as a list (few per organisation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionKind {
    Campaign,
    Template,
}

pub(super) fn split_lp(b: &[u8]) -> Option<(String, &[u8])> {
    let len = u16::from_be_bytes(b.get(..2)?.try_into().ok()?) as usize;
    let s = std::str::from_utf8(b.get(2..2 + len)?).ok()?.to_string();
    Some((s, &b[2 + len..]))
}
