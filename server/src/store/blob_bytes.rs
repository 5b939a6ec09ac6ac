//! Where attachment bytes are kept: files in a directory (the default: `blobs/` in the data
//! dir) or objects in an S3-compatible bucket (`--blobs s3://bucket/prefix`). Only bytes:
//! which organisations hold an attachment and which uploads are pending stay in the
//! key-value store ([`super::blobs`]), so tenancy is decided in one place whatever holds the
//! bytes, and several server nodes on one database share it.
//!
//! The layout is the same on both (a path under the directory, a key under the prefix):
//! - `{sha256}`: a complete attachment, verified, stored once whoever sent it;
//! - `partial/{org}/{sha256}`: an organisation's upload in progress. A file grows in place;
//!   an object cannot be appended to, so on a bucket each chunk is an object of its own,
//!   `partial/{org}/{sha256}/{offset, 20 digits}`, and an upload resumes on whichever node
//!   the device reaches next;
//! - `partial/{sha256}` (files only): unfinished uploads of data format 1, swept.
//!
//! The bucket is reached through the `object_store` crate, which is async; the store's
//! interface is blocking (it runs on the blocking pool and on the server's own threads), so
//! a bucket has a small runtime of its own and each call waits on it
//! ([`super::kv::off_runtime`] keeps that wait off the async workers).

use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use firecheck_shared::*;
use futures_util::TryStreamExt;
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::path::Path as Key;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use super::blobs::BlobError;
use super::StoreError;

/// Where attachments are kept: the `--blobs` setting.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum BlobsAt {
    /// `blobs/` in the data dir (the default).
    #[default]
    DataDir,
    /// A directory of their own (`file:DIR`): e.g. a file system every node mounts.
    Files(PathBuf),
    /// An S3-compatible bucket (`s3://bucket/prefix`).
    S3(S3At),
}

/// A bucket and the prefix under which the attachments are kept. Credentials, region and
/// endpoint come from the standard `AWS_*` environment variables (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_DEFAULT_REGION`, `AWS_ENDPOINT_URL`, `AWS_ALLOW_HTTP`),
/// then from `settings`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct S3At {
    pub bucket: String,
    /// Without leading or trailing `/`; empty for the bucket's root.
    pub prefix: String,
    /// `object_store` settings (`aws_endpoint`, `aws_access_key_id`, …) over the
    /// environment's: for tests, which point at a local server without changing the
    /// process environment.
    pub settings: Vec<(String, String)>,
}

impl std::fmt::Debug for BlobsAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobsAt::DataDir => f.write_str("DataDir"),
            BlobsAt::Files(dir) => write!(f, "Files({})", dir.display()),
            // Settings may hold keys: only their names.
            BlobsAt::S3(s3) => write!(
                f,
                "S3({}, settings: {:?})",
                s3.url(),
                s3.settings.iter().map(|(k, _)| k).collect::<Vec<_>>()
            ),
        }
    }
}

/// As `--blobs` takes it (`blobs/` in the data dir for the default).
impl std::fmt::Display for BlobsAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlobsAt::DataDir => f.write_str("blobs/ in the data dir"),
            BlobsAt::Files(dir) => write!(f, "file:{}", dir.display()),
            BlobsAt::S3(s3) => f.write_str(&s3.url()),
        }
    }
}

impl std::fmt::Debug for S3At {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", BlobsAt::S3(self.clone()))
    }
}

impl S3At {
    /// `s3://bucket/prefix`.
    pub fn url(&self) -> String {
        if self.prefix.is_empty() {
            format!("s3://{}", self.bucket)
        } else {
            format!("s3://{}/{}", self.bucket, self.prefix)
        }
    }
}

impl BlobsAt {
    /// `file:DIR` or `s3://bucket[/prefix]`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some(dir) = s.strip_prefix("file:") {
            if dir.is_empty() {
                return Err("--blobs file:DIR needs a directory".into());
            }
            return Ok(BlobsAt::Files(PathBuf::from(dir)));
        }
        if let Some(rest) = s.strip_prefix("s3://") {
            let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
            let valid_bucket = (3..=63).contains(&bucket.len())
                && bucket.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                });
            if !valid_bucket {
                return Err(format!(
                    "--blobs {s:?}: {bucket:?} is not a bucket name (3 to 63 lower-case letters, digits, '-' and '.')"
                ));
            }
            let prefix = prefix.trim_matches('/');
            if prefix.split('/').any(|p| p == "." || p == "..")
                || prefix.contains("//")
                || prefix.chars().any(char::is_control)
            {
                return Err(format!(
                    "--blobs {s:?}: the prefix must be plain path segments"
                ));
            }
            return Ok(BlobsAt::S3(S3At {
                bucket: bucket.to_string(),
                prefix: prefix.to_string(),
                settings: Vec::new(),
            }));
        }
        Err(format!(
            "--blobs {s:?}: expected file:DIR or s3://bucket/prefix"
        ))
    }
}

