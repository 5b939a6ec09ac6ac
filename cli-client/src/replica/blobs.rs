//! `blobs`: `sha256` → [`BlobEntry`], the attachments this device holds and whether the
//! server has them yet. The bytes are files under `blobs/` in the home dir, copied in when the
//! op is recorded (so the original photo may be deleted), synced to disk first.

use std::path::PathBuf;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::i18n::Msg;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::{decode, LocalReplica, ReplicaError, Result};

/// An attachment held on this device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlobEntry {
    pub hash: BlobHash,
    pub size: u64,
    pub media_type: String,
    /// The server holds it (verified).
    pub uploaded: bool,
}

/// Why an attachment cannot be taken in.
#[derive(Debug)]
pub enum AttachError {
    NotEvidence,
    Keep {
        dir: PathBuf,
        source: std::io::Error,
    },
    Replica(ReplicaError),
}

impl From<ReplicaError> for AttachError {
    fn from(e: ReplicaError) -> Self {
        AttachError::Replica(e)
    }
}

impl AttachError {
    /// What went wrong, to be rendered in the person's language.
    pub fn msg(&self) -> Msg {
        match self {
            AttachError::NotEvidence => msg!("attach-not-evidence"),
            AttachError::Keep { dir, source } => msg!(
                "attach-keep",
                dir = dir.display().to_string(),
                detail = source.to_string()
            ),
            AttachError::Replica(e) => e.msg(),
        }
    }
}

impl std::fmt::Display for AttachError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for AttachError {}

impl LocalReplica {
    /// Copy a photo or document into this device's blob store (synced to disk) and remember
    /// it for upload. The same bytes twice are stored once.
    pub fn add_blob(&self, bytes: &[u8]) -> Result<BlobEntry, AttachError> {
        let media_type = evidence_media_type(bytes).ok_or(AttachError::NotEvidence)?;
        let hash = BlobHash::of(bytes);
        if let Some(e) = self.blob_entry(&hash)? {
            return Ok(e);
        }
        let io = |source: std::io::Error| AttachError::Keep {
            dir: self.blob_dir.clone(),
            source,
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
            .map_err(|e| self.err(e))?;
        self.flush()?;
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
}
