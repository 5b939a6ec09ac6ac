//! Backups of `db/` — the op log, its de-duplication runs, the accounts and every other tree
//! of it — taken while the server runs, restored into a new data dir; and the identity of a
//! data dir's log, which tells a device that its cursor belongs to a log this server no
//! longer has (see ARCHITECTURE.md, "Backups and restores").
//!
//! # A consistent snapshot of a live log
//! The log is append-only: a group commit writes new `L` records and new `R` runs and never
//! rewrites a key, and it moves [`Store::durable_seq`] only after its flush. So the heads
//! read at the start of a snapshot are a consistent cut: every record and run of the
//! commits durable by then has its first sequence number at or below its organisation's
//! head, and everything a later commit writes starts above it. The snapshot copies the
//! former and skips the latter, whatever is committed while it runs. Every op acknowledged
//! before the snapshot began is in it (acked ⇒ flushed ⇒ at or below the head). The accounts
//! are copied after the heads are read, so every user and device an op of the snapshot names
//! is in it. Views are not copied: they are derived, and a restored server folds them again.
//!
//! # The snapshot's bytes
//! `FCBACKUP`, the format ([`SNAPSHOT_VERSION`], u32 LE), then frames `tag u8 | len u32 LE |
//! payload`: one header ([`SnapshotHeader`], bincode), then per tree its name and its
//! entries (`key len u32 LE | key | value`), then the end frame: the number of entries
//! (u64 LE) and the SHA-256 of every byte before the end frame. A snapshot cut short or
//! damaged fails that check, and a restore writes nothing before the whole file passed it.
//!
//! # The log's identity
//! Every data dir's log has an id (`meta/log_id`, a UUID made when the log is first opened)
//! and a lineage (`meta/lineage`): the restores it came from, each with the backup's log id
//! and the heads the backup held. A restore gives the new data dir a new id and appends
//! itself to the lineage, so the server can tell a device that names the log it last pulled
//! from how many entries of its organisation the two logs still share.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use firecheck_shared::codec::{decode_unframed, encode_unframed};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{open_db, Result, Store, StoreError, DATA_FORMAT};

/// The first bytes of every snapshot.
pub const SNAPSHOT_MAGIC: &[u8; 8] = b"FCBACKUP";
/// The snapshot format. 1: frames of trees and entries, ended by a SHA-256.
pub const SNAPSHOT_VERSION: u32 = 1;

const TAG_HEADER: u8 = 1;
const TAG_TREE: u8 = 2;
const TAG_ENTRY: u8 = 3;
const TAG_END: u8 = 4;
/// The server could not finish the snapshot; the payload says why (UTF-8).
pub const TAG_ERROR: u8 = 0xEE;

/// Entries written to a restored database per batch.
const RESTORE_BATCH: usize = 10_000;

/// sled's name for a database's default tree.
const DEFAULT_TREE: &[u8] = b"__sled__default";

/// One restore in a log's past: which log the backup was taken from, and how far each
/// organisation's log went in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Restore {
    /// The log the backup was taken from.
    pub from: Uuid,
    /// The log the restore began.
    pub to: Uuid,
    /// Each organisation's last sequence number in the backup (absent: none).
    pub heads: Vec<(OrgId, u64)>,
    pub at_ms: i64,
}

impl Restore {
    fn head(&self, org: OrgId) -> u64 {
        self.heads
            .iter()
            .find(|(o, _)| *o == org)
            .map_or(0, |(_, h)| *h)
    }
}

/// Which log this data dir holds, and the restores it came from (oldest first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogIdentity {
    pub id: Uuid,
    pub lineage: Vec<Restore>,
}

impl LogIdentity {
    /// How many entries of `org`'s log (sequence numbers 1 to the answer) a device that
    /// pulled from log `theirs` shares with this one: `None` when `theirs` is this log;
    /// 0 when it is no log this one came from (nothing is known to be shared).
    ///
    /// Each restore keeps its backup's entries and nothing after them, so walking back from
    /// this log to `theirs` the shared part is the smallest head on the way.
    pub fn shared_with(&self, org: OrgId, theirs: Uuid) -> Option<u64> {
        if theirs == self.id {
            return None;
        }
        let mut shared = u64::MAX;
        for r in self.lineage.iter().rev() {
            shared = shared.min(r.head(org));
            if r.from == theirs {
                return Some(shared);
            }
        }
        Some(0)
    }

