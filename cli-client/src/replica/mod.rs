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
//! - `meta`: device id, next `device_seq`, HLC, pull cursor, the server log it belongs to,
//!   login, last sync.
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
//!
//! # Layout
//! - [`partitions`] — `parts` and `states`: merging ops into partitions through `shared`'s
//!   merge step, reading folded partitions, and the bulk write-back of a long pull.
//! - [`outbox`] — making ops (stamp, queue, fold), their states, registering anew.
//! - [`blobs`] — attachments held on this device.
//! - [`meta`] — device id, HLC, cursor, login, last sync.
//! - [`restored`] — the server log the cursor belongs to, and sending again what a server
//!   restored from a backup lacks.
//! - [`migrate`] — the recorded [`FORMAT`] and the ordered migrations of older replicas.

use std::path::Path;

use firecheck_shared::codec::decode_unframed;
use firecheck_shared::i18n::Msg;
use firecheck_shared::*;
use serde::de::DeserializeOwned;

pub mod blobs;
pub mod meta;
pub mod migrate;
pub mod outbox;
pub mod partitions;
pub mod restored;
#[cfg(test)]
mod testing;

pub use blobs::{AttachError, BlobEntry};
pub use meta::{Login, SyncMark};
pub use migrate::FORMAT;
pub use outbox::{OutboxCounts, OutboxEntry, OutboxState};
pub use partitions::{HELD_FOR_MAX, HELD_OPS_MAX};
pub use restored::Rewound;

#[derive(Debug)]
pub enum ReplicaError {
    Sled {
        path: String,
        source: sled::Error,
    },
    Corrupt(String),
    Locked(String),
    TooNew {
        found: u32,
        known: u32,
    },
    /// Folding a partition failed (a bug): nothing of the write-back reached the disk.
    Fold(String),
    /// A command step panicked while it held merged partitions in memory; they are not
    /// trusted, and nothing of them was written.
    Interrupted,
}

impl ReplicaError {
    /// What went wrong, to be rendered in the person's language.
    pub fn msg(&self) -> Msg {
        match self {
            ReplicaError::Sled { path, source } => {
                msg!("replica-storage", path = path, detail = source.to_string())
            }
            ReplicaError::Corrupt(d) => msg!("replica-corrupt", detail = d),
            ReplicaError::Locked(path) => msg!("replica-locked", path = path),
            ReplicaError::TooNew { found, known } => {
                msg!("replica-too-new", found = *found, known = *known)
            }
            ReplicaError::Fold(d) => msg!("replica-fold", detail = d),
            ReplicaError::Interrupted => msg!("replica-interrupted"),
        }
    }
}

impl std::fmt::Display for ReplicaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for ReplicaError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReplicaError::Sled { source, .. } => Some(source),
            _ => None,
        }
    }
}

pub type Result<T, E = ReplicaError> = std::result::Result<T, E>;

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
    write_back: std::sync::Arc<std::sync::Mutex<Option<partitions::Bulk>>>,
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

    /// Take in one sync answer: ack states, pulled ops, the new cursor — then flush (or,
    /// during a long pull, hold the merged partitions with the cursor that covers them).
    /// Returns how many pulled ops were new to this replica.
    pub fn absorb(
        &self,
        acks: &[firecheck_shared::sync::Ack],
        pulled: &[Op],
        cursor: u64,
        now_ms: i64,
    ) -> Result<usize> {
        self.take_acks(acks)?;
        self.observe_clock(pulled, now_ms)?;
        let new = self.fold_in(pulled)?;
        self.pulled_to(cursor)?;
        Ok(new)
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
}
