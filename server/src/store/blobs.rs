//! Attachments: their bytes named by their SHA-256, each stored once however many
//! organisations hold it (in files or a bucket, [`super::blob_bytes`]), and who may see them
//! (tree `uploads` in `db/`, on either store backend):
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
//! Uploads in progress grow under `partial/{org}/{sha256}` — one per organisation, so an
//! organisation never sees another's progress — and are put into place only after their
//! hash is verified and their bytes are durable.

use std::collections::BTreeSet;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::blob_bytes::Appended;
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

impl Store {
    /// Whether `org` holds this attachment and its bytes are here.
    pub fn holds(&self, org: OrgId, hash: &BlobHash) -> Result<bool, BlobError> {
        Ok(self.uploads.contains_key(holding_key(org, hash))?
            && self.blob_bytes.complete_len(hash)?.is_some())
    }

    /// How far `org`'s upload of an attachment is, as `org` may see it: complete when it
    /// holds it, partial when its own upload is under way, else missing (whatever other
    /// organisations hold).
    pub fn blob_state(&self, org: OrgId, hash: &BlobHash) -> Result<BlobState, BlobError> {
        if self.uploads.contains_key(holding_key(org, hash))? {
            if let Some(n) = self.blob_bytes.complete_len(hash)? {
                return Ok(BlobState::Complete(n));
            }
        }
        Ok(match self.blob_bytes.partial_len(org, hash)? {
            Some(n) => BlobState::Partial(n),
            None => BlobState::Missing,
        })
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
        let all = match self.blob_bytes.append(org, hash, offset, bytes, total)? {
            Appended::Partial(len) => return Ok(BlobState::Partial(len)),
            Appended::Whole(all) => all,
        };
        let len = all.len() as u64;
        let actual = BlobHash::of(&all);
        if &actual != hash {
            self.blob_bytes.discard_partial(org, hash)?;
            return Err(BlobError::HashMismatch {
                actual: actual.to_hex(),
            });
        }
        let _files = crate::lock(&self.blob_files);
        let _nodes = self.db.hold("blobs")?;
        self.blob_bytes.place(org, hash, &all)?;
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
        self.blob_bytes.read(hash)
    }

    /// Complete attachments: how many, and their bytes.
    pub fn blob_usage(&self) -> std::io::Result<(u64, u64)> {
        let stored = self.blob_bytes.stored()?;
        Ok((stored.len() as u64, stored.iter().map(|s| s.bytes).sum()))
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
                let last = self
                    .blob_bytes
                    .partial_modified_ms(org, &hash)?
                    .map_or(p.started_ms, |m| m.max(p.started_ms));
                if !caught_up || !old(last) {
                    continue;
                }
                b.remove(k);
                b.remove(holding_key(org, &hash));
                report.bytes_freed += self.blob_bytes.discard_partial(org, &hash)?;
                candidates.insert(hash);
                report.expired += 1;
                tracing::info!(%org, hash = %hash.to_hex(), started_ms = p.started_ms, "an upload no record refers to expired");
            }
            self.uploads.apply_batch(b)?;
            // Unfinished uploads given up long ago (also of attachments an op refers to).
            for p in self.blob_bytes.partials(org)? {
                if old(p.modified_ms) {
                    self.blob_bytes.discard_partial(org, &p.hash)?;
                    report.partials_removed += 1;
                    report.bytes_freed += p.bytes;
                }
            }
        }
        // Unfinished uploads of the layout before format 2 (`partial/{sha256}`).
        let (n, bytes) = self
            .blob_bytes
            .sweep_format1_partials(now_ms.saturating_sub(ttl_ms))?;
        report.partials_removed += n;
        report.bytes_freed += bytes;
        // Attachments nobody holds: those just expired, and any older than the time allowed
        // (a crash between putting the bytes into place and recording their holder).
        for stored in self.blob_bytes.stored()? {
            if !(candidates.contains(&stored.hash) || old(stored.modified_ms)) {
                continue;
            }
            if !self.held_by_anyone(&stored.hash)? {
                report.bytes_freed += self.blob_bytes.remove(&stored.hash)?;
                report.files_removed += 1;
            }
        }
        self.db.flush()?;
        Ok(report)
    }
}
