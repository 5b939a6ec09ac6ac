//! The views (tree `views` in `views/`): derived from the log, rebuildable at any time,
//! written only in atomic batches that carry their watermark.
//!
//! Keys, per organisation:
//! - `W | org` → the highest sequence number the views cover (the watermark), written in the
//!   same batch as the states it describes, so after a crash the views are those of some
//!   earlier watermark and the updater folds on from there;
//! - `S | org | partition` → the folded [`PartitionState`] — bounded: it never holds a
//!   partition's history;
//! - `R | org | partition | kind | …` → the partition's [`Records`], each a record of its own:
//!   - `i | inspection` → the [`Inspection`] with its amendments applied,
//!   - `t | finished | hlc | inspection` → the campaign it names (16 bytes) or nothing —
//!     the venue's inspections by time,
//!   - `e | hazard | n` → event `n` of a hazard's history,
//!   - `a | merged finding` → the hazard that carries it,
//!   - `u | n` → unresolved op `n`;
//! - `I | org | partition | first seq` → the partition's sequence numbers (u64 BE each,
//!   ascending) among one view batch's ops, for re-folds: one entry per partition per view
//!   batch, not one per op;
//! - `H | org | hazard` → the partition holding a hazard (or a merged finding's id);
//! - `F | org | partition` → [`PartitionFailure`]: a partition that could not be folded;
//!   its ops are indexed but not applied until a start-up or a rebuild folds it again;
//! - `B | org | sha256` → (): which attachments an organisation's ops refer to.

use std::collections::BTreeMap;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::fold::Unresolved;
use firecheck_shared::merge::{PartitionStore, Records};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::kv;
use super::log::seq_of;
use super::{decode, key, Result, Store, StoreError};

/// A partition the view updater could not fold (corrupt, over a limit, a bug): reported,
/// and skipped until a start-up or a rebuild folds it again, so the rest of the
/// organisation's views go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionFailure {
    /// The first sequence number that could not be applied.
    pub since_seq: u64,
    /// The newest sequence number of the partition not applied.
    pub last_seq: u64,
    pub error: String,
    pub at_ms: i64,
}

/// The kind bytes of every view key (each followed by the organisation's id).
const VIEW_KINDS: &str = "WSRIHFBXQKVPGCMJ";

fn state_key(org: OrgId, p: &Partition) -> Vec<u8> {
    key(b'S', &[org.as_bytes(), &p.to_key()])
}

fn home_key(org: OrgId, hazard: HazardId, p: &Partition) -> Vec<u8> {
    key(b'H', &[org.as_bytes(), hazard.as_bytes(), &p.to_key()])
}

fn records_prefix(org: OrgId, p: &Partition) -> Vec<u8> {
    key(b'R', &[org.as_bytes(), &p.to_key()])
}

fn record_key(org: OrgId, p: &Partition, kind: u8, tail: &[&[u8]]) -> Vec<u8> {
    let mut k = records_prefix(org, p);
    k.push(kind);
    for t in tail {
        k.extend_from_slice(t);
    }
    k
}

/// A timestamp as 8 bytes that sort like the number (sign bit flipped, big-endian).
pub(super) fn ordered_ms(ms: i64) -> [u8; 8] {
    ((ms as u64) ^ (1 << 63)).to_be_bytes()
}

fn time_key(org: OrgId, p: &Partition, i: &Inspection) -> Vec<u8> {
    record_key(
        org,
        p,
        b't',
        &[
            &ordered_ms(i.finished_at.0),
            &i.hlc.wall_ms.to_be_bytes(),
            &i.hlc.counter.to_be_bytes(),
            &i.hlc.node.to_be_bytes(),
            i.id.as_bytes(),
        ],
    )
}

/// A time index entry: when the inspection finished (right after the prefix) and the
/// campaign it names (the value).
fn time_entry(k: &[u8], at: usize, v: &[u8]) -> Result<(Timestamp, Option<CampaignId>)> {
    let bad = || StoreError::Corrupt {
        what: "inspection time index",
        message: format!("{} bytes of key, {} of value", k.len(), v.len()),
    };
    let ms = k
        .get(at..at + 8)
        .and_then(|b| b.try_into().ok())
        .map(|b| (u64::from_be_bytes(b) ^ (1 << 63)) as i64)
        .ok_or_else(bad)?;
    let campaign = match v.len() {
        0 => None,
        16 => Some(CampaignId(uuid::Uuid::from_slice(v).map_err(|_| bad())?)),
        _ => return Err(bad()),
    };
    Ok((Timestamp(ms), campaign))
}

