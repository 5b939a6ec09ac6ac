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

use std::collections::{BTreeMap, HashMap};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use firecheck_shared::merge::{merge, Records};
use firecheck_shared::*;
use tokio::sync::watch;

use crate::lock;
use crate::store::{PartitionFailure, Result, Store, StoreError, ViewBatch};

mod derive;

use derive::Campaigns;

/// How often a node on PostgreSQL looks for ops other nodes appended.
const FOLLOW_EVERY: Duration = Duration::from_millis(200);

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
            let failed = !store.failures(org)?.is_empty();
            // An organisation about to be folded again covers nothing until it is.
            lock(&self.covered).insert(org, if failed { 0 } else { mark });
            if mark < head {
                tracing::info!(%org, views = mark, log = head, "views lag the log; catching up");
                lock(&self.healing).insert(org, head);
                self.log_advanced(org, head);
            }
            if failed || !store.stale_campaigns(org)?.is_empty() {
                retry.push(org);
            }
        }
        let me = Arc::clone(self);
        std::thread::Builder::new()
            .name("firecheck-views".into())
            .spawn(move || {
                for org in retry {
                    let healed = match store.failures(org) {
                        Ok(f) if !f.is_empty() => retry_failures(&me, &store, org),
                        Ok(_) => store
                            .view_watermark(org)
                            .and_then(|mark| derive::recompute_campaigns(&store, org, mark)),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = healed {
                        tracing::error!(%org, error = %e, "could not heal the views at start-up");
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
        // On PostgreSQL other nodes append too: their ops are found by reading the heads.
        let follow = store.on_postgres();
        loop {
            let work = {
                let mut p = lock(&self.pending);
                while (p.orgs.is_empty() || self.is_held()) && !p.stop {
                    if !follow {
                        p = self.wake.wait(p).unwrap_or_else(|e| e.into_inner());
                        continue;
                    }
                    let (guard, waited) = self
                        .wake
                        .wait_timeout(p, FOLLOW_EVERY)
                        .unwrap_or_else(|e| e.into_inner());
                    p = guard;
                    if waited.timed_out() {
                        drop(p);
                        self.follow(&store);
                        p = lock(&self.pending);
                    }
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

    /// Queue every organisation whose log (appended to by any node) is past its views.
    fn follow(&self, store: &Store) {
        match store.log_heads() {
            Ok(heads) => {
                for (org, head) in heads {
                    if head > self.covered(org) {
                        self.log_advanced(org, head);
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "reading the log heads to follow other nodes"),
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
            let campaigns = Campaigns::load(store, org)?;
            for (seq, entry) in entries {
                for h in entry.op.evidence() {
                    out.blob_ref(&h);
                }
                by_partition
                    .entry(entry.op.partition())
                    .or_default()
                    .push((seq, entry.op));
            }
            let mut rebuild = None;
            for (p, ops) in by_partition {
                let seqs: Vec<u64> = ops.iter().map(|(s, _)| *s).collect();
                let mut new: Vec<Op> = ops.into_iter().map(|(_, op)| op).collect();
                new.sort_by_key(Op::key);
                if let Some(mut failure) = store.failed(org, &p)? {
                    // Skipped until a start-up or a rebuild folds it again.
                    failure.last_seq = failure.last_seq.max(*seqs.last().unwrap_or(&0));
                    out.failure(&p, &failure);
                } else {
                    match fold_partition(store, org, &campaigns, p, &new, &mut out)? {
                        Folding::Done => {}
                        Folding::Failed(error) => {
                            tracing::error!(%org, partition = %p, %error, "a partition could not be folded; its views are skipped until it can");
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
                        Folding::Rebuild(error) => {
                            rebuild = Some((p, error));
                            break;
                        }
                    }
                }
                out.index(&p, &seqs);
            }
            if let Some((p, error)) = rebuild {
                // A stored state no longer reads: what the indexes hold for it is unknown,
                // so the organisation's views are folded again from the log (which is the
                // truth, and intact). After the clear no stored state is left to misread.
                tracing::warn!(%org, partition = %p, %error, "a stored state is unreadable; folding the organisation's views again from the log");
                drop(out);
                store.clear_org_views(org)?;
                self.publish(org, 0);
                continue;
            }
            store.write_view_batch(out, last)?;
            // Campaigns this batch defined or redefined: their coverage, computed afresh
            // before the views are said to cover the batch.
            derive::recompute_campaigns(store, org, last)?;
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

/// What became of one partition in a view batch.
enum Folding {
    /// Merged; its state, records and index changes are in the batch.
    Done,
    /// It cannot be folded (corrupt data, a panic in the fold): marked failed, skipped.
    Failed(String),
    /// Its stored state does not read: the organisation's views are folded again.
    Rebuild(String),
}

/// Merge `new` (sorted, unseen) into a partition and write the result into `out`.
/// `Err` is the store's trouble (a failing disk), which stops the whole batch until it is
/// retried.
fn fold_partition(
    store: &Store,
    org: OrgId,
    campaigns: &Campaigns,
    p: Partition,
    new: &[Op],
    out: &mut ViewBatch,
) -> Result<Folding> {
    let attempt = std::panic::catch_unwind(AssertUnwindSafe(|| {
        #[cfg(feature = "testing")]
        if faults::injected(org, &p) {
            panic!("a fault injected into the fold of {p}");
        }
        let mut records = store.partition_records(org, p);
        let old = match store.partition_state(org, &p) {
            Ok(Some(s)) => s,
            Ok(None) => PartitionState::new(p),
            // A state that does not decode is derived data: it is folded again from the log.
            Err(e) if !e.is_io() => return Ok(Err(e.to_string())),
            Err(e) => return Err(e),
        };
        let mut state = old.clone();
        merge(&mut state, &mut records, new)?;
        let mut staged = store.view_batch(org);
        derive::partition_changed(store, org, campaigns, &old, &state, &records, &mut staged)?;
        // Ids no longer a hazard here, and not a merged finding either: no longer homed here.
        let mut gone = Vec::new();
        for id in old
            .hazards
            .keys()
            .filter(|id| !state.hazards.contains_key(id))
        {
            if records.alias(*id)?.is_none() {
                gone.push(*id);
            }
        }
        Ok(Ok((old, state, records, staged, gone)))
    }));
    match attempt {
        Ok(Ok(Err(unreadable))) => Ok(Folding::Rebuild(unreadable)),
        Ok(Ok(Ok((old, state, records, staged, gone)))) => {
            let refolded = records.refolded();
            out.state(&state);
            // A re-fold clears the homes of the partition's old aliases (and re-homes its
            // new ones); its hazards' homes are written after, so none is lost.
            out.records(records);
            for id in state.hazards.keys() {
                if refolded || !old.hazards.contains_key(id) {
                    out.hazard_home(*id, p);
                }
            }
            for id in gone {
                out.hazard_gone(id, p);
            }
            out.absorb(staged);
            Ok(Folding::Done)
        }
        Ok(Err(e)) if e.is_io() => Err(e),
        Ok(Err(e)) => Ok(Folding::Failed(e.to_string())),
        Err(panic) => Ok(Folding::Failed(format!(
            "the fold panicked: {}",
            panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default()
        ))),
    }
}

/// Faults tests inject into the fold, to see one partition fail while the others go on
/// (feature `testing` only).
#[cfg(feature = "testing")]
pub mod faults {
    use std::collections::BTreeSet;
    use std::sync::Mutex;

    use firecheck_shared::{OrgId, Partition};

    static FAILING: Mutex<BTreeSet<(OrgId, Partition)>> = Mutex::new(BTreeSet::new());

    /// From now on, folding organisation `org`'s partition `p` panics.
    pub fn inject(org: OrgId, p: Partition) {
        crate::lock(&FAILING).insert((org, p));
    }

    /// Folding it works again.
    pub fn clear(org: OrgId, p: Partition) {
        crate::lock(&FAILING).remove(&(org, p));
    }

    pub(super) fn injected(org: OrgId, p: &Partition) -> bool {
        crate::lock(&FAILING).contains(&(org, *p))
    }
}

/// Fold the views of an organisation with failed partitions again, from the log: what the
/// indexes held for a partition whose state could not be read is unknown, so the whole
/// organisation is rebuilt; partitions that still cannot be folded stay failed.
pub fn retry_failures(views: &Views, store: &Store, org: OrgId) -> Result<()> {
    let failed = store.failures(org)?.len();
    tracing::info!(%org, failed, "folding an organisation with failed partitions again");
    store.clear_org_views(org)?;
    // Readers waiting for a sequence number wait for the rebuild to reach it.
    views.publish(org, 0);
    views.catch_up(store, org)?;
    let still = store.failures(org)?.len();
    if still > 0 {
        tracing::error!(%org, still, "partitions still cannot be folded");
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
