//! Partitions: `parts` holds each partition's ops (sorted by op key, no duplicates) as one
//! record, `states` its [`Folded`] state and records. Ops are merged through `shared`'s merge
//! step; a late op marks its partition for one re-fold at the end instead of re-folding it
//! per page.
//!
//! During a long pull (between [`LocalReplica::begin_bulk`] and [`LocalReplica::end_bulk`])
//! the merged partitions and the pull cursor are held in memory and written back together
//! — at the end, past [`HELD_OPS_MAX`] held ops, and at least every [`HELD_FOR_MAX`] — so a
//! crash can only make the next sync pull some ops again.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::sync::MutexGuard;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;

use super::{decode, LocalReplica, ReplicaError, Result};

/// A long pull's merged partitions and cursor, held in memory.
#[derive(Debug)]
pub(super) struct Bulk {
    held: Held,
    /// The cursor after the last page merged into `held`.
    cursor: Option<u64>,
    since: std::time::Instant,
}

impl Bulk {
    fn new() -> Self {
        Self {
            held: Held::new(),
            cursor: None,
            since: std::time::Instant::now(),
        }
    }
}

/// Partitions merged in memory and not yet written to `parts` / `states`.
pub(super) type Held = BTreeMap<Partition, Merged>;

/// A partition's key, its encoded ops and its encoded state.
type Encoded = ([u8; 17], Vec<u8>, Vec<u8>);

/// Held partitions beyond this many ops are written back in the middle of a pull, so a
/// pull of any size runs in bounded memory.
pub const HELD_OPS_MAX: usize = 200_000;

/// The longest a pull holds merged pages before writing them back: what a crash can make a
/// slow pull fetch again.
pub const HELD_FOR_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// One partition's ops and folded state while ops are merged into it.
#[derive(Debug)]
pub(super) struct Merged {
    /// Sorted by op key, no duplicates.
    pub(super) ops: Vec<Op>,
    pub(super) folded: Folded,
    /// An op arrived before ops already applied: `folded` must be re-folded from `ops`.
    pub(super) refold: bool,
}

impl Merged {
    /// Add `new` (sorted by key, no duplicates) to the set; returns how many were new.
    ///
    /// This is `shared`'s merge step ([`firecheck_shared::merge::merge`]) taken in its two
    /// halves: ops that sort after everything are appended at once; a late op only marks the
    /// partition for re-folding, which [`Self::settle`] does once, however many late pages
    /// a pull brings.
    fn merge(&mut self, new: Vec<Op>) -> usize {
        let fresh: Vec<Op> = new
            .into_iter()
            .filter(|op| {
                let k = op.key();
                self.ops.binary_search_by(|o| o.key().cmp(&k)).is_err()
            })
            .collect();
        let added = fresh.len();
        let appended = !self.refold && self.folded.append(&fresh);
        let sorted = self
            .ops
            .last()
            .zip(fresh.first())
            .is_none_or(|(last, first)| first.key() > last.key());
        self.ops.extend(fresh);
        if !sorted {
            self.ops.sort_by_key(Op::key);
        }
        if !appended {
            self.refold = true;
        }
        added
    }

    /// The state, re-folded if a late op came in.
    fn settle(&mut self) {
        if self.refold {
            self.folded = Folded::fold(self.folded.state.partition, self.ops.iter());
            self.refold = false;
        }
    }
}

/// `ops` grouped by partition, each group sorted by key without duplicates.
pub(super) fn by_partition(ops: &[Op]) -> BTreeMap<Partition, Vec<Op>> {
    let mut out: BTreeMap<Partition, Vec<Op>> = BTreeMap::new();
    for op in ops {
        out.entry(op.partition()).or_default().push(op.clone());
    }
    for list in out.values_mut() {
        list.sort_by_key(Op::key);
        list.dedup_by_key(|o| o.key());
    }
    out
}

impl LocalReplica {
    /// Start holding merged partitions and the cursor in memory for a long pull (see the
    /// module's notes).
    pub fn begin_bulk(&self) -> Result<()> {
        *self.held()? = Some(Bulk::new());
        Ok(())
    }

    /// Write back what is held, with its cursor, and flush.
    pub fn end_bulk(&self) -> Result<()> {
        let bulk = self.held()?.take();
        if let Some(bulk) = bulk {
            self.write_back_bulk(bulk)?;
        }
        Ok(())
    }

    /// Store held partitions, then the cursor that covers them, and flush.
    fn write_back_bulk(&self, bulk: Bulk) -> Result<()> {
        self.write_back_held(bulk.held)?;
        if let Some(c) = bulk.cursor {
            self.meta
                .insert("cursor", encode_unframed(&c))
                .map_err(|e| self.err(e))?;
        }
        self.flush()
    }

