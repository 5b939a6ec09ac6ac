//! The device's local replica: the only module of the client that touches sled.
//!
//! Trees:
//! - `ops`: `partition | op key` → op. Every op this device knows (its own and pulled), so a
//!   late op re-folds only its partition, from this index.
//! - `states`: `partition` → folded [`PartitionState`] (the same fold as the server's).
//! - `outbox`: `device_seq` → [`OutboxEntry`]: each op this device made and where it stands
//!   (queued → sent → acked, or rejected with the server's reason).
//! - `meta`: device id, next `device_seq`, HLC, pull cursor, login, last sync.
//! - `blobs`: `sha256` → [`BlobEntry`]: attachments this device holds and whether the
//!   server has them yet. The bytes are files under `blobs/` in the home dir, copied in when
//!   the op is recorded (so the original photo may be deleted).
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
}

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
    ops: sled::Tree,
    states: sled::Tree,
    outbox: sled::Tree,
    meta: sled::Tree,
    blobs: sled::Tree,
    blob_dir: std::path::PathBuf,
    /// During a long pull: partition states held in memory and written back once at the
    /// end, instead of re-encoding every touched partition on every page. Ops and the
    /// cursor are still written per page; a crash meanwhile leaves `states_stale` set, and
    /// the next open re-folds the states from the ops.
    write_back: std::sync::Arc<std::sync::Mutex<Option<BTreeMap<Partition, PartitionState>>>>,
}

