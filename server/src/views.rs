//! The view updater: folds the op log into per-partition views, off the acknowledgment path.
//!
//! The sequencer tells it when an organisation's log advanced; a dedicated thread reads the
//! new entries after the organisation's watermark, applies each to its partition's state
//! (incrementally when it sorts last, otherwise by re-folding only that partition from the
//! partition index), and writes states, index entries and the new watermark in one batch —
//! one partition at a time, so only one decoded state is held at once.
//! A crash between the log write and the view write is healed at start-up: the updater
//! simply continues from the stored watermark. Views are disposable: [`rebuild`] drops them
//! and folds the whole log again.
//!
//! Readers that must see a sync they just made call [`Views::wait_for`] with its sequence number.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use firecheck_shared::*;
use tokio::sync::watch;

use crate::store::{Result, Store};

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
}

impl Views {
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            covered: Mutex::new(HashMap::new()),
            changed: watch::channel(0).0,
        })
    }

    /// The log of `org` now reaches `seq`.
    pub fn log_advanced(&self, org: OrgId, seq: u64) {
        let mut p = self.pending.lock().expect("views lock");
        let e = p.orgs.entry(org).or_default();
        *e = (*e).max(seq);
        self.wake.notify_one();
    }

    pub fn covered(&self, org: OrgId) -> u64 {
        self.covered
            .lock()
            .expect("views lock")
            .get(&org)
            .copied()
            .unwrap_or(0)
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

    /// Start the updater thread. It first heals every organisation whose views lag the log.
    pub fn start(self: &Arc<Self>, store: Store) -> Result<std::thread::JoinHandle<()>> {
        for (org, head) in store.log_heads()? {
            let mark = store.view_watermark(org)?;
            self.covered.lock().expect("views lock").insert(org, mark);
            if mark < head {
                tracing::info!(%org, views = mark, log = head, "views lag the log; catching up");
                self.log_advanced(org, head);
            }
        }
        let me = Arc::clone(self);
        Ok(std::thread::Builder::new()
            .name("firecheck-views".into())
            .spawn(move || me.run(store))
            .expect("spawning the view thread"))
    }

    /// Ask the updater thread to finish what is queued and stop.
    pub fn stop(&self) {
        self.pending.lock().expect("views lock").stop = true;
        self.wake.notify_one();
    }

    fn run(&self, store: Store) {
        loop {
            let work = {
                let mut p = self.pending.lock().expect("views lock");
                while p.orgs.is_empty() && !p.stop {
                    p = self.wake.wait(p).expect("views lock");
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
            // The batch's entries by partition, in sequence order. Each partition is then
            // folded, encoded into the write and dropped, so only one decoded state is held
            // at a time (a venue's state grows with its inspections).
            let mut by_partition: BTreeMap<Partition, Vec<usize>> = BTreeMap::new();
            let mut out = store.view_batch(org);
            for (i, (_, entry)) in entries.iter().enumerate() {
                for h in entry.op.evidence() {
                    out.blob_ref(&h);
                }
                by_partition
                    .entry(entry.op.partition())
                    .or_default()
                    .push(i);
            }
            for (p, at) in by_partition {
                let seqs: Vec<u64> = at.iter().map(|&i| entries[i].0).collect();
                let mut state = store
                    .partition_state(org, &p)?
                    .unwrap_or_else(|| PartitionState::new(p));
                let mut in_order = true;
                for &i in &at {
                    let op = &entries[i].1.op;
                    if !state.accepts_in_order(op) {
                        in_order = false;
                        break;
                    }
                    state.apply(op);
                }
                if !in_order {
                    // An op sorted before ops already applied: fold the partition again from
                    // all its ops (those indexed so far and this batch's).
                    drop(state);
                    let mut all = store.partition_seqs(org, &p)?;
                    all.extend(&seqs);
                    let mut ops = Vec::with_capacity(all.len());
                    for seq in all {
                        if let Some(e) = store.entry(org, seq)? {
                            ops.push(e.op);
                        }
                    }
                    state = PartitionState::fold(p, ops.iter());
                }
                out.state(&state);
                out.index(&p, &seqs);
            }
            drop(entries);
            store.write_view_batch(out, last)?;
            store.flush_views()?;
            self.publish(org, last);
            if !has_more {
                return Ok(());
            }
        }
    }

    fn publish(&self, org: OrgId, mark: u64) {
        self.covered.lock().expect("views lock").insert(org, mark);
        self.changed.send_modify(|v| *v += 1);
    }
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
