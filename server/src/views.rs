//! The view updater: folds the op log into per-partition views, off the acknowledgment path.
//!
//! The sequencer tells it when an organisation's log advanced; a dedicated thread reads the
//! new entries after the organisation's watermark, merges them into each partition through
//! `shared`'s one merge step ([`firecheck_shared::merge::merge`]: appended when they sort
//! after everything applied, else the partition is folded again from its indexed ops), and
//! writes states, records, index entries and the new watermark in one batch — one partition
//! at a time, so only one partition's state is held at once.
//!
//! A crash between the log write and the view write is healed at start-up: the updater
//! simply continues from the stored watermark. Views are disposable: [`rebuild`] drops them
//! and folds the whole log again.
//!
//! # A partition that cannot be folded
//! A stored state that no longer decodes is folded again from the log at once. If even that
//! fails — a corrupt log record, a bug that panics in the fold — the partition is marked
//! failed (`store::PartitionFailure`): logged, listed in the admin stats, its later ops
//! indexed but not applied, while every other partition of the organisation goes on. Each
//! start-up (and `firecheck-server rebuild`) tries the failed partitions again.
//!
//! Readers that must see a sync they just made call [`Views::wait_for`] with its sequence number.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use firecheck_shared::merge::{merge, refold, PartitionStore};
use firecheck_shared::*;
use tokio::sync::watch;

use crate::lock;
use crate::store::{PartitionFailure, Result, Store, StoreError, ViewBatch};

/// Log entries read per view batch.
const VIEW_BATCH: usize = 20_000;

#[derive(Debug, Default)]
struct Pending {
    /// Organisations whose log advanced, with the newest sequence number.
    orgs: HashMap<OrgId, u64>,
    stop: bool,
}

/// Shared handle: the sequencer notifies it, readers wait on it.
#[derive(Debug)]
pub struct Views {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Watermark per organisation, as last written.
    covered: Mutex<HashMap<OrgId, u64>>,
    changed: watch::Sender<u64>,
    /// The log heads found at start-up that the views lagged: until they cover them, the
    /// server is not ready (`/readyz`).
    healing: Mutex<HashMap<OrgId, u64>>,
    /// Tests hold the updater to see a server whose views lag (feature `testing`).
    #[cfg(feature = "testing")]
    held: Mutex<bool>,
}

