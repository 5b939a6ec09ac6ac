//! The server's storage: the only module that touches sled.
//!
//! Two sled databases in the data dir: `db/` holds the op log and the accounts, `views/` the
//! derived views. The sequencer flushes `db/` before every acknowledgment; the view updater
//! flushes `views/` after each batch it writes, so the acknowledgment path never writes out
//! view data, and the views (rewritten far more often than the log) get a small page cache
//! of their own ([`VIEWS_CACHE_BYTES`]).
//!
//! Three trees, each written only in atomic batches:
//! - `ops` (in `db/`) — the op log and what de-duplicates it, in one tree so one batch covers both:
//!   - `L | org | first seq` → a log record: up to [`RECORD_ENTRIES`] consecutive
//!     [`LogEntry`]s of one organisation. Keyed so an organisation's pull is a range scan that
//!     never touches another organisation's ops; one record per organisation per group
//!     commit (not one per op), since the number of sled writes per op on the ack path is
//!     what decides throughput;
//!   - `R | device | first device_seq` → [`Run`]: which sequence numbers a device's ops got,
//!     one record per device per commit (not per op), used to answer replays.
//! - `views` (in `views/`) — derived state, rebuildable from the log at any time:
//!   - `S | org | partition` → the folded [`PartitionState`];
//!   - `I | org | partition | first seq` → the partition's sequence numbers (u64 BE each,
//!     ascending) among one view batch's ops, for re-folds and full inspection records: one
//!     entry per partition per view batch, not one per op;
//!   - `W | org` → the highest sequence number the views cover (the watermark), written in
//!     the same batch as the states it describes, so after a crash the views are those of
//!     some earlier watermark and the updater folds on from there.
//! - `accounts` (in `db/`) — `O | org` → org, `U | username` → user with password hash,
//!   `D | device` → device, `T | sha256(refresh token)` → refresh token record.
//!
//! - `views` also holds `B | org | sha256` → (): which attachments an organisation's ops refer
//!   to (who may download them).
//!
//! Attachments themselves are files under `blobs/` in the data dir, named by their SHA-256;
//! uploads in progress grow under `blobs/partial/` and are moved into place only after their
//! hash is verified and the file is synced.
//!
//! The op log is the source of truth; `commit` returns only after the batch is flushed.
//! Reads of the log (`entries_after`: pulls and view updates) stop at the last entry known to
//! be flushed: sled applies a batch in memory before the flush, so an entry whose flush failed
//! (a full or failing disk) or is still under way is never served.

use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use firecheck_shared::codec::{decode_unframed, encode_unframed};
use firecheck_shared::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored record is unreadable ({what}): {message}")]
    Corrupt { what: &'static str, message: String },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One stored op with the server's own receive time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub received_ms: i64,
    pub op: Op,
}

/// Consecutive `device_seq`s of one device that got consecutive sequence numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub org: OrgId,
    pub first_seq: u64,
    pub count: u64,
}

/// What the sequencer commits at once: new log entries and the runs that index them.
#[derive(Debug, Default)]
pub struct CommitBatch {
    pub entries: Vec<(OrgId, u64, LogEntry)>,
    pub runs: Vec<(DeviceId, u64, Run)>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub id: DeviceId,
    pub org: OrgId,
    pub user: UserId,
    pub name: String,
    pub registered_ms: i64,
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub username: String,
    pub device: DeviceId,
    pub expires_ms: i64,
    /// Set once the token was exchanged; presenting it again means it leaked.
    pub used: bool,
}

fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

fn log_key(org: OrgId, seq: u64) -> Vec<u8> {
    key(b'L', &[org.as_bytes(), &seq.to_be_bytes()])
}

/// Most log entries in one record.
pub const RECORD_ENTRIES: usize = 512;