fn id_at_end<T: From<uuid::Uuid>>(k: &[u8]) -> Result<T> {
    k.len()
        .checked_sub(16)
        .and_then(|at| uuid::Uuid::from_slice(&k[at..]).ok())
        .map(T::from)
        .ok_or_else(|| StoreError::Corrupt {
            what: "record key",
            message: format!("{} bytes cannot end with an id", k.len()),
        })
}

/// Writes gathered for one atomic batch: the last write to a key wins, as in sled's own
/// batches, and one batch can take in another's.
#[derive(Debug, Default)]
pub(super) struct Writes(BTreeMap<Vec<u8>, Option<Vec<u8>>>);

impl Writes {
    pub(super) fn insert(&mut self, k: impl Into<Vec<u8>>, v: impl AsRef<[u8]>) {
        self.0.insert(k.into(), Some(v.as_ref().to_vec()));
    }

    pub(super) fn remove(&mut self, k: impl Into<Vec<u8>>) {
        self.0.insert(k.into(), None);
    }

    fn into_batch(self) -> kv::Batch {
        let mut b = kv::Batch::default();
        for (k, v) in self.0 {
            match v {
                Some(v) => b.insert(k, v),
                None => b.remove(k),
            }
        }
        b
    }
}

/// View updates of one organisation being gathered for one atomic write
/// ([`Store::write_view_batch`]). States are encoded as they are added, so the caller need
/// not keep them.
pub struct ViewBatch {
    pub(super) org: OrgId,
    pub(super) batch: Writes,
    /// Count deltas (`store::index`), added to the stored counts when the batch is written.
    pub(super) counts: BTreeMap<Vec<u8>, i64>,
}

impl std::fmt::Debug for ViewBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ViewBatch").field("org", &self.org).finish()
    }
}

impl ViewBatch {
    /// A partition's new state.
    pub fn state(&mut self, state: &PartitionState) {
        self.batch.insert(
            state_key(self.org, &state.partition),
            encode_unframed(state),
        );
    }

    /// What a merge wrote to a partition's records.
    pub fn records(&mut self, records: PartitionRecords<'_>) {
        let (aliases, p, before, cleared) = (
            records.new_aliases,
            records.partition,
            records.before,
            records.cleared,
        );
        for (k, v) in records.writes {
            // A re-fold writes every record again: those it left as they were are skipped,
            // and so are records it wrote and dropped that were never stored.
            let was = before.get(&k);
            match v {
                Some(v) if was == Some(&v) => {}
                Some(v) => self.batch.insert(k, v),
                None if cleared && was.is_none() => {}
                None => self.batch.remove(k),
            }
        }
        // After the writes: a re-fold cleared the old aliases' homes, and re-homes these.
        for alias in aliases {
            self.hazard_home(alias, p);
        }
    }

    /// Where a hazard (or a merged finding's id) lives. An id is in one partition but for
    /// forged or misdirected ops (one report id sent with two venues), so every home is kept.
    pub fn hazard_home(&mut self, hazard: HazardId, p: Partition) {
        self.batch.insert(home_key(self.org, hazard, &p), []);
    }

    /// A hazard no longer lives in `p` (a re-fold gave its finding to another hazard).
    pub fn hazard_gone(&mut self, hazard: HazardId, p: Partition) {
        self.batch.remove(home_key(self.org, hazard, &p));
    }

    /// A partition's ops of this batch, ascending: one index entry, keyed by the first.
    pub fn index(&mut self, partition: &Partition, seqs: &[u64]) {
        let Some(first) = seqs.first() else {
            return;
        };
        let mut list = Vec::with_capacity(8 * seqs.len());
        for s in seqs {
            list.extend_from_slice(&s.to_be_bytes());
        }
        self.batch.insert(
            key(
                b'I',
                &[
                    self.org.as_bytes(),
                    &partition.to_key(),
                    &first.to_be_bytes(),
                ],
            ),
            list,
        );
    }