fn op_key(op: &Op) -> Vec<u8> {
    let k = op.key();
    let mut out = Vec::with_capacity(17 + 8 + 4 + 8 + 16 + 16 + 8);
    out.extend_from_slice(&op.partition().to_key());
    out.extend_from_slice(&k.hlc.wall_ms.to_be_bytes());
    out.extend_from_slice(&k.hlc.counter.to_be_bytes());
    out.extend_from_slice(&k.hlc.node.to_be_bytes());
    out.extend_from_slice(k.op_id.as_bytes());
    out.extend_from_slice(k.device.as_bytes());
    out.extend_from_slice(&k.device_seq.to_be_bytes());
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
            ops: db.open_tree("ops").map_err(sled_err)?,
            states: db.open_tree("states").map_err(sled_err)?,
            outbox: db.open_tree("outbox").map_err(sled_err)?,
            meta: db.open_tree("meta").map_err(sled_err)?,
            blobs: db.open_tree("blobs").map_err(sled_err)?,
            blob_dir: home.join("blobs"),
            write_back: Default::default(),
            db,
        };
        if replica
            .meta
            .contains_key("states_stale")
            .map_err(sled_err)?
        {
            replica.refold_everything()?;
        }
        Ok(replica)
    }

    /// Rebuild every partition state from the ops (after a crash during a long pull).
    fn refold_everything(&self) -> Result<()> {
        let mut batch = sled::Batch::default();
        let mut current: Option<(Vec<u8>, Vec<Op>)> = None;
        let finish = |key: Vec<u8>, ops: Vec<Op>, batch: &mut sled::Batch| {
            if let Some(p) = ops.first().map(Op::partition) {
                batch.insert(key, encode_unframed(&PartitionState::fold(p, ops.iter())));
            }
        };
        for item in self.ops.iter() {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let pkey = k[..17].to_vec();
            let op: Op = decode(&v)?;
            match &mut current {
                Some((key, ops)) if *key == pkey => ops.push(op),
                _ => {
                    if let Some((key, ops)) = current.take() {
                        finish(key, ops, &mut batch);
                    }
                    current = Some((pkey, vec![op]));
                }
            }
        }
        if let Some((key, ops)) = current.take() {
            finish(key, ops, &mut batch);
        }
        self.states.apply_batch(batch).map_err(|e| self.err(e))?;
        self.meta.remove("states_stale").map_err(|e| self.err(e))?;
        self.flush()
    }

    /// Start holding partition states in memory (see `write_back`).
    pub fn begin_bulk(&self) -> Result<()> {
        self.put_meta("states_stale", &true)?;
        *self.write_back.lock().expect("write-back lock") = Some(BTreeMap::new());
        Ok(())
    }

    /// Write the held states back in one batch and clear the stale mark.
    pub fn end_bulk(&self) -> Result<()> {
        let Some(held) = self.write_back.lock().expect("write-back lock").take() else {
            return Ok(());
        };
        let mut b = sled::Batch::default();
        for (p, s) in &held {
            b.insert(&p.to_key(), encode_unframed(s));
        }
        self.states.apply_batch(b).map_err(|e| self.err(e))?;
        self.meta.remove("states_stale").map_err(|e| self.err(e))?;
        self.flush()
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

    /// Add ops to the set and bring their partitions up to date (not flushed).
    fn fold_in(&self, ops: &[Op]) -> Result<usize> {
        let mut states: BTreeMap<Partition, PartitionState> = BTreeMap::new();
        let mut refold: BTreeSet<Partition> = BTreeSet::new();
        let mut batch = sled::Batch::default();
        let mut new = 0;
        let mut seen_now = BTreeSet::new();
        for op in ops {
            let key = op_key(op);
            if !seen_now.insert(key.clone())
                || self.ops.contains_key(&key).map_err(|e| self.err(e))?
            {
                continue;
            }
            new += 1;
            batch.insert(key, encode_unframed(op));
            let p = op.partition();
            if refold.contains(&p) {
                continue;
            }
            let s = match states.entry(p) {
                Entry::Occupied(e) => e.into_mut(),
                Entry::Vacant(e) => {
                    e.insert(self.state(&p)?.unwrap_or_else(|| PartitionState::new(p)))
                }
            };
            if s.accepts_in_order(op) {
                s.apply(op);
            } else {
                refold.insert(p);
            }
        }
        self.ops.apply_batch(batch).map_err(|e| self.err(e))?;
        for p in refold {
            let ops = self.partition_ops(&p)?;
            states.insert(p, PartitionState::fold(p, ops.iter()));
        }
        if let Some(held) = self.write_back.lock().expect("write-back lock").as_mut() {
            held.extend(states);
            return Ok(new);
        }
        let mut sb = sled::Batch::default();
        for (p, s) in &states {
            sb.insert(&p.to_key(), encode_unframed(s));
        }
        self.states.apply_batch(sb).map_err(|e| self.err(e))?;
        Ok(new)
    }

    fn partition_ops(&self, p: &Partition) -> Result<Vec<Op>> {
        self.ops
            .scan_prefix(p.to_key())
            .values()
            .map(|v| decode(&v.map_err(|e| self.err(e))?))
            .collect()
    }

    pub fn state(&self, p: &Partition) -> Result<Option<PartitionState>> {
        if let Some(s) = self
            .write_back
            .lock()
            .expect("write-back lock")
            .as_ref()
            .and_then(|h| h.get(p))
        {
            return Ok(Some(s.clone()));
        }
        self.states
            .get(p.to_key())
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    /// Every folded partition.
    pub fn states(&self) -> Result<Vec<PartitionState>> {
        let stored: Vec<PartitionState> = self
            .states
            .iter()
            .values()
            .map(|v| decode(&v.map_err(|e| self.err(e))?))
            .collect::<Result<_>>()?;
        let held = self.write_back.lock().expect("write-back lock");
        let Some(held) = held.as_ref() else {
            return Ok(stored);
        };
        let mut all: BTreeMap<Partition, PartitionState> =
            stored.into_iter().map(|s| (s.partition, s)).collect();
        all.extend(held.iter().map(|(p, s)| (*p, s.clone())));
        Ok(all.into_values().collect())
    }

    pub fn op_count(&self) -> usize {
        self.ops.len()
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
        let device = DeviceId::new();
        // Positions continue from the old counter, so the outbox keeps its whole history.
        let mut next = self.next_device_seq()?;
        let mut outbox = sled::Batch::default();
        let mut old_keys = Vec::new();
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
            old_keys.push(op_key(&e.op));
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
        let mut ops = sled::Batch::default();
        for k in &old_keys {
            ops.remove(k.as_slice());
        }
        self.ops.apply_batch(ops).map_err(|e| self.err(e))?;
        let touched: BTreeSet<Partition> = renumbered.iter().map(Op::partition).collect();
        self.fold_in(&renumbered)?;
        for p in touched {
            let ops = self.partition_ops(&p)?;
            let s = PartitionState::fold(p, ops.iter());
            self.states
                .insert(p.to_key(), encode_unframed(&s))
                .map_err(|e| self.err(e))?;
        }
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
        Ok(renumbered.len())
    }
}
