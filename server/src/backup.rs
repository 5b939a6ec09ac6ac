//! `firecheck-server backup DIR` and `firecheck-server restore DIR --data NEW`, and the
//! control socket through which a running server hands out its snapshot.
//!
//! sled locks its files, so a second process cannot open a running server's data dir. A
//! running server therefore listens on a Unix socket inside its data dir,
//! `control/backup.sock` (the folder is the owner's only, mode 0700): whoever may read the
//! data dir may back it up; nobody else, and nothing over the network. The protocol is one
//! line, `backup 1\n`; the answer is the snapshot (`store::backup`), ended by its checksum.
//! When no server runs on the data dir, `backup` opens it itself and takes the same snapshot.
//!
//! A backup directory holds:
//! - `firecheck.snapshot` — the log, its runs, the accounts and every other tree of `db/`,
//!   cut at each organisation's durable head when the backup began (replaced atomically);
//! - `blobs/` — the attachments, copied after the snapshot (each file once; a later backup
//!   into the same directory copies only new ones);
//! - `jwt-secret`, `operator-token` — the server's secrets when they live in the data dir
//!   (mode 0600), so a restored server keeps its tokens and its operator key;
//! - `backup.json` — what was backed up, for people and scripts (written last).
//!
//! A restore checks the whole snapshot before writing anything, writes `db/` of a new data
//! dir with a new log id (the restore joins the log's lineage), copies the attachments that
//! hash to their names and the secrets. The views are folded from the log when the server
//! starts.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::store::backup::{restore_snapshot, verify_snapshot, write_error};
use crate::store::{BackupError, SnapshotSummary, Store};

/// The control folder inside the data dir (mode 0700).
pub const CONTROL_DIR: &str = "control";
/// The socket a running server answers backups on.
pub const SOCKET: &str = "backup.sock";
/// The request line.
pub const REQUEST: &str = "backup 1";
/// The snapshot's name in a backup directory.
pub const SNAPSHOT_FILE: &str = "firecheck.snapshot";
/// What was backed up, in a backup directory.
pub const MANIFEST_FILE: &str = "backup.json";
/// The secrets copied with a backup when they live in the data dir.
pub const SECRET_FILES: [&str; 2] = ["jwt-secret", "operator-token"];

/// A snapshot is written to a reader that does not read for this long: given up.
const STALLED: std::time::Duration = std::time::Duration::from_secs(120);

/// What a backup holds (`backup.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Manifest {
    pub taken_ms: i64,
    /// Shanghai time, for people.
    pub taken: String,
    pub server_version: String,
    /// The log the snapshot was cut from.
    pub log: String,
    /// Each organisation's last sequence number in the snapshot.
    pub heads: Vec<(String, u64)>,
    pub entries: u64,
    pub snapshot_sha256: String,
    pub blobs: u64,
    pub blob_bytes: u64,
    pub secrets: Vec<String>,
    /// Whether a running server handed out the snapshot (else the data dir was opened).
    pub from_running_server: bool,
}

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub snapshot: SnapshotSummary,
    pub blobs: u64,
    /// Attachments left out because they did not hash to their names.
    pub damaged_blobs: Vec<String>,
    pub secrets: Vec<String>,
}

/// The running server's side: a thread answering backups on the control socket.
#[derive(Debug)]
pub struct ControlSocket {
    path: PathBuf,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join(CONTROL_DIR).join(SOCKET)
}

