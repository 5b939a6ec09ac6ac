//! The device's local replica: the only module of the client that touches sled.
//!
//! Trees:
//! - `parts`: `partition` → every op this device knows in that partition (its own and
//!   pulled), sorted by op key without duplicates, as one record. A late op re-folds only
//!   its partition, from this record; one record per partition (not per op) keeps a large
//!   pull to a few thousand sled writes.
//! - `states`: `partition` → the partition [`Folded`]: its bounded state and its records
//!   (the same fold as the server's, through the same merge step in `shared`).
//! - `outbox`: `device_seq` → [`OutboxEntry`]: each op this device made and where it stands
//!   (queued → sent → acked, or rejected with the server's reason).
//! - `meta`: device id, next `device_seq`, HLC, pull cursor, login, last sync.
//! - `blobs`: `sha256` → [`BlobEntry`]: attachments this device holds and whether the
//!   server has them yet. The bytes are files under `blobs/` in the home dir, copied in when
//!   the op is recorded (so the original photo may be deleted).
//!
//! During a long pull the merged partitions and the pull cursor are held in memory and
//! written back together — at the end, when the held ops pass [`HELD_OPS_MAX`], and at least
//! every [`HELD_FOR_MAX`]. A crash in between loses only pulled ops, never typed ones: the
//! stored cursor still points before them, and the next sync pulls them again (merging is
//! idempotent — ops are a set).
//!
//! Every change is one atomic batch per tree, flushed before the call returns: an op an
//! inspector typed is on disk before the command says "saved".

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use firecheck_shared::codec::{decode_unframed, encode_unframed};
use firecheck_shared::sync::RejectCode;
use firecheck_shared::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum ReplicaError {
    #[error("local storage error in {path}: {source}")]
    Sled { path: String, source: sled::Error },
    #[error("local data is unreadable ({0}); the replica may be from a newer firecheck")]
    Corrupt(String),
    #[error("{0} is already open by another firecheck command; wait for it to finish")]
    Locked(String),
    #[error("the local data is in format {found}, newer than this firecheck knows ({known}); install the newer firecheck that wrote it")]
    TooNew { found: u32, known: u32 },
}

/// The replica's storage format, recorded in `meta` as `format`. Older replicas are
/// migrated when opened (see [`LocalReplica::open`]); a newer one is refused.
///
/// 1. `parts` (ops per partition) and `states` (one `PartitionState` per partition, with
///    every inspection and every hazard's history inside).
/// 2. `states` hold [`Folded`]: the bounded state and its records apart.
pub const FORMAT: u32 = 2;

pub type Result<T, E = ReplicaError> = std::result::Result<T, E>;

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

/// The logged-in session. Tokens stay on the device only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub server: String,
    pub user: User,
    pub org: Org,
    pub access_token: String,
    pub access_expires_ms: i64,
    pub refresh_token: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("server", &self.server)
            .field("user", &self.user.username)
            .field("tokens", &"<redacted>")
            .finish()
    }
}

/// What the last sync found out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMark {
    pub at_ms: i64,
    pub clock_warning: Option<String>,
}

/// An attachment held on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub hash: BlobHash,
    pub size: u64,
    pub media_type: String,
    /// The server holds it (verified).
    pub uploaded: bool,
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

#[derive(Clone, Debug)]
pub struct LocalReplica {
    db: sled::Db,
    parts: sled::Tree,
    states: sled::Tree,
    outbox: sled::Tree,
    meta: sled::Tree,
    blobs: sled::Tree,
    blob_dir: std::path::PathBuf,
    /// During a long pull (between [`Self::begin_bulk`] and [`Self::end_bulk`]): what is
    /// merged but not yet written back.
    write_back: std::sync::Arc<std::sync::Mutex<Option<Bulk>>>,
}

/// A long pull's merged partitions and cursor, held in memory.
#[derive(Debug)]
struct Bulk {
    held: Held,
    /// The cursor after the last page merged into `held`.
    cursor: Option<u64>,
    since: std::time::Instant,
}

impl Bulk {
    fn new() -> Self {
        Self {
            held: Held::new(),
            cursor: None,
            since: std::time::Instant::now(),
        }
    }
}

/// Partitions merged in memory and not yet written to `parts` / `states`.
type Held = BTreeMap<Partition, Merged>;

