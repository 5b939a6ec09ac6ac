//! An in-memory replica: a set of ops, partitioned, with each partition's folded state.
//!
//! This is the reference implementation of the merge that the stores mirror: the client's
//! replica module and the server's view updater keep the same (partition → ops, state) pair
//! on disk and call the same [`PartitionState`] functions.

use std::collections::BTreeMap;

use crate::fold::PartitionState;
use crate::op::{Op, OpKey, Partition};

/// What [`Replica::apply`] did with an op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// New, and it sorted last: applied incrementally.
    Appended,
    /// New, but it sorted before ops already seen: its partition was re-folded.
    Refolded,
    /// Already in the set: nothing changed.
    Duplicate,
}

#[derive(Clone, Debug, Default)]
pub struct Replica {
    ops: BTreeMap<Partition, BTreeMap<OpKey, Op>>,
    states: BTreeMap<Partition, PartitionState>,
}

impl Replica {
    pub fn new() -> Self {
        Self::default()
    }

    /// Add an op to the set and bring its partition's state up to date.
    pub fn apply(&mut self, op: Op) -> Applied {
        let partition = op.partition();
        let key = op.key();
        let ops = self.ops.entry(partition).or_default();
        if ops.contains_key(&key) {
            return Applied::Duplicate;
        }
        let state = self
            .states
            .entry(partition)
            .or_insert_with(|| PartitionState::new(partition));
        if state.accepts_in_order(&op) {
            state.apply(&op);
            ops.insert(key, op);
            Applied::Appended
        } else {
            ops.insert(key, op);
            *state = PartitionState::fold(partition, ops.values());
            Applied::Refolded
        }
    }

    pub fn apply_all(&mut self, ops: impl IntoIterator<Item = Op>) {
        for op in ops {
            self.apply(op);
        }
    }

    pub fn contains(&self, op: &Op) -> bool {
        self.ops
            .get(&op.partition())
            .is_some_and(|ops| ops.contains_key(&op.key()))
    }

    pub fn op_count(&self) -> usize {
        self.ops.values().map(BTreeMap::len).sum()
    }

    pub fn states(&self) -> impl Iterator<Item = &PartitionState> {
        self.states.values()
    }

    pub fn state(&self, partition: &Partition) -> Option<&PartitionState> {
        self.states.get(partition)
    }

    /// Every op, in partition then merge order.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.values().flat_map(BTreeMap::values)
    }
}

/// Two replicas show the same state when every partition folded to the same thing.
impl PartialEq for Replica {
    fn eq(&self, other: &Self) -> bool {
        self.states == other.states
    }
}

impl Eq for Replica {}
