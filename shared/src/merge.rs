//! The one merge step every replica runs: "merge ops into a partition — apply them if they
//! sort after everything applied, else fold the partition again from all its ops".
//!
//! The in-memory [`crate::replica::Replica`], the field client's replica and the server's
//! view updater all call [`merge`] (the client, which defers re-folds to the end of a pull,
//! calls its two halves [`append`] and [`refold`]). What differs between them is only where
//! a partition's ops and records live, which each says by implementing [`PartitionStore`].
//!
//! # Records
//! [`Records`] is where the fold keeps what grows with a partition's history — every
//! inspection in full, every hazard's events, the ids of merged findings, ops it could not
//! place — so that [`PartitionState`] stays the size of what the partition holds. [`MemRecords`]
//! keeps them in memory; the server keeps them as keyed records beside the state.

use std::collections::BTreeMap;
use std::convert::Infallible;

use serde::{Deserialize, Serialize};

use crate::domain::{Hazard, HazardEvent, Inspection};
use crate::fold::{PartitionState, Unresolved};
use crate::ids::{HazardId, InspectionId};
use crate::op::{Op, Partition};

/// What the fold keeps apart from a partition's state, and reads back when a decision needs
/// it. Reads may fail in a store on disk, hence the error type.
pub trait Records {
    type Error;
    /// An inspection recorded in this partition, with its amendments applied.
    fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>, Self::Error>;
    fn put_inspection(&mut self, inspection: &Inspection) -> Result<(), Self::Error>;
    /// The hazard a merged finding's id was folded into.
    fn alias(&self, id: HazardId) -> Result<Option<HazardId>, Self::Error>;
    fn put_alias(&mut self, alias: HazardId, carrier: HazardId) -> Result<(), Self::Error>;
    /// Event number `index` (0, 1, 2, … per hazard) of a hazard's history.
    fn push_event(
        &mut self,
        hazard: HazardId,
        index: u32,
        event: &HazardEvent,
    ) -> Result<(), Self::Error>;
    /// Unresolved op number `index` (0, 1, 2, … per partition).
    fn push_unresolved(&mut self, index: u32, note: &Unresolved) -> Result<(), Self::Error>;
}

/// A partition's ops and records, wherever a replica keeps them.
pub trait PartitionStore: Records {
    /// Every op merged into the partition before (any order, duplicates allowed).
    fn stored_ops(&mut self) -> Result<Vec<Op>, Self::Error>;
    /// Forget the partition's records, before it is folded again.
    fn clear_records(&mut self) -> Result<(), Self::Error>;
}

/// What [`merge`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merge {
    /// The new ops sorted after everything applied: applied one by one.
    Appended,
    /// One sorted before ops already applied: the partition was folded again.
    Refolded,
}

/// Merge `new` — ops of `state`'s partition that it has not seen, sorted by key, without
/// duplicates — into `state` and its records: appended when they sort after everything
/// applied, otherwise the partition is folded again from all its ops.
pub fn merge<S: PartitionStore>(
    state: &mut PartitionState,
    store: &mut S,
    new: &[Op],
) -> Result<Merge, S::Error> {
    if append(state, store, new)? {
        return Ok(Merge::Appended);
    }
    let mut ops = store.stored_ops()?;
    ops.extend(new.iter().cloned());
    refold(state, store, &ops)?;
    Ok(Merge::Refolded)
}

/// Apply `new` (sorted, unseen) if its first op sorts after everything applied; otherwise
/// apply nothing and return `false`: the partition needs [`refold`].
pub fn append<R: Records>(
    state: &mut PartitionState,
    records: &mut R,
    new: &[Op],
) -> Result<bool, R::Error> {
    debug_assert!(
        new.windows(2).all(|w| w[0].key() < w[1].key()),
        "new ops must be sorted and distinct"
    );
    if new.first().is_some_and(|op| !state.accepts_in_order(op)) {
        return Ok(false);
    }
    for op in new {
        state.apply(records, op)?;
    }
    Ok(true)
}

/// Fold the partition again from `ops` (all of them, any order): its records are cleared
/// first.
pub fn refold<S: PartitionStore>(
    state: &mut PartitionState,
    store: &mut S,
    ops: &[Op],
) -> Result<(), S::Error> {
    store.clear_records()?;
    *state = PartitionState::fold(state.partition, store, ops.iter())?;
    Ok(())
}

/// Unwrap a result that cannot fail (the in-memory records).
pub fn infallible<T>(r: Result<T, Infallible>) -> T {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
}

