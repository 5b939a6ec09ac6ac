//! Helpers for the replica's unit tests: generated ops, and what folding them must give.

use std::collections::{BTreeMap, BTreeSet};

use firecheck_shared::*;

use super::partitions::by_partition;
use super::LocalReplica;

/// Deterministic bytes for the op builder.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    use rand::{Rng, SeedableRng};
    let mut bytes = vec![0; len];
    rand::rngs::SmallRng::seed_from_u64(seed).fill(&mut bytes[..]);
    bytes
}

/// Each partition folded from scratch over the distinct ops.
pub fn expected(ops: &[Op]) -> BTreeMap<Partition, Folded> {
    by_partition(ops)
        .into_iter()
        .map(|(p, list)| (p, Folded::fold(p, list.iter())))
        .collect()
}

pub fn held_states(r: &LocalReplica) -> BTreeMap<Partition, Folded> {
    r.partitions()
        .unwrap()
        .into_iter()
        .map(|f| (f.state.partition, f))
        .collect()
}

pub fn distinct(ops: &[Op]) -> usize {
    ops.iter().map(Op::key).collect::<BTreeSet<_>>().len()
}

/// Pages as a pull may bring them: out of key order, some ops twice.
pub fn pages(ops: &[Op], size: usize) -> Vec<Vec<Op>> {
    let mut shuffled: Vec<Op> = ops.iter().rev().cloned().collect();
    shuffled.extend(ops.iter().step_by(5).cloned());
    shuffled.chunks(size).map(<[Op]>::to_vec).collect()
}
