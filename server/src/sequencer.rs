//! The sequencer: the one writer of the op log.
//!
//! Every connection's push is queued here. A dedicated thread takes whatever is queued (up
//! to [`MAX_GROUP_OPS`]), decides for each op whether it is new, a replay, or a reused
//! `device_seq`, gives new ops consecutive per-organisation sequence numbers, writes the whole
//! group as one atomic batch, flushes once, and only then answers every waiting push —
//! one flush, many clients (group commit). Acked ⇒ flushed.
//!
//! Cost on the acknowledgment path per op: one log insert. Replays are detected from one
//! run record per device per commit, plus an in-memory "highest device_seq" per device, so a
//! fresh op needs no index read at all.

use std::collections::HashMap;
use std::sync::Arc;

use firecheck_shared::sync::{AckResult, RejectCode};
use firecheck_shared::*;
use tokio::sync::{mpsc, oneshot};

use crate::metrics::Metrics;
use crate::store::{CommitBatch, Ledger, LogEntry, Run, Store, StoreError};
use crate::views::Views;

/// Most ops committed in one group.
pub const MAX_GROUP_OPS: usize = 20_000;

/// A push waiting for its group commit. Ops are already authenticated and validated.
#[derive(Debug)]
struct PushJob {
    org: OrgId,
    ops: Vec<Op>,
    received_ms: i64,
    reply: oneshot::Sender<Result<Vec<AckResult>, Arc<StoreError>>>,
}

#[derive(Debug, thiserror::Error)]
pub enum SequencerError {
    #[error("the server is shutting down; retry shortly")]
    Closed,
    /// The group commit failed: nothing of it was acknowledged. One error, shared by every
    /// push of the group.
    #[error("could not store the ops durably: {0}")]
    Storage(#[source] Arc<StoreError>),
}

#[derive(Debug)]
enum Msg {
    Push(PushJob),
    /// Commit what is queued before this, then stop.
    Stop(oneshot::Sender<()>),
}

/// Handle to the sequencer thread. Cloning shares the queue.
#[derive(Clone, Debug)]
pub struct Sequencer {
    tx: mpsc::Sender<Msg>,
}

impl Sequencer {
    /// Start the writer thread. It ends once every handle is dropped and the queue is drained.
    pub fn start(
        store: Store,
        views: Arc<Views>,
        metrics: Arc<Metrics>,
    ) -> (Self, std::thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(1024);
        let handle = std::thread::Builder::new()
            .name("firecheck-sequencer".into())
            .spawn(move || Writer::new(store, views, metrics).run(rx))
            .expect("spawning the sequencer thread");
        (Self { tx }, handle)
    }

    /// Queue ops for the next group commit; resolves once they are durable (or refused).
    pub async fn push(
        &self,
        org: OrgId,
        ops: Vec<Op>,
        received_ms: i64,
    ) -> Result<Vec<AckResult>, SequencerError> {
        if ops.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Push(PushJob {
                org,
                ops,
                received_ms,
                reply,
            }))
            .await
            .map_err(|_| SequencerError::Closed)?;
        rx.await
            .map_err(|_| SequencerError::Closed)?
            .map_err(SequencerError::Storage)
    }

