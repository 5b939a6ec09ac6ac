//! The replica's recorded format ([`FORMAT`], in `meta` as `format`) and the ordered
//! migrations that bring an older replica to it when it is opened. A newer replica is
//! refused ([`super::ReplicaError::TooNew`]): this build cannot know what it holds.

use firecheck_shared::*;

use super::partitions::Held;
use super::{decode, LocalReplica, ReplicaError, Result};

/// The replica's storage format, recorded in `meta` as `format`. Older replicas are
/// migrated when opened (see [`LocalReplica::open`]); a newer one is refused.
///
/// 1. `parts` (ops per partition) and `states` (one `PartitionState` per partition, with
///    every inspection and every hazard's history inside).
/// 2. `states` hold [`Folded`]: the bounded state and its records apart.
/// 3. States of the fold with the other channels (venue status, replies, drill findings,
///    visits, case numbers and links, amendments' changes): older states are folded again.
pub const FORMAT: u32 = 3;

impl LocalReplica {
    /// Bring an older replica to [`FORMAT`], in order: states folded by an older format are
    /// dropped (they are derived), per-op records are moved into partitions, and every
    /// partition whose state was dropped is folded again from its ops (1 → 2 and 2 → 3 alike).
    pub(super) fn migrate(&self) -> Result<()> {
        let found: Option<u32> = self.get_meta("format")?;
        let empty = self.parts.is_empty() && self.states.is_empty();
        let found = match found {
            Some(v) => v,
            // A replica written before formats were recorded is format 1; a new one is current.
            None if empty && !self.db.tree_names().iter().any(|n| n.as_ref() == b"ops") => FORMAT,
            None => 1,
        };
        if found > FORMAT {
            return Err(ReplicaError::TooNew {
                found,
                known: FORMAT,
            });
        }
        // States are derived: any older fold's are dropped and folded again from the ops.
        if found < FORMAT {
            self.states.clear().map_err(|e| self.err(e))?;
        }
        if self.db.tree_names().iter().any(|n| n.as_ref() == b"ops") {
            self.migrate_op_records()?;
        }
        if found < FORMAT {
            let mut held = Held::new();
            for key in self.parts.iter().keys() {
                let key = key.map_err(|e| self.err(e))?;
                let p = Partition::from_key(&key).ok_or_else(|| {
                    ReplicaError::Corrupt(format!("a partition key of {} bytes", key.len()))
                })?;
                if !self.states.contains_key(&key).map_err(|e| self.err(e))? {
                    held.insert(p, self.load(p)?);
                }
            }
            self.write_back_held(held)?;
        }
        if found != FORMAT || self.get_meta::<u32>("format")?.is_none() {
            self.put_meta("format", &FORMAT)?;
        }
        self.flush()
    }