    /// The entries of `org` every log this one came from shares with it: the smallest head
    /// of any restore (0 when this log was never restored). What a device that does not say
    /// which log it pulled from is told.
    pub fn shared_with_any(&self, org: OrgId) -> u64 {
        self.lineage.iter().map(|r| r.head(org)).min().unwrap_or(0)
    }
}

/// What a snapshot says about itself, before its trees.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotHeader {
    /// [`DATA_FORMAT`] of the data dir it was taken from.
    pub data_format: u32,
    /// The log it was taken from.
    pub log: Uuid,
    /// Each organisation's last sequence number in it.
    pub heads: Vec<(OrgId, u64)>,
    pub taken_ms: i64,
    /// The firecheck-server that took it.
    pub server_version: String,
}

/// What a snapshot held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotSummary {
    pub header: SnapshotHeader,
    pub trees: usize,
    pub entries: u64,
    /// The SHA-256 its end frame carries (hex).
    pub sha256: String,
}

/// Why a snapshot cannot be taken or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The bytes are not a whole, undamaged snapshot.
    #[error("not a usable firecheck backup: {0}")]
    Damaged(String),
    /// The server said it could not finish the snapshot.
    #[error("the server could not take the snapshot: {0}")]
    Server(String),
    #[error("the backup is of data format {found}, newer than this firecheck-server knows ({known}); restore it with the firecheck-server that made it")]
    TooNew { found: u32, known: u32 },
    #[error("{} already holds a data dir; restore into a new, empty directory", .0.display())]
    NotEmpty(std::path::PathBuf),
}

impl From<sled::Error> for BackupError {
    fn from(e: sled::Error) -> Self {
        BackupError::Store(e.into())
    }
}

/// Writes through to `inner`, hashing every byte.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

fn frame(out: &mut impl Write, tag: u8, parts: &[&[u8]]) -> std::io::Result<()> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let len = u32::try_from(len)
        .map_err(|_| std::io::Error::other("a record of more than 4 GiB cannot be backed up"))?;
    out.write_all(&[tag])?;
    out.write_all(&len.to_le_bytes())?;
    for p in parts {
        out.write_all(p)?;
    }
    Ok(())
}

/// Write an error frame: the reader then reports `message` instead of a cut snapshot.
pub fn write_error(out: &mut impl Write, message: &str) -> std::io::Result<()> {
    frame(out, TAG_ERROR, &[message.as_bytes()])?;
    out.flush()
}

fn u64_be_tail(key: &[u8]) -> Option<u64> {
    key.len()
        .checked_sub(8)
        .and_then(|at| key.get(at..))
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
}

fn org_of_log_key(key: &[u8]) -> Option<OrgId> {
    key.get(1..17)
        .and_then(|b| Uuid::from_slice(b).ok())
        .map(OrgId)
}

impl Store {
    /// This data dir's log identity, made on first use.
    pub(super) fn load_log_identity(db: &super::kv::Db) -> Result<LogIdentity> {
        let meta = db.open_tree("meta")?;
        if meta.get("log_id")?.is_none() {
            // Nodes starting together on one database agree on the first id written.
            let id = Uuid::new_v4();
            meta.compare_and_swap("log_id", None, Some(id.as_bytes().to_vec()))?;
            db.flush()?;
        }
        let id = match meta.get("log_id")? {
            Some(v) => Uuid::from_slice(&v).map_err(|e| StoreError::Corrupt {
                what: "log id",
                message: e.to_string(),
            })?,
            None => {
                return Err(StoreError::Corrupt {
                    what: "log id",
                    message: "written and not found".into(),
                })
            }
        };
        let lineage = match meta.get("lineage")? {
            Some(v) => decode_unframed(&v).map_err(|e| StoreError::Corrupt {
                what: "log lineage",
                message: e.to_string(),
            })?,
            None => Vec::new(),
        };
        Ok(LogIdentity { id, lineage })
    }

