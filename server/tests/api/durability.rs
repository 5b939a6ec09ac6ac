//! Acked means durable, views are disposable: acked ops survive a restart, views rebuilt from
//! the log equal the live ones (and a from-scratch fold of each partition), and a crash
//! between the log write and the view update heals at start-up.

use firecheck_server::store::{CommitBatch, LogEntry, Run};
use firecheck_server::testing::TestServer;
use firecheck_shared::sync::AckResult;
use firecheck_shared::*;
use std::collections::BTreeMap;

use crate::util::*;

/// Compare two lists of partition states one partition at a time, so a failure shows only
/// the partition that differs.
fn assert_same_states(what: &str, left: &[PartitionState], right: &[PartitionState]) {
    let l: BTreeMap<Partition, &PartitionState> = left.iter().map(|s| (s.partition, s)).collect();
    let r: BTreeMap<Partition, &PartitionState> = right.iter().map(|s| (s.partition, s)).collect();
    assert_eq!(
        l.keys().collect::<Vec<_>>(),
        r.keys().collect::<Vec<_>>(),
        "{what}: the same partitions"
    );
    for (p, a) in &l {
        assert_eq!(a, &r[p], "{what}: partition {p:?} differs");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn acked_ops_survive_a_restart_and_rebuilt_views_equal_live_views() {
    let mut server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let mut lina = Device::login(&server.url, "lina").await;
    let mut office = Device::login(&server.url, "wangfang").await;

    // An inspection with a failed item, the office dispatches the hazard, and comments that
    // arrive out of HLC order (lina made hers "offline" earlier), which forces re-folds.
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");
    let early = lina.op_with_hlc(
        hazard_entity(LAOWANG_EBIKE, hazard),
        OpBody::HazardCommented {
            text: "离线时记下：后门也堆了电瓶".into(),
        },
        Hlc::new(now_ms() - 60_000, 0, lina.clock.node()),
    );
    office.observe(&[&insp]);
    let dispatch = office.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardDispatched {
            unit: "城管斜土中队".into(),
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap(),
            note: String::new(),
        },
    );
    let late_insp = {
        // A second inspector finds the same open problem: one hazard, not two.
        lina.observe(&[&insp, &dispatch]);
        let (op, _) = lina.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
        op
    };
    let mut acked: Vec<(Op, u64)> = Vec::new();
    for (dev, ops) in [
        (&zhang, vec![insp.clone()]),
        (&office, vec![dispatch.clone()]),
        (&lina, vec![early.clone(), late_insp.clone()]),
    ] {
        let resp = dev.push(ops.clone()).await;
        for (op, seq) in ops.into_iter().zip(all_accepted(&resp)) {
            acked.push((op, seq));
        }
    }
    let mut venue_ops = Vec::new();
    for i in 0..40u32 {
        venue_ops.push(zhang.venue_upsert(
            fixtures::ids::venue(2 + i % 10),
            &format!("店铺{i}"),
            "小木桥路",
            &format!("小木桥路 {}号", 500 + i),
        ));
    }
    let resp = zhang.push(venue_ops.clone()).await;
    acked.extend(venue_ops.into_iter().zip(all_accepted(&resp)));
    let last = acked.iter().map(|(_, s)| *s).max().unwrap();
    let before = zhang
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={last}"))
        .await;

    server.restart();

    // Every acked op is still there, at its seq, and a retry is a duplicate with that seq.
    let pulled = zhang.pull_all().await;
    assert_eq!(pulled.cursor, last);
    for (op, seq) in &acked {
        assert_eq!(
            pulled.ops.get(*seq as usize - 1),
            Some(op),
            "op at seq {seq} survives the restart unchanged"
        );
    }
    let retry = zhang.push(vec![acked[0].0.clone()]).await;
    assert_eq!(
        retry.acks[0].result,
        AckResult::Duplicate { seq: acked[0].1 }
    );
    let retry = lina.push(vec![early.clone(), late_insp.clone()]).await;
    assert!(
        retry
            .acks
            .iter()
            .all(|a| matches!(a.result, AckResult::Duplicate { .. })),
        "after a restart the de-duplication still knows the ops: {retry:?}"
    );
    // New ops continue the sequence.
    let next = zhang.comment(LAOWANG_EBIKE, hazard, "重启后");
    let seq = accepted(&zhang.push(vec![next]).await.acks[0]);
    assert_eq!(seq, last + 1);
    let after = zhang
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={seq}"))
        .await;
    assert_eq!(before["hazard"]["id"], after["hazard"]["id"]);
    assert_eq!(after["hazard"]["status"], "dispatched", "{after}");
    assert!(
        after["merged"].as_array().is_some_and(|m| m.len() == 1),
        "lina's finding joined the hazard: {after}"
    );

    // Stop, then compare the live views with a rebuild from the log.
    let org = zhang.org();
    server.stop();
    let store = firecheck_server::testing::open_store(&server.data_dir);
    assert_eq!(
        store.view_watermark(org).unwrap(),
        seq,
        "views cover the whole log"
    );
    let live = store.partition_states(org).unwrap();
    assert!(live.len() > 50, "the seed and the test ops are folded");

    // Also a from-scratch fold of each partition's ops, in any order.
    let (entries, more) = store.entries_after(org, 0, usize::MAX).unwrap();
    assert!(!more);
    assert_eq!(entries.len() as u64, seq);
    let mut by_partition: BTreeMap<Partition, Vec<Op>> = BTreeMap::new();
    for (_, e) in entries.into_iter().rev() {
        by_partition.entry(e.op.partition()).or_default().push(e.op);
    }
    let folded: Vec<Folded> = by_partition
        .iter()
        .map(|(p, ops)| Folded::fold(*p, ops.iter()))
        .collect();
    let states: Vec<PartitionState> = folded.iter().map(|f| f.state.clone()).collect();
    assert_same_states("live views vs a fresh fold of the log", &live, &states);
    // Records too: each hazard's history as stored equals the fresh fold's.
    for f in &folded {
        for h in f.state.hazards.values() {
            let stored = store
                .hazard_history(org, &f.state.partition, h.id, 0, usize::MAX)
                .unwrap();
            assert_eq!(stored, f.history(h.id), "history of {}", h.id);
        }
    }

    let live_digest = store.views_digest(org).unwrap();
    let heads = firecheck_server::views::rebuild(&store).expect("rebuild");
    assert!(heads.contains(&(org, seq)), "{heads:?}");
    let rebuilt = store.partition_states(org).unwrap();
    assert_same_states("live views vs rebuilt views", &live, &rebuilt);
    assert_eq!(
        store.views_digest(org).unwrap(),
        live_digest,
        "states, records and indexes equal a rebuild"
    );
    assert_eq!(store.view_watermark(org).unwrap(), seq);
}

/// Ops that reached the log but not the views (a crash in between) are folded at start-up.
#[tokio::test(flavor = "multi_thread")]
async fn a_crash_between_log_write_and_view_update_heals_at_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let addr = "127.0.0.1:0".parse().unwrap();
    let mut server = TestServer::start(dir.path(), addr, true);
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let org = dev.org();
    let (insp, inspection) = dev.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &[]);
    let hazard = HazardId::for_finding(inspection, "EB-EXIT");
    let comment = dev.comment(LAOWANG_EBIKE, hazard, "出口被电动车堵住");
    server.stop();

    // What the sequencer does, without the view update that would follow it.
    let seq;
    {
        let store = firecheck_server::testing::open_store(dir.path());
        let head = store.last_seq(org).unwrap();
        assert_eq!(
            store.view_watermark(org).unwrap(),
            head,
            "views were current at stop"
        );
        seq = head + 2;
        let received_ms = now_ms() as i64;
        store
            .commit(&CommitBatch {
                entries: vec![
                    (
                        org,
                        head + 1,
                        LogEntry {
                            received_ms,
                            op: insp.clone(),
                        },
                    ),
                    (
                        org,
                        head + 2,
                        LogEntry {
                            received_ms,
                            op: comment.clone(),
                        },
                    ),
                ],
                runs: vec![(
                    dev.id(),
                    1,
                    Run {
                        org,
                        first_seq: head + 1,
                        count: 2,
                    },
                )],
            })
            .unwrap();
        assert!(
            store.view_watermark(org).unwrap() < seq,
            "the views lag the log"
        );
        assert!(store
            .partition_state(org, &Partition::Venue(LAOWANG_EBIKE))
            .unwrap()
            .unwrap()
            .hazards
            .is_empty());
    }

    // Start again: no push is needed for the views to catch up.
    let server = TestServer::start(dir.path(), addr, false);
    dev.url = server.url.clone();
    let row = dev
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={seq}"))
        .await;
    assert_eq!(row["hazard"]["item"], "EB-EXIT", "{row}");
    let history = row["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "found, then commented: {row}");
    let list = dev
        .get_json(&format!("/v1/hazards?venue={LAOWANG_EBIKE}&min_seq={seq}"))
        .await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["hazard"]["id"] == hazard.to_string()),
        "{list}"
    );
    let admin = admin(&server.url).await;
    let stats = admin.get_json("/v1/admin/stats").await;
    assert_eq!(stats["views_cover"], seq, "{stats}");
    assert_eq!(stats["ops"], seq, "{stats}");
    // The ops committed directly are known to the de-duplication as well.
    let retry = dev.push(vec![insp, comment]).await;
    assert_eq!(
        retry
            .acks
            .iter()
            .map(|a| a.result.clone())
            .collect::<Vec<_>>(),
        vec![
            AckResult::Duplicate { seq: seq - 1 },
            AckResult::Duplicate { seq }
        ]
    );
}

