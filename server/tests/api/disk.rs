//! Disk trouble, on a real small filesystem: the server's data dir on its own tmpfs
//! (`mount -t tmpfs -o size=16m`, as root — CI runs the tests as root), then filled to the
//! last byte by a filler file, or mounted read-only.
//!
//! What a full disk must get: a push is answered 503 with the JSON error and no ack; the
//! same push retried while the disk is full is still not acked (never "duplicate" for an op
//! the disk did not take); reads — pulls, the review API — keep working and never show the
//! refused ops; logins and photo uploads are refused with 503 too. Once there is room again
//! (and the server restarted, see below) the very same ops are accepted, each exactly once,
//! and the log holds nothing of the refused attempts.
//!
//! What sled 0.34 does on ENOSPC (seen here, not assumed): no panic; the failed write puts
//! the database into a sticky error state, so every later write fails with the same
//! `No space left on device` even after space is freed, until the process opens the database
//! again (a restart); the graceful stop's final flush fails too (logged), and the restart
//! recovers the last flushed state. Reads are served from memory meanwhile — except a read
//! that meets a tree node sled wants to split or merge first, which is a write and fails:
//! such a read gets the same 503 (JSON, never a 500), so reads are checked as "200 with the
//! right data, or 503". The batch whose flush failed was already applied to sled's in-memory
//! tree, which is why the log is read only up to the last flushed sequence number
//! (`Store::durable_seq`) — before that fix a pull during the trouble returned ops that were
//! never on disk and were gone after the restart, so a device that pulled them would have
//! skipped the different ops that took their sequence numbers.
//!
//! Where `mount` is refused (not root, no CAP_SYS_ADMIN) the tests say so on stderr and pass
//! without checking anything: there is no way to fill a real disk from an unprivileged test.
//!
//! These tests run on sled whatever `FIRECHECK_TEST_DATABASE` says: they are about the data
//! dir's own disk, which holds the whole store only with sled. On PostgreSQL a full disk is
//! the database server's, which answers the failed transaction with an error that the
//! sequencer turns into the same 503 with nothing acknowledged (a commit either happened
//! or did not; there is no in-memory state ahead of the disk to hide).

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use firecheck_server::store::Store;
use firecheck_server::testing::TestServer;
use firecheck_server::{Config, Server, StoreAt};
use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::{AckResult, SyncResponse};
use firecheck_shared::*;
use reqwest::StatusCode;

use crate::util::*;

/// A tmpfs of its own, unmounted on drop.
struct TinyDisk {
    mnt: PathBuf,
    _dir: tempfile::TempDir,
}