    /// Merge `ops` into `held`, loading each partition from disk on first touch.
    /// Returns how many ops were new to this replica.
    pub(super) fn merge_into(&self, held: &mut Held, ops: &[Op]) -> Result<usize> {
        let mut new = 0;
        for (p, list) in by_partition(ops) {
            let m = match held.entry(p) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.load(p)?),
            };
            new += m.merge(list);
        }
        Ok(new)
    }

    /// A partition as stored.
    pub(super) fn load(&self, p: Partition) -> Result<Merged> {
        let key = p.to_key();
        let ops: Vec<Op> = match self.parts.get(key).map_err(|e| self.err(e))? {
            Some(v) => decode(&v)?,
            None => Vec::new(),
        };
        let folded = match self.states.get(key).map_err(|e| self.err(e))? {
            Some(v) => decode(&v)?,
            None => Folded::new(p),
        };
        // A state that does not cover the stored ops (it cannot happen through this
        // module, but a state is cheap to rebuild) is re-folded rather than trusted.
        let refold = ops.last().map(Op::key) != folded.state.last;
        Ok(Merged {
            ops,
            folded,
            refold,
        })
    }

    /// Store merged partitions (ops and settled states), not flushed.
    pub(super) fn write_back_held(&self, held: Held) -> Result<()> {
        // Settling and encoding are most of the work: spread them over the cores.
        let mut held: Vec<(Partition, Merged)> = held.into_iter().collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let chunk = held.len().div_ceil(threads).max(1);
        let encoded: Vec<Vec<Encoded>> = std::thread::scope(|scope| {
            let workers: Vec<_> = held
                .chunks_mut(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter_mut()
                            .map(|(p, m)| {
                                m.settle();
                                (
                                    p.to_key(),
                                    encode_unframed(&m.ops),
                                    encode_unframed(&m.folded),
                                )
                            })
                            .collect()
                    })
                })
                .collect();
            // A worker that panicked (a bug in the fold) is an error: nothing is written.
            workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .map_err(|panic| ReplicaError::Fold(panic_text(&*panic)))
                })
                .collect::<Result<_>>()
        })?;
        let (mut parts, mut states) = (sled::Batch::default(), sled::Batch::default());
        for (key, ops, state) in encoded.into_iter().flatten() {
            parts.insert(&key, ops);
            states.insert(&key, state);
        }
        self.parts.apply_batch(parts).map_err(|e| self.err(e))?;
        self.states.apply_batch(states).map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Add ops to the set and bring their partitions up to date (not flushed). During a
    /// long pull the partitions stay in memory; otherwise they are written now.
    pub(super) fn fold_in(&self, ops: &[Op]) -> Result<usize> {
        if let Some(bulk) = self.held()?.as_mut() {
            return self.merge_into(&mut bulk.held, ops);
        }
        let mut merged = Held::new();
        let new = self.merge_into(&mut merged, ops)?;
        self.write_back_held(merged)?;
        Ok(new)
    }

    /// One folded partition.
    pub fn partition(&self, p: &Partition) -> Result<Option<Folded>> {
        if let Some(m) = self.held()?.as_mut().and_then(|b| b.held.get_mut(p)) {
            m.settle();
            return Ok(Some(m.folded.clone()));
        }
        self.states
            .get(p.to_key())
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Every op this replica holds of one partition, in merge order (what an officer's
    /// device reads a citizen's contact from: the fold never keeps it).
    pub fn partition_ops(&self, p: &Partition) -> Result<Vec<Op>> {
        if let Some(m) = self.held()?.as_ref().and_then(|b| b.held.get(p)) {
            return Ok(m.ops.clone());
        }
        Ok(self.load(*p)?.ops)
    }

    /// Every folded partition.
    pub fn partitions(&self) -> Result<Vec<Folded>> {
        let stored: Vec<Folded> = self
            .states
            .iter()
            .values()
            .map(|v| decode(&v.map_err(|e| self.err(e))?))
            .collect::<Result<_>>()?;
        let mut bulk = self.held()?;
        let Some(Bulk { held, .. }) = bulk.as_mut() else {
            return Ok(stored);
        };
        let mut all: BTreeMap<Partition, Folded> =
            stored.into_iter().map(|f| (f.state.partition, f)).collect();
        for (p, m) in held.iter_mut() {
            m.settle();
            all.insert(*p, m.folded.clone());
        }
        Ok(all.into_values().collect())
    }

    /// How many distinct ops this replica holds.
    pub fn op_count(&self) -> Result<usize> {
        Ok(self
            .partitions()?
            .iter()
            .map(|f| f.state.op_count as usize)
            .sum())
    }

    /// The cursor: the one held with the merged partitions during a long pull, else the
    /// stored one.
    pub fn cursor(&self) -> Result<u64> {
        if let Some(c) = self.held()?.as_ref().and_then(|b| b.cursor) {
            return Ok(c);
        }
        Ok(self.get_meta("cursor")?.unwrap_or(0))
    }

    /// A pulled page up to `cursor` is merged: store the cursor — or, during a long pull,
    /// hold it with the partitions it covers, writing both back when enough is held.
    pub(super) fn pulled_to(&self, cursor: u64) -> Result<()> {
        let mut bulk = self.held()?;
        if let Some(b) = bulk.as_mut() {
            // The page is merged: the held cursor may pass it.
            b.cursor = Some(cursor);
            let held_ops: usize = b.held.values().map(|m| m.ops.len()).sum();
            if held_ops > HELD_OPS_MAX || b.since.elapsed() > HELD_FOR_MAX {
                let full = std::mem::replace(b, Bulk::new());
                drop(bulk);
                self.write_back_bulk(full)?;
            }
            return Ok(());
        }
        drop(bulk);
        self.meta
            .insert("cursor", encode_unframed(&cursor))
            .map_err(|e| self.err(e))?;
        self.flush()
    }

    /// What a long pull holds. A lock poisoned by a panic in the middle of a merge is an
    /// error, not a panic: what it held is not trusted (and was never written).
    pub(super) fn held(&self) -> Result<MutexGuard<'_, Option<Bulk>>> {
        self.write_back
            .lock()
            .map_err(|_| ReplicaError::Interrupted)
    }

    /// Whether a long pull is holding partitions now.
    pub(super) fn holding(&self) -> Result<bool> {
        Ok(self.held()?.is_some())
    }
}

