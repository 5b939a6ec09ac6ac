//! Attachments: files under `blobs/` in the data dir named by their SHA-256, each stored once
//! however many organisations hold it, and who may see them (tree `uploads` in `db/`):
//!
//! - `H | org | sha256` → [`Holding`]: a device of the organisation sent these bytes and they
//!   were verified. An organisation sees an attachment — `HEAD`, a `PUT` answered "already
//!   complete", `GET`, a sync's `missing_blobs` — only when it holds it. Knowing a hash is
//!   never enough (not even naming it in an op), so no organisation can learn that another
//!   stored a photo: to another organisation it is absent until its own device sends the
//!   same bytes.
//! - `P | org | sha256` → [`PendingUpload`]: an upload that no op of the organisation
//!   referred to when it began. Bounded per organisation ([`UploadLimits`]), released once an
//!   op refers to it, and expired with its bytes by [`Store::sweep_uploads`] otherwise.
//!
//! Uploads in progress grow under `blobs/partial/{org}/{sha256}` — one per organisation, so
//! an organisation never sees another's progress — and are moved into place only after their
//! hash is verified and the file is synced.

use std::collections::BTreeSet;
use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::kv;
use super::{decode, key, Result, Store, StoreError};

/// Why an upload chunk was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("the upload continues at byte {have}, not {offset}")]
    WrongOffset { have: u64, offset: u64 },
    #[error("the bytes do not match their name: they hash to {actual}")]
    HashMismatch { actual: String },
    #[error("this organisation already has {count} uploads ({bytes} bytes) that no record refers to; the limit is {max_count} uploads and {max_bytes} bytes until records refer to them or they expire")]
    Quota {
        count: u64,
        bytes: u64,
        max_count: u64,
        max_bytes: u64,
    },
    #[error("attachment storage: {0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for BlobError {
    fn from(e: sled::Error) -> Self {
        BlobError::Store(e.into())
    }
}

/// How far an organisation's upload is, as that organisation may see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlobState {
    Missing,
    Partial(u64),
    Complete(u64),
}

/// Who sends an upload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Uploader {
    pub device: DeviceId,
    pub user: UserId,
}

/// An organisation holds an attachment: its device sent the verified bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holding {
    pub by: Uploader,
    pub at_ms: i64,
    pub bytes: u64,
}

/// An upload no op of its organisation referred to when it began.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingUpload {
    pub by: Uploader,
    pub started_ms: i64,
    /// The size the upload announced.
    pub total: u64,
}

/// How many uploads that no record refers to an organisation may keep at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UploadLimits {
    pub max_count: u64,
    pub max_bytes: u64,
}

impl Default for UploadLimits {
    /// 200 uploads and 1 GiB per organisation: devices sync their records before their
    /// photos, so in normal work an upload is referred to before it starts and never counts.
    fn default() -> Self {
        Self {
            max_count: 200,
            max_bytes: 1024 * 1024 * 1024,
        }
    }
}

/// What one [`Store::sweep_uploads`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// Pending uploads an op now refers to: no longer pending, kept.
    pub released: u64,
    /// Pending uploads past their time, forgotten with their bytes.
    pub expired: u64,
    /// Unfinished upload files past their time, removed.
    pub partials_removed: u64,
    /// Attachment files no organisation holds any more, removed.
    pub files_removed: u64,
    pub bytes_freed: u64,
}

fn holding_key(org: OrgId, hash: &BlobHash) -> Vec<u8> {
    key(b'H', &[org.as_bytes(), &hash.0])
}

fn pending_key(org: OrgId, hash: &BlobHash) -> Vec<u8> {
    key(b'P', &[org.as_bytes(), &hash.0])
}

/// When a file was last written, in ms since 1970 (0 when unknown: treated as old).
fn modified_ms(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64)
}