/// A partition's key, its encoded ops and its encoded state.
type Encoded = ([u8; 17], Vec<u8>, Vec<u8>);

/// Held partitions beyond this many ops are written back in the middle of a pull, so a
/// pull of any size runs in bounded memory.
pub const HELD_OPS_MAX: usize = 200_000;

/// The longest a pull holds merged pages before writing them back: what a crash can make a
/// slow pull fetch again.
pub const HELD_FOR_MAX: std::time::Duration = std::time::Duration::from_secs(30);

/// One partition's ops and folded state while ops are merged into it.
#[derive(Debug)]
struct Merged {
    /// Sorted by op key, no duplicates.
    ops: Vec<Op>,
    folded: Folded,
    /// An op arrived before ops already applied: `folded` must be re-folded from `ops`.
    refold: bool,
}

impl Merged {
    /// Add `new` (sorted by key, no duplicates) to the set; returns how many were new.
    ///
    /// This is `shared`'s merge step ([`firecheck_shared::merge::merge`]) taken in its two
    /// halves: ops that sort after everything are appended at once; a late op only marks the
    /// partition for re-folding, which [`Self::settle`] does once, however many late pages
    /// a pull brings.
    fn merge(&mut self, new: Vec<Op>) -> usize {
        let fresh: Vec<Op> = new
            .into_iter()
            .filter(|op| {
                let k = op.key();
                self.ops.binary_search_by(|o| o.key().cmp(&k)).is_err()
            })
            .collect();
        let added = fresh.len();
        let appended = !self.refold && self.folded.append(&fresh);
        let sorted = self
            .ops
            .last()
            .zip(fresh.first())
            .is_none_or(|(last, first)| first.key() > last.key());
        self.ops.extend(fresh);
        if !sorted {
            self.ops.sort_by_key(Op::key);
        }
        if !appended {
            self.refold = true;
        }
        added
    }

    /// The state, re-folded if a late op came in.
    fn settle(&mut self) {
        if self.refold {
            self.folded = Folded::fold(self.folded.state.partition, self.ops.iter());
            self.refold = false;
        }
    }
}

/// `ops` grouped by partition, each group sorted by key without duplicates.
fn by_partition(ops: &[Op]) -> BTreeMap<Partition, Vec<Op>> {
    let mut out: BTreeMap<Partition, Vec<Op>> = BTreeMap::new();
    for op in ops {
        out.entry(op.partition()).or_default().push(op.clone());
    }
    for list in out.values_mut() {
        list.sort_by_key(Op::key);
        list.dedup_by_key(|o| o.key());
    }
    out
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    decode_unframed(bytes).map_err(|e| ReplicaError::Corrupt(e.to_string()))
}

