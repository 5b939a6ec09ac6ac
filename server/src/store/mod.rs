//! The server's storage: the only module that touches sled.
//!
//! Two sled databases in the data dir: `db/` holds the op log and the accounts, `views/` the
//! derived views. The sequencer flushes `db/` before every acknowledgment; the view updater
//! flushes `views/` after each batch it writes, so the acknowledgment path never writes out
//! view data, and the views (rewritten far more often than the log) get a small page cache
//! of their own ([`VIEWS_CACHE_BYTES`]).
//!
//! # Layout
//! - [`log`] — the op log and its de-duplication runs (tree `ops` in `db/`).
//! - [`accounts`] — organisations, users, devices, refresh tokens, and the audit log of every
//!   admin and operator action, written in the same batch as the change (tree `accounts`
//!   in `db/`).
//! - [`units`] — each organisation's units that hazards are dispatched to (tree `accounts`).
//! - [`intake`] — each organisation's intake keys for the city platform (tree `accounts`).
//! - [`audit`] — reading the audit log, newest first.
//! - [`console`] — the office console's sessions and submitted forms (tree `console` in `db/`).
//! - `logins` — failed logins per username (tree `logins` in `db/`), shared by every node.
//! - [`views`] — partition states, their records, watermarks (tree `views` in `views/`),
//!   written only in atomic batches with their watermark.
//! - [`index`] — the review indexes and counts kept in the same batches, and the reads
//!   through them; [`coverage`] — campaign coverage kept the same way.
//! - [`blobs`] — attachments: which organisations hold each one, and the uploads no op
//!   refers to yet (tree `uploads` in `db/`); `blob_bytes` — where their bytes are: files
//!   under `blobs/` (or another directory) or objects in an S3-compatible bucket.
//! - [`migrate`] — the ordered migrations of `db/` from older formats.
//! - [`backup`] — consistent snapshots of `db/` taken while the server runs, restoring one
//!   into a new data dir, and the log's identity and lineage that tell a device its cursor
//!   belongs to a log the server no longer has.
//!
//! # Formats
//! Each database records its format in a `meta` tree. The log's ([`DATA_FORMAT`]) is the
//! source of truth: a data dir written by a newer firecheck is refused with a message,
//! an older one is migrated in order. The views' ([`VIEWS_FORMAT`]) are derived: views of any
//! other format are dropped at start-up and folded again from the log.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use firecheck_shared::codec::decode_unframed;
use firecheck_shared::*;
use serde::de::DeserializeOwned;

pub mod accounts;
pub mod audit;
pub mod backup;
mod blob_bytes;
pub mod blobs;
pub mod console;
pub mod coverage;
pub mod index;
pub mod intake;
pub mod kv;
pub mod log;
mod logins;
mod migrate;
mod pglog;
pub mod units;
pub mod views;