/// The views live in their own database (`views/` in the data dir): losing it entirely loses
/// nothing, since the updater folds the whole log again at start-up; the partition index it
/// writes (one entry per partition per view batch) lists exactly each partition's ops.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_views_database_is_folded_again_at_start_up() {
    let mut server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let org = zhang.org();
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");
    let comment = zhang.comment(LAOWANG_EBIKE, hazard, "电瓶已搬走一半");
    let seqs = all_accepted(&zhang.push(vec![insp, comment]).await);
    let last = *seqs.iter().max().unwrap();
    let before = zhang
        .get_json(&format!(
            "/v1/venues/{LAOWANG_EBIKE}/inspections?min_seq={last}"
        ))
        .await;
    server.stop();
    let live = {
        let store = firecheck_server::testing::open_store(&server.data_dir);
        let live = store.partition_states(org).unwrap();
        // The index lists exactly the log's ops of the partition, in order.
        let (entries, _) = store.entries_after(org, 0, usize::MAX).unwrap();
        let want: Vec<u64> = entries
            .iter()
            .filter(|(_, e)| e.op.partition() == Partition::Venue(LAOWANG_EBIKE))
            .map(|(s, _)| *s)
            .collect();
        assert!(want.len() >= 2);
        assert_eq!(
            store
                .partition_seqs(org, &Partition::Venue(LAOWANG_EBIKE))
                .unwrap(),
            want
        );
        live
    };
    firecheck_server::testing::lose_views(&server.data_dir);

    server.restart();
    let admin = admin(&server.url).await;
    let mut cover = 0;
    for _ in 0..200 {
        let stats = admin.get_json("/v1/admin/stats").await;
        cover = stats["views_cover"].as_u64().unwrap();
        if cover >= last {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert_eq!(cover, last, "the views were folded again without a push");
    let after = zhang
        .get_json(&format!(
            "/v1/venues/{LAOWANG_EBIKE}/inspections?min_seq={last}"
        ))
        .await;
    assert_eq!(before, after);
    server.stop();
    let store = firecheck_server::testing::open_store(&server.data_dir);
    assert_same_states(
        "views before vs after the loss",
        &live,
        &store.partition_states(org).unwrap(),
    );
}

/// Overwrite a venue's stored state (and, with `index`, its partition index) with garbage,
/// as a bad disk might leave them (in the sled views database or node `main`'s PostgreSQL
/// rows).
fn damage_views(data_dir: &std::path::Path, org: OrgId, venue: VenueId, index: bool) {
    let raw = firecheck_server::testing::raw_databases(data_dir);
    let views = raw.views.open_tree("views").unwrap();
    let part = Partition::Venue(venue).to_key();
    let mut state = vec![b'S'];
    state.extend_from_slice(org.as_bytes());
    state.extend_from_slice(&part);
    assert!(
        views.get(&state).unwrap().is_some(),
        "the venue has a state"
    );
    views.insert(state, &b"not a partition state"[..]).unwrap();
    if index {
        let mut prefix = vec![b'I'];
        prefix.extend_from_slice(org.as_bytes());
        prefix.extend_from_slice(&part);
        let keys: Vec<_> = views
            .scan_prefix(&prefix)
            .keys()
            .map(Result::unwrap)
            .collect();
        assert!(!keys.is_empty());
        for k in keys {
            views.insert(k, &b"odd"[..]).unwrap();
        }
    }
    raw.views.flush().unwrap();
}

/// A stored state (and its partition index) that no longer decode are derived data: the
/// next op folds the organisation's views again from the log, and nothing is lost.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_state_is_folded_again_from_the_log() {
    let mut server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let org = zhang.org();
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");
    all_accepted(&zhang.push(vec![insp]).await);
    server.stop();
    damage_views(&server.data_dir, org, LAOWANG_EBIKE, true);
    server.restart();

    let comment = zhang.comment(LAOWANG_EBIKE, hazard, "修好前先拍照");
    let seq = all_accepted(&zhang.push(vec![comment]).await)[0];
    let one = zhang
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={seq}"))
        .await;
    assert_eq!(one["history_total"], 2, "found, then commented: {one}");
    let stats = admin(&server.url).await.get_json("/v1/admin/stats").await;
    assert_eq!(stats["failed_partitions"], serde_json::json!([]), "{stats}");
}