impl LocalReplica {
    pub fn open(home: &Path) -> Result<Self> {
        let path = home.join("replica");
        let sled_err = |source| ReplicaError::Sled {
            path: path.display().to_string(),
            source,
        };
        // The lock outlives a closed replica by a moment (sled finishes its background I/O
        // on its own threads), and a command may be just finishing: wait a little first.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
        let db = loop {
            match sled::Config::new()
                .path(&path)
                .cache_capacity(32 * 1024 * 1024)
                .open()
            {
                Ok(db) => break db,
                Err(sled::Error::Io(e))
                    if e.kind() == std::io::ErrorKind::WouldBlock
                        || e.to_string().contains("lock") =>
                {
                    if std::time::Instant::now() >= deadline {
                        return Err(ReplicaError::Locked(path.display().to_string()));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Err(e) => return Err(sled_err(e)),
            }
        };
        let replica = Self {
            parts: db.open_tree("parts").map_err(sled_err)?,
            states: db.open_tree("states").map_err(sled_err)?,
            outbox: db.open_tree("outbox").map_err(sled_err)?,
            meta: db.open_tree("meta").map_err(sled_err)?,
            blobs: db.open_tree("blobs").map_err(sled_err)?,
            blob_dir: home.join("blobs"),
            write_back: Default::default(),
            db,
        };
        replica.migrate()?;
        Ok(replica)
    }

    /// Bring an older replica to [`FORMAT`], in order: states folded by an older format are
    /// dropped (they are derived), per-op records are moved into partitions, and every
    /// partition whose state was dropped is folded again from its ops.
    fn migrate(&self) -> Result<()> {
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
        if found < 2 {
            self.states.clear().map_err(|e| self.err(e))?;
        }
        if self.db.tree_names().iter().any(|n| n.as_ref() == b"ops") {
            self.migrate_op_records()?;
        }
        if found < 2 {
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

    /// Start holding merged partitions and the cursor in memory for a long pull (see the
    /// module's notes).
    pub fn begin_bulk(&self) -> Result<()> {
        *self.write_back.lock().expect("write-back lock") = Some(Bulk::new());
        Ok(())
    }

    /// Write back what is held, with its cursor, and flush.
    pub fn end_bulk(&self) -> Result<()> {
        let bulk = self.write_back.lock().expect("write-back lock").take();
        if let Some(bulk) = bulk {
            self.write_back_bulk(bulk)?;
        }
        Ok(())
    }

    /// Store held partitions, then the cursor that covers them, and flush.
    fn write_back_bulk(&self, bulk: Bulk) -> Result<()> {
        self.write_back_held(bulk.held)?;
        if let Some(c) = bulk.cursor {
            self.meta
                .insert("cursor", encode_unframed(&c))
                .map_err(|e| self.err(e))?;
        }
        self.flush()
    }

    /// Merge `ops` into `held`, loading each partition from disk on first touch.
    /// Returns how many ops were new to this replica.
    fn merge_into(&self, held: &mut Held, ops: &[Op]) -> Result<usize> {
        let mut new = 0;
        for (p, list) in by_partition(ops) {
            let m = match held.entry(p) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => e.insert(self.load(p)?),
            };
            new += m.merge(list);
        }
        Ok(new)
    }

    /// A partition as stored.
    fn load(&self, p: Partition) -> Result<Merged> {
        let key = p.to_key();
        let ops: Vec<Op> = match self.parts.get(key).map_err(|e| self.err(e))? {
            Some(v) => decode(&v)?,
            None => Vec::new(),
        };
        let folded = match self.states.get(key).map_err(|e| self.err(e))? {
            Some(v) => decode(&v)?,
            None => Folded::new(p),
        };
        // A state that does not cover the stored ops (it cannot happen through this
        // module, but a state is cheap to rebuild) is re-folded rather than trusted.
        let refold = ops.last().map(Op::key) != folded.state.last;
        Ok(Merged {
            ops,
            folded,
            refold,
        })
    }

    /// Store merged partitions (ops and settled states), not flushed.
    fn write_back_held(&self, held: Held) -> Result<()> {
        // Settling and encoding are most of the work: spread them over the cores.
        let mut held: Vec<(Partition, Merged)> = held.into_iter().collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        let chunk = held.len().div_ceil(threads).max(1);
        let encoded: Vec<Vec<Encoded>> = std::thread::scope(|scope| {
            let workers: Vec<_> = held
                .chunks_mut(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter_mut()
                            .map(|(p, m)| {
                                m.settle();
                                (
                                    p.to_key(),
                                    encode_unframed(&m.ops),
                                    encode_unframed(&m.folded),
                                )
                            })
                            .collect()
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("encoding does not panic"))
                .collect()
        });
        let (mut parts, mut states) = (sled::Batch::default(), sled::Batch::default());
        for (key, ops, state) in encoded.into_iter().flatten() {
            parts.insert(&key, ops);
            states.insert(&key, state);
        }
        self.parts.apply_batch(parts).map_err(|e| self.err(e))?;
        self.states.apply_batch(states).map_err(|e| self.err(e))?;
        Ok(())
    }

    fn err(&self, source: sled::Error) -> ReplicaError {
        ReplicaError::Sled {
            path: "replica".into(),
            source,
        }
    }

    fn flush(&self) -> Result<()> {
        self.db.flush().map_err(|e| self.err(e))?;
        Ok(())
    }

    // ---- meta -------------------------------------------------------------------------

    fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.meta
            .get(key)
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    fn put_meta<T: Serialize>(&self, key: &str, v: &T) -> Result<()> {
        self.meta
            .insert(key, encode_unframed(v))
            .map_err(|e| self.err(e))?;
        self.flush()
    }

    /// This device's id, created on first use.
    pub fn device(&self) -> Result<DeviceId> {
        if let Some(d) = self.get_meta("device")? {
            return Ok(d);
        }
        let d = DeviceId::new();
        self.put_meta("device", &d)?;
        Ok(d)
    }

    pub fn login(&self) -> Result<Option<Login>> {
        self.get_meta("login")
    }

    pub fn set_login(&self, login: Option<&Login>) -> Result<()> {
        match login {
            Some(l) => self.put_meta("login", l),
            None => {
                self.meta.remove("login").map_err(|e| self.err(e))?;
                self.flush()
            }
        }
    }

    pub fn cursor(&self) -> Result<u64> {
        let held = self
            .write_back
            .lock()
            .expect("write-back lock")
            .as_ref()
            .and_then(|b| b.cursor);
        if let Some(c) = held {
            return Ok(c);
        }
        Ok(self.get_meta("cursor")?.unwrap_or(0))
    }

    pub fn last_sync(&self) -> Result<Option<SyncMark>> {
        self.get_meta("last_sync")
    }

    pub fn set_last_sync(&self, mark: &SyncMark) -> Result<()> {
        self.put_meta("last_sync", mark)
    }

    // ---- making ops -------------------------------------------------------------------

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

    /// Move the HLC past ops seen from others, so this device's next op orders after them.
    fn observe_clock(&self, ops: &[Op], now_ms: i64) -> Result<()> {
        let device = self.device()?;
        let mut clock: HlcClock = self
            .get_meta("hlc")?
            .unwrap_or_else(|| HlcClock::new(hlc::node_of(&device)));
        for op in ops {
            // A stamp too far ahead is not taken into the clock (the op is still kept).
            let _ = clock.receive(op.hlc, now_ms.max(0) as u64);
        }
        self.meta
            .insert("hlc", encode_unframed(&clock))
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    // ---- folding ----------------------------------------------------------------------

    /// Add ops to the set and bring their partitions up to date (not flushed). During a
    /// long pull the partitions stay in memory; otherwise they are written now.
    fn fold_in(&self, ops: &[Op]) -> Result<usize> {
        if let Some(bulk) = self.write_back.lock().expect("write-back lock").as_mut() {
            return self.merge_into(&mut bulk.held, ops);
        }
        let mut merged = Held::new();
        let new = self.merge_into(&mut merged, ops)?;
        self.write_back_held(merged)?;
        Ok(new)
    }

    /// One folded partition.
    pub fn partition(&self, p: &Partition) -> Result<Option<Folded>> {
        if let Some(m) = self
            .write_back
            .lock()
            .expect("write-back lock")
            .as_mut()
            .and_then(|b| b.held.get_mut(p))
        {
            m.settle();
            return Ok(Some(m.folded.clone()));
        }
        self.states
            .get(p.to_key())
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Every folded partition.
    pub fn partitions(&self) -> Result<Vec<Folded>> {
        let stored: Vec<Folded> = self
            .states
            .iter()
            .values()
            .map(|v| decode(&v.map_err(|e| self.err(e))?))
            .collect::<Result<_>>()?;
        let mut bulk = self.write_back.lock().expect("write-back lock");
        let Some(Bulk { held, .. }) = bulk.as_mut() else {
            return Ok(stored);
        };
        let mut all: BTreeMap<Partition, Folded> =
            stored.into_iter().map(|f| (f.state.partition, f)).collect();
        for (p, m) in held.iter_mut() {
            m.settle();
            all.insert(*p, m.folded.clone());
        }
        Ok(all.into_values().collect())
    }

    /// How many distinct ops this replica holds.
    pub fn op_count(&self) -> Result<usize> {
        Ok(self
            .partitions()?
            .iter()
            .map(|f| f.state.op_count as usize)
            .sum())
    }

    // ---- attachments ------------------------------------------------------------------

    /// Copy a photo or document into this device's blob store (synced to disk) and remember
    /// it for upload. The same bytes twice are stored once.
    pub fn add_blob(&self, bytes: &[u8]) -> Result<BlobEntry, String> {
        let media_type = evidence_media_type(bytes)
            .ok_or("only JPEG, PNG, HEIC photos and PDF documents can be attached")?;
        let hash = BlobHash::of(bytes);
        if let Some(e) = self.blob_entry(&hash).map_err(|e| e.to_string())? {
            return Ok(e);
        }
        let io = |e: std::io::Error| {
            format!(
                "cannot keep the attachment in {}: {e}",
                self.blob_dir.display()
            )
        };
        std::fs::create_dir_all(&self.blob_dir).map_err(io)?;
        let tmp = self.blob_dir.join(format!("{}.tmp", hash.to_hex()));
        {
            use std::io::Write;
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(bytes).map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, self.blob_dir.join(hash.to_hex())).map_err(io)?;
        let entry = BlobEntry {
            hash,
            size: bytes.len() as u64,
            media_type: media_type.to_string(),
            uploaded: false,
        };
        self.blobs
            .insert(hash.0, encode_unframed(&entry))
            .map_err(|e| e.to_string())?;
        self.flush().map_err(|e| e.to_string())?;
        Ok(entry)
    }

    pub fn blob_entry(&self, hash: &BlobHash) -> Result<Option<BlobEntry>> {
        self.blobs
            .get(hash.0)
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// A held attachment's bytes.
    pub fn blob_bytes(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        match std::fs::read(self.blob_dir.join(hash.to_hex())) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Attachments the server does not hold yet.
    pub fn pending_blobs(&self) -> Result<Vec<BlobEntry>> {
        let mut out = Vec::new();
        for v in self.blobs.iter().values() {
            let e: BlobEntry = decode(&v.map_err(|e| self.err(e))?)?;
            if !e.uploaded {
                out.push(e);
            }
        }
        Ok(out)
    }

    pub fn mark_uploaded(&self, hash: &BlobHash) -> Result<()> {
        if let Some(mut e) = self.blob_entry(hash)? {
            e.uploaded = true;
            self.blobs
                .insert(hash.0, encode_unframed(&e))
                .map_err(|e| self.err(e))?;
            self.flush()?;
        }
        Ok(())
    }

    // ---- sync -------------------------------------------------------------------------

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

    /// Take in one sync answer: ack states, pulled ops, the new cursor — then flush.
    pub fn absorb(
        &self,
        acks: &[firecheck_shared::sync::Ack],
        pulled: &[Op],
        cursor: u64,
        now_ms: i64,
    ) -> Result<usize> {
        use firecheck_shared::sync::AckResult;
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
            // Only for the op that sits at that position now (a re-registered device
            // renumbered its outbox; an old answer must not touch a new op).
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
        self.set_states(changes.into_iter())?;
        self.observe_clock(pulled, now_ms)?;
        let new = self.fold_in(pulled)?;
        let mut bulk = self.write_back.lock().expect("write-back lock");
        if let Some(b) = bulk.as_mut() {
            // The page is merged: the held cursor may pass it.
            b.cursor = Some(cursor);
            let held_ops: usize = b.held.values().map(|m| m.ops.len()).sum();
            if held_ops > HELD_OPS_MAX || b.since.elapsed() > HELD_FOR_MAX {
                let full = std::mem::replace(b, Bulk::new());
                drop(bulk);
                self.write_back_bulk(full)?;
            }
            return Ok(new);
        }
        drop(bulk);
        self.meta
            .insert("cursor", encode_unframed(&cursor))
            .map_err(|e| self.err(e))?;
        self.flush()?;
        Ok(new)
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
        let bulk = self.write_back.lock().expect("write-back lock").is_some();
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

#[cfg(test)]
mod tests {
    use super::*;
    use firecheck_shared::fuzzing::built_ops;

    /// Deterministic bytes for the op builder.
    fn noise(seed: u64, len: usize) -> Vec<u8> {
        use rand::{Rng, SeedableRng};
        let mut bytes = vec![0; len];
        rand::rngs::SmallRng::seed_from_u64(seed).fill(&mut bytes[..]);
        bytes
    }

    /// Each partition folded from scratch over the distinct ops.
    fn expected(ops: &[Op]) -> BTreeMap<Partition, Folded> {
        by_partition(ops)
            .into_iter()
            .map(|(p, list)| (p, Folded::fold(p, list.iter())))
            .collect()
    }

    fn held_states(r: &LocalReplica) -> BTreeMap<Partition, Folded> {
        r.partitions()
            .unwrap()
            .into_iter()
            .map(|f| (f.state.partition, f))
            .collect()
    }

    fn distinct(ops: &[Op]) -> usize {
        ops.iter().map(Op::key).collect::<BTreeSet<_>>().len()
    }

    /// Pages as a pull may bring them: out of key order, some ops twice.
    fn pages(ops: &[Op], size: usize) -> Vec<Vec<Op>> {
        let mut shuffled: Vec<Op> = ops.iter().rev().cloned().collect();
        shuffled.extend(ops.iter().step_by(5).cloned());
        shuffled.chunks(size).map(<[Op]>::to_vec).collect()
    }

    #[test]
    fn pages_in_any_order_fold_to_the_whole_sets_fold() {
        for seed in 0..24 {
            let ops = built_ops(&noise(seed, 6000));
            assert!(ops.len() > 20, "seed {seed} built {} ops", ops.len());
            for bulk in [false, true] {
                let home = tempfile::tempdir().unwrap();
                let r = LocalReplica::open(home.path()).unwrap();
                if bulk {
                    r.begin_bulk().unwrap();
                }
                let mut new = 0;
                for (i, page) in pages(&ops, 7).iter().enumerate() {
                    new += r.absorb(&[], page, i as u64 + 1, 0).unwrap();
                }
                if bulk {
                    // Read while held, then written back.
                    assert_eq!(held_states(&r), expected(&ops), "seed {seed}, held");
                    r.end_bulk().unwrap();
                }
                assert_eq!(new, distinct(&ops), "seed {seed}: new ops counted once");
                assert_eq!(held_states(&r), expected(&ops), "seed {seed}, bulk {bulk}");
                assert_eq!(r.op_count().unwrap(), distinct(&ops));
                drop(r);
                let r = LocalReplica::open(home.path()).unwrap();
                assert_eq!(held_states(&r), expected(&ops), "seed {seed}, reopened");
            }
        }
    }

    #[test]
    fn a_crash_in_the_middle_of_a_pull_keeps_the_cursor_before_what_it_lost() {
        let ops = built_ops(&noise(7, 8000));
        let home = tempfile::tempdir().unwrap();
        let pages = pages(&ops, 11);
        let half = pages.len() / 2;
        {
            let r = LocalReplica::open(home.path()).unwrap();
            r.begin_bulk().unwrap();
            for (i, page) in pages[..half].iter().enumerate() {
                r.absorb(&[], page, i as u64 + 1, 0).unwrap();
            }
            assert_eq!(r.cursor().unwrap(), half as u64, "the held cursor is used");
            // Killed here: no `end_bulk`; nothing held reached the disk.
        }
        let r = LocalReplica::open(home.path()).unwrap();
        assert_eq!(
            r.cursor().unwrap(),
            0,
            "the stored cursor is before the lost pages"
        );
        assert!(r.partitions().unwrap().is_empty());
        // The next sync pulls from there and ends where an unbroken pull would.
        r.begin_bulk().unwrap();
        for (i, page) in pages.iter().enumerate() {
            r.absorb(&[], page, i as u64 + 1, 0).unwrap();
        }
        r.end_bulk().unwrap();
        assert_eq!(held_states(&r), expected(&ops));
        assert_eq!(r.op_count().unwrap(), distinct(&ops));
        assert_eq!(r.cursor().unwrap(), pages.len() as u64);
    }

    #[test]
    fn a_long_pull_is_written_back_on_the_way_with_its_cursor() {
        let ops = built_ops(&noise(3, 8000));
        let home = tempfile::tempdir().unwrap();
        let pages = pages(&ops, 13);
        {
            let r = LocalReplica::open(home.path()).unwrap();
            r.begin_bulk().unwrap();
            for (i, page) in pages.iter().enumerate() {
                // As if HELD_FOR_MAX had passed before each page.
                let long_ago = std::time::Instant::now()
                    .checked_sub(HELD_FOR_MAX * 2)
                    .expect("the machine is up for a minute");
                r.write_back.lock().unwrap().as_mut().unwrap().since = long_ago;
                r.absorb(&[], page, i as u64 + 1, 0).unwrap();
            }
            // Killed before `end_bulk`: every page was written back as it came.
        }
        let r = LocalReplica::open(home.path()).unwrap();
        assert_eq!(r.cursor().unwrap(), pages.len() as u64);
        assert_eq!(held_states(&r), expected(&ops));
    }

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
}
