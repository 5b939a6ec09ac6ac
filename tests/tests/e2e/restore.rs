//! A server restored from last night's backup is behind the devices that synced since: no op
//! any device still holds is lost, and none is doubled.
//!
//! Four devices sync; the server is backed up while it runs; then three of them record and
//! sync more (a hazard found, another inspection, the office's dispatch) and one keeps an op
//! queued offline; the fourth synced only before the backup. The server's disk is lost: it is
//! restored into a fresh data dir and started. Each device's next `firecheck sync` hears that
//! the server's log is not the one it pulled from, sends again its own ops acknowledged
//! after the backup's end (with their positions and ids unchanged), pulls again from there,
//! and says so. Afterwards the server's log holds every op of every outbox exactly once, and
//! every replica shows the server's hazards.

use std::collections::HashMap;

use firecheck_cli::remote::Remote;
use firecheck_cli::replica::{LocalReplica, OutboxState};
use firecheck_server::testing::TestServer;
use firecheck_shared::sync::SyncRequest;
use firecheck_shared::{Op, OpId};
use serde_json::Value;

use crate::util::*;

/// Every op of the server's log, in order, as `user` may pull it.
fn server_log(url: &str, user: &str) -> Vec<Op> {
    let token = token(url, user);
    let remote = Remote::connect(url, None).unwrap();
    let (mut ops, mut cursor) = (Vec::new(), 0);
    loop {
        let resp = rt()
            .block_on(remote.sync(
                &token,
                &SyncRequest {
                    cursor,
                    ops: Vec::new(),
                    limit: 5000,
                    device_time_ms: 0,
                },
            ))
            .unwrap_or_else(|e| panic!("pulling the server's log: {e}"));
        ops.extend(resp.ops);
        cursor = resp.cursor;
        if !resp.has_more {
            return ops;
        }
    }
}

/// The device's own ops and where each stands.
fn outbox(phone: &Phone) -> Vec<(Op, OutboxState)> {
    let replica = LocalReplica::open(phone.home()).unwrap();
    replica
        .outbox()
        .unwrap()
        .into_iter()
        .map(|e| (e.op, e.state))
        .collect()
}