/// A log record: a count (u32 LE), the end offset of each entry's bytes (u32 LE each), then
/// the entries (each `encode_unframed(LogEntry)`), so one entry is read without decoding
/// its neighbours.
fn encode_record(entries: &[&LogEntry]) -> Vec<u8> {
    let encoded: Vec<Vec<u8>> = entries.iter().map(|e| encode_unframed(*e)).collect();
    let data: usize = encoded.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(4 + 4 * encoded.len() + data);
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    let mut end = 0u32;
    for e in &encoded {
        end += e.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for e in &encoded {
        out.extend_from_slice(e);
    }
    out
}

fn corrupt(message: &str) -> StoreError {
    StoreError::Corrupt {
        what: "log record",
        message: message.to_string(),
    }
}

fn record_len(bytes: &[u8]) -> Result<usize> {
    let head: [u8; 4] = bytes
        .get(..4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| corrupt("too short"))?;
    let n = u32::from_le_bytes(head) as usize;
    if bytes.len() < 4 + 4 * n {
        return Err(corrupt("offset table cut short"));
    }
    Ok(n)
}

fn record_entry(bytes: &[u8], i: usize) -> Result<LogEntry> {
    let n = record_len(bytes)?;
    let offset = |j: usize| -> usize {
        let at = 4 + 4 * j;
        u32::from_le_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) as usize
    };
    let data = 4 + 4 * n;
    let start = if i == 0 { 0 } else { offset(i - 1) };
    let end = offset(i);
    let slice = bytes
        .get(data + start..data + end)
        .ok_or_else(|| corrupt("entry outside the record"))?;
    decode("log entry", slice)
}

fn seq_of(key: &[u8]) -> u64 {
    let tail: [u8; 8] = key[key.len() - 8..]
        .try_into()
        .expect("keys end with a u64");
    u64::from_be_bytes(tail)
}

fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T> {
    decode_unframed(bytes).map_err(|e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    })
}

/// Most bytes of sled page cache the views' database gets (less when the server's whole cache
/// is smaller).
pub const VIEWS_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Open one sled database. sled releases its file lock a moment after the last handle is
/// dropped (its background I/O threads finish on their own), so a reopen right after a
/// clean stop — a restart in-process, `rebuild` after `serve` — waits for it a little.
fn open_db(path: &Path, cache_bytes: u64) -> Result<sled::Db> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    loop {
        match sled::Config::new()
            .path(path)
            .cache_capacity(cache_bytes)
            .mode(sled::Mode::HighThroughput)
            .open()
        {
            Ok(db) => return Ok(db),
            Err(sled::Error::Io(e))
                if (e.kind() == std::io::ErrorKind::WouldBlock
                    || e.to_string().contains("could not acquire lock"))
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The sled databases behind the server: the log's (`db/`: log, runs, accounts) and the
/// views' (`views/`), so the sequencer's flush on the acknowledgment path writes only the
/// log, and the views get a page cache of their own.
#[derive(Clone, Debug)]
pub struct Store {
    db: sled::Db,
    views_db: sled::Db,
    ops: sled::Tree,
    views: sled::Tree,
    accounts: sled::Tree,
    blobs: PathBuf,
    /// Per organisation, the highest sequence number known to be flushed to disk.
    durable: Arc<Mutex<HashMap<OrgId, u64>>>,
    /// A commit failed after its batch may have reached sled's memory; the next successful
    /// flush makes those entries durable as well, so `durable` is reloaded then.
    durable_stale: Arc<AtomicBool>,
}

/// View updates of one organisation being gathered for one atomic write
/// ([`Store::write_view_batch`]). States are encoded as they are added, so the caller need
/// not keep them.
pub struct ViewBatch {
    org: OrgId,
    batch: sled::Batch,
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
            key(b'S', &[self.org.as_bytes(), &state.partition.to_key()]),
            encode_unframed(state),
        );
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
}

/// Why an upload chunk was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the upload continues at byte {have}, not {offset}")]
    WrongOffset { have: u64, offset: u64 },
    #[error("the bytes do not match their name: they hash to {actual}")]
    HashMismatch { actual: String },
    #[error("attachment storage: {0}")]
    Io(#[from] std::io::Error),
}

/// How far an upload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobState {
    Missing,
    Partial(u64),
    Complete(u64),
}