impl Views {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            covered: Mutex::new(HashMap::new()),
            changed: watch::channel(0).0,
            healing: Mutex::new(HashMap::new()),
            #[cfg(feature = "testing")]
            held: Mutex::new(false),
        })
    }

    /// Whether the views have caught up with the log heads found at start-up; else the first
    /// organisation still healing, with its watermark and the head it must reach.
    pub fn healed(&self) -> Result<(), (OrgId, u64, u64)> {
        let mut healing = lock(&self.healing);
        healing.retain(|org, head| self.covered(*org) < *head);
        match healing.iter().next() {
            None => Ok(()),
            Some((org, head)) => Err((*org, self.covered(*org), *head)),
        }
    }

    /// Hold the updater before its next batch (or let it go on): for tests that need views
    /// that lag the log for as long as they look.
    #[cfg(feature = "testing")]
    pub fn hold(&self, held: bool) {
        *lock(&self.held) = held;
        let _pending = lock(&self.pending);
        self.wake.notify_all();
    }

    /// The log of `org` now reaches `seq`.
    pub fn log_advanced(&self, org: OrgId, seq: u64) {
        let mut p = lock(&self.pending);
        let e = p.orgs.entry(org).or_default();
        *e = (*e).max(seq);
        self.wake.notify_one();
    }

    pub fn covered(&self, org: OrgId) -> u64 {
        lock(&self.covered).get(&org).copied().unwrap_or(0)
    }

    /// Wait until the views of `org` cover sequence number `seq`, at most `timeout`.
    /// Returns whether they do.
    pub async fn wait_for(&self, org: OrgId, seq: u64, timeout: Duration) -> bool {
        let mut rx = self.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if self.covered(org) >= seq {
                return true;
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return self.covered(org) >= seq;
            }
        }
    }

    /// Start the updater thread. It first heals every organisation whose views lag the log,
    /// and tries its failed partitions again.
    pub fn start(self: &Arc<Self>, store: Store) -> Result<std::thread::JoinHandle<()>> {
        let mut retry = Vec::new();
        for (org, head) in store.log_heads()? {
            let mark = store.view_watermark(org)?;
            lock(&self.covered).insert(org, mark);
            if mark < head {
                tracing::info!(%org, views = mark, log = head, "views lag the log; catching up");
                lock(&self.healing).insert(org, head);
                self.log_advanced(org, head);
            }
            if !store.failures(org)?.is_empty() {
                retry.push(org);
            }
        }
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("firecheck-views".into())
            .spawn(move || {
                for org in retry {
                    if let Err(e) = retry_failures(&store, org) {
                        tracing::error!(%org, error = %e, "could not retry the failed partitions");
                    }
                }
                me.run(store)
            })
            .map_err(|e| StoreError::Sled(sled::Error::Io(e)))
    }

    /// Ask the updater thread to finish what is queued and stop.
    pub fn stop(&self) {
        lock(&self.pending).stop = true;
        self.wake.notify_one();
    }

    #[cfg(feature = "testing")]
    fn is_held(&self) -> bool {
        *lock(&self.held)
    }

    #[cfg(not(feature = "testing"))]
    fn is_held(&self) -> bool {
        false
    }

    fn run(&self, store: Store) {
        loop {
            let work = {
                let mut p = lock(&self.pending);
                while (p.orgs.is_empty() || self.is_held()) && !p.stop {
                    p = self.wake.wait(p).unwrap_or_else(|e| e.into_inner());
                }
                if p.orgs.is_empty() && p.stop {
                    return;
                }
                std::mem::take(&mut p.orgs)
            };
            for (org, _) in work {
                if let Err(e) = self.catch_up(&store, org) {
                    tracing::error!(%org, error = %e, "view update failed; will retry on the next push or restart");
                    std::thread::sleep(Duration::from_millis(200));
                }
            }
        }
    }

    /// Fold everything after the watermark of `org` into its views.
    pub fn catch_up(&self, store: &Store, org: OrgId) -> Result<()> {
        loop {
            let mark = store.view_watermark(org)?;
            let (entries, has_more) = store.entries_after(org, mark, VIEW_BATCH)?;
            let Some(&(last, _)) = entries.last() else {
                self.publish(org, mark);
                return Ok(());
            };
            // The batch's ops by partition. Each partition is then merged, written into the
            // batch and dropped, so only one partition's state is held at a time.
            let mut by_partition: BTreeMap<Partition, Vec<(u64, Op)>> = BTreeMap::new();
            let mut out = store.view_batch(org);
            for (seq, entry) in entries {
                for h in entry.op.evidence() {
                    out.blob_ref(&h);
                }
                by_partition
                    .entry(entry.op.partition())
                    .or_default()
                    .push((seq, entry.op));
            }
            for (p, ops) in by_partition {
                let seqs: Vec<u64> = ops.iter().map(|(s, _)| *s).collect();
                let mut new: Vec<Op> = ops.into_iter().map(|(_, op)| op).collect();
                new.sort_by_key(Op::key);
                if let Some(mut failure) = store.failed(org, &p)? {
                    // Skipped until a start-up or a rebuild folds it again.
                    failure.last_seq = failure.last_seq.max(*seqs.last().unwrap_or(&0));
                    out.failure(&p, &failure);
                } else if let Err(error) = fold_partition(store, org, p, &new, &mut out)? {
                    tracing::error!(%org, partition = ?p, %error, "a partition could not be folded; its views are skipped until it can");
                    out.failure(
                        &p,
                        &PartitionFailure {
                            since_seq: seqs[0],
                            last_seq: *seqs.last().unwrap_or(&0),
                            error,
                            at_ms: Timestamp::now().0,
                        },
                    );
                }
                out.index(&p, &seqs);
            }
            store.write_view_batch(out, last)?;
            store.flush_views()?;
            self.publish(org, last);
            if !has_more {
                return Ok(());
            }
        }
    }

    fn publish(&self, org: OrgId, mark: u64) {
        lock(&self.covered).insert(org, mark);
        self.changed.send_modify(|v| *v += 1);
    }
}