/// A partition's records in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemRecords {
    pub inspections: BTreeMap<InspectionId, Inspection>,
    /// Each hazard's history, oldest first.
    pub histories: BTreeMap<HazardId, Vec<HazardEvent>>,
    /// Merged finding → the hazard that carries it.
    pub aliases: BTreeMap<HazardId, HazardId>,
    pub unresolved: Vec<Unresolved>,
}

impl Records for MemRecords {
    type Error = Infallible;

    fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>, Infallible> {
        Ok(self.inspections.get(&id).cloned())
    }

    fn put_inspection(&mut self, inspection: &Inspection) -> Result<(), Infallible> {
        self.inspections.insert(inspection.id, inspection.clone());
        Ok(())
    }

    fn alias(&self, id: HazardId) -> Result<Option<HazardId>, Infallible> {
        Ok(self.aliases.get(&id).copied())
    }

    fn put_alias(&mut self, alias: HazardId, carrier: HazardId) -> Result<(), Infallible> {
        self.aliases.insert(alias, carrier);
        Ok(())
    }

    fn push_event(
        &mut self,
        hazard: HazardId,
        index: u32,
        event: &HazardEvent,
    ) -> Result<(), Infallible> {
        let history = self.histories.entry(hazard).or_default();
        debug_assert_eq!(history.len(), index as usize);
        history.push(event.clone());
        Ok(())
    }

    fn push_unresolved(&mut self, index: u32, note: &Unresolved) -> Result<(), Infallible> {
        debug_assert_eq!(self.unresolved.len(), index as usize);
        self.unresolved.push(note.clone());
        Ok(())
    }
}

/// A partition folded in memory: its state and its records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Folded {
    pub state: PartitionState,
    pub records: MemRecords,
}

impl Folded {
    pub fn new(partition: Partition) -> Self {
        Self {
            state: PartitionState::new(partition),
            records: MemRecords::default(),
        }
    }

    /// Fold a partition from its ops, in any order; duplicates count once.
    pub fn fold<'a>(partition: Partition, ops: impl IntoIterator<Item = &'a Op>) -> Self {
        let mut records = MemRecords::default();
        let state = infallible(PartitionState::fold(partition, &mut records, ops));
        Self { state, records }
    }

    /// Apply ops that sort after everything applied (see [`append`]); `false` when they do
    /// not, and nothing was applied.
    pub fn append(&mut self, new: &[Op]) -> bool {
        infallible(append(&mut self.state, &mut self.records, new))
    }

    /// The hazard an id names here, following the ids of merged findings.
    pub fn hazard(&self, id: HazardId) -> Option<&Hazard> {
        self.state.hazards.get(&id).or_else(|| {
            self.records
                .aliases
                .get(&id)
                .and_then(|c| self.state.hazards.get(c))
        })
    }

    /// A hazard's history, oldest first (empty for an unknown id).
    pub fn history(&self, id: HazardId) -> &[HazardEvent] {
        self.records
            .histories
            .get(&id)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// The ids of findings merged into a hazard.
    pub fn merged(&self, carrier: HazardId) -> Vec<HazardId> {
        self.records
            .aliases
            .iter()
            .filter(|(_, c)| **c == carrier)
            .map(|(a, _)| *a)
            .collect()
    }
}

/// A partition's ops (as a map from key) beside its records: what [`crate::replica::Replica`]
/// hands [`merge`].
#[allow(missing_debug_implementations)]
pub struct MemPartition<'a, I> {
    pub ops: I,
    pub records: &'a mut MemRecords,
}

impl<I> Records for MemPartition<'_, I> {
    type Error = Infallible;
    fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>, Infallible> {
        self.records.inspection(id)
    }
    fn put_inspection(&mut self, inspection: &Inspection) -> Result<(), Infallible> {
        self.records.put_inspection(inspection)
    }
    fn alias(&self, id: HazardId) -> Result<Option<HazardId>, Infallible> {
        self.records.alias(id)
    }
    fn put_alias(&mut self, alias: HazardId, carrier: HazardId) -> Result<(), Infallible> {
        self.records.put_alias(alias, carrier)
    }
    fn push_event(
        &mut self,
        hazard: HazardId,
        index: u32,
        event: &HazardEvent,
    ) -> Result<(), Infallible> {
        self.records.push_event(hazard, index, event)
    }
    fn push_unresolved(&mut self, index: u32, note: &Unresolved) -> Result<(), Infallible> {
        self.records.push_unresolved(index, note)
    }
}

impl<'o, I> PartitionStore for MemPartition<'_, I>
where
    I: Iterator<Item = &'o Op> + Clone,
{
    fn stored_ops(&mut self) -> Result<Vec<Op>, Infallible> {
        Ok(self.ops.clone().cloned().collect())
    }
    fn clear_records(&mut self) -> Result<(), Infallible> {
        *self.records = MemRecords::default();
        Ok(())
    }
}