    /// An attachment an op of the organisation refers to.
    pub fn blob_ref(&mut self, hash: &BlobHash) {
        self.batch
            .insert(key(b'B', &[self.org.as_bytes(), &hash.0]), &[] as &[u8]);
    }

    /// A partition that could not be folded: its state is dropped (reads of it say it is
    /// unavailable rather than show a stale or unreadable one) until it folds again.
    pub fn failure(&mut self, p: &Partition, failure: &PartitionFailure) {
        self.batch.remove(state_key(self.org, p));
        self.batch.insert(
            key(b'F', &[self.org.as_bytes(), &p.to_key()]),
            encode_unframed(failure),
        );
    }

    /// Take another batch's writes (one partition's index changes, staged apart so that a
    /// partition that fails leaves nothing behind).
    pub fn absorb(&mut self, other: ViewBatch) {
        let ViewBatch { batch, counts, .. } = other;
        self.batch.0.extend(batch.0);
        for (k, d) in counts {
            *self.counts.entry(k).or_default() += d;
        }
    }

    /// A partition folded again after it had failed.
    pub fn healed(&mut self, p: &Partition) {
        self.batch
            .remove(key(b'F', &[self.org.as_bytes(), &p.to_key()]));
    }
}

/// The records of one partition as stored, with one merge's writes held in memory on top
/// (read back by the fold, written into the [`ViewBatch`] at the end, so a partition's
/// state and records change in the same atomic batch).
pub struct PartitionRecords<'a> {
    store: &'a Store,
    org: OrgId,
    partition: Partition,
    /// The stored records are gone (a re-fold): reads see only `writes`.
    cleared: bool,
    writes: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
    /// What the stored records held when they were cleared (a re-fold), to write back only
    /// the records that changed.
    before: BTreeMap<Vec<u8>, Vec<u8>>,
    new_aliases: Vec<HazardId>,
    /// Inspections this merge recorded that were new to the partition (when it finished,
    /// the campaign it names) — unless the partition was folded again (`cleared`).
    added: Vec<(Timestamp, Option<CampaignId>)>,
}

impl std::fmt::Debug for PartitionRecords<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartitionRecords")
            .field("org", &self.org)
            .field("partition", &self.partition)
            .field("writes", &self.writes.len())
            .finish()
    }
}

impl PartitionRecords<'_> {
    fn read(&self, k: &[u8]) -> Result<Option<sled::IVec>> {
        match self.writes.get(k) {
            Some(Some(v)) => Ok(Some(sled::IVec::from(v.as_slice()))),
            Some(None) => Ok(None),
            None if self.cleared => Ok(None),
            None => Ok(self.store.views.get(k)?),
        }
    }

    fn write(&mut self, k: Vec<u8>, v: Vec<u8>) {
        self.writes.insert(k, Some(v));
    }

    /// Whether this merge folded the partition again (its records were all rewritten).
    pub fn refolded(&self) -> bool {
        self.cleared
    }

    /// Inspections this merge added to the partition (when it finished, the campaign it
    /// names); meaningful only when it did not fold the partition again.
    pub fn added(&self) -> &[(Timestamp, Option<CampaignId>)] {
        &self.added
    }

    /// Every inspection of the partition as it stands after this merge (when it finished,
    /// the campaign it names): the stored time index with this merge's writes on top.
    pub fn inspection_times(&self) -> Result<Vec<(Timestamp, Option<CampaignId>)>> {
        let prefix = record_key(self.org, &self.partition, b't', &[]);
        let mut all: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
        if !self.cleared {
            for item in self.store.views.scan_prefix(&prefix) {
                let (k, v) = item?;
                all.insert(k.to_vec(), v.to_vec());
            }
        }
        for (k, v) in self.writes.range(prefix.clone()..) {
            if !k.starts_with(&prefix) {
                break;
            }
            match v {
                Some(v) => all.insert(k.clone(), v.clone()),
                None => all.remove(k),
            };
        }
        all.iter()
            .map(|(k, v)| time_entry(k, prefix.len(), v))
            .collect()
    }
}