    /// Commit everything queued so far, then stop the writer; later pushes get `Closed`.
    pub async fn stop(&self) {
        let (done, rx) = oneshot::channel();
        if self.tx.send(Msg::Stop(done)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

struct Writer {
    store: Store,
    views: Arc<Views>,
    metrics: Arc<Metrics>,
    /// Last sequence number per organisation (loaded on first use).
    last_seq: HashMap<OrgId, u64>,
    /// Highest stored device_seq per device (loaded on first use).
    last_dseq: HashMap<DeviceId, u64>,
}

impl Writer {
    fn new(store: Store, views: Arc<Views>, metrics: Arc<Metrics>) -> Self {
        Self {
            store,
            views,
            metrics,
            last_seq: HashMap::new(),
            last_dseq: HashMap::new(),
        }
    }

    fn run(mut self, mut rx: mpsc::Receiver<Msg>) {
        let mut stop = None;
        while let Some(msg) = rx.blocking_recv() {
            let first = match msg {
                Msg::Push(job) => job,
                Msg::Stop(done) => {
                    stop = Some(done);
                    break;
                }
            };
            let mut count = first.ops.len();
            let mut jobs = vec![first];
            while count < MAX_GROUP_OPS {
                match rx.try_recv() {
                    Ok(Msg::Push(job)) => {
                        count += job.ops.len();
                        jobs.push(job);
                    }
                    Ok(Msg::Stop(done)) => {
                        stop = Some(done);
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.commit_group(jobs);
            if stop.is_some() {
                break;
            }
        }
        rx.close();
        tracing::debug!("sequencer stopped");
        if let Some(done) = stop {
            let _ = done.send(());
        }
    }

    fn commit_group(&mut self, mut jobs: Vec<PushJob>) {
        let started = std::time::Instant::now();
        let planned = if self.store.on_postgres() {
            self.append_pg(&jobs)
        } else {
            let mut work: Vec<Work> = jobs
                .iter_mut()
                .map(|j| Work {
                    org: j.org,
                    received_ms: j.received_ms,
                    ops: std::mem::take(&mut j.ops),
                })
                .collect();
            let mut ledger = Cached {
                store: &self.store,
                last_seq: &mut self.last_seq,
                last_dseq: &mut self.last_dseq,
            };
            plan(&mut work, &mut ledger)
                .and_then(|(batch, results)| self.store.commit(&batch).map(|()| (batch, results)))
        };
        match planned {
            Ok((batch, results)) => {
                let mut heads: HashMap<OrgId, u64> = HashMap::new();
                for (org, seq, _) in &batch.entries {
                    let h = heads.entry(*org).or_default();
                    *h = (*h).max(*seq);
                }
                let took = started.elapsed();
                tracing::debug!(
                    pushes = jobs.len(),
                    stored = batch.entries.len(),
                    micros = took.as_micros() as u64,
                    "group committed"
                );
                self.metrics.group_commit(batch.entries.len(), took);
                for (job, acks) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(Ok(acks));
                }
                for (org, seq) in heads {
                    self.views.log_advanced(org, seq);
                }
            }
            Err(e) => self.fail(jobs, e),
        }
    }

    /// One group in one PostgreSQL transaction: the plan runs against the rows read under
    /// the organisations' counter-row locks, again if the transaction is retried (so it
    /// works on copies of the ops).
    fn append_pg(
        &mut self,
        jobs: &[PushJob],
    ) -> Result<(CommitBatch, Vec<Vec<AckResult>>), StoreError> {
        let orgs: Vec<OrgId> = jobs.iter().map(|j| j.org).collect();
        let places: Vec<(DeviceId, u64)> = jobs
            .iter()
            .flat_map(|j| j.ops.iter().map(|op| (op.device, op.device_seq)))
            .collect();
        let (batch, results) = self.store.append_pg(&orgs, &places, |ledger| {
            let mut work: Vec<Work> = jobs
                .iter()
                .map(|j| Work {
                    org: j.org,
                    received_ms: j.received_ms,
                    ops: j.ops.clone(),
                })
                .collect();
            plan(&mut work, ledger)
        })?;
        self.store.advance_durable(&batch);
        Ok((batch, results))
    }

    fn fail(&mut self, jobs: Vec<PushJob>, e: StoreError) {
        tracing::error!(error = %e, pushes = jobs.len(), "group commit failed; nothing acknowledged");
        self.metrics.group_commit_failed();
        // What is in memory may be ahead of the disk now: reload on next use.
        self.last_seq.clear();
        self.last_dseq.clear();
        let e = Arc::new(e);
        for job in jobs {
            let _ = job.reply.send(Err(Arc::clone(&e)));
        }
    }
}

/// One push's ops on their way into a group.
struct Work {
    org: OrgId,
    received_ms: i64,
    ops: Vec<Op>,
}

/// The sled log as the plan sees it: the writer's in-memory heads, loaded on first use
/// (it is the log's only writer), and the run records for replays.
struct Cached<'a> {
    store: &'a Store,
    last_seq: &'a mut HashMap<OrgId, u64>,
    last_dseq: &'a mut HashMap<DeviceId, u64>,
}

impl Ledger for Cached<'_> {
    fn last_seq(&mut self, org: OrgId) -> Result<u64, StoreError> {
        match self.last_seq.get(&org) {
            Some(v) => Ok(*v),
            None => {
                let v = self.store.last_seq(org)?;
                self.last_seq.insert(org, v);
                Ok(v)
            }
        }
    }

    fn last_device_seq(&mut self, device: DeviceId) -> Result<u64, StoreError> {
        match self.last_dseq.get(&device) {
            Some(v) => Ok(*v),
            None => {
                let v = self.store.last_device_seq(device)?;
                self.last_dseq.insert(device, v);
                Ok(v)
            }
        }
    }

    fn find_device_op(
        &mut self,
        device: DeviceId,
        device_seq: u64,
    ) -> Result<Option<(u64, OpId)>, StoreError> {
        self.store.find_device_op(device, device_seq)
    }

    fn placed(&mut self, org: OrgId, seq: u64, device: DeviceId, device_seq: u64) {
        self.last_seq.insert(org, seq);
        let d = self.last_dseq.entry(device).or_default();
        *d = (*d).max(device_seq);
    }
}

/// Decide each op's fate and build the batch, without writing anything. Takes the ops out of
/// the work (they move into the batch; only acks go back). On a failed commit the sled
/// writer's heads are cleared (see `Writer::fail`); on PostgreSQL the ledger is read again.
fn plan(
    work: &mut [Work],
    ledger: &mut impl Ledger,
) -> Result<(CommitBatch, Vec<Vec<AckResult>>), StoreError> {
    let mut batch = CommitBatch::default();
    // Ops placed in this group, by (device, device_seq), so a replay inside one group
    // (two concurrent requests, or one request repeating an op) is caught too.
    let mut pending: HashMap<(DeviceId, u64), (u64, OpId)> = HashMap::new();
    let mut results = Vec::with_capacity(work.len());
    for job in work {
        let mut acks = Vec::with_capacity(job.ops.len());
        for op in std::mem::take(&mut job.ops) {
            let place = (op.device, op.device_seq);
            let known_last = ledger.last_device_seq(op.device)?;
            let stored = if let Some(hit) = pending.get(&place) {
                Some(*hit)
            } else if op.device_seq <= known_last {
                ledger.find_device_op(op.device, op.device_seq)?
            } else {
                None
            };
            if let Some((seq, op_id)) = stored {
                acks.push(if op_id == op.op_id {
                    AckResult::Duplicate { seq }
                } else {
                    AckResult::Rejected {
                        code: RejectCode::DeviceSeqReused,
                        // English here; the sync handler renders it in the request's
                        // language.
                        reason: firecheck_shared::msg!(
                            "reject-device-seq-reused",
                            position = op.device_seq
                        )
                        .to_string(),
                    }
                });
                continue;
            }
            let seq = ledger.last_seq(job.org)? + 1;
            ledger.placed(job.org, seq, op.device, op.device_seq);
            pending.insert(place, (seq, op.op_id));
            extend_runs(&mut batch.runs, job.org, op.device, op.device_seq, seq);
            batch.entries.push((
                job.org,
                seq,
                LogEntry {
                    received_ms: job.received_ms,
                    op,
                },
            ));
            acks.push(AckResult::Accepted { seq });
        }
        results.push(acks);
    }
    Ok((batch, results))
}

/// Extend the device's current run if this op continues it, else start a new one.
fn extend_runs(
    runs: &mut Vec<(DeviceId, u64, Run)>,
    org: OrgId,
    device: DeviceId,
    dseq: u64,
    seq: u64,
) {
    if let Some((d, first, run)) = runs.iter_mut().rev().find(|(d, _, _)| *d == device) {
        // Checked so device_seqs near u64::MAX cannot overflow.
        if *d == device
            && first.checked_add(run.count) == Some(dseq)
            && run.first_seq.checked_add(run.count) == Some(seq)
        {
            run.count += 1;
            return;
        }
    }
    runs.push((
        device,
        dseq,
        Run {
            org,
            first_seq: seq,
            count: 1,
        },
    ));
}
