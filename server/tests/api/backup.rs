//! Backups that lose nothing: a backup taken while devices push holds every op acknowledged
//! before it began (and the log up to a cut, nothing torn); restored into a fresh data dir,
//! the server folds views equal to a rebuild; and a device that pulled from the log before
//! the restore is told so (409 `log_restored`, how far the logs agree) until it names the
//! restored log, while the ops it sends again are stored once.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use firecheck_server::backup;
use firecheck_server::store::Store;
use firecheck_server::testing::TestServer;
use firecheck_shared::codec::Format;
use firecheck_shared::sync::{AckResult, ErrorCode, LOG_HEADER, LOG_SHARED_HEADER};
use firecheck_shared::*;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::StatusCode;

use crate::util::*;

/// Acks a pusher saw: op id, sequence number, when the ack arrived.
type Acked = Arc<Mutex<Vec<(OpId, u64, Instant)>>>;

/// Push new venues in batches of 20 until told to stop, recording each ack.
/// Backups are of the sled store; on PostgreSQL they are the database's own (`pg_dump`, README
/// "Beyond one machine") and `firecheck-server backup` says so. The sled pass of `.ci/run`
/// runs these; the PostgreSQL pass skips them, saying why.
fn on_postgres(test: &str) -> bool {
    let pg = std::env::var(firecheck_server::testing::TEST_DATABASE_VAR).is_ok();
    if pg {
        eprintln!("backup::{test}: SKIPPED on PostgreSQL — backups there are pg_dump's");
    }
    pg
}

async fn pusher(url: String, user: &'static str, stop: Arc<AtomicBool>, acked: Acked) {
    let mut d = Device::login(&url, user).await;
    let mut n = 0;
    while !stop.load(Ordering::SeqCst) {
        let ops: Vec<Op> = (0..20)
            .map(|_| {
                n += 1;
                d.venue_upsert(
                    VenueId::new(),
                    &format!("{user} 压测门店 {n}"),
                    "小木桥路",
                    &format!("小木桥路 {n}号"),
                )
            })
            .collect();
        let resp = d.push(ops).await;
        let at = Instant::now();
        let mut a = acked.lock().unwrap();
        for ack in &resp.acks {
            a.push((ack.op_id, accepted(ack), at));
        }
    }
}

/// One sync request naming (or not) the log the device pulled from: the raw answer.
async fn sync_naming(url: &str, token: &str, log: Option<&str>, cursor: u64, ops: Vec<Op>) -> Raw {
    let req = firecheck_shared::sync::SyncRequest {
        cursor,
        ops,
        limit: 5000,
        device_time_ms: 0,
    };
    let mut rb = http()
        .post(format!("{url}/v1/sync"))
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .header(CONTENT_TYPE, Format::Json.media_type())
        .header(ACCEPT, Format::Json.media_type())
        .body(codec::encode(Format::Json, &req));
    if let Some(log) = log {
        rb = rb.header(LOG_HEADER, log);
    }
    send(format!("sync naming log {log:?} from #{cursor}"), rb).await
}