pub use accounts::{
    AccountError, AccountStatus, AuditStamp, DeviceRecord, RefreshRecord, UserRecord,
};
pub use backup::{BackupError, LogIdentity, SnapshotSummary};
pub use blob_bytes::{BlobsAt, S3At};
pub use blobs::{BlobError, BlobState, SweepReport, UploadLimits, Uploader};
pub use console::{FormRecord, SessionRecord};
pub use coverage::{CoverageFigures, VenueCoverage};
pub use index::{HazardEntry, IndexPage, PartitionKind};
pub use log::{CommitBatch, LogEntry, Run, RECORD_ENTRIES};
pub use logins::LoginFailures;
pub use pglog::{Ledger, PgLedger};
pub use views::{PartitionFailure, PartitionRecords, ViewBatch};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("storage error: {0}")]
    Sled(#[from] sled::Error),
    #[error("database error: {0}")]
    Postgres(String),
    #[error("stored record is unreadable ({what}): {message}")]
    Corrupt { what: &'static str, message: String },
    #[error("the data dir is in format {found}, newer than this firecheck-server knows ({known}); run the newer firecheck-server that wrote it")]
    TooNew { found: u32, known: u32 },
    #[error("attachments at {at}: {message}")]
    Blobs { at: String, message: String },
}

impl StoreError {
    /// Whether the trouble is the disk's (full, read-only, failing) rather than the data's.
    pub fn is_io(&self) -> bool {
        self.io_error().is_some()
    }

    /// The disk's error, when the trouble is the disk's.
    pub fn io_error(&self) -> Option<&std::io::Error> {
        match self {
            StoreError::Sled(sled::Error::Io(e)) => Some(e),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The format of the log and accounts (`db/`).
///
/// 1. Log records `L | org | first seq`, runs `R | device | first device_seq`, accounts.
/// 2. Accounts carry their state ([`AccountStatus`]: disabled, one-time password, session
///    generation); the audit log `A` and units `N` in `accounts`; tree `uploads` records
///    which organisations hold each attachment and their pending uploads, and uploads in
///    progress are kept per organisation (`blobs/partial/{org}/`).
/// 3. Intake keys `K` and `k` in `accounts`; the log may hold the op kinds of the other
///    channels (citizen reports with case numbers, links, replies, drill findings, visits,
///    venue status) and the audit log the intake keys' actions, which an older server cannot
///    read — so it refuses the data dir instead of failing on them. Nothing stored changes.
pub const DATA_FORMAT: u32 = 3;

/// The format of the views (`views/`); any other is dropped and folded again.
///
/// 1. One `PartitionState` per partition with every inspection and hazard history inside.
/// 2. Bounded states; inspections, hazard histories, aliases and unresolved ops as records
///    of their own; the hazard-home index; partition failures.
/// 3. The review indexes and counts (`store::index`) and campaign coverage.
/// 4. States of the fold with the other channels (venue status, replies, drill findings,
///    visits, case numbers and links, amendments' changes); the visits index `M`.
/// 5. The index of citizen reports by the hazard they are linked to, `J`; visits keyed by
///    their place as well.
/// 6. Index keys' text escaped so that names with control characters sort as they read.
pub const VIEWS_FORMAT: u32 = 6;

pub(crate) fn key(prefix: u8, parts: &[&[u8]]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + parts.iter().map(|p| p.len()).sum::<usize>());
    k.push(prefix);
    for p in parts {
        k.extend_from_slice(p);
    }
    k
}

pub(crate) fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8]) -> Result<T> {
    decode_unframed(bytes).map_err(|e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    })
}

/// Most bytes of sled page cache the views' database gets (less when the server's whole cache
/// is smaller).
pub const VIEWS_CACHE_BYTES: u64 = 64 * 1024 * 1024;

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

fn read_format(meta: &kv::Tree) -> Result<Option<u32>> {
    match meta.get("format")? {
        None => Ok(None),
        Some(v) => v
            .as_ref()
            .try_into()
            .map(|b| Some(u32::from_le_bytes(b)))
            .map_err(|_| StoreError::Corrupt {
                what: "format",
                message: format!("{} bytes", v.len()),
            }),
    }
}

/// The sled databases behind the server: the log's (`db/`: log, runs, accounts) and the
/// views' (`views/`), so the sequencer's flush on the acknowledgment path writes only the
/// log, and the views get a page cache of their own.
#[derive(Clone, Debug)]
pub struct Store {
    /// The PostgreSQL pool when the store is there (the log is then `pglog`'s tables).
    pg: Option<kv::Pool>,
    db: kv::Db,
    views_db: kv::Db,
    ops: kv::Tree,
    views: kv::Tree,
    accounts: kv::Tree,
    uploads: kv::Tree,
    console: kv::Tree,
    /// Where the attachments' bytes are (files or a bucket).
    blob_bytes: blob_bytes::BlobBytes,
    /// Account and unit changes are read, checked and written one at a time (they are rare),
    /// so a check such as "the organisation keeps an enabled admin" holds when written.
    account_writes: Arc<Mutex<()>>,
    /// Held while an upload is moved into place and its holder recorded, and while the
    /// sweep decides to delete a file, so neither undoes the other.
    blob_files: Arc<Mutex<()>>,
    /// Per organisation, the highest sequence number known to be flushed to disk.
    durable: Arc<Mutex<HashMap<OrgId, u64>>>,
    /// A commit failed after its batch may have reached sled's memory; the next successful
    /// flush makes those entries durable as well, so `durable` is reloaded then.
    durable_stale: Arc<AtomicBool>,
    /// Which log this is (read at open; only a restore, offline, changes it).
    log: Arc<LogIdentity>,
}

impl Store {
    /// The store on sled in `dir`, attachments in `dir/blobs`.
    pub fn open(dir: &Path, cache_bytes: u64) -> Result<Self> {
        Self::open_sled(dir, cache_bytes, &BlobsAt::DataDir)
    }

    /// The store on sled in `dir`, attachments where `blobs` says.
    pub fn open_sled(dir: &Path, cache_bytes: u64, blobs: &BlobsAt) -> Result<Self> {
        let db = kv::Db::sled(open_db(&dir.join("db"), cache_bytes)?);
        let views_db = kv::Db::sled(open_db(
            &dir.join("views"),
            cache_bytes.min(VIEWS_CACHE_BYTES),
        )?);
        Self::open_on(None, db, views_db, blob_bytes::BlobBytes::open(blobs, dir)?)
    }