/// Create `dir` (and its parents) for the owner only.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(unix)]
impl ControlSocket {
    /// Listen on `DATA/control/backup.sock` (a stale socket of a server that died is
    /// replaced: the data dir's lock, already held, says no other server runs here).
    pub fn start(data_dir: &Path, store: Store) -> std::io::Result<Self> {
        use std::os::unix::net::UnixListener;
        use std::sync::atomic::{AtomicBool, Ordering};
        private_dir(&data_dir.join(CONTROL_DIR))?;
        let path = socket_path(data_dir);
        // A server answering on it already (another node started on the same data dir by
        // mistake): leave its socket alone rather than take it over.
        if std::os::unix::net::UnixStream::connect(&path).is_ok() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AddrInUse,
                format!(
                    "another firecheck-server answers on {}; give each node a data dir of its own",
                    path.display()
                ),
            ));
        }
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        let listener = UnixListener::bind(&path)?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let stopping = std::sync::Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("firecheck-control".into())
            .spawn(move || {
                let mut handlers: Vec<std::thread::JoinHandle<()>> = Vec::new();
                for conn in listener.incoming() {
                    if stopping.load(Ordering::SeqCst) {
                        break;
                    }
                    handlers.retain(|h| !h.is_finished());
                    let Ok(conn) = conn else { continue };
                    let store = store.clone();
                    if let Ok(h) = std::thread::Builder::new()
                        .name("firecheck-backup".into())
                        .spawn(move || answer(conn, &store))
                    {
                        handlers.push(h);
                    }
                }
                // A snapshot under way ends (written or given up) before the store closes.
                for h in handlers {
                    let _ = h.join();
                }
            })?;
        Ok(Self {
            path,
            stop,
            thread: Some(thread),
        })
    }

    /// Stop answering: wakes the listening thread, waits for a snapshot under way, removes
    /// the socket.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        use std::sync::atomic::Ordering;
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = std::os::unix::net::UnixStream::connect(&self.path);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(unix)]
impl Drop for ControlSocket {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.shutdown();
        }
    }
}

/// One connection: read the request line, write the snapshot (or an error frame).
#[cfg(unix)]
fn answer(conn: std::os::unix::net::UnixStream, store: &Store) {
    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(10)));
    let _ = conn.set_write_timeout(Some(STALLED));
    let mut line = String::new();
    let read = BufReader::new(std::io::Read::take(&conn, 64)).read_line(&mut line);
    let mut out = &conn;
    if read.is_err() || line.trim() != REQUEST {
        // A wake-up connection of `stop`, or a request this server does not know.
        if !line.is_empty() {
            let _ = write_error(
                &mut out,
                &format!(
                    "unknown request {:?}; this server answers {REQUEST:?}",
                    line.trim()
                ),
            );
        }
        return;
    }
    let started = std::time::Instant::now();
    match store.write_snapshot(&conn) {
        Ok(s) => tracing::info!(
            entries = s.entries,
            heads = ?s.header.heads,
            millis = started.elapsed().as_millis() as u64,
            "backup snapshot handed out"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "backup snapshot failed");
            let _ = write_error(&mut out, &e.to_string());
        }
    }
}