fn remove_if_exists(path: &std::path::Path) -> std::io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => {
            std::fs::remove_file(path)?;
            Ok(m.len())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

impl Store {
    fn blob_path(&self, hash: &BlobHash) -> PathBuf {
        self.blobs.join(hash.to_hex())
    }

    fn partial_dir(&self, org: OrgId) -> PathBuf {
        self.blobs.join("partial").join(org.0.simple().to_string())
    }

    fn partial_path(&self, org: OrgId, hash: &BlobHash) -> PathBuf {
        self.partial_dir(org).join(hash.to_hex())
    }

    /// Whether `org` holds this attachment and its bytes are here.
    pub fn holds(&self, org: OrgId, hash: &BlobHash) -> Result<bool, BlobError> {
        Ok(self.uploads.contains_key(holding_key(org, hash))? && self.blob_path(hash).is_file())
    }

    /// How far `org`'s upload of an attachment is, as `org` may see it: complete when it
    /// holds it, partial when its own upload is under way, else missing (whatever other
    /// organisations hold).
    pub fn blob_state(&self, org: OrgId, hash: &BlobHash) -> Result<BlobState, BlobError> {
        if self.holds(org, hash)? {
            if let Ok(m) = std::fs::metadata(self.blob_path(hash)) {
                return Ok(BlobState::Complete(m.len()));
            }
        }
        match std::fs::metadata(self.partial_path(org, hash)) {
            Ok(m) => Ok(BlobState::Partial(m.len())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BlobState::Missing),
            Err(e) => Err(e.into()),
        }
    }

    /// Count an upload that no op of `org` refers to against the organisation's limits, and
    /// record it as pending. Nothing to do when it already is; pending uploads that an op has
    /// come to refer to are released on the way.
    pub fn reserve_upload(
        &self,
        org: OrgId,
        hash: &BlobHash,
        by: Uploader,
        total: u64,
        now_ms: i64,
        limits: UploadLimits,
    ) -> Result<(), BlobError> {
        let _files = crate::lock(&self.blob_files);
        let _nodes = self.db.hold("blobs")?;
        if self.uploads.contains_key(pending_key(org, hash))? {
            return Ok(());
        }
        let (mut count, mut bytes) = (0u64, 0u64);
        let mut released = kv::Batch::default();
        for item in self.uploads.scan_prefix(key(b'P', &[org.as_bytes()])) {
            let (k, v) = item?;
            let p: PendingUpload = decode("pending upload", &v)?;
            let pending_hash = BlobHash(k[k.len() - 32..].try_into().expect("32-byte hash"));
            if self.org_refers_to(org, &pending_hash)? {
                released.remove(k);
            } else {
                count += 1;
                bytes += p.total;
            }
        }
        if count + 1 > limits.max_count || bytes + total > limits.max_bytes {
            self.uploads.apply_batch(released)?;
            return Err(BlobError::Quota {
                count,
                bytes,
                max_count: limits.max_count,
                max_bytes: limits.max_bytes,
            });
        }
        released.insert(
            pending_key(org, hash),
            encode_unframed(&PendingUpload {
                by,
                started_ms: now_ms,
                total,
            }),
        );
        self.uploads.apply_batch(released)?;
        self.db.flush()?;
        Ok(())
    }

    /// Append `bytes` at `offset` of `org`'s upload (offset 0 starts it over); when the upload
    /// reaches `total`, verify its hash, move it into place (or keep the copy already there:
    /// same name, same bytes) and record that `org` holds it. Returns the new state.
    #[allow(clippy::too_many_arguments)]
    pub fn blob_append(
        &self,
        org: OrgId,
        by: Uploader,
        hash: &BlobHash,
        offset: u64,
        bytes: &[u8],
        total: u64,
        now_ms: i64,
    ) -> Result<BlobState, BlobError> {
        if let BlobState::Complete(n) = self.blob_state(org, hash)? {
            return Ok(BlobState::Complete(n));
        }
        std::fs::create_dir_all(self.partial_dir(org))?;
        let path = self.partial_path(org, hash);
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
        let _files = crate::lock(&self.blob_files);
        let _nodes = self.db.hold("blobs")?;
        let target = self.blob_path(hash);
        if target.is_file() {
            std::fs::remove_file(&path)?;
        } else {
            std::fs::rename(&path, &target)?;
            if let Ok(dir) = std::fs::File::open(&self.blobs) {
                let _ = dir.sync_all();
            }
        }
        self.uploads.insert(
            holding_key(org, hash),
            encode_unframed(&Holding {
                by,
                at_ms: now_ms,
                bytes: len,
            }),
        )?;
        self.db.flush()?;
        Ok(BlobState::Complete(len))
    }

    /// A complete attachment's bytes (the caller checks who may read them).
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

    /// Whether any organisation holds this attachment.
    fn held_by_anyone(&self, hash: &BlobHash) -> Result<bool> {
        for org in self.orgs()? {
            if self.uploads.contains_key(holding_key(org.id, hash))? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Forget uploads that nothing refers to once they are older than `ttl_ms` at `now_ms`
    /// (the clock is the caller's, so tests can move it): a pending upload no op of its
    /// organisation came to refer to, with its bytes; unfinished upload files; attachment
    /// files no organisation holds. Pending uploads an op now refers to are released.
    ///
    /// An organisation whose views have not caught up with its log keeps its pending
    /// uploads until they have (an op already stored may refer to them).
    pub fn sweep_uploads(&self, now_ms: i64, ttl_ms: i64) -> Result<SweepReport, BlobError> {
        let mut report = SweepReport::default();
        let old = |ms: i64| now_ms.saturating_sub(ms) >= ttl_ms;
        let mut candidates = BTreeSet::new();
        let _files = crate::lock(&self.blob_files);
        let _nodes = self.db.hold("blobs")?;
        for org in self.orgs()? {
            let org = org.id;
            let caught_up = self.view_watermark(org)? >= self.durable_seq(org);
            let mut b = kv::Batch::default();
            for item in self.uploads.scan_prefix(key(b'P', &[org.as_bytes()])) {
                let (k, v) = item?;
                let p: PendingUpload = decode("pending upload", &v)?;
                let hash = BlobHash(k[k.len() - 32..].try_into().expect("32-byte hash"));
                if self.org_refers_to(org, &hash)? {
                    b.remove(k);
                    report.released += 1;
                    continue;
                }
                let partial = self.partial_path(org, &hash);
                let last = std::fs::metadata(&partial)
                    .map_or(p.started_ms, |m| modified_ms(&m).max(p.started_ms));
                if !caught_up || !old(last) {
                    continue;
                }
                b.remove(k);
                b.remove(holding_key(org, &hash));
                report.bytes_freed += remove_if_exists(&partial)?;
                candidates.insert(hash);
                report.expired += 1;
                tracing::info!(%org, hash = %hash.to_hex(), started_ms = p.started_ms, "an upload no record refers to expired");
            }
            self.uploads.apply_batch(b)?;
            // Unfinished uploads given up long ago (also of attachments an op refers to).
            if let Ok(dir) = std::fs::read_dir(self.partial_dir(org)) {
                for e in dir {
                    let e = e?;
                    let m = e.metadata()?;
                    if m.is_file() && old(modified_ms(&m)) {
                        std::fs::remove_file(e.path())?;
                        report.partials_removed += 1;
                        report.bytes_freed += m.len();
                    }
                }
            }
        }
        // Unfinished uploads of the layout before format 2 (`partial/{sha256}`).
        for e in std::fs::read_dir(self.blobs.join("partial"))? {
            let e = e?;
            let m = e.metadata()?;
            if m.is_file() && old(modified_ms(&m)) {
                std::fs::remove_file(e.path())?;
                report.partials_removed += 1;
                report.bytes_freed += m.len();
            }
        }
        // Files nobody holds: those just expired, and any older than the time allowed (a
        // crash between moving a file into place and recording its holder).
        for e in std::fs::read_dir(&self.blobs)? {
            let e = e?;
            let m = e.metadata()?;
            let Some(hash) = e
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<BlobHash>().ok())
            else {
                continue;
            };
            if !m.is_file() || !(candidates.contains(&hash) || old(modified_ms(&m))) {
                continue;
            }
            if !self.held_by_anyone(&hash)? {
                std::fs::remove_file(e.path())?;
                report.files_removed += 1;
                report.bytes_freed += m.len();
            }
        }
        self.db.flush()?;
        Ok(report)
    }
}