/// Hazards as a device lists them: id → status.
fn hazards(phone: &Phone) -> Vec<(String, String)> {
    let mut list: Vec<(String, String)> = phone
        .hazards()
        .iter()
        .map(|h| {
            (
                h["hazard"]["id"].as_str().unwrap().to_string(),
                h["hazard"]["status"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    list.sort();
    list
}

#[test]
fn devices_that_synced_after_the_backup_send_again_what_the_restored_server_lacks() {
    let w = World::demo();
    let mut zhang = w.phone("zhangwei", "zhangwei");
    let mut lina = w.phone("lina", "lina");
    let mut office = w.phone("wangfang", "wangfang");
    let mut tablet = w.phone("lina-tablet", "lina");

    // Before the backup: a hazard found and synced; everyone pulls it.
    zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在楼梯下充电",
        "--pass-all",
    ]);
    zhang.run(&["sync"]);
    for p in [&lina, &office, &tablet] {
        p.run(&["sync"]);
    }

    // Last night's backup, taken while the server runs.
    let backup_dir = w.dir.path().join("backup");
    let manifest = firecheck_server::backup::take(&w.server.data_dir, &backup_dir).expect("backup");
    assert!(manifest.from_running_server);
    let head = manifest.heads[0].1;

    // After it: more work acknowledged by the server.
    lina.run(&[
        "inspect",
        &AFANG_THREE_IN_ONE.to_string(),
        "--fail",
        "3IN1-EXIT:后门被货物堵住",
        "--pass-all",
    ]);
    lina.run(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
    assert_eq!(parse_sync(&lina.run(&["sync"])).acked, 2);
    office.run(&["sync"]);
    let found = office.hazards();
    let laowang = only_hazard(&found, "EB-CHARGE", "office after the backup");
    let id = laowang["hazard"]["id"].as_str().unwrap().to_string();
    office.run(&[
        "hazard",
        "dispatch",
        &id,
        "--to",
        "城管斜土中队",
        "--due",
        "+7",
    ]);
    assert_eq!(parse_sync(&office.run(&["sync"])).acked, 1);
    zhang.run(&["inspect", &HUWEI_BREAKFAST.to_string(), "--pass-all"]);
    zhang.run(&["sync"]);
    // And one op that never left the phone.
    zhang.run(&[
        "inspect",
        &LONGHUA_METRO.to_string(),
        "--template",
        "night-shop",
        "--pass-all",
    ]);
    assert_eq!(zhang.waiting(), 1);
    let before_loss: usize = [&zhang, &lina, &office, &tablet]
        .iter()
        .map(|p| outbox(p).len())
        .sum();

    // The server's disk is lost; the backup is restored into a fresh data dir.
    let (mut old, dir) = (w.server, w.dir);
    old.stop();
    let data = dir.path().join("restored-data");
    firecheck_server::backup::restore(&backup_dir, &data).expect("restore");
    let restored = TestServer::start(&data, "127.0.0.1:0".parse().unwrap(), false);
    for p in [&mut zhang, &mut lina, &mut office, &mut tablet] {
        p.dev.server = restored.url.clone();
    }
    assert_eq!(
        server_log(&restored.url, "wangfang").len() as u64,
        head,
        "the restored server holds the log up to the backup"
    );

    // Each device hears of it on its next sync, sends again what was acked after the backup,
    // and says so.
    for (p, resent) in [(&zhang, 1), (&lina, 2), (&office, 1), (&tablet, 0)] {
        let out = p.run(&["sync"]);
        assert!(
            out.contains("restored from a backup")
                && out.contains(&format!("up to #{head}"))
                && out.contains(&format!("sent again {resent} op(s)")),
            "[{}] sync after the restore said:\n{out}",
            p.who
        );
        let s = parse_sync(&out);
        assert_eq!(s.rejected, 0, "[{}]\n{out}", p.who);
        assert_eq!(p.waiting(), 0, "[{}] nothing left waiting\n{out}", p.who);
    }
    // Once more, to pull what the others sent again; now nothing is special.
    for p in [&zhang, &lina, &office, &tablet] {
        let out = p.run(&["sync"]);
        assert!(!out.contains("restored"), "[{}] {out}", p.who);
    }

    // Every op of every outbox is on the server exactly once, acked at its place there.
    let log = server_log(&restored.url, "wangfang");
    let mut count: HashMap<OpId, usize> = HashMap::new();
    for op in &log {
        *count.entry(op.op_id).or_default() += 1;
    }
    assert!(count.values().all(|n| *n == 1), "no op doubled in the log");
    let mut outboxes = 0;
    for p in [&zhang, &lina, &office, &tablet] {
        for (op, state) in outbox(p) {
            outboxes += 1;
            let OutboxState::Acked { seq } = state else {
                panic!("[{}] {op:?} is {state:?}, not acked", p.who)
            };
            assert_eq!(count.get(&op.op_id), Some(&1), "[{}] {op:?}", p.who);
            assert_eq!(
                log[seq as usize - 1].op_id,
                op.op_id,
                "[{}] acked at the place it holds in the restored log",
                p.who
            );
        }
    }
    assert_eq!(outboxes, before_loss, "every op every device made");

    // Every replica shows the server's hazards: the dispatch made after the backup included.
    let server: Vec<(String, String)> = {
        let t = token(&restored.url, "wangfang");
        let v = get_json(&restored.url, "/v1/hazards", &t);
        let mut list: Vec<(String, String)> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h: &Value| {
                (
                    h["hazard"]["id"].as_str().unwrap().to_string(),
                    h["hazard"]["status"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        list.sort();
        list
    };
    assert!(
        server.contains(&(id.clone(), "dispatched".into())),
        "{server:?}"
    );
    assert_eq!(
        server.len(),
        2,
        "the ebike charging and the blocked exit: {server:?}"
    );
    for p in [&zhang, &lina, &office, &tablet] {
        assert_eq!(hazards(p), server, "[{}] shows the server's hazards", p.who);
    }
}
