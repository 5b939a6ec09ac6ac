//! A pull that breaks after some pages resumes from the stored cursor and converges.
//!
//! A fresh device pulls a backlog of more than two pages through a small TCP relay that
//! watches the sync requests go by; when the device asks for its third page, the relay stops
//! the real server (`TestServer::stop`) and cuts the connection. `sync` fails (exit 4) after
//! its retries; the two pages it absorbed stay, with their cursor. The server restarts and
//! the next `sync` asks from that cursor — seen on the wire — and ends with exactly the
//! server's ops.

use std::sync::{Arc, Mutex};

use firecheck_cli::sync::PULL_LIMIT;
use firecheck_server::testing::TestServer;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::SyncRequest;
use serde_json::Value;

use crate::util::*;

/// What the relay saw: the cursor of each sync request, and whether it was let through.
#[derive(Debug, Default)]
struct Seen {
    syncs: Vec<(u64, bool)>,
}

/// A relay to the server; on the `cut_at`-th sync request (1-based), stops the server
/// instead of forwarding it and drops the connection.
fn relay_cutting(server: Arc<Mutex<TestServer>>, cut_at: usize) -> (String, Arc<Mutex<Seen>>) {
    let upstream = server.lock().unwrap().addr;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let log = seen.clone();
    let url = relay(upstream, move |r| {
        if r.method_path != "POST /v1/sync" {
            return Verdict::Forward;
        }
        let req: SyncRequest = codec::decode(Format::Bincode, &r.body).expect("a bincode sync");
        let mut s = log.lock().unwrap();
        let n = s.syncs.len() + 1;
        s.syncs.push((req.cursor, n != cut_at));
        if n == cut_at {
            server.lock().unwrap().stop();
            return Verdict::Drop;
        }
        Verdict::Forward
    });
    (url, seen)
}

/// The server's own count of this organisation's ops (admin stats).
fn server_ops(url: &str) -> u64 {
    let stats = get_json(url, "/v1/admin/stats", &token(url, "admin"));
    stats["ops"]
        .as_u64()
        .unwrap_or_else(|| panic!("no ops count in {stats:#}"))
}

#[test]
fn interrupted_pull_resumes_from_its_cursor() {
    let server = Arc::new(Mutex::new(TestServer::demo()));
    let url = server.lock().unwrap().url.clone();
    let dir = tempfile::tempdir().unwrap();
    let page = PULL_LIMIT as u64;

    // A backlog of more than two pages: three inspectors add premises, each on their phone.
    let per_phone = 700;
    let phones: Vec<Phone> = [
        ("zhangwei", "zhangwei"),
        ("lina", "lina"),
        ("zhangwei-2", "zhangwei"),
    ]
    .iter()
    .map(|(name, user)| {
        let p = Phone::new(dir.path(), name, &url);
        p.login(user);
        p
    })
    .collect();
    let workers: Vec<_> = phones
        .iter()
        .cloned()
        .enumerate()
        .map(|(k, p)| {
            std::thread::spawn(move || {
                for i in 0..per_phone {
                    p.run(&[
                        "venue",
                        "add",
                        "--name",
                        &format!("夜查新增商铺 {k}-{i}"),
                        "--kind",
                        "street-shop",
                        "--street",
                        "清真路",
                        "--address",
                        &format!("清真路 {}号", k * 1000 + i),
                    ]);
                }
                let s = parse_sync(&p.run(&["sync"]));
                assert_eq!(
                    (s.sent, s.acked, s.rejected),
                    (per_phone as u64, per_phone as u64, 0),
                    "{} sync: {s:?}",
                    p.who
                );
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a phone thread failed (see above)");
    }
    let total = server_ops(&url);
    assert!(
        total > 2 * page && total >= 3 * per_phone as u64,
        "the backlog ({total} ops) must span more than two pulls of {page}"
    );

    // A fresh device pulls through the relay; the server goes away before page three.
    let (relay_url, seen) = relay_cutting(server.clone(), 3);
    let fresh = Phone::new(dir.path(), "lina-new-phone", &relay_url);
    fresh.login("lina");
    let e = fresh.fail(&["sync"], 4);
    assert!(
        e.to_string().contains("queued"),
        "an interrupted sync should say nothing is lost: {e}"
    );
    assert_eq!(
        seen.lock().unwrap().syncs,
        [(0, true), (page, true), (2 * page, false)],
        "the device should have pulled two pages, then lost the server asking for the third"
    );
    let st = fresh.status();
    assert_eq!(
        (st["cursor"].as_u64(), st["local_ops"].as_u64()),
        (Some(2 * page), Some(2 * page)),
        "after two pages the replica keeps them and their cursor:\n{}",
        pretty(&st)
    );
    assert_eq!(
        st["last_sync_ms"],
        Value::Null,
        "a sync that did not finish is not a successful sync:\n{}",
        pretty(&st)
    );

    // The server comes back; the next sync resumes from the stored cursor.
    server.lock().unwrap().restart();
    assert_eq!(server_ops(&url), total, "a restart loses or adds no op");
    let summary = fresh.json(&["sync"]);
    assert_eq!(
        seen.lock().unwrap().syncs[3..],
        [(2 * page, true)],
        "the resumed sync should ask once, from the stored cursor; summary:\n{}",
        pretty(&summary)
    );
    assert_eq!(
        summary["pulled"].as_u64(),
        Some(total - 2 * page),
        "{}",
        pretty(&summary)
    );
    assert_eq!(summary["sent"], 0, "{}", pretty(&summary));
    let st = fresh.status();
    assert_eq!(
        (st["cursor"].as_u64(), st["local_ops"].as_u64()),
        (Some(total), Some(total)),
        "after resuming, the replica holds exactly the server's ops:\n{}",
        pretty(&st)
    );
    assert!(st["last_sync_ms"].is_i64(), "{}", pretty(&st));

    // And it agrees with the devices that made them.
    let venues = fresh.json(&["venues", "--street", "清真路"]);
    let added = venues
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["name"].as_str().unwrap().starts_with("夜查新增商铺"))
        .count();
    assert_eq!(added, 3 * per_phone);
    for p in &phones {
        p.run(&["sync"]);
        let st = p.status();
        assert_eq!(
            (st["cursor"].as_u64(), st["local_ops"].as_u64()),
            (Some(total), Some(total)),
            "{}:\n{}",
            p.who,
            pretty(&st)
        );
        assert_eq!(
            p.json(&["venues", "--street", "清真路"]),
            venues,
            "{} lists other venues than the fresh device",
            p.who
        );
    }
    assert_eq!(
        parse_sync(&fresh.run(&["sync"])).pulled,
        0,
        "nothing left to pull"
    );
}