impl Store {
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self> {
        let db = open_db(&dir.join("db"), cache_bytes)?;
        let views_db = open_db(&dir.join("views"), cache_bytes.min(VIEWS_CACHE_BYTES))?;
        // Data dirs from before the views had their own database keep them in the log's:
        // drop them there (the views database starts empty, so the updater folds the log).
        if db.tree_names().iter().any(|n| &n[..] == b"views") {
            db.drop_tree("views")?;
            db.flush()?;
        }
        let blobs = dir.join("blobs");
        std::fs::create_dir_all(blobs.join("partial"))
            .map_err(|e| StoreError::Sled(sled::Error::Io(e)))?;
        let store = Self {
            ops: db.open_tree("ops")?,
            views: views_db.open_tree("views")?,
            accounts: db.open_tree("accounts")?,
            db,
            views_db,
            blobs,
            durable: Arc::default(),
            durable_stale: Arc::default(),
        };
        // Everything found on disk at start-up is durable.
        store.reload_durable_heads()?;
        Ok(store)
    }

    fn durable_heads(&self) -> std::sync::MutexGuard<'_, HashMap<OrgId, u64>> {
        self.durable.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Take every organisation's last stored sequence number as durable (only when
    /// everything in memory is known to be flushed).
    fn reload_durable_heads(&self) -> Result<()> {
        let mut heads = HashMap::new();
        for org in self.orgs()? {
            heads.insert(org.id, self.last_seq(org.id)?);
        }
        *self.durable_heads() = heads;
        Ok(())
    }

    /// The highest sequence number of `org` known to be on disk (0 when none).
    pub fn durable_seq(&self, org: OrgId) -> u64 {
        self.durable_heads().get(&org).copied().unwrap_or(0)
    }

    /// Flush both databases.
    pub fn flush(&self) -> Result<()> {
        self.db.flush()?;
        self.views_db.flush()?;
        Ok(())
    }

    /// Flush the views' database (the view updater, after each batch it wrote). Not needed
    /// for consistency — a view batch is atomic and carries its watermark, and views behind
    /// the log heal at start-up — but it keeps the healing short.
    pub fn flush_views(&self) -> Result<()> {
        self.views_db.flush()?;
        Ok(())
    }

    // ---- the op log -------------------------------------------------------------------

    /// Write log entries and their runs in one atomic batch and flush it to disk.
    /// Only after this returns may the ops be acknowledged. Consecutive entries of one
    /// organisation share a record.
    pub fn commit(&self, batch: &CommitBatch) -> Result<()> {
        let mut b = sled::Batch::default();
        let mut start = 0;
        while start < batch.entries.len() {
            let (org, first, _) = &batch.entries[start];
            let mut end = start + 1;
            while end < batch.entries.len()
                && end - start < RECORD_ENTRIES
                && batch.entries[end].0 == *org
                && batch.entries[end].1 == first + (end - start) as u64
            {
                end += 1;
            }
            let entries: Vec<&LogEntry> = batch.entries[start..end]
                .iter()
                .map(|(_, _, e)| e)
                .collect();
            b.insert(log_key(*org, *first), encode_record(&entries));
            start = end;
        }
        for (device, first_dseq, run) in &batch.runs {
            b.insert(
                key(b'R', &[device.as_bytes(), &first_dseq.to_be_bytes()]),
                encode_unframed(run),
            );
        }
        let written = self
            .ops
            .apply_batch(b)
            .and_then(|()| self.db.flush().map(|_| ()));
        if let Err(e) = written {
            // The batch may sit in sled's memory without being on disk: it must not be
            // served (see `entries_after`) unless a later flush succeeds.
            self.durable_stale.store(true, Ordering::SeqCst);
            return Err(e.into());
        }
        if self.durable_stale.load(Ordering::SeqCst) {
            self.reload_durable_heads()?;
            self.durable_stale.store(false, Ordering::SeqCst);
        }
        let mut heads = self.durable_heads();
        for (org, seq, _) in &batch.entries {
            let h = heads.entry(*org).or_default();
            *h = (*h).max(*seq);
        }
        Ok(())
    }

    /// The record holding `seq` (or the last one before it): its first seq and bytes.
    fn record_at(&self, org: OrgId, seq: u64) -> Result<Option<(u64, sled::IVec)>> {
        let lo = log_key(org, 0);
        let hi = log_key(org, seq);
        match self.ops.range(lo..=hi).next_back() {
            Some(item) => {
                let (k, v) = item?;
                Ok(Some((seq_of(&k), v)))
            }
            None => Ok(None),
        }
    }