/// Merge `new` (sorted, unseen) into a partition and write the result into `out`.
///
/// `Ok(Err(reason))` is a partition that cannot be folded (corrupt data, a panic in the
/// fold): the caller marks it failed and goes on with the others. `Err` is the store's
/// trouble (a failing disk), which stops the whole batch until it is retried.
fn fold_partition(
    store: &Store,
    org: OrgId,
    p: Partition,
    new: &[Op],
    out: &mut ViewBatch,
) -> Result<Result<(), String>> {
    let attempt = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut records = store.partition_records(org, p);
        let (mut state, before) = match store.partition_state(org, &p) {
            Ok(Some(s)) => {
                let before: BTreeSet<HazardId> = s.hazards.keys().copied().collect();
                (s, before)
            }
            Ok(None) => (PartitionState::new(p), BTreeSet::new()),
            // A state that does not decode is derived data: fold it again from the log.
            Err(e) if !e.is_io() => {
                tracing::warn!(%org, partition = ?p, error = %e, "a stored state is unreadable; folding the partition again");
                let mut ops = records.stored_ops()?;
                ops.extend(new.iter().cloned());
                let mut state = PartitionState::new(p);
                refold(&mut state, &mut records, &ops)?;
                return Ok((state, records, BTreeSet::new()));
            }
            Err(e) => return Err(e),
        };
        merge(&mut state, &mut records, new)?;
        Ok((state, records, before))
    }));
    match attempt {
        Ok(Ok((state, records, before))) => {
            for id in state.hazards.keys().filter(|id| !before.contains(id)) {
                out.hazard_home(*id, p);
            }
            out.state(&state);
            out.records(records);
            Ok(Ok(()))
        }
        Ok(Err(e)) if e.is_io() => Err(e),
        Ok(Err(e)) => Ok(Err(e.to_string())),
        Err(panic) => Ok(Err(format!(
            "the fold panicked: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        ))),
    }
}

/// Fold each failed partition of `org` again from all its indexed ops; those that fold
/// are healed, the others stay failed.
pub fn retry_failures(store: &Store, org: OrgId) -> Result<()> {
    let mark = store.view_watermark(org)?;
    for (p, failure) in store.failures(org)? {
        let mut out = store.view_batch(org);
        let attempt = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let mut records = store.partition_records(org, p);
            let ops = records.stored_ops()?;
            let mut state = PartitionState::new(p);
            refold(&mut state, &mut records, &ops)?;
            Ok::<_, StoreError>((state, records))
        }));
        match attempt {
            Ok(Ok((state, records))) => {
                for id in state.hazards.keys() {
                    out.hazard_home(*id, p);
                }
                out.state(&state);
                out.records(records);
                out.healed(&p);
                tracing::info!(%org, partition = ?p, since = failure.since_seq, "a failed partition folds again");
            }
            Ok(Err(e)) if e.is_io() => return Err(e),
            Ok(Err(e)) => {
                tracing::error!(%org, partition = ?p, error = %e, "a failed partition still cannot be folded");
                continue;
            }
            Err(_) => {
                tracing::error!(%org, partition = ?p, "a failed partition still panics in the fold");
                continue;
            }
        }
        store.write_view_batch(out, mark)?;
    }
    store.flush_views()
}

/// Drop every view and fold the whole log again (offline: `firecheck-server rebuild`).
pub fn rebuild(store: &Store) -> Result<Vec<(OrgId, u64)>> {
    store.clear_views()?;
    let views = Views::new();
    let heads = store.log_heads()?;
    for (org, _) in &heads {
        views.catch_up(store, *org)?;
    }
    store.flush()?;
    Ok(heads)
}