/// What a panicking thread said, for the error that replaces its panic.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use firecheck_shared::fuzzing::built_ops;

    #[test]
    fn pages_in_any_order_fold_to_the_whole_sets_fold() {
        for seed in 0..24 {
            let ops = built_ops(&noise(seed, 6000));
            assert!(ops.len() > 20, "seed {seed} built {} ops", ops.len());
            for bulk in [false, true] {
                let home = tempfile::tempdir().unwrap();
                let r = LocalReplica::open(home.path()).unwrap();
                if bulk {
                    r.begin_bulk().unwrap();
                }
                let mut new = 0;
                for (i, page) in pages(&ops, 7).iter().enumerate() {
                    new += r.absorb(&[], page, i as u64 + 1, 0).unwrap();
                }
                if bulk {
                    // Read while held, then written back.
                    assert_eq!(held_states(&r), expected(&ops), "seed {seed}, held");
                    r.end_bulk().unwrap();
                }
                assert_eq!(new, distinct(&ops), "seed {seed}: new ops counted once");
                assert_eq!(held_states(&r), expected(&ops), "seed {seed}, bulk {bulk}");
                assert_eq!(r.op_count().unwrap(), distinct(&ops));
                drop(r);
                let r = LocalReplica::open(home.path()).unwrap();
                assert_eq!(held_states(&r), expected(&ops), "seed {seed}, reopened");
            }
        }
    }

    #[test]
    fn a_crash_in_the_middle_of_a_pull_keeps_the_cursor_before_what_it_lost() {
        let ops = built_ops(&noise(7, 8000));
        let home = tempfile::tempdir().unwrap();
        let pages = pages(&ops, 11);
        let half = pages.len() / 2;
        {
            let r = LocalReplica::open(home.path()).unwrap();
            r.begin_bulk().unwrap();
            for (i, page) in pages[..half].iter().enumerate() {
                r.absorb(&[], page, i as u64 + 1, 0).unwrap();
            }
            assert_eq!(r.cursor().unwrap(), half as u64, "the held cursor is used");
            // Killed here: no `end_bulk`; nothing held reached the disk.
        }
        let r = LocalReplica::open(home.path()).unwrap();
        assert_eq!(
            r.cursor().unwrap(),
            0,
            "the stored cursor is before the lost pages"
        );
        assert!(r.partitions().unwrap().is_empty());
        // The next sync pulls from there and ends where an unbroken pull would.
        r.begin_bulk().unwrap();
        for (i, page) in pages.iter().enumerate() {
            r.absorb(&[], page, i as u64 + 1, 0).unwrap();
        }
        r.end_bulk().unwrap();
        assert_eq!(held_states(&r), expected(&ops));
        assert_eq!(r.op_count().unwrap(), distinct(&ops));
        assert_eq!(r.cursor().unwrap(), pages.len() as u64);
    }

    #[test]
    fn a_long_pull_is_written_back_on_the_way_with_its_cursor() {
        let ops = built_ops(&noise(3, 8000));
        let home = tempfile::tempdir().unwrap();
        let pages = pages(&ops, 13);
        {
            let r = LocalReplica::open(home.path()).unwrap();
            r.begin_bulk().unwrap();
            for (i, page) in pages.iter().enumerate() {
                // As if HELD_FOR_MAX had passed before each page.
                let long_ago = std::time::Instant::now()
                    .checked_sub(HELD_FOR_MAX * 2)
                    .expect("the machine is up for a minute");
                r.write_back.lock().unwrap().as_mut().unwrap().since = long_ago;
                r.absorb(&[], page, i as u64 + 1, 0).unwrap();
            }
            // Killed before `end_bulk`: every page was written back as it came.
        }
        let r = LocalReplica::open(home.path()).unwrap();
        assert_eq!(r.cursor().unwrap(), pages.len() as u64);
        assert_eq!(held_states(&r), expected(&ops));
    }
}