/// A request to the running server's control socket, or `None` when no server runs on the
/// data dir (no socket, or nobody listening on it).
#[cfg(unix)]
fn request_snapshot(data_dir: &Path) -> std::io::Result<Option<std::os::unix::net::UnixStream>> {
    use std::io::ErrorKind;
    match std::os::unix::net::UnixStream::connect(socket_path(data_dir)) {
        Ok(mut s) => {
            s.write_all(format!("{REQUEST}\n").as_bytes())?;
            Ok(Some(s))
        }
        Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::ConnectionRefused) => {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

#[cfg(not(unix))]
fn request_snapshot(_: &Path) -> std::io::Result<Option<std::fs::File>> {
    Ok(None)
}

fn sync_dir(dir: &Path) {
    // Makes a rename durable where the platform allows opening a directory.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

/// `firecheck-server backup DIR`: the snapshot of the server running on `data_dir` — or,
/// when none runs there, of the data dir opened directly — then the attachments and the
/// secrets, then the manifest.
pub fn take(data_dir: &Path, dir: &Path) -> Result<Manifest, BackupError> {
    std::fs::create_dir_all(dir)?;
    let partial = dir.join(format!("{SNAPSHOT_FILE}.partial"));
    let from_running_server = {
        let mut file = std::fs::File::create(&partial)?;
        let from_server = match request_snapshot(data_dir)? {
            Some(mut conn) => {
                std::io::copy(&mut conn, &mut file)?;
                true
            }
            None => {
                if !data_dir.join("db").is_dir() {
                    return Err(BackupError::Io(std::io::Error::new(
                        std::io::ErrorKind::NotFound,
                        format!(
                            "no firecheck data dir at {} (give --data)",
                            data_dir.display()
                        ),
                    )));
                }
                let store = Store::open(data_dir, 64 * 1024 * 1024)?;
                store.write_snapshot(&mut file)?;
                false
            }
        };
        file.sync_all()?;
        from_server
    };
    let summary = match verify_snapshot(&partial) {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::rename(&partial, dir.join(SNAPSHOT_FILE))?;
    sync_dir(dir);
    let (blobs, blob_bytes) = copy_blobs(&data_dir.join("blobs"), &dir.join("blobs"), false)
        .map(|(n, bytes, _)| (n, bytes))?;
    let secrets = copy_secrets(data_dir, dir)?;
    let taken = firecheck_shared::Timestamp(summary.header.taken_ms);
    let manifest = Manifest {
        taken_ms: summary.header.taken_ms,
        taken: taken.local().format("%Y-%m-%d %H:%M:%S %:z").to_string(),
        server_version: summary.header.server_version.clone(),
        log: summary.header.log.to_string(),
        heads: summary
            .header
            .heads
            .iter()
            .map(|(o, h)| (o.to_string(), *h))
            .collect(),
        entries: summary.entries,
        snapshot_sha256: summary.sha256.clone(),
        blobs,
        blob_bytes,
        secrets,
        from_running_server,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?;
    let tmp = dir.join(format!("{MANIFEST_FILE}.partial"));
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, dir.join(MANIFEST_FILE))?;
    sync_dir(dir);
    Ok(manifest)
}

/// `firecheck-server restore DIR --data NEW`: a new data dir from a backup directory.
pub fn restore(dir: &Path, data_dir: &Path) -> Result<Restored, BackupError> {
    let snapshot = dir.join(SNAPSHOT_FILE);
    if !snapshot.is_file() {
        return Err(BackupError::Damaged(format!(
            "{} has no {SNAPSHOT_FILE}",
            dir.display()
        )));
    }
    if data_dir.exists() && std::fs::read_dir(data_dir)?.next().is_some() {
        return Err(BackupError::NotEmpty(data_dir.to_path_buf()));
    }
    let summary = restore_snapshot(&snapshot, data_dir)?;
    let (blobs, _, damaged_blobs) = copy_blobs(&dir.join("blobs"), &data_dir.join("blobs"), true)?;
    let secrets = copy_secrets(dir, data_dir)?;
    Ok(Restored {
        snapshot: summary,
        blobs,
        damaged_blobs,
        secrets,
    })
}

/// Whether a file name is an attachment's: 64 lowercase hex digits.
fn is_blob_name(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Copy the complete attachments of `from` into `to` (each one not there yet with its size),
/// through a temporary name. With `verify`, a file whose bytes do not hash to its name is
/// left out and named. Returns how many files `to` holds afterwards of `from`'s, their bytes,
/// and the damaged ones.
fn copy_blobs(from: &Path, to: &Path, verify: bool) -> std::io::Result<(u64, u64, Vec<String>)> {
    let (mut count, mut bytes, mut damaged) = (0u64, 0u64, Vec::new());
    let entries = match std::fs::read_dir(from) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((0, 0, damaged)),
        Err(e) => return Err(e),
    };
    std::fs::create_dir_all(to)?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if !is_blob_name(&name) || !entry.file_type()?.is_file() {
            continue;
        }
        let size = entry.metadata()?.len();
        let target = to.join(&name);
        if std::fs::metadata(&target).is_ok_and(|m| m.len() == size) {
            count += 1;
            bytes += size;
            continue;
        }
        if verify {
            let data = std::fs::read(entry.path())?;
            if firecheck_shared::BlobHash::of(&data).to_hex() != name.to_ascii_lowercase() {
                damaged.push(name);
                continue;
            }
        }
        let tmp = to.join(format!("{name}.partial"));
        std::fs::copy(entry.path(), &tmp)?;
        std::fs::File::open(&tmp)?.sync_all()?;
        std::fs::rename(&tmp, &target)?;
        count += 1;
        bytes += size;
    }
    sync_dir(to);
    Ok((count, bytes, damaged))
}

/// Copy the secret files of `from` that exist into `to`, readable by the owner only.
fn copy_secrets(from: &Path, to: &Path) -> std::io::Result<Vec<String>> {
    let mut copied = Vec::new();
    for name in SECRET_FILES {
        let source = from.join(name);
        let bytes = match std::fs::read(&source) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        let target = to.join(name);
        let tmp = to.join(format!("{name}.partial"));
        {
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &target)?;
        copied.push(name.to_string());
    }
    Ok(copied)
}
