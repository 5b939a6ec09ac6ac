//! An in-memory replica: a set of ops, partitioned, with each partition folded.
//!
//! This is the reference implementation of the merge that the stores mirror: the client's
//! replica module and the server's view updater keep the same (partition → ops, state,
//! records) on disk and call the same [`crate::merge`] step.

use std::collections::BTreeMap;

use crate::fold::PartitionState;
use crate::merge::{infallible, merge, Folded, MemPartition, Merge};
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
    folded: BTreeMap<Partition, Folded>,
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
        let folded = self
            .folded
            .entry(partition)
            .or_insert_with(|| Folded::new(partition));
        let mut store = MemPartition {
            ops: ops.values(),
            records: &mut folded.records,
        };
        let outcome = infallible(merge(
            &mut folded.state,
            &mut store,
            std::slice::from_ref(&op),
        ));
        ops.insert(key, op);
        match outcome {
            Merge::Appended => Applied::Appended,
            Merge::Refolded => Applied::Refolded,
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
        self.folded.values().map(|f| &f.state)
    }

    pub fn state(&self, partition: &Partition) -> Option<&PartitionState> {
        self.folded.get(partition).map(|f| &f.state)
    }

    /// Every partition with its records.
    pub fn partitions(&self) -> impl Iterator<Item = &Folded> {
        self.folded.values()
    }

    /// A partition with its records.
    pub fn partition(&self, partition: &Partition) -> Option<&Folded> {
        self.folded.get(partition)
    }

    /// Every op, in partition then merge order.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.values().flat_map(BTreeMap::values)
    }
}

/// Two replicas show the same thing when every partition folded to the same state and
/// records.
impl PartialEq for Replica {
    fn eq(&self, other: &Self) -> bool {
        self.folded == other.folded
    }
}

impl Eq for Replica {}