    /// Which log this data dir holds and the restores it came from.
    pub fn log_identity(&self) -> &LogIdentity {
        &self.log
    }

    /// Write a consistent snapshot of `db/` to `out` (see the module docs), while the
    /// server keeps committing. Returns what it wrote.
    pub fn write_snapshot(&self, out: impl Write) -> Result<SnapshotSummary, BackupError> {
        // The cut: every organisation's durable head, read before anything is copied.
        let heads: HashMap<OrgId, u64> = self.durable_heads().clone();
        let mut head_list: Vec<(OrgId, u64)> = heads.iter().map(|(o, h)| (*o, *h)).collect();
        head_list.sort();
        let header = SnapshotHeader {
            data_format: DATA_FORMAT,
            log: self.log.id,
            heads: head_list,
            taken_ms: Timestamp::now().0,
            server_version: env!("CARGO_PKG_VERSION").to_string(),
        };
        let mut out = Hashing {
            inner: std::io::BufWriter::with_capacity(256 * 1024, out),
            hash: Sha256::new(),
        };
        out.write_all(SNAPSHOT_MAGIC)?;
        out.write_all(&SNAPSHOT_VERSION.to_le_bytes())?;
        frame(&mut out, TAG_HEADER, &[&encode_unframed(&header)])?;
        let head_of = |org: Option<OrgId>| org.and_then(|o| heads.get(&o).copied()).unwrap_or(0);
        let (mut trees, mut entries) = (0usize, 0u64);
        let Some(db) = self.db.as_sled() else {
            return Err(BackupError::Server(
                "the store is on PostgreSQL: back it up with the database's own tools (pg_dump; README, \"Beyond one machine\")".into(),
            ));
        };
        let mut names = db.tree_names();
        names.sort();
        for name in names {
            let tree: sled::Tree = if name == DEFAULT_TREE {
                (**db).clone()
            } else {
                db.open_tree(&name)?
            };
            let is_log = name == b"ops";
            frame(&mut out, TAG_TREE, &[&name])?;
            trees += 1;
            for item in tree.iter() {
                let (k, v) = item?;
                if is_log {
                    let keep = match k.first() {
                        // A log record: kept when its first entry is inside the cut.
                        Some(b'L') => u64_be_tail(&k)
                            .is_some_and(|first| first <= head_of(org_of_log_key(&k))),
                        // A device run: kept when the entries it points at are.
                        Some(b'R') => decode_unframed::<super::Run>(&v)
                            .map(|run| run.first_seq <= head_of(Some(run.org)))
                            .map_err(|e| StoreError::Corrupt {
                                what: "device run",
                                message: e.to_string(),
                            })?,
                        _ => true,
                    };
                    if !keep {
                        continue;
                    }
                }
                let klen = (k.len() as u32).to_le_bytes();
                frame(&mut out, TAG_ENTRY, &[&klen, &k, &v])?;
                entries += 1;
            }
        }
        let sha = out.hash.clone().finalize();
        let mut inner = out.inner;
        frame(&mut inner, TAG_END, &[&entries.to_le_bytes(), &sha])?;
        inner.flush()?;
        Ok(SnapshotSummary {
            header,
            trees,
            entries,
            sha256: hex::encode(sha),
        })
    }
}

/// One frame of a snapshot.
enum Frame {
    Header(SnapshotHeader),
    Tree(Vec<u8>),
    Entry(Vec<u8>, Vec<u8>),
    End { entries: u64, sha256: [u8; 32] },
}

/// Reads a snapshot frame by frame, hashing what it reads.
struct Reader<R> {
    inner: R,
    hash: Sha256,
}

impl<R: Read> Reader<R> {
    fn start(inner: R) -> Result<Self, BackupError> {
        let mut r = Self {
            inner,
            hash: Sha256::new(),
        };
        let mut magic = [0u8; 12];
        r.exact(&mut magic)
            .map_err(|_| BackupError::Damaged("it is empty or cut short".into()))?;
        if &magic[..8] != SNAPSHOT_MAGIC {
            return Err(BackupError::Damaged(
                "it does not start like a firecheck snapshot".into(),
            ));
        }
        let version = u32::from_le_bytes([magic[8], magic[9], magic[10], magic[11]]);
        if version != SNAPSHOT_VERSION {
            return Err(BackupError::Damaged(format!(
                "snapshot format {version}; this firecheck-server reads format {SNAPSHOT_VERSION}"
            )));
        }
        Ok(r)
    }