    /// The highest sequence number stored for `org` (0 when none).
    pub fn last_seq(&self, org: OrgId) -> Result<u64> {
        match self.record_at(org, u64::MAX)? {
            Some((first, bytes)) => Ok(first + record_len(&bytes)? as u64 - 1),
            None => Ok(0),
        }
    }

    pub fn entry(&self, org: OrgId, seq: u64) -> Result<Option<LogEntry>> {
        let Some((first, bytes)) = self.record_at(org, seq)? else {
            return Ok(None);
        };
        let i = (seq - first) as usize;
        if i >= record_len(&bytes)? {
            return Ok(None);
        }
        record_entry(&bytes, i).map(Some)
    }

    /// Up to `limit` entries of `org` after `cursor`, and whether more follow — only entries
    /// known to be flushed ([`Store::durable_seq`]): a device that pulled an entry the disk
    /// never got would skip, after a restart, the different op that takes its sequence number.
    pub fn entries_after(
        &self,
        org: OrgId,
        cursor: u64,
        limit: usize,
    ) -> Result<(Vec<(u64, LogEntry)>, bool)> {
        let head = self.durable_seq(org);
        if cursor >= head {
            return Ok((Vec::new(), false));
        }
        let from = cursor + 1;
        let start = match self.record_at(org, from)? {
            Some((first, _)) => log_key(org, first),
            None => log_key(org, from),
        };
        let end = log_key(org, head);
        let mut out = Vec::with_capacity(limit.min(4096));
        for item in self.ops.range(start..=end) {
            let (k, v) = item?;
            let first = seq_of(&k);
            let len = record_len(&v)?;
            for i in 0..len {
                let seq = first + i as u64;
                if seq < from {
                    continue;
                }
                if seq > head {
                    return Ok((out, false));
                }
                if out.len() == limit {
                    return Ok((out, true));
                }
                out.push((seq, record_entry(&v, i)?));
            }
        }
        Ok((out, false))
    }

    /// Where a device's op at `device_seq` was stored: its sequence number and op id.
    pub fn find_device_op(&self, device: DeviceId, device_seq: u64) -> Result<Option<(u64, OpId)>> {
        let lo = key(b'R', &[device.as_bytes(), &0u64.to_be_bytes()]);
        let hi = key(b'R', &[device.as_bytes(), &device_seq.to_be_bytes()]);
        let Some(item) = self.ops.range(lo..=hi).next_back() else {
            return Ok(None);
        };
        let (k, v) = item?;
        let first_dseq = seq_of(&k);
        let run: Run = decode("device run", &v)?;
        // Written so a run ending at u64::MAX cannot overflow (device_seq ≥ first_dseq here).
        if device_seq - first_dseq >= run.count {
            return Ok(None);
        }
        let seq = run.first_seq + (device_seq - first_dseq);
        let entry = self.entry(run.org, seq)?.ok_or(StoreError::Corrupt {
            what: "device run",
            message: format!("run points at missing log entry {seq}"),
        })?;
        Ok(Some((seq, entry.op.op_id)))
    }

    /// The highest `device_seq` stored for a device (0 when none).
    pub fn last_device_seq(&self, device: DeviceId) -> Result<u64> {
        let prefix = key(b'R', &[device.as_bytes()]);
        let Some(item) = self.ops.scan_prefix(&prefix).next_back() else {
            return Ok(0);
        };
        let (k, v) = item?;
        let run: Run = decode("device run", &v)?;
        Ok(seq_of(&k) + (run.count - 1))
    }

    /// Every organisation that has ops, with its last sequence number.
    pub fn log_heads(&self) -> Result<Vec<(OrgId, u64)>> {
        let mut out = Vec::new();
        for org in self.orgs()? {
            let last = self.last_seq(org.id)?;
            if last > 0 {
                out.push((org.id, last));
            }
        }
        Ok(out)
    }

    /// A digest of the whole log (for tests that prove bad input changed nothing).
    pub fn log_digest(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        for item in self.ops.iter() {
            let (k, v) = item?;
            h.update((k.len() as u64).to_be_bytes());
            h.update(&k);
            h.update((v.len() as u64).to_be_bytes());
            h.update(&v);
        }
        Ok(hex::encode(h.finalize()))
    }

    // ---- views ------------------------------------------------------------------------