    /// Replicas written before `parts` kept one `ops` record per op (`partition | op key`),
    /// and could be left with stale states by a crash in a pull: move the ops into `parts`,
    /// fold every state afresh, and drop the old tree.
    fn migrate_op_records(&self) -> Result<()> {
        let old = self.db.open_tree("ops").map_err(|e| self.err(e))?;
        let mut ops = Vec::with_capacity(old.len());
        for v in old.iter().values() {
            ops.push(decode::<Op>(&v.map_err(|e| self.err(e))?)?);
        }
        let mut held = Held::new();
        self.merge_into(&mut held, &ops)?;
        for m in held.values_mut() {
            m.refold = true;
        }
        self.write_back_held(held)?;
        self.db.drop_tree("ops").map_err(|e| self.err(e))?;
        self.meta.remove("states_stale").map_err(|e| self.err(e))?;
        self.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use firecheck_shared::codec::encode_unframed;
    use firecheck_shared::fuzzing::built_ops;

    #[test]
    fn per_op_records_of_older_replicas_are_moved_into_partitions() {
        let ops = built_ops(&noise(11, 6000));
        let home = tempfile::tempdir().unwrap();
        {
            // The earlier layout: one `ops` record per op, states possibly stale.
            let db = sled::open(home.path().join("replica")).unwrap();
            let old = db.open_tree("ops").unwrap();
            for op in &ops {
                let mut key = op.partition().to_key().to_vec();
                key.extend_from_slice(op.op_id.as_bytes());
                old.insert(key, encode_unframed(op)).unwrap();
            }
            let meta = db.open_tree("meta").unwrap();
            meta.insert("states_stale", encode_unframed(&true)).unwrap();
            db.flush().unwrap();
        }
        let r = LocalReplica::open(home.path()).unwrap();
        assert_eq!(held_states(&r), expected(&ops));
        assert!(!r.db.tree_names().iter().any(|n| n.as_ref() == b"ops"));
        assert!(!r.meta.contains_key("states_stale").unwrap());
    }

    /// How an older firecheck encoded a partition's state, from its ops.
    type OldState = fn(Partition, &[Op]) -> Vec<u8>;

    /// A replica written by an older firecheck: `parts` as they are now, `states` in
    /// whatever form that firecheck folded them (`state(p, ops)`), `format` as given (none:
    /// from before formats were recorded).
    fn older_replica(
        home: &std::path::Path,
        ops: &[Op],
        format: Option<u32>,
        state: impl Fn(Partition, &[Op]) -> Vec<u8>,
    ) {
        let db = sled::open(home.join("replica")).unwrap();
        let (parts, states) = (
            db.open_tree("parts").unwrap(),
            db.open_tree("states").unwrap(),
        );
        for (p, list) in super::super::partitions::by_partition(ops) {
            parts.insert(p.to_key(), encode_unframed(&list)).unwrap();
            states.insert(p.to_key(), state(p, &list)).unwrap();
        }
        if let Some(f) = format {
            let meta = db.open_tree("meta").unwrap();
            meta.insert("format", encode_unframed(&f)).unwrap();
        }
        db.flush().unwrap();
    }

    /// What a person sees: venues and hazards, as the listings show them.
    fn listings(states: &[Folded]) -> (Vec<Venue>, Vec<query::HazardRow>) {
        let refs: Vec<&PartitionState> = states.iter().map(|f| &f.state).collect();
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        (
            query::venues(&refs, &query::VenueFilter::default())
                .into_iter()
                .cloned()
                .collect(),
            query::hazards(&refs, &query::HazardFilter::default(), today),
        )
    }

    #[test]
    fn an_older_replica_is_folded_again_and_lists_what_a_fresh_fold_lists() {
        let ops = built_ops(&noise(5, 6000));
        let fresh: Vec<Folded> = expected(&ops).into_values().collect();
        // Format 1 kept one `PartitionState` with everything inside, and recorded no format;
        // format 2 a `Folded` of an older fold. A state this build cannot read, or one it
        // reads but that is not a current `Folded`, is dropped and folded again from the
        // partition's ops either way.
        let old_states: [(&str, OldState); 2] = [
            ("a bare PartitionState", |p, list| {
                encode_unframed(&Folded::fold(p, list.iter()).state)
            }),
            ("unreadable bytes", |_, _| vec![0xFF; 7]),
        ];
        for (what, state) in old_states {
            for format in [None, Some(1), Some(2)] {
                let home = tempfile::tempdir().unwrap();
                older_replica(home.path(), &ops, format, state);
                let r = LocalReplica::open(home.path()).unwrap();
                assert_eq!(held_states(&r), expected(&ops), "{what}, format {format:?}");
                assert_eq!(
                    listings(&r.partitions().unwrap()),
                    listings(&fresh),
                    "{what}, format {format:?}"
                );
                assert_eq!(r.get_meta::<u32>("format").unwrap(), Some(FORMAT));
                assert_eq!(r.op_count().unwrap(), distinct(&ops));
            }
        }
    }

    #[test]
    fn a_replica_of_a_newer_format_is_refused_and_left_as_it_is() {
        let ops = built_ops(&noise(6, 3000));
        let home = tempfile::tempdir().unwrap();
        let newer = FORMAT + 1;
        older_replica(home.path(), &ops, Some(newer), |p, list| {
            encode_unframed(&Folded::fold(p, list.iter()))
        });
        let e = LocalReplica::open(home.path()).unwrap_err();
        assert!(
            matches!(e, ReplicaError::TooNew { found, known } if found == newer && known == FORMAT),
            "{e:?}"
        );
        let message = e.to_string();
        for needle in [
            format!("format {newer}"),
            format!("({FORMAT})"),
            "install the newer firecheck".to_string(),
        ] {
            assert!(
                message.contains(&needle),
                "{message:?} should name {needle:?}"
            );
        }
        // Nothing was migrated or rewritten: the newer firecheck finds its data as it left it.
        // (sled lets go of its lock a moment after the refused replica is dropped.)
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let db = loop {
            match sled::open(home.path().join("replica")) {
                Ok(db) => break db,
                Err(e) if std::time::Instant::now() < deadline => {
                    eprintln!("waiting for the replica's lock: {e}");
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => panic!("the refused replica cannot be opened: {e}"),
            }
        };
        let meta = db.open_tree("meta").unwrap();
        assert_eq!(
            meta.get("format").unwrap().as_deref(),
            Some(&encode_unframed(&newer)[..])
        );
    }
}
