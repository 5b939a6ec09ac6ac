//! `outbox`: `device_seq` → [`OutboxEntry`], each op this device made and where it stands
//! (queued → sent → acked, or rejected with the server's reason). Making an op stamps it,
//! queues it here and folds it, in one durable step.

use std::collections::BTreeSet;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::sync::{Ack, AckResult, RejectCode};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::partitions::{by_partition, Held};
use super::{decode, LocalReplica, Result};

/// Where an op of this device stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutboxState {
    Queued,
    /// Sent at least once; no answer yet.
    Sent,
    Acked {
        seq: u64,
    },
    Rejected {
        code: RejectCode,
        reason: String,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub op: Op,
    pub state: OutboxState,
    pub created_ms: i64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct OutboxCounts {
    pub queued: usize,
    pub sent: usize,
    pub acked: usize,
    pub rejected: usize,
}

impl OutboxCounts {
    /// Ops that still have to reach the server.
    pub fn waiting(&self) -> usize {
        self.queued + self.sent
    }
}

impl LocalReplica {
    /// Stamp a new op by `author` about `entity`, queue it in the outbox and fold it, in one
    /// durable step. Returns the op.
    pub fn record(
        &self,
        author: UserId,
        entity: EntityRef,
        body: OpBody,
        now_ms: i64,
    ) -> Result<Op> {
        let device = self.device()?;
        let mut clock: HlcClock = self
            .get_meta("hlc")?
            .unwrap_or_else(|| HlcClock::new(hlc::node_of(&device)));
        let next_seq = self.next_device_seq()?;
        let op = Op {
            op_id: OpId::new(),
            device,
            device_seq: next_seq,
            entity,
            hlc: clock.send(now_ms.max(0) as u64),
            author,
            body,
        };
        let entry = OutboxEntry {
            op: op.clone(),
            state: OutboxState::Queued,
            created_ms: now_ms,
        };
        // Outbox and counters first: the typed op is safe from here on.
        let mut meta = sled::Batch::default();
        meta.insert("hlc", encode_unframed(&clock));
        meta.insert("next_device_seq", encode_unframed(&(next_seq + 1)));
        self.outbox
            .insert(next_seq.to_be_bytes(), encode_unframed(&entry))
            .map_err(|e| self.err(e))?;
        self.meta.apply_batch(meta).map_err(|e| self.err(e))?;
        self.fold_in(std::slice::from_ref(&op))?;
        self.flush()?;
        Ok(op)
    }

    /// The next outbox position: past the counter and past every position in the outbox, so
    /// a crash that kept an outbox entry but not the counter can never reuse a position.
    fn next_device_seq(&self) -> Result<u64> {
        let counter: u64 = self.get_meta("next_device_seq")?.unwrap_or(1);
        let last = self
            .outbox
            .last()
            .map_err(|e| self.err(e))?
            .map(|(k, _)| u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8])))
            .unwrap_or(0);
        Ok(counter.max(last + 1))
    }

    /// Up to `max` ops that still have to reach the server, oldest first.
    pub fn unsent(&self, max: usize) -> Result<Vec<OutboxEntry>> {
        let mut out = Vec::new();
        for v in self.outbox.iter().values() {
            let e: OutboxEntry = decode(&v.map_err(|e| self.err(e))?)?;
            if matches!(e.state, OutboxState::Queued | OutboxState::Sent) {
                out.push(e);
                if out.len() >= max {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Mark ops as sent (before the request goes out: a lost answer is then visible).
    pub fn mark_sent(&self, ops: &[Op]) -> Result<()> {
        self.set_states(ops.iter().map(|o| (o.device_seq, OutboxState::Sent)))
    }

    /// Put ops back to queued: the request never reached the server.
    pub fn mark_queued(&self, ops: &[Op]) -> Result<()> {
        self.set_states(ops.iter().map(|o| (o.device_seq, OutboxState::Queued)))
    }

    fn set_states(&self, changes: impl Iterator<Item = (u64, OutboxState)>) -> Result<()> {
        let mut b = sled::Batch::default();
        for (dseq, state) in changes {
            let k = dseq.to_be_bytes();
            if let Some(v) = self.outbox.get(k).map_err(|e| self.err(e))? {
                let mut e: OutboxEntry = decode(&v)?;
                if e.state != state {
                    e.state = state;
                    b.insert(&k, encode_unframed(&e));
                }
            }
        }
        self.outbox.apply_batch(b).map_err(|e| self.err(e))?;
        self.flush()
    }

    /// Each ack's outcome into the outbox — only for the op that sits at that position now
    /// (a re-registered device renumbered its outbox; an old answer must not touch a new op).
    pub(super) fn take_acks(&self, acks: &[Ack]) -> Result<()> {
        let device = self.device()?;
        let mut changes = Vec::with_capacity(acks.len());
        for a in acks {
            let state = match &a.result {
                AckResult::Accepted { seq } | AckResult::Duplicate { seq } => {
                    OutboxState::Acked { seq: *seq }
                }
                AckResult::Rejected { code, reason } => OutboxState::Rejected {
                    code: *code,
                    reason: reason.clone(),
                },
            };
            let current = self
                .outbox
                .get(a.device_seq.to_be_bytes())
                .map_err(|e| self.err(e))?;
            if let Some(v) = current {
                let e: OutboxEntry = decode(&v)?;
                if e.op.op_id == a.op_id && e.op.device == device {
                    changes.push((a.device_seq, state));
                }
            }
        }
        self.set_states(changes.into_iter())
    }

    pub fn outbox(&self) -> Result<Vec<OutboxEntry>> {
        self.outbox
            .iter()
            .values()
            .map(|v| decode(&v.map_err(|e| self.err(e))?))
            .collect()
    }

    pub fn counts(&self) -> Result<OutboxCounts> {
        let mut c = OutboxCounts::default();
        for e in self.outbox()? {
            match e.state {
                OutboxState::Queued => c.queued += 1,
                OutboxState::Sent => c.sent += 1,
                OutboxState::Acked { .. } => c.acked += 1,
                OutboxState::Rejected { .. } => c.rejected += 1,
            }
        }
        Ok(c)
    }

    /// After the server refused a reused `device_seq` (a restored backup), take a new device
    /// id and renumber every op not yet acknowledged under it, so they can go through. The
    /// ops keep their ids and timestamps. Returns how many were renumbered.
    pub fn register_anew(&self) -> Result<usize> {
        let entries = self.outbox()?;
        let needs = entries.iter().any(|e| {
            matches!(
                e.state,
                OutboxState::Rejected {
                    code: RejectCode::DeviceSeqReused,
                    ..
                }
            )
        });
        if !needs {
            return Ok(0);
        }
        // Not in the middle of a pull: what is held goes to disk first.
        let bulk = self.holding()?;
        if bulk {
            self.end_bulk()?;
        }
        let device = DeviceId::new();
        // Positions continue from the old counter, so the outbox keeps its whole history.
        let mut next = self.next_device_seq()?;
        let mut outbox = sled::Batch::default();
        let mut old_keys = BTreeSet::new();
        let mut renumbered = Vec::new();
        for e in entries {
            let resend = matches!(
                e.state,
                OutboxState::Queued
                    | OutboxState::Sent
                    | OutboxState::Rejected {
                        code: RejectCode::DeviceSeqReused,
                        ..
                    }
            );
            if !resend {
                continue;
            }
            outbox.remove(&e.op.device_seq.to_be_bytes());
            old_keys.insert(e.op.key());
            let mut op = e.op.clone();
            op.device = device;
            op.device_seq = next;
            next += 1;
            renumbered.push(op.clone());
            outbox.insert(
                &op.device_seq.to_be_bytes(),
                encode_unframed(&OutboxEntry {
                    op,
                    state: OutboxState::Queued,
                    created_ms: e.created_ms,
                }),
            );
        }
        self.outbox.apply_batch(outbox).map_err(|e| self.err(e))?;
        // The old numbering leaves the set; the new one joins it; the partitions re-fold.
        let mut rewritten = Held::new();
        for (p, list) in by_partition(&renumbered) {
            let mut m = self.load(p)?;
            m.ops.retain(|o| !old_keys.contains(&o.key()));
            m.ops.extend(list);
            m.ops.sort_by_key(Op::key);
            m.ops.dedup_by_key(|o| o.key());
            m.refold = true;
            rewritten.insert(p, m);
        }
        self.write_back_held(rewritten)?;
        let mut meta = sled::Batch::default();
        meta.insert("device", encode_unframed(&device));
        meta.insert("next_device_seq", encode_unframed(&next));
        let last = self
            .get_meta::<HlcClock>("hlc")?
            .map(|c| c.last())
            .unwrap_or_default();
        meta.insert(
            "hlc",
            encode_unframed(&HlcClock::resume(Hlc::new(
                last.wall_ms,
                last.counter,
                hlc::node_of(&device),
            ))),
        );
        self.meta.apply_batch(meta).map_err(|e| self.err(e))?;
        self.flush()?;
        if bulk {
            self.begin_bulk()?;
        }
        Ok(renumbered.len())
    }
}