/// A partition that cannot be folded at all (here: a fault injected into its fold, as a bug
/// would) is reported and skipped; every other partition of the organisation goes on
/// answering, and once the fault is gone a restart folds it again.
#[tokio::test(flavor = "multi_thread")]
async fn a_partition_that_cannot_be_folded_never_stops_the_others() {
    let broken = fixtures::ids::venue(7);
    let other = fixtures::ids::venue(2);
    let mut server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let (insp, _) = zhang.inspection(broken, &["EB-CHARGE"], &[]);
    all_accepted(&zhang.push(vec![insp]).await);
    firecheck_server::views::faults::inject(zhang.org(), Partition::Venue(broken));

    // New work at the broken venue and at another one.
    let (at_broken, _) = zhang.inspection(broken, &["EB-EXIT"], &[]);
    let (elsewhere, elsewhere_id) = zhang.inspection(other, &["EB-CHARGE"], &[]);
    let seqs = all_accepted(&zhang.push(vec![at_broken, elsewhere]).await);
    let last = *seqs.iter().max().unwrap();

    // The other venue's hazard shows; every listing answers.
    let list = zhang.get_json(&format!("/v1/hazards?min_seq={last}")).await;
    let ids: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hazard"]["id"].as_str().unwrap())
        .collect();
    let elsewhere_hazard = HazardId::for_finding(elsewhere_id, "EB-CHARGE").to_string();
    assert!(ids.contains(&elsewhere_hazard.as_str()), "{list}");
    for path in [
        "/v1/venues",
        "/v1/drills",
        "/v1/campaigns",
        "/v1/templates",
        "/v1/board",
    ] {
        zhang.get(path).await.expect_ok();
    }
    zhang
        .get(&format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage"))
        .await
        .expect_ok();
    // The broken venue says what is wrong; the admin sees it.
    let err = zhang
        .get(&format!("/v1/venues/{broken}/inspections"))
        .await
        .expect_error(reqwest::StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(err.error.message.contains("rebuild"), "{err:?}");
    let stats = admin(&server.url).await.get_json("/v1/admin/stats").await;
    let failed = stats["failed_partitions"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{stats}");
    assert_eq!(failed[0]["partition"], format!("venue {broken}"));
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("fault injected"),
        "{stats}"
    );

    // Fixed (a new release, say): a restart folds it again, both inspections there.
    firecheck_server::views::faults::clear(zhang.org(), Partition::Venue(broken));
    server.restart();
    let page = zhang
        .get_json(&format!("/v1/venues/{broken}/inspections?min_seq={last}"))
        .await;
    assert_eq!(page["total"], 2, "{page}");
    let stats = admin(&server.url).await.get_json("/v1/admin/stats").await;
    assert_eq!(stats["failed_partitions"], serde_json::json!([]), "{stats}");
}