impl Records for PartitionRecords<'_> {
    type Error = StoreError;

    fn inspection(&self, id: InspectionId) -> Result<Option<Inspection>> {
        let k = record_key(self.org, &self.partition, b'i', &[id.as_bytes()]);
        self.read(&k)?.map(|v| decode("inspection", &v)).transpose()
    }

    fn put_inspection(&mut self, i: &Inspection) -> Result<()> {
        let (org, p) = (self.org, self.partition);
        let k = record_key(org, &p, b'i', &[i.id.as_bytes()]);
        let new = self.read(&k)?.is_none();
        self.write(k, encode_unframed(i));
        // An amendment never changes when it finished or the campaign it names: the time
        // key is written again unchanged.
        let campaign = i
            .campaign
            .map(|c| c.as_bytes().to_vec())
            .unwrap_or_default();
        self.write(time_key(org, &p, i), campaign);
        if new && !self.cleared {
            self.added.push((i.finished_at, i.campaign));
        }
        Ok(())
    }

    fn alias(&self, id: HazardId) -> Result<Option<HazardId>> {
        let k = record_key(self.org, &self.partition, b'a', &[id.as_bytes()]);
        self.read(&k)?.map(|v| id_at_end(&v)).transpose()
    }

    fn put_alias(&mut self, alias: HazardId, carrier: HazardId) -> Result<()> {
        let k = record_key(self.org, &self.partition, b'a', &[alias.as_bytes()]);
        self.write(k, carrier.as_bytes().to_vec());
        self.new_aliases.push(alias);
        Ok(())
    }

    fn push_event(&mut self, hazard: HazardId, index: u32, event: &HazardEvent) -> Result<()> {
        let k = record_key(
            self.org,
            &self.partition,
            b'e',
            &[hazard.as_bytes(), &index.to_be_bytes()],
        );
        self.write(k, encode_unframed(event));
        Ok(())
    }

    fn push_unresolved(&mut self, index: u32, note: &Unresolved) -> Result<()> {
        let k = record_key(self.org, &self.partition, b'u', &[&index.to_be_bytes()]);
        self.write(k, encode_unframed(note));
        Ok(())
    }
}

impl PartitionStore for PartitionRecords<'_> {
    fn stored_ops(&mut self) -> Result<Vec<Op>> {
        self.store.partition_ops(self.org, &self.partition)
    }

    fn clear_records(&mut self) -> Result<()> {
        for w in self.writes.values_mut() {
            *w = None;
        }
        if !self.cleared {
            let prefix = records_prefix(self.org, &self.partition);
            for item in self.store.views.scan_prefix(&prefix) {
                let (k, v) = item?;
                // A merged finding's home goes with its alias record.
                if k.get(prefix.len()) == Some(&b'a') {
                    let alias: HazardId = id_at_end(&k)?;
                    let home = home_key(self.org, alias, &self.partition);
                    self.writes.insert(home.clone(), None);
                    self.before.insert(home, Vec::new());
                }
                self.writes.insert(k.to_vec(), None);
                self.before.insert(k.to_vec(), v.to_vec());
            }
        }
        self.cleared = true;
        Ok(())
    }
}

impl Store {
    pub fn view_watermark(&self, org: OrgId) -> Result<u64> {
        self.views
            .get(key(b'W', &[org.as_bytes()]))?
            .map(|v| seq_of(&v))
            .transpose()
            .map(|v| v.unwrap_or(0))
    }

    pub fn partition_state(
        &self,
        org: OrgId,
        partition: &Partition,
    ) -> Result<Option<PartitionState>> {
        self.views
            .get(state_key(org, partition))?
            .map(|v| decode("partition state", &v))
            .transpose()
    }

    /// Every folded partition of an organisation.
    pub fn partition_states(&self, org: OrgId) -> Result<Vec<PartitionState>> {
        self.views
            .scan_prefix(key(b'S', &[org.as_bytes()]))
            .values()
            .map(|v| decode("partition state", &v?))
            .collect()
    }