impl TinyDisk {
    /// Mount a tmpfs of `size` (e.g. "16m"); `Err` with the reason when this machine refuses.
    fn mount(size: &str) -> Result<TinyDisk, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let mnt = dir.path().join("mnt");
        std::fs::create_dir(&mnt).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={size},mode=0700"),
                "tmpfs",
            ])
            .arg(&mnt)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mount -t tmpfs refused ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(TinyDisk { mnt, _dir: dir })
    }

    fn data_dir(&self) -> PathBuf {
        self.mnt.join("data")
    }

    fn filler(&self) -> PathBuf {
        self.mnt.join("filler")
    }

    /// Write a filler file until the filesystem has no byte left; its size.
    fn fill(&self) -> u64 {
        let mut f = std::fs::File::create(self.filler()).expect("create the filler file");
        let mut written = 0u64;
        for size in [64 * 1024, 4096, 512, 1] {
            let chunk = vec![0xAAu8; size];
            while f.write_all(&chunk).is_ok() {
                written += size as u64;
            }
        }
        let _ = f.sync_all();
        written
    }

    /// Remove the filler (the handle is closed, so the space really comes back).
    fn clear(&self) {
        std::fs::remove_file(self.filler()).expect("remove the filler file");
    }

    /// `mount -o remount,OPTS`; retried a little, as sled lets go of its files a moment after
    /// the server stops (a read-only remount is refused while a file is open for writing).
    fn remount(&self, opts: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let out = Command::new("mount")
                .args(["-o", &format!("remount,{opts}")])
                .arg(&self.mnt)
                .output()
                .expect("run mount");
            if out.status.success() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "mount -o remount,{opts} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        // Busy for a moment after the server stops; lazily detached as a last resort.
        for _ in 0..50 {
            let ok = Command::new("umount")
                .arg(&self.mnt)
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

fn tiny_disk(test: &str) -> Option<TinyDisk> {
    match TinyDisk::mount("16m") {
        Ok(d) => Some(d),
        Err(why) => {
            eprintln!(
                "{test}: SKIPPED — no real small filesystem: {why}; run the tests as root to check disk trouble"
            );
            None
        }
    }
}

fn any_addr() -> SocketAddr {
    "127.0.0.1:0".parse().unwrap()
}

/// A test server whose store is sled in `dir` (see the module's docs for why).
fn sled_server(dir: &Path, addr: SocketAddr, demo: bool) -> TestServer {
    let mut config = TestServer::config(dir, demo);
    config.store = StoreAt::Sled;
    TestServer::with_config(config, addr)
}

/// The digest of the sled log in `dir`, its server stopped.
fn sled_digest(dir: &Path) -> String {
    let store = Store::open(dir, 8 * 1024 * 1024).expect("open the sled store");
    store.log_digest().expect("log digest")
}

/// Push `ops` in bincode; the raw answer (it may be an error).
async fn push_raw(dev: &Device, ops: &[Op]) -> Raw {
    let body = codec::encode(Format::Bincode, &push_request(ops.to_vec()));
    sync_raw(
        &dev.http,
        &dev.url,
        Some(dev.token()),
        Some(Format::Bincode.media_type()),
        body,
    )
    .await
}

fn decode_sync(raw: &Raw) -> SyncResponse {
    codec::decode(Format::Bincode, &raw.body)
        .unwrap_or_else(|e| panic!("sync answer does not decode ({e}) — {}", raw.context()))
}

/// A refused push: 503, the JSON error shape, a message that names the full disk and says to
/// retry (from the sequencer: "nothing was acknowledged"; or, when reading the caller's
/// device record already failed, the storage error).
fn assert_refused(raw: &Raw, what: &str) {
    let err = raw.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    let m = err.error.message.to_lowercase();
    assert!(
        m.contains("no space left") && m.contains("retry later"),
        "{what}: the message should say the disk is full and to retry: {m}"
    );
}

/// A read while the disk is full: 200 and its JSON, or the 503 JSON error naming the storage
/// (sled splits or merges a node it meets on a read, and that write fails) — never a 500.
fn read_during_trouble(raw: Raw) -> Result<serde_json::Value, String> {
    if raw.status == StatusCode::OK {
        return Ok(raw.json());
    }
    let err = raw.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        err.error.message.contains("No space left"),
        "{}",
        raw.context()
    );
    Err(err.error.message)
}

/// `pull_all`, but a page may be refused the same way.
async fn pull_during_trouble(dev: &Device) -> Result<Pulled, String> {
    let (mut ops, mut cursor) = (Vec::new(), 0);
    loop {
        let body = codec::encode(Format::Json, &pull_request(cursor, 5000));
        let raw = sync_raw(
            &dev.http,
            &dev.url,
            Some(dev.token()),
            Some("application/json"),
            body,
        )
        .await;
        if raw.status != StatusCode::OK {
            return Err(read_during_trouble(raw).unwrap_err());
        }
        let resp: SyncResponse = codec::decode(Format::Json, &raw.body).expect("a sync answer");
        ops.extend(resp.ops);
        cursor = resp.cursor;
        if !resp.has_more {
            return Ok(Pulled { ops, cursor });
        }
    }
}

fn comments(dev: &mut Device, n: usize, tag: &str) -> Vec<Op> {
    (0..n)
        .map(|i| {
            dev.comment(
                LAOWANG_EBIKE,
                HazardId::new(),
                &format!("{tag} {i}: 灭火器压力不足"),
            )
        })
        .collect()
}

/// Each op exactly once in the pulled log, and the sequence numbers gap-free from 1.
fn assert_once(pulled: &Pulled, ops: &[Op], what: &str) {
    for op in ops {
        assert_eq!(
            pulled.count_of(op.op_id),
            1,
            "{what}: op #{} should be stored exactly once",
            op.device_seq
        );
    }
    assert_eq!(
        pulled.ops.len() as u64,
        pulled.cursor,
        "{what}: sequence numbers are gap-free"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_disk_refuses_writes_with_503_keeps_serving_reads_and_acks_nothing_it_could_not_flush(
) {
    let test = "disk::a_full_disk_refuses_writes";
    let Some(disk) = tiny_disk(test) else { return };
    let mut server = sled_server(&disk.data_dir(), any_addr(), true);
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let wang = Device::login(&server.url, "wangfang").await;

    // Before the trouble: a record with a finding, acked.
    let (insp, _) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
    let mut acked = vec![insp];
    all_accepted(&zhang.push(acked.clone()).await);
    let before = wang.pull_all().await;
    let hazards_before = wang
        .get_json(&format!("/v1/hazards?min_seq={}", before.cursor))
        .await;

    // Fill the disk to the last byte. A write may still land in a page sled already holds;
    // whatever is acked then must survive — but the disk runs out within a few pushes.
    let filled = disk.fill();
    assert!(filled > 0, "the filler took the free space");
    let mut refused = None;
    for round in 0..20 {
        let ops = comments(&mut zhang, 5, &format!("满盘时的记录 {round}"));
        let raw = push_raw(&zhang, &ops).await;
        if raw.status == StatusCode::OK {
            let resp = decode_sync(&raw);
            all_accepted(&resp);
            acked.extend(ops);
            continue;
        }
        assert_refused(&raw, "a push on a full disk");
        refused = Some(ops);
        break;
    }
    let refused = refused.expect("a push on a full disk is refused within 20 tries");

    // Retried while the disk is still full: still refused, never taken for a duplicate.
    for attempt in 1..=2 {
        assert_refused(
            &push_raw(&zhang, &refused).await,
            &format!("retry {attempt} on a full disk"),
        );
    }
    // Reads keep working and show only what is on disk — except where sled must split or
    // merge a tree node on the way to the data, which is a write: that read gets the 503.
    let mut refused_reads = Vec::new();
    match pull_during_trouble(&wang).await {
        Ok(during) => {
            for op in &refused {
                assert_eq!(
                    during.count_of(op.op_id),
                    0,
                    "a pull during the trouble serves an op the disk never took (#{})",
                    op.device_seq
                );
            }
            assert_once(&during, &acked, "a pull during the trouble");
            assert_eq!(during.ops[..before.ops.len()], before.ops[..]);
        }
        Err(why) => refused_reads.push(format!("pull: {why}")),
    }
    match read_during_trouble(wang.get("/v1/hazards").await) {
        Ok(v) => assert_eq!(v, hazards_before, "the review API answers, unchanged"),
        Err(why) => refused_reads.push(format!("hazards: {why}")),
    }
    if let Err(why) = read_during_trouble(
        wang.get(&format!("/v1/venues/{LAOWANG_EBIKE}/inspections"))
            .await,
    ) {
        refused_reads.push(format!("inspections: {why}"));
    }
    get(&wang.http, &server.url, "/healthz", None)
        .await
        .expect_ok();
    // …while readiness says storage takes no writes, so a balancer sends devices elsewhere.
    let ready = get(&wang.http, &server.url, "/readyz", None).await;
    let err = ready.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(err.error.message.contains("storage"), "{}", ready.context());
    if !refused_reads.is_empty() {
        eprintln!("{test}: reads refused while the disk was full (sled had to restructure a node): {refused_reads:?}");
    }
    // Other writes are refused the same way: a login (device registration, refresh token)…
    let login = login_raw(
        &wang.http,
        &server.url,
        "lina",
        &password("lina"),
        DeviceId::new(),
    )
    .await;
    let err = login.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        err.error.message.contains("No space left"),
        "{}",
        login.context()
    );
    // …and a photo upload.
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(std::iter::repeat_n(0x42u8, 256 * 1024));
    let hash = BlobHash::of(&jpeg);
    let upload = send(
        "photo upload on a full disk",
        zhang
            .http
            .put(format!("{}/v1/blobs/{}", server.url, hash.to_hex()))
            .bearer_auth(zhang.token())
            .header("content-type", "image/jpeg")
            .body(jpeg),
    )
    .await;
    let err = upload.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(
        err.error.message.contains("No space left"),
        "{}",
        upload.context()
    );

    // Room again. sled stays in its error state until it is opened again, so the running
    // server may keep refusing; if it accepts, it accepts each op once.
    disk.clear();
    let raw = push_raw(&zhang, &refused).await;
    let accepted_live = raw.status == StatusCode::OK;
    if accepted_live {
        let resp = decode_sync(&raw);
        all_accepted(&resp);
    } else {
        assert_refused(&raw, "a push after the disk was cleared, before a restart");
        eprintln!("{test}: after the disk was cleared the running server still refused writes (sled keeps its I/O error until reopened); restarting");
    }

    // A restart: nothing of the refused attempts is in the log.
    server.stop();
    server.restart_with(|c| c.store = StoreAt::Sled);
    let after = wang.pull_all().await;
    if !accepted_live {
        assert_once(&after, &acked, "after the restart");
        assert_eq!(after.ops[..before.ops.len()], before.ops[..]);
        assert_eq!(
            after.cursor,
            before.cursor + (acked.len() - 1) as u64,
            "after the restart the log is exactly what was acked: nothing of the refused pushes"
        );
    }
    // The same ops, sent again, are stored exactly once.
    let resp = zhang.push(refused.clone()).await;
    for ack in &resp.acks {
        match ack.result {
            AckResult::Accepted { .. } if !accepted_live => {}
            AckResult::Duplicate { .. } if accepted_live => {}
            ref other => panic!("after the trouble: {other:?} — {resp:?}"),
        }
    }
    let end = wang.pull_all().await;
    acked.extend(refused.iter().cloned());
    assert_once(&end, &acked, "after the trouble");
    assert_eq!(
        end.cursor,
        before.cursor + (acked.len() - 1) as u64,
        "nothing else was stored"
    );
    server.stop();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_only_data_dir_refuses_to_start_with_a_clear_error_and_keeps_the_data() {
    let test = "disk::a_read_only_data_dir";
    let Some(disk) = tiny_disk(test) else { return };
    let data = disk.data_dir();
    let mut server = sled_server(&data, any_addr(), true);
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let (insp, _) = zhang.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &[]);
    all_accepted(&zhang.push(vec![insp.clone()]).await);
    let before = zhang.pull_all().await;
    server.stop();
    let digest = sled_digest(&data);

    // A read-only filesystem cannot be made under a live server (a file open for writing
    // keeps the remount busy), so: the server is started on one. sled needs to write to open
    // its database, so the server refuses to start, naming the cause.
    disk.remount("ro");
    assert_eq!(
        std::fs::write(data.join("probe"), b"x")
            .map_err(|e| e.kind())
            .unwrap_err(),
        std::io::ErrorKind::ReadOnlyFilesystem
    );
    let mut config = Config::new(&data);
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.jwt_secret = Some(JWT_SECRET.into());
    let err = Server::open(&config)
        .await
        .expect_err("a server on a read-only data dir must not start");
    let msg = err.to_string();
    assert!(
        msg.contains("Read-only file system"),
        "the start-up error names the cause: {msg}"
    );

    // Writable again: everything is there, and the server works.
    disk.remount("rw");
    let server = sled_server(&data, server.addr, false);
    zhang.url = server.url.clone();
    assert_eq!(zhang.pull_all().await.digest(), before.digest());
    let more = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "只读之后");
    accepted(&zhang.push(vec![more]).await.acks[0]);
    drop(server);
    assert_ne!(sled_digest(&data), digest, "the new op was stored");
}
