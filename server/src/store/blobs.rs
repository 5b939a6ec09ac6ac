//! Attachments: files under `blobs/` in the data dir, named by their SHA-256. Uploads in
//! progress grow under `blobs/partial/` and are moved into place only after their hash is
//! verified and the file is synced.

use std::io::{Read, Seek, Write};
use std::path::PathBuf;

use firecheck_shared::*;

use super::{Result, Store};

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
}