    /// Sequence numbers of a partition's ops, ascending, from the partition index.
    pub fn partition_seqs(&self, org: OrgId, partition: &Partition) -> Result<Vec<u64>> {
        let mut seqs = Vec::new();
        for item in self
            .views
            .scan_prefix(key(b'I', &[org.as_bytes(), &partition.to_key()]))
        {
            let (k, v) = item?;
            if v.is_empty() {
                seqs.push(seq_of(&k)?);
                continue;
            }
            if v.len() % 8 != 0 {
                return Err(StoreError::Corrupt {
                    what: "partition index",
                    message: format!("{} bytes is not a list of sequence numbers", v.len()),
                });
            }
            seqs.extend(v.chunks_exact(8).map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                u64::from_be_bytes(b)
            }));
        }
        Ok(seqs)
    }

    /// Every op of a partition the views have indexed, from the log.
    pub fn partition_ops(&self, org: OrgId, partition: &Partition) -> Result<Vec<Op>> {
        let seqs = self.partition_seqs(org, partition)?;
        let mut ops = Vec::with_capacity(seqs.len());
        for seq in seqs {
            if let Some(e) = self.entry(org, seq)? {
                ops.push(e.op);
            }
        }
        Ok(ops)
    }

    /// A partition's records as stored, ready to take one merge's writes.
    pub fn partition_records(&self, org: OrgId, partition: Partition) -> PartitionRecords<'_> {
        PartitionRecords {
            store: self,
            org,
            partition,
            cleared: false,
            writes: BTreeMap::new(),
            before: BTreeMap::new(),
            new_aliases: Vec::new(),
            added: Vec::new(),
        }
    }

    /// The partitions holding a hazard, or the finding merged into one, in key order (one,
    /// but for forged ids).
    pub fn hazard_homes(&self, org: OrgId, hazard: HazardId) -> Result<Vec<Partition>> {
        let prefix = key(b'H', &[org.as_bytes(), hazard.as_bytes()]);
        self.views
            .scan_prefix(&prefix)
            .keys()
            .map(|k| {
                let k = k?;
                Partition::from_key(&k[prefix.len()..]).ok_or(StoreError::Corrupt {
                    what: "hazard home",
                    message: format!("{} bytes of key", k.len()),
                })
            })
            .collect()
    }

    /// The hazard a merged finding's id was folded into.
    pub fn alias_of(&self, org: OrgId, p: &Partition, id: HazardId) -> Result<Option<HazardId>> {
        self.partition_records(org, *p).alias(id)
    }

    /// Events `offset..offset + limit` of a hazard's history, oldest first.
    pub fn hazard_history(
        &self,
        org: OrgId,
        p: &Partition,
        hazard: HazardId,
        offset: u32,
        limit: usize,
    ) -> Result<Vec<HazardEvent>> {
        let from = record_key(org, p, b'e', &[hazard.as_bytes(), &offset.to_be_bytes()]);
        let prefix = record_key(org, p, b'e', &[hazard.as_bytes()]);
        let mut out = Vec::new();
        for item in self.views.range(from..) {
            let (k, v) = item?;
            if !k.starts_with(&prefix) || out.len() == limit {
                break;
            }
            out.push(decode("hazard event", &v)?);
        }
        Ok(out)
    }

    /// Up to `limit` ids of findings merged into `carrier`.
    pub fn merged_into(
        &self,
        org: OrgId,
        p: &Partition,
        carrier: HazardId,
        limit: usize,
    ) -> Result<Vec<HazardId>> {
        let mut out = Vec::new();
        for item in self.views.scan_prefix(record_key(org, p, b'a', &[])) {
            let (k, v) = item?;
            if out.len() == limit {
                break;
            }
            if v.as_ref() == carrier.as_bytes() {
                out.push(id_at_end(&k)?);
            }
        }
        Ok(out)
    }

    /// A venue's inspections `offset..offset + limit`, newest first (by when they finished).
    pub fn venue_inspections(
        &self,
        org: OrgId,
        p: &Partition,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Inspection>> {
        let mut out = Vec::new();
        let keys = self
            .views
            .scan_prefix(record_key(org, p, b't', &[]))
            .keys()
            .rev()
            .skip(offset)
            .take(limit);
        for k in keys {
            let id: InspectionId = id_at_end(&k?)?;
            let k = record_key(org, p, b'i', &[id.as_bytes()]);
            match self.views.get(&k)? {
                Some(v) => out.push(decode("inspection", &v)?),
                None => {
                    return Err(StoreError::Corrupt {
                        what: "inspection index",
                        message: format!("names inspection {id}, which is not stored"),
                    })
                }
            }
        }
        Ok(out)
    }

    /// Every inspection of a venue as stored (when it finished, the campaign it names): a
    /// scan of its time index, for computing a campaign's coverage afresh.
    pub fn inspection_times(
        &self,
        org: OrgId,
        p: &Partition,
    ) -> Result<Vec<(Timestamp, Option<CampaignId>)>> {
        let prefix = record_key(org, p, b't', &[]);
        self.views
            .scan_prefix(&prefix)
            .map(|item| {
                let (k, v) = item?;
                time_entry(&k, prefix.len(), &v)
            })
            .collect()
    }

    /// Partitions that could not be folded.
    pub fn failures(&self, org: OrgId) -> Result<Vec<(Partition, PartitionFailure)>> {
        let prefix = key(b'F', &[org.as_bytes()]);
        let mut out = Vec::new();
        for item in self.views.scan_prefix(&prefix) {
            let (k, v) = item?;
            // `scan_prefix` yields only keys that start with `prefix`: the slice is in range.
            let p = Partition::from_key(&k[prefix.len()..]).ok_or(StoreError::Corrupt {
                what: "partition failure",
                message: format!("{} bytes of key", k.len()),
            })?;
            out.push((p, decode("partition failure", &v)?));
        }
        Ok(out)
    }

    /// Whether a partition is marked as failed.
    pub fn failed(&self, org: OrgId, p: &Partition) -> Result<Option<PartitionFailure>> {
        self.views
            .get(key(b'F', &[org.as_bytes(), &p.to_key()]))?
            .map(|v| decode("partition failure", &v))
            .transpose()
    }

    /// An empty batch of view writes for `org`.
    pub fn view_batch(&self, org: OrgId) -> ViewBatch {
        ViewBatch {
            org,
            batch: Writes::default(),
            counts: BTreeMap::new(),
        }
    }

    /// Write a batch of view updates and the new watermark, atomically.
    pub fn write_view_batch(&self, views: ViewBatch, watermark: u64) -> Result<()> {
        let ViewBatch {
            org,
            mut batch,
            counts,
        } = views;
        self.settle_counts(counts, &mut batch)?;
        batch.insert(key(b'W', &[org.as_bytes()]), watermark.to_be_bytes());
        self.views.apply_batch(batch.into_batch())?;
        Ok(())
    }

    /// Drop every view of one organisation (before it is folded again from the log). Every
    /// view key is a kind byte followed by the organisation's id.
    pub fn clear_org_views(&self, org: OrgId) -> Result<()> {
        for kind in VIEW_KINDS.bytes() {
            let mut batch = kv::Batch::default();
            for k in self.views.scan_prefix(key(kind, &[org.as_bytes()])).keys() {
                batch.remove(k?);
            }
            self.views.apply_batch(batch)?;
        }
        self.views_db.flush()?;
        Ok(())
    }

    /// Drop every view (before a rebuild from the log).
    pub fn clear_views(&self) -> Result<()> {
        self.views.clear()?;
        self.views_db.flush()?;
        Ok(())
    }

    /// An organisation's views as stored — states, records, indexes, counts, watermark —
    /// but the partition index, which is cut by view batch and so differs between a live run
    /// and a rebuild (what it lists is compared with `partition_seqs`). For tests.
    pub fn views_entries(&self, org: OrgId) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        for kind in VIEW_KINDS.bytes().filter(|k| *k != b'I') {
            for item in self.views.scan_prefix(key(kind, &[org.as_bytes()])) {
                let (k, v) = item?;
                out.push((k.to_vec(), v.to_vec()));
            }
        }
        Ok(out)
    }

    /// A digest of [`Self::views_entries`], for tests that prove live views equal a rebuild.
    pub fn views_digest(&self, org: OrgId) -> Result<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for (k, v) in self.views_entries(org)? {
            h.update((k.len() as u64).to_be_bytes());
            h.update(&k);
            h.update((v.len() as u64).to_be_bytes());
            h.update(&v);
        }
        Ok(hex::encode(h.finalize()))
    }

    /// Whether an op of `org` refers to this attachment (who may download it).
    pub fn org_refers_to(&self, org: OrgId, hash: &BlobHash) -> Result<bool> {
        self.views
            .contains_key(key(b'B', &[org.as_bytes(), &hash.0]))
    }
}