    fn exact(&mut self, buf: &mut [u8]) -> std::io::Result<()> {
        self.inner.read_exact(buf)?;
        self.hash.update(&*buf);
        Ok(())
    }

    fn next(&mut self) -> Result<Frame, BackupError> {
        let cut = |_| BackupError::Damaged("it is cut short (no end frame)".into());
        let before = self.hash.clone();
        let mut head = [0u8; 5];
        self.exact(&mut head).map_err(cut)?;
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]) as usize;
        // A length is read from the file: grow the buffer only as bytes actually arrive.
        let mut payload = Vec::new();
        (&mut self.inner)
            .take(len as u64)
            .read_to_end(&mut payload)?;
        if payload.len() != len {
            return Err(BackupError::Damaged(
                "it is cut short (no end frame)".into(),
            ));
        }
        match head[0] {
            TAG_END => {
                let (count, sha) = payload
                    .split_first_chunk::<8>()
                    .and_then(|(c, rest)| Some((*c, <[u8; 32]>::try_from(rest).ok()?)))
                    .ok_or_else(|| BackupError::Damaged("its end frame is damaged".into()))?;
                let computed: [u8; 32] = before.finalize().into();
                if computed != sha {
                    return Err(BackupError::Damaged(
                        "its checksum does not match its contents".into(),
                    ));
                }
                Ok(Frame::End {
                    entries: u64::from_le_bytes(count),
                    sha256: sha,
                })
            }
            TAG_ERROR => Err(BackupError::Server(
                String::from_utf8_lossy(&payload).into_owned(),
            )),
            tag => {
                self.hash.update(&payload);
                match tag {
                    TAG_HEADER => decode_unframed(&payload)
                        .map(Frame::Header)
                        .map_err(|e| BackupError::Damaged(format!("its header: {e}"))),
                    TAG_TREE => Ok(Frame::Tree(payload)),
                    TAG_ENTRY => {
                        let (klen, rest) = payload
                            .split_first_chunk::<4>()
                            .ok_or_else(|| BackupError::Damaged("an entry is damaged".into()))?;
                        let klen = u32::from_le_bytes(*klen) as usize;
                        if klen > rest.len() {
                            return Err(BackupError::Damaged("an entry is damaged".into()));
                        }
                        let (k, v) = rest.split_at(klen);
                        Ok(Frame::Entry(k.to_vec(), v.to_vec()))
                    }
                    other => Err(BackupError::Damaged(format!("unknown frame {other}"))),
                }
            }
        }
    }
}

/// Read a whole snapshot and check it (its frames, its entry count and its checksum)
/// without writing anything; `each` sees every frame in order.
fn walk(
    input: impl Read,
    mut each: impl FnMut(&Frame) -> Result<(), BackupError>,
) -> Result<SnapshotSummary, BackupError> {
    let mut r = Reader::start(std::io::BufReader::with_capacity(256 * 1024, input))?;
    let header = match r.next()? {
        Frame::Header(h) => h,
        _ => return Err(BackupError::Damaged("it has no header".into())),
    };
    each(&Frame::Header(header.clone()))?;
    let (mut trees, mut entries, mut in_tree) = (0usize, 0u64, false);
    loop {
        let f = r.next()?;
        match &f {
            Frame::Header(_) => return Err(BackupError::Damaged("a second header".into())),
            Frame::Tree(_) => {
                trees += 1;
                in_tree = true;
            }
            Frame::Entry(..) if !in_tree => {
                return Err(BackupError::Damaged("an entry outside any tree".into()))
            }
            Frame::Entry(..) => entries += 1,
            Frame::End {
                entries: count,
                sha256,
            } => {
                if *count != entries {
                    return Err(BackupError::Damaged(format!(
                        "it says {count} entries but holds {entries}"
                    )));
                }
                return Ok(SnapshotSummary {
                    header,
                    trees,
                    entries,
                    sha256: hex::encode(sha256),
                });
            }
        }
        each(&f)?;
    }
}