fn header(raw: &Raw, name: &str) -> String {
    raw.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header — {}", raw.context()))
        .to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_backup_under_load_restores_every_acked_op_and_views_equal_a_rebuild() {
    if on_postgres("a_backup_under_load_restores_every_acked_op_and_views_equal_a_rebuild") {
        return;
    }
    let server = TestServer::demo();
    let acked: Acked = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = ["zhangwei", "lina", "wangfang"]
        .into_iter()
        .map(|u| {
            tokio::spawn(pusher(
                server.url.clone(),
                u,
                Arc::clone(&stop),
                Arc::clone(&acked),
            ))
        })
        .collect();
    // Let the load build up, then back up while it goes on.
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < 300 {
        assert!(Instant::now() < deadline, "the pushers got no acks");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let backup_dir = tempfile::tempdir().unwrap();
    let began = Instant::now();
    let (data, dir) = (server.data_dir.clone(), backup_dir.path().to_path_buf());
    let manifest = tokio::task::spawn_blocking(move || backup::take(&data, &dir))
        .await
        .unwrap()
        .expect("backup while the server runs");
    // The load goes on after the backup too.
    let after = acked.lock().unwrap().len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.lock().unwrap().len() < after + 100 {
        assert!(
            Instant::now() < deadline,
            "the pushers stopped getting acks"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for t in tasks {
        t.await.unwrap();
    }
    assert!(manifest.from_running_server, "{manifest:?}");
    let office = Device::login(&server.url, "wangfang").await;
    let org = office.org();
    let original = office.pull_all().await;
    let head = manifest
        .heads
        .iter()
        .find(|(o, _)| *o == org.to_string())
        .map(|(_, h)| *h)
        .expect("the organisation's head in the manifest");
    assert!(
        head < original.cursor,
        "pushes went on after the cut ({head} of {})",
        original.cursor
    );

    // Restore into a fresh data dir and serve it.
    let restored_dir = tempfile::tempdir().unwrap();
    let data = restored_dir.path().join("data");
    let restored = backup::restore(backup_dir.path(), &data).expect("restore");
    assert_eq!(restored.snapshot.entries, manifest.entries);
    assert!(
        restored.secrets.is_empty(),
        "the test server's secrets come from its config"
    );
    let mut second = TestServer::start(&data, "127.0.0.1:0".parse().unwrap(), false);
    let office2 = Device::login(&second.url, "wangfang").await;
    assert_eq!(office2.org(), org, "the accounts came back");
    let pulled = office2.pull_all().await;
    assert_eq!(pulled.cursor, head);
    assert_eq!(
        pulled.ops,
        original.ops[..head as usize],
        "the restored log is the original up to the cut, op for op"
    );
    let have: std::collections::HashSet<OpId> = pulled.ops.iter().map(|o| o.op_id).collect();
    let acked = acked.lock().unwrap().clone();
    let before: Vec<&(OpId, u64, Instant)> =
        acked.iter().filter(|(_, _, at)| *at < began).collect();
    assert!(before.len() >= 300);
    for (id, seq, _) in &before {
        assert!(
            have.contains(id) && *seq <= head,
            "op {id} acked at #{seq} before the backup began is restored"
        );
    }

    // The views the restored server folded equal a rebuild from its log.
    office2
        .get_json(&format!("/v1/hazards?min_seq={head}"))
        .await;
    second.stop();
    let store = Store::open(&data, 16 * 1024 * 1024).unwrap();
    assert_eq!(store.view_watermark(org).unwrap(), head);
    let live = store.views_digest(org).unwrap();
    firecheck_server::views::rebuild(&store).unwrap();
    assert_eq!(
        store.views_digest(org).unwrap(),
        live,
        "views equal a rebuild"
    );
    // The restored log has a new identity that remembers where it came from.
    let identity = store.log_identity();
    assert_eq!(identity.lineage.len(), 1);
    assert_eq!(identity.lineage[0].from.to_string(), manifest.log);
    assert_ne!(identity.id.to_string(), manifest.log);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_ahead_of_a_restored_log_is_told_and_its_ops_sent_again_are_stored_once() {
    if on_postgres(
        "a_device_ahead_of_a_restored_log_is_told_and_its_ops_sent_again_are_stored_once",
    ) {
        return;
    }
    let server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let first = zhang.pull_all().await;
    // The log's id is in every answer.
    let raw = sync_naming(&server.url, zhang.token(), None, 0, Vec::new())
        .await
        .expect_ok();
    let old_log = header(&raw, LOG_HEADER);
    let before: Vec<Op> = (0..3)
        .map(|i| {
            zhang.venue_upsert(
                VenueId::new(),
                &format!("备份前 {i}"),
                "清真路",
                "清真路 1号",
            )
        })
        .collect();
    zhang.push(before.clone()).await;
    let backup_dir = tempfile::tempdir().unwrap();
    backup::take(&server.data_dir, backup_dir.path()).expect("backup");
    // After the backup: more ops acked, and the device pulls past the backup's end.
    let after: Vec<Op> = (0..4)
        .map(|i| {
            zhang.venue_upsert(
                VenueId::new(),
                &format!("备份后 {i}"),
                "清真路",
                "清真路 2号",
            )
        })
        .collect();
    let resp = zhang.push(after.clone()).await;
    let head = first.cursor + 3;
    assert_eq!(
        all_accepted(&resp),
        (head + 1..=head + 4).collect::<Vec<_>>()
    );
    let cursor = zhang.pull_all().await.cursor;
    assert_eq!(cursor, head + 4);
    drop(server);

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    backup::restore(backup_dir.path(), &data).expect("restore");
    let restored = TestServer::start(&data, "127.0.0.1:0".parse().unwrap(), false);
    // The same device's token still works: the test servers share their signing key.
    let url = restored.url.clone();
    zhang.url = url.clone();
    let new_log = header(
        &sync_naming(&url, zhang.token(), None, 0, Vec::new())
            .await
            .expect_ok(),
        LOG_HEADER,
    );
    assert_ne!(new_log, old_log, "a restored log has a new id");

    // Naming the old log, with any cursor: refused, nothing stored, told where the logs agree.
    let one_more = zhang.venue_upsert(VenueId::new(), "恢复后新增", "清真路", "清真路 3号");
    for c in [cursor, 2] {
        let raw = sync_naming(
            &url,
            zhang.token(),
            Some(&old_log),
            c,
            vec![one_more.clone()],
        )
        .await;
        let err = raw.expect_error(StatusCode::CONFLICT, "log_restored");
        assert_eq!(err.error.code, ErrorCode::LogRestored);
        assert!(
            err.error.message.contains("restored from a backup"),
            "{err:?}"
        );
        assert_eq!(header(&raw, LOG_HEADER), new_log);
        assert_eq!(header(&raw, LOG_SHARED_HEADER), head.to_string());
    }
    // Naming no log, with a cursor past the restored log's end: the same.
    let raw = sync_naming(&url, zhang.token(), None, cursor, Vec::new()).await;
    raw.expect_error(StatusCode::CONFLICT, "log_restored");
    assert_eq!(header(&raw, LOG_SHARED_HEADER), head.to_string());
    // A log this one never came from: nothing is known to be shared.
    let stranger = uuid::Uuid::new_v4().to_string();
    let raw = sync_naming(&url, zhang.token(), Some(&stranger), 0, Vec::new()).await;
    raw.expect_error(StatusCode::CONFLICT, "log_restored");
    assert_eq!(header(&raw, LOG_SHARED_HEADER), "0");
    // Not a log id at all.
    sync_naming(&url, zhang.token(), Some("yesterday"), 0, Vec::new())
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");

    // The device does what the answer says: it sends again every op acked after #head (and,
    // to show duplicates are harmless, the ones before it too), then its new op, naming the
    // restored log and pulling from where the logs agree.
    let mut again = before.clone();
    again.extend(after.clone());
    again.push(one_more.clone());
    let raw = sync_naming(&url, zhang.token(), Some(&new_log), head, again)
        .await
        .expect_ok();
    let resp: firecheck_shared::sync::SyncResponse = raw.parse();
    for (ack, op) in resp.acks.iter().zip(before.iter()) {
        assert!(
            matches!(ack.result, AckResult::Duplicate { .. }),
            "{op:?}: {ack:?}"
        );
    }
    let fresh: Vec<u64> = resp.acks[3..].iter().map(accepted).collect();
    assert_eq!(
        fresh,
        (head + 1..=head + 5).collect::<Vec<_>>(),
        "sent again in device_seq order"
    );
    assert_eq!(resp.ops.len(), 5);
    // Sent once more: all duplicates now.
    let mut all = after.clone();
    all.push(one_more.clone());
    let raw = sync_naming(&url, zhang.token(), Some(&new_log), head + 5, all)
        .await
        .expect_ok();
    let resp: firecheck_shared::sync::SyncResponse = raw.parse();
    assert!(resp
        .acks
        .iter()
        .all(|a| matches!(a.result, AckResult::Duplicate { .. })));
    let log = zhang.pull_all().await;
    for op in before.iter().chain(&after).chain([&one_more]) {
        assert_eq!(log.count_of(op.op_id), 1, "{op:?} stored exactly once");
    }
    // Its next op continues its outbox positions and is accepted as usual.
    let next = zhang.venue_upsert(VenueId::new(), "恢复后再新增", "清真路", "清真路 4号");
    assert_eq!(all_accepted(&zhang.push(vec![next]).await), vec![head + 6]);
}

#[test]
fn a_damaged_or_cut_backup_restores_nothing() {
    if on_postgres("a_damaged_or_cut_backup_restores_nothing") {
        return;
    }
    let server = TestServer::demo();
    let backup_dir = tempfile::tempdir().unwrap();
    backup::take(&server.data_dir, backup_dir.path()).expect("backup");
    let snapshot = backup_dir.path().join(backup::SNAPSHOT_FILE);
    let bytes = std::fs::read(&snapshot).unwrap();
    for (what, damaged) in [
        ("cut short", bytes[..bytes.len() / 2].to_vec()),
        ("one byte changed", {
            let mut b = bytes.clone();
            let i = b.len() / 3;
            b[i] ^= 0x40;
            b
        }),
        ("not a snapshot", b"hello".to_vec()),
    ] {
        std::fs::write(&snapshot, &damaged).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let err = backup::restore(backup_dir.path(), &data).expect_err(what);
        assert!(
            err.to_string().contains("not a usable firecheck backup"),
            "{what}: {err}"
        );
        assert!(!data.join("db").exists(), "{what}: nothing written");
    }
    // A data dir that is not empty is never restored into.
    std::fs::write(&snapshot, &bytes).unwrap();
    let err = backup::restore(backup_dir.path(), &server.data_dir).expect_err("busy dir");
    assert!(err.to_string().contains("new, empty directory"), "{err}");
}