/// The attachments' bytes, on one of the two backends.
#[derive(Clone, Debug)]
pub(crate) enum BlobBytes {
    Files(PathBuf),
    Bucket(Arc<Bucket>),
}

/// What an append left: the upload's length so far, or (once it reached its announced
/// size) all its bytes, to be verified.
pub(crate) enum Appended {
    Partial(u64),
    Whole(Vec<u8>),
}

/// An upload in progress as a sweep sees it.
#[derive(Debug)]
pub(crate) struct Partial {
    pub hash: BlobHash,
    pub bytes: u64,
    /// When it was last written (ms since 1970; 0 when unknown: treated as old).
    pub modified_ms: i64,
}

/// A complete attachment as a sweep sees it.
#[derive(Debug)]
pub(crate) struct Stored {
    pub hash: BlobHash,
    pub bytes: u64,
    pub modified_ms: i64,
}

fn io(e: object_store::Error) -> std::io::Error {
    std::io::Error::other(format!("object store: {e}"))
}

/// When a file was last written, in ms since 1970 (0 when unknown: treated as old).
fn modified_ms(m: &std::fs::Metadata) -> i64 {
    m.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as i64)
}

fn remove_if_exists(path: &Path) -> std::io::Result<u64> {
    match std::fs::metadata(path) {
        Ok(m) => {
            std::fs::remove_file(path)?;
            Ok(m.len())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

fn org_dir(org: OrgId) -> String {
    org.0.simple().to_string()
}

impl BlobBytes {
    /// Open (and for files, create) where `at` says, `data_dir` being the node's own
    /// directory. A bucket is listed once, so a wrong name, endpoint or key is said at
    /// start-up rather than at the first photo.
    pub fn open(at: &BlobsAt, data_dir: &Path) -> Result<Self, StoreError> {
        let dir = match at {
            BlobsAt::DataDir => data_dir.join("blobs"),
            BlobsAt::Files(dir) => dir.clone(),
            BlobsAt::S3(s3) => return Ok(BlobBytes::Bucket(Arc::new(Bucket::open(s3)?))),
        };
        std::fs::create_dir_all(dir.join("partial")).map_err(|e| StoreError::Blobs {
            at: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Ok(BlobBytes::Files(dir))
    }

    /// A complete attachment's length, `None` when it is not here.
    pub fn complete_len(&self, hash: &BlobHash) -> std::io::Result<Option<u64>> {
        match self {
            BlobBytes::Files(dir) => match std::fs::metadata(dir.join(hash.to_hex())) {
                Ok(m) if m.is_file() => Ok(Some(m.len())),
                Ok(_) => Ok(None),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            BlobBytes::Bucket(b) => b.head(&b.key(&[&hash.to_hex()])),
        }
    }

    /// A complete attachment's bytes.
    pub fn read(&self, hash: &BlobHash) -> std::io::Result<Option<Vec<u8>>> {
        match self {
            BlobBytes::Files(dir) => match std::fs::read(dir.join(hash.to_hex())) {
                Ok(b) => Ok(Some(b)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            BlobBytes::Bucket(b) => b.get(&b.key(&[&hash.to_hex()])),
        }
    }

    /// How much of `org`'s upload is here, `None` when none is under way.
    pub fn partial_len(&self, org: OrgId, hash: &BlobHash) -> std::io::Result<Option<u64>> {
        match self {
            BlobBytes::Files(dir) => match std::fs::metadata(Self::partial_path(dir, org, hash)) {
                Ok(m) => Ok(Some(m.len())),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            BlobBytes::Bucket(b) => {
                let chunks = b.chunks(org, hash)?;
                Ok((!chunks.is_empty()).then(|| Bucket::contiguous(&chunks).0))
            }
        }
    }

    fn partial_path(dir: &Path, org: OrgId, hash: &BlobHash) -> PathBuf {
        dir.join("partial").join(org_dir(org)).join(hash.to_hex())
    }

    /// Append `bytes` at `offset` of `org`'s upload (offset 0 starts it over), durably.
    /// Once the upload has `total` bytes, all of them are returned to be verified.
    pub fn append(
        &self,
        org: OrgId,
        hash: &BlobHash,
        offset: u64,
        bytes: &[u8],
        total: u64,
    ) -> Result<Appended, BlobError> {
        match self {
            BlobBytes::Files(dir) => {
                std::fs::create_dir_all(dir.join("partial").join(org_dir(org)))?;
                let path = Self::partial_path(dir, org, hash);
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
                    return Ok(Appended::Partial(len));
                }
                f.sync_all()?;
                f.seek(std::io::SeekFrom::Start(0))?;
                let mut all = Vec::with_capacity(len as usize);
                f.read_to_end(&mut all)?;
                Ok(Appended::Whole(all))
            }
            BlobBytes::Bucket(b) => b.append(org, hash, offset, bytes, total),
        }
    }

    /// Forget `org`'s upload in progress; the bytes it took.
    pub fn discard_partial(&self, org: OrgId, hash: &BlobHash) -> std::io::Result<u64> {
        match self {
            BlobBytes::Files(dir) => remove_if_exists(&Self::partial_path(dir, org, hash)),
            BlobBytes::Bucket(b) => b.discard(&b.chunks(org, hash)?),
        }
    }

    /// Put `org`'s verified upload into place as the attachment (keeping the copy already
    /// there: same name, same bytes), durably, and forget the upload.
    pub fn place(&self, org: OrgId, hash: &BlobHash, all: &[u8]) -> std::io::Result<()> {
        match self {
            BlobBytes::Files(dir) => {
                let partial = Self::partial_path(dir, org, hash);
                let target = dir.join(hash.to_hex());
                if target.is_file() {
                    std::fs::remove_file(&partial)?;
                } else {
                    std::fs::rename(&partial, &target)?;
                    if let Ok(d) = std::fs::File::open(dir) {
                        let _ = d.sync_all();
                    }
                }
                Ok(())
            }
            BlobBytes::Bucket(b) => {
                let target = b.key(&[&hash.to_hex()]);
                if b.head(&target)?.is_none() {
                    b.put(&target, all.to_vec())?;
                }
                b.discard(&b.chunks(org, hash)?)?;
                Ok(())
            }
        }
    }

    /// `org`'s uploads in progress.
    pub fn partials(&self, org: OrgId) -> std::io::Result<Vec<Partial>> {
        match self {
            BlobBytes::Files(dir) => {
                let mut out = Vec::new();
                let entries = match std::fs::read_dir(dir.join("partial").join(org_dir(org))) {
                    Ok(e) => e,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
                    Err(e) => return Err(e),
                };
                for e in entries {
                    let e = e?;
                    let m = e.metadata()?;
                    let hash = e.file_name().to_str().and_then(|n| n.parse().ok());
                    if let (true, Some(hash)) = (m.is_file(), hash) {
                        out.push(Partial {
                            hash,
                            bytes: m.len(),
                            modified_ms: modified_ms(&m),
                        });
                    }
                }
                Ok(out)
            }
            BlobBytes::Bucket(b) => b.partials(org),
        }
    }

    /// When `org`'s upload was last written (`None`: no upload under way).
    pub fn partial_modified_ms(&self, org: OrgId, hash: &BlobHash) -> std::io::Result<Option<i64>> {
        match self {
            BlobBytes::Files(dir) => match std::fs::metadata(Self::partial_path(dir, org, hash)) {
                Ok(m) => Ok(Some(modified_ms(&m))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            BlobBytes::Bucket(b) => Ok(b
                .chunks(org, hash)?
                .iter()
                .map(|c| c.last_modified.timestamp_millis())
                .max()),
        }
    }

    /// Remove unfinished uploads of data format 1 (`partial/{sha256}`, files only) last
    /// written before `cutoff_ms`: how many, and their bytes.
    pub fn sweep_format1_partials(&self, cutoff_ms: i64) -> std::io::Result<(u64, u64)> {
        let BlobBytes::Files(dir) = self else {
            return Ok((0, 0));
        };
        let (mut n, mut bytes) = (0, 0);
        for e in std::fs::read_dir(dir.join("partial"))? {
            let e = e?;
            let m = e.metadata()?;
            if m.is_file() && modified_ms(&m) <= cutoff_ms {
                std::fs::remove_file(e.path())?;
                n += 1;
                bytes += m.len();
            }
        }
        Ok((n, bytes))
    }

    /// Every complete attachment.
    pub fn stored(&self) -> std::io::Result<Vec<Stored>> {
        match self {
            BlobBytes::Files(dir) => {
                let mut out = Vec::new();
                for e in std::fs::read_dir(dir)? {
                    let e = e?;
                    let m = e.metadata()?;
                    let hash = e.file_name().to_str().and_then(|n| n.parse().ok());
                    if let (true, Some(hash)) = (m.is_file(), hash) {
                        out.push(Stored {
                            hash,
                            bytes: m.len(),
                            modified_ms: modified_ms(&m),
                        });
                    }
                }
                Ok(out)
            }
            BlobBytes::Bucket(b) => b.stored(),
        }
    }

    /// Remove a complete attachment; the bytes it took.
    pub fn remove(&self, hash: &BlobHash) -> std::io::Result<u64> {
        match self {
            BlobBytes::Files(dir) => remove_if_exists(&dir.join(hash.to_hex())),
            BlobBytes::Bucket(b) => {
                let key = b.key(&[&hash.to_hex()]);
                let bytes = b.head(&key)?.unwrap_or(0);
                b.delete(&key)?;
                Ok(bytes)
            }
        }
    }
}

/// A bucket on an S3-compatible object store, with the runtime its client runs on.
pub(crate) struct Bucket {
    url: String,
    objects: Arc<dyn ObjectStore>,
    prefix: Vec<String>,
    runtime: Runtime,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket").field("url", &self.url).finish()
    }
}

/// A Tokio runtime shut down without waiting when dropped (dropping a runtime the usual
/// way panics inside another runtime, where the last handle to a store may go).
struct Runtime(Option<tokio::runtime::Runtime>);

impl Drop for Runtime {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

/// One chunk of an upload in progress on a bucket.
#[derive(Debug)]
struct Chunk {
    key: Key,
    offset: u64,
    size: u64,
    last_modified: chrono::DateTime<chrono::Utc>,
}

impl Bucket {
    fn open(at: &S3At) -> Result<Self, StoreError> {
        let fail = |message: String| StoreError::Blobs {
            at: at.url(),
            message,
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(&at.bucket)
            // A store that does not answer should cost a request seconds, not minutes:
            // the device retries the upload anyway.
            .with_retry(RetryConfig {
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
                ..Default::default()
            });
        for (k, v) in [("timeout", "30s"), ("connect_timeout", "5s")] {
            builder = builder.with_config(
                AmazonS3ConfigKey::Client(k.parse().map_err(|e| fail(format!("{e}")))?),
                v,
            );
        }
        for (k, v) in &at.settings {
            let key: AmazonS3ConfigKey =
                k.parse().map_err(|e| fail(format!("setting {k:?}: {e}")))?;
            builder = builder.with_config(key, v);
        }
        let objects = builder.build().map_err(|e| fail(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("firecheck-blobs")
            .enable_all()
            .build()
            .map_err(|e| fail(format!("starting its client: {e}")))?;
        let bucket = Bucket {
            url: at.url(),
            objects: Arc::new(objects),
            prefix: at
                .prefix
                .split('/')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            runtime: Runtime(Some(runtime)),
        };
        let root = bucket.key(&[]);
        bucket
            .run(async { bucket.objects.list_with_delimiter(Some(&root)).await })
            .map_err(|e| fail(format!("cannot be listed: {e}")))?;
        Ok(bucket)
    }

    /// Wait for `f` on the bucket's runtime (from a thread that may block).
    fn run<T: Send>(&self, f: impl std::future::Future<Output = T> + Send) -> T {
        super::kv::off_runtime(|| {
            self.runtime
                .0
                .as_ref()
                .expect("the runtime lives as long as the bucket")
                .block_on(f)
        })
    }

    fn key(&self, parts: &[&str]) -> Key {
        Key::from_iter(
            self.prefix
                .iter()
                .map(String::as_str)
                .chain(parts.iter().copied()),
        )
    }

    fn head(&self, key: &Key) -> std::io::Result<Option<u64>> {
        match self.run(self.objects.head(key)) {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    fn get(&self, key: &Key) -> std::io::Result<Option<Vec<u8>>> {
        let got = self.run(async {
            match self.objects.get(key).await {
                Ok(r) => r.bytes().await.map(Some),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(e),
            }
        });
        got.map(|b| b.map(|b| b.to_vec())).map_err(io)
    }

    fn put(&self, key: &Key, bytes: Vec<u8>) -> std::io::Result<()> {
        self.run(self.objects.put(key, PutPayload::from(bytes)))
            .map(|_| ())
            .map_err(io)
    }

    fn delete(&self, key: &Key) -> std::io::Result<()> {
        match self.run(self.objects.delete(key)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    fn list(&self, under: &Key) -> std::io::Result<Vec<object_store::ObjectMeta>> {
        self.run(self.objects.list(Some(under)).try_collect::<Vec<_>>())
            .map_err(io)
    }

    /// The chunks of `org`'s upload, in order of their offsets.
    fn chunks(&self, org: OrgId, hash: &BlobHash) -> std::io::Result<Vec<Chunk>> {
        let under = self.key(&["partial", &org_dir(org), &hash.to_hex()]);
        let mut chunks: Vec<Chunk> = self
            .list(&under)?
            .into_iter()
            .filter_map(|m| {
                let offset = m.location.filename()?.parse().ok()?;
                Some(Chunk {
                    offset,
                    size: m.size,
                    last_modified: m.last_modified,
                    key: m.location,
                })
            })
            .collect();
        chunks.sort_by_key(|c| c.offset);
        Ok(chunks)
    }

    /// How far the chunks reach without a gap, and how many of them do.
    fn contiguous(chunks: &[Chunk]) -> (u64, usize) {
        let (mut end, mut n) = (0u64, 0);
        for c in chunks {
            if c.offset != end {
                break;
            }
            end += c.size;
            n += 1;
        }
        (end, n)
    }

    fn discard(&self, chunks: &[Chunk]) -> std::io::Result<u64> {
        let mut bytes = 0;
        for c in chunks {
            self.delete(&c.key)?;
            bytes += c.size;
        }
        Ok(bytes)
    }

    fn append(
        &self,
        org: OrgId,
        hash: &BlobHash,
        offset: u64,
        bytes: &[u8],
        total: u64,
    ) -> Result<Appended, BlobError> {
        let mut chunks = self.chunks(org, hash)?;
        if offset == 0 {
            self.discard(&chunks)?;
            chunks.clear();
        } else {
            let (have, n) = Self::contiguous(&chunks);
            if offset != have {
                return Err(BlobError::WrongOffset { have, offset });
            }
            // Chunks past a gap (a write that failed half-way) are never read.
            self.discard(&chunks[n..])?;
            chunks.truncate(n);
        }
        let hex = hash.to_hex();
        let key = self.key(&["partial", &org_dir(org), &hex, &format!("{offset:020}")]);
        self.put(&key, bytes.to_vec())?;
        let len = offset + bytes.len() as u64;
        if len < total {
            return Ok(Appended::Partial(len));
        }
        let mut all = Vec::with_capacity(len as usize);
        for c in &chunks {
            let part = self.get(&c.key)?.ok_or_else(|| {
                std::io::Error::other(format!("a chunk of the upload vanished: {}", c.key))
            })?;
            all.extend_from_slice(&part);
        }
        all.extend_from_slice(bytes);
        Ok(Appended::Whole(all))
    }

    fn partials(&self, org: OrgId) -> std::io::Result<Vec<Partial>> {
        let under = self.key(&["partial", &org_dir(org)]);
        let depth = self.prefix.len() + 2;
        let mut by_hash: std::collections::BTreeMap<BlobHash, Partial> = Default::default();
        for m in self.list(&under)? {
            let parts: Vec<_> = m.location.parts().collect();
            let Some(hash) = parts
                .get(depth)
                .and_then(|p| p.as_ref().parse::<BlobHash>().ok())
            else {
                continue;
            };
            let p = by_hash.entry(hash).or_insert(Partial {
                hash,
                bytes: 0,
                modified_ms: 0,
            });
            p.bytes += m.size;
            p.modified_ms = p.modified_ms.max(m.last_modified.timestamp_millis());
        }
        Ok(by_hash.into_values().collect())
    }

    fn stored(&self) -> std::io::Result<Vec<Stored>> {
        let root = self.key(&[]);
        let listed = self
            .run(self.objects.list_with_delimiter(Some(&root)))
            .map_err(io)?;
        Ok(listed
            .objects
            .into_iter()
            .filter_map(|m| {
                Some(Stored {
                    hash: m.location.filename()?.parse().ok()?,
                    bytes: m.size,
                    modified_ms: m.last_modified.timestamp_millis(),
                })
            })
            .collect())
    }
}