    pub fn view_watermark(&self, org: OrgId) -> Result<u64> {
        Ok(self
            .views
            .get(key(b'W', &[org.as_bytes()]))?
            .map(|v| seq_of(&v))
            .unwrap_or(0))
    }

    pub fn partition_state(
        &self,
        org: OrgId,
        partition: &Partition,
    ) -> Result<Option<PartitionState>> {
        self.views
            .get(key(b'S', &[org.as_bytes(), &partition.to_key()]))?
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
                seqs.push(seq_of(&k));
                continue;
            }
            if v.len() % 8 != 0 {
                return Err(StoreError::Corrupt {
                    what: "partition index",
                    message: format!("{} bytes is not a list of sequence numbers", v.len()),
                });
            }
            seqs.extend(
                v.chunks_exact(8)
                    .map(|c| u64::from_be_bytes(c.try_into().expect("8 bytes"))),
            );
        }
        Ok(seqs)
    }

    /// An empty batch of view writes for `org`.
    pub fn view_batch(&self, org: OrgId) -> ViewBatch {
        ViewBatch {
            org,
            batch: sled::Batch::default(),
        }
    }

    /// Write a batch of view updates and the new watermark, atomically.
    pub fn write_view_batch(&self, views: ViewBatch, watermark: u64) -> Result<()> {
        let ViewBatch { org, mut batch } = views;
        batch.insert(key(b'W', &[org.as_bytes()]), &watermark.to_be_bytes());
        self.views.apply_batch(batch)?;
        Ok(())
    }

    /// Drop every view (before a rebuild from the log).
    pub fn clear_views(&self) -> Result<()> {
        self.views.clear()?;
        self.views_db.flush()?;
        Ok(())
    }

    /// Whether an op of `org` refers to this attachment (who may download it).
    pub fn org_refers_to(&self, org: OrgId, hash: &BlobHash) -> Result<bool> {
        Ok(self
            .views
            .contains_key(key(b'B', &[org.as_bytes(), &hash.0]))?)
    }

    // ---- attachments --------------------------------------------------------------------

    fn blob_path(&self, hash: &BlobHash) -> PathBuf {
        self.blobs.join(hash.to_hex())
    }

    fn partial_path(&self, hash: &BlobHash) -> PathBuf {
        self.blobs.join("partial").join(hash.to_hex())
    }

    pub fn blob_state(&self, hash: &BlobHash) -> std::io::Result<BlobState> {
        if let Ok(m) = std::fs::metadata(self.blob_path(hash)) {
            return Ok(BlobState::Complete(m.len()));
        }
        match std::fs::metadata(self.partial_path(hash)) {
            Ok(m) => Ok(BlobState::Partial(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BlobState::Missing),
            Err(e) => Err(e),
        }
    }

    /// Append `bytes` at `offset` of an upload (offset 0 starts it over); when the upload
    /// reaches `total`, verify its hash and move it into place. Returns the new state.
    pub fn blob_append(
        &self,
        hash: &BlobHash,
        offset: u64,
        bytes: &[u8],
        total: u64,
    ) -> Result<BlobState, BlobError> {
        if let BlobState::Complete(n) = self.blob_state(hash)? {
            return Ok(BlobState::Complete(n));
        }
        let path = self.partial_path(hash);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        let have = f.metadata()?.len();
        if offset == 0 {
            f.set_len(0)?;
        } else if offset != have {
            return Err(BlobError::WrongOffset { have, offset });
        }
        f.seek(std::io::SeekFrom::Start(offset))?;
        f.write_all(bytes)?;
        let len = offset + bytes.len() as u64;
        if len < total {
            f.sync_data()?;
            return Ok(BlobState::Partial(len));
        }
        f.seek(std::io::SeekFrom::Start(0))?;
        let mut all = Vec::with_capacity(len as usize);
        f.read_to_end(&mut all)?;
        let actual = BlobHash::of(&all);
        if &actual != hash {
            drop(f);
            std::fs::remove_file(&path)?;
            return Err(BlobError::HashMismatch {
                actual: actual.to_hex(),
            });
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&path, self.blob_path(hash))?;
        if let Ok(dir) = std::fs::File::open(&self.blobs) {
            let _ = dir.sync_all();
        }
        Ok(BlobState::Complete(len))
    }

    /// A complete attachment's bytes.
    pub fn blob(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.blob_path(hash)) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Complete attachments: how many, and their bytes.
    pub fn blob_usage(&self) -> std::io::Result<(u64, u64)> {
        let (mut n, mut bytes) = (0, 0);
        for e in std::fs::read_dir(&self.blobs)? {
            let e = e?;
            let m = e.metadata()?;
            if m.is_file() {
                n += 1;
                bytes += m.len();
            }
        }
        Ok((n, bytes))
    }

    // ---- accounts ---------------------------------------------------------------------

    fn put<T: Serialize>(&self, k: Vec<u8>, v: &T) -> Result<()> {
        self.accounts.insert(k, encode_unframed(v))?;
        self.db.flush()?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(&self, what: &'static str, k: Vec<u8>) -> Result<Option<T>> {
        self.accounts.get(k)?.map(|v| decode(what, &v)).transpose()
    }

    pub fn put_org(&self, org: &Org) -> Result<()> {
        self.put(key(b'O', &[org.id.as_bytes()]), org)
    }

    pub fn org(&self, id: OrgId) -> Result<Option<Org>> {
        self.get("org", key(b'O', &[id.as_bytes()]))
    }

    pub fn orgs(&self) -> Result<Vec<Org>> {
        self.accounts
            .scan_prefix([b'O'])
            .values()
            .map(|v| decode("org", &v?))
            .collect()
    }

    /// Insert a user unless the username is taken; returns whether it was inserted.
    pub fn insert_user(&self, rec: &UserRecord) -> Result<bool> {
        let k = key(b'U', &[rec.user.username.as_bytes()]);
        let inserted = self
            .accounts
            .compare_and_swap(k, None as Option<&[u8]>, Some(encode_unframed(rec)))?
            .is_ok();
        self.db.flush()?;
        Ok(inserted)
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        self.get("user", key(b'U', &[username.as_bytes()]))
    }

    pub fn users(&self) -> Result<Vec<UserRecord>> {
        self.accounts
            .scan_prefix([b'U'])
            .values()
            .map(|v| decode("user", &v?))
            .collect()
    }

    pub fn put_device(&self, d: &DeviceRecord) -> Result<()> {
        self.put(key(b'D', &[d.id.as_bytes()]), d)
    }

    pub fn device(&self, id: DeviceId) -> Result<Option<DeviceRecord>> {
        self.get("device", key(b'D', &[id.as_bytes()]))
    }

    pub fn devices(&self) -> Result<Vec<DeviceRecord>> {
        self.accounts
            .scan_prefix([b'D'])
            .values()
            .map(|v| decode("device", &v?))
            .collect()
    }

    pub fn put_refresh(&self, hash: &[u8; 32], r: &RefreshRecord) -> Result<()> {
        self.put(key(b'T', &[hash]), r)
    }

    pub fn refresh(&self, hash: &[u8; 32]) -> Result<Option<RefreshRecord>> {
        self.get("refresh token", key(b'T', &[hash]))
    }

    /// Mark an unused refresh token (as read: `r`) used, atomically. `false` when another
    /// exchange got there first (or it was dropped), so one token can never be exchanged twice.
    pub fn claim_refresh(&self, hash: &[u8; 32], r: &RefreshRecord) -> Result<bool> {
        let unused = RefreshRecord {
            used: false,
            ..r.clone()
        };
        let used = RefreshRecord {
            used: true,
            ..r.clone()
        };
        let won = self
            .accounts
            .compare_and_swap(
                key(b'T', &[hash]),
                Some(encode_unframed(&unused)),
                Some(encode_unframed(&used)),
            )?
            .is_ok();
        self.db.flush()?;
        Ok(won)
    }

    /// Forget every refresh token of a device (revocation, or a replayed token).
    pub fn drop_refresh_for_device(&self, device: DeviceId) -> Result<usize> {
        let mut b = sled::Batch::default();
        let mut n = 0;
        for item in self.accounts.scan_prefix([b'T']) {
            let (k, v) = item?;
            let r: RefreshRecord = decode("refresh token", &v)?;
            if r.device == device {
                b.remove(k);
                n += 1;
            }
        }
        self.accounts.apply_batch(b)?;
        self.db.flush()?;
        Ok(n)
    }

    /// Bytes the database takes on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()? + self.views_db.size_on_disk()?)
    }
}