/// Check a snapshot file without restoring it.
pub fn verify_snapshot(path: &Path) -> Result<SnapshotSummary, BackupError> {
    walk(std::fs::File::open(path)?, |_| Ok(()))
}

/// Restore the snapshot at `path` as the `db/` of the new data dir `dir` (which must not
/// hold a `db/` yet). The whole snapshot is checked first; nothing is written unless it
/// passes. The restored log gets a new id, and the restore joins its lineage. The views are
/// not restored: the server folds them from the log when it starts.
pub fn restore_snapshot(path: &Path, dir: &Path) -> Result<SnapshotSummary, BackupError> {
    let summary = verify_snapshot(path)?;
    if summary.header.data_format > DATA_FORMAT {
        return Err(BackupError::TooNew {
            found: summary.header.data_format,
            known: DATA_FORMAT,
        });
    }
    if dir.join("db").exists() {
        return Err(BackupError::NotEmpty(dir.to_path_buf()));
    }
    std::fs::create_dir_all(dir)?;
    let db = open_db(&dir.join("db"), 64 * 1024 * 1024)?;
    let mut tree: Option<sled::Tree> = None;
    let mut batch = sled::Batch::default();
    let mut pending = 0usize;
    walk(std::fs::File::open(path)?, |f| {
        match f {
            Frame::Tree(name) => {
                if let Some(t) = &tree {
                    t.apply_batch(std::mem::take(&mut batch))?;
                    pending = 0;
                }
                tree = Some(if name == DEFAULT_TREE {
                    (*db).clone()
                } else {
                    db.open_tree(name)?
                });
            }
            Frame::Entry(k, v) => {
                batch.insert(k.as_slice(), v.as_slice());
                pending += 1;
                if pending >= RESTORE_BATCH {
                    if let Some(t) = &tree {
                        t.apply_batch(std::mem::take(&mut batch))?;
                    }
                    pending = 0;
                }
            }
            Frame::Header(_) | Frame::End { .. } => {}
        }
        Ok(())
    })?;
    if let Some(t) = &tree {
        t.apply_batch(batch)?;
    }
    let meta = db.open_tree("meta")?;
    let db = super::kv::Db::sled(db);
    let mut identity = Store::load_log_identity(&db)?;
    let next = Uuid::new_v4();
    identity.lineage.push(Restore {
        from: summary.header.log,
        to: next,
        heads: summary.header.heads.clone(),
        at_ms: Timestamp::now().0,
    });
    let mut b = sled::Batch::default();
    b.insert("log_id", next.as_bytes());
    b.insert("lineage", encode_unframed(&identity.lineage));
    meta.apply_batch(b)?;
    db.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn restore(from: Uuid, to: Uuid, org: OrgId, head: u64) -> Restore {
        Restore {
            from,
            to,
            heads: vec![(org, head)],
            at_ms: 0,
        }
    }

    /// A device is told the smallest head on the way back to the log it pulled from; a log
    /// not in the lineage shares nothing known.
    #[test]
    fn shared_entries_follow_the_lineage() {
        let org = OrgId::new();
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let id = LogIdentity {
            id: c,
            lineage: vec![restore(a, b, org, 100), restore(b, c, org, 150)],
        };
        assert_eq!(id.shared_with(org, c), None);
        assert_eq!(id.shared_with(org, b), Some(150));
        // b re-numbered what a held after 100: only 1..=100 are a's.
        assert_eq!(id.shared_with(org, a), Some(100));
        assert_eq!(id.shared_with(org, Uuid::new_v4()), Some(0));
        assert_eq!(id.shared_with(OrgId::new(), b), Some(0));
        assert_eq!(id.shared_with_any(org), 100);
        let fresh = LogIdentity {
            id: a,
            lineage: Vec::new(),
        };
        assert_eq!(fresh.shared_with_any(org), 0);
    }
}