    /// The store on PostgreSQL (and the engines that speak its protocol): both databases
    /// in the `kv` table, the log in its own tables; attachments where `blobs` says (`dir`
    /// being the node's own directory). Each node keeps views of its own (`views:NODE`),
    /// folded from the shared log.
    pub fn open_postgres(pool: &kv::Pool, node: &str, dir: &Path, blobs: &BlobsAt) -> Result<Self> {
        Self::open_on(
            Some(pool.clone()),
            pool.db("db"),
            pool.db(&format!("views:{node}")),
            blob_bytes::BlobBytes::open(blobs, dir)?,
        )
    }

    fn open_on(
        pg: Option<kv::Pool>,
        db: kv::Db,
        views_db: kv::Db,
        blob_bytes: blob_bytes::BlobBytes,
    ) -> Result<Self> {
        let meta = db.open_tree("meta")?;
        let existing = db.tree_exists("ops")?;
        let format = match read_format(&meta)? {
            Some(found) if found > DATA_FORMAT => {
                return Err(StoreError::TooNew {
                    found,
                    known: DATA_FORMAT,
                })
            }
            Some(found) => found,
            // Format 1 is the first recorded one; data dirs from before it are format 1.
            None if existing => {
                tracing::info!("data dir from before formats were recorded: format 1");
                1
            }
            None => {
                meta.insert("format", DATA_FORMAT.to_le_bytes())?;
                db.flush()?;
                DATA_FORMAT
            }
        };
        // Data dirs from before the views had their own database keep them in the log's:
        // drop them there (the views database starts empty, so the updater folds the log).
        if db.tree_exists("views")? {
            db.drop_tree("views")?;
            db.flush()?;
        }
        let views = views_db.open_tree("views")?;
        let views_meta = views_db.open_tree("meta")?;
        let views_format =
            read_format(&views_meta)?.unwrap_or(if views.is_empty()? { VIEWS_FORMAT } else { 1 });
        if views_format != VIEWS_FORMAT {
            tracing::warn!(
                found = views_format,
                current = VIEWS_FORMAT,
                "views of another format: dropping them; they are folded again from the log"
            );
            views.clear()?;
        }
        views_meta.insert("format", VIEWS_FORMAT.to_le_bytes())?;
        views_db.flush()?;
        let log = Arc::new(Self::load_log_identity(&db)?);
        let store = Self {
            log,
            pg,
            ops: db.open_tree("ops")?,
            views,
            accounts: db.open_tree("accounts")?,
            uploads: db.open_tree("uploads")?,
            console: db.open_tree("console")?,
            db,
            views_db,
            blob_bytes,
            account_writes: Arc::default(),
            blob_files: Arc::default(),
            durable: Arc::default(),
            durable_stale: Arc::default(),
        };
        // Everything found on disk at start-up is durable.
        store.reload_durable_heads()?;
        if format < DATA_FORMAT {
            migrate::run(&store, &meta, format)?;
        }
        Ok(store)
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

    /// Whether storage takes writes now: a small write to each database, flushed (`/readyz`).
    pub fn probe_write(&self) -> Result<()> {
        let now = Timestamp::now().0.to_le_bytes();
        self.db.open_tree("meta")?.insert("probe", now)?;
        self.db.flush()?;
        self.views_db.open_tree("meta")?.insert("probe", now)?;
        self.views_db.flush()?;
        Ok(())
    }

    /// A secret every node on the database shares (the token signing key, the operator
    /// key): made by the first node that asks, kept in the database.
    pub fn shared_secret(&self, name: &str) -> Result<String> {
        let meta = self.db.open_tree("meta")?;
        let key = format!("secret/{name}");
        if let Some(v) = meta.get(&key)? {
            return Ok(String::from_utf8_lossy(&v).into_owned());
        }
        let fresh = crate::auth::random_token();
        // Two nodes starting at once: one write wins, both read it.
        meta.compare_and_swap(&key, None, Some(fresh.into_bytes()))?;
        meta.get(&key)?
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .ok_or_else(|| StoreError::Corrupt {
                what: "secret",
                message: format!("{name} vanished after it was written"),
            })
    }

    /// Bytes the database takes on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        Ok(self.db.size_on_disk()? + self.views_db.size_on_disk()?)
    }
}
