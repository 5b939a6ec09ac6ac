//! The sync endpoint's promises: idempotent pushes, loud refusal of a reused `device_seq`,
//! and many concurrent clients that all get acks with unique, gap-free sequence numbers.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use firecheck_server::testing::TestServer;
use firecheck_shared::codec::Format;
use firecheck_shared::sync::{AckResult, RejectCode};
use firecheck_shared::*;

use crate::util::*;

#[tokio::test(flavor = "multi_thread")]
async fn an_op_pushed_twice_in_a_row_is_stored_once_with_one_seq() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let (op, _) = dev.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
    let other = dev.comment(LAOWANG_EBIKE, HazardId::new(), "门口堆放电瓶");

    let first = dev.push(vec![op.clone(), other.clone()]).await;
    let seqs = all_accepted(&first);
    assert_eq!(
        seqs[1],
        seqs[0] + 1,
        "consecutive ops get consecutive seqs: {first:?}"
    );

    // A lost response: the client sends the same batch again, and then once more as JSON.
    let retry = dev.push(vec![op.clone(), other.clone()]).await;
    assert_eq!(
        retry
            .acks
            .iter()
            .map(|a| a.result.clone())
            .collect::<Vec<_>>(),
        vec![
            AckResult::Duplicate { seq: seqs[0] },
            AckResult::Duplicate { seq: seqs[1] }
        ],
        "a retry is acked as a duplicate with the first seq: {retry:?}"
    );
    let json = sync(
        &dev.http,
        &dev.url,
        dev.token(),
        &push_request(vec![op.clone()]),
        Format::Json,
    )
    .await;
    assert_eq!(json.acks[0].result, AckResult::Duplicate { seq: seqs[0] });

    let pulled = dev.pull_all().await;
    assert_eq!(pulled.count_of(op.op_id), 1, "stored once");
    assert_eq!(pulled.count_of(other.op_id), 1, "stored once");
    assert_eq!(pulled.cursor, seqs[1], "the retries stored nothing new");
    assert_eq!(pulled.ops.len() as u64, pulled.cursor);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_op_pushed_in_two_concurrent_requests_is_stored_once() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let before = dev.pull_all().await;
    let mut pushed = Vec::new();
    // Several rounds, so both cases happen: the two requests in one commit group, and in two.
    for round in 0..12 {
        let op = dev.comment(LAOWANG_EBIKE, HazardId::new(), &format!("第{round}次复核"));
        let (a, b) = tokio::join!(dev.push(vec![op.clone()]), dev.push(vec![op.clone()]));
        let (ra, rb) = (a.acks[0].result.clone(), b.acks[0].result.clone());
        let seq = match (&ra, &rb) {
            (AckResult::Accepted { seq: x }, AckResult::Duplicate { seq: y })
            | (AckResult::Duplicate { seq: y }, AckResult::Accepted { seq: x }) => {
                assert_eq!(x, y, "the duplicate names the first seq: {ra:?} / {rb:?}");
                *x
            }
            _ => panic!(
                "round {round}: expected one accepted and one duplicate, got {ra:?} / {rb:?}"
            ),
        };
        pushed.push((op.op_id, seq));
    }
    let after = dev.pull_all().await;
    assert_eq!(
        after.ops.len(),
        before.ops.len() + pushed.len(),
        "each op stored exactly once"
    );
    for (id, _) in &pushed {
        assert_eq!(after.count_of(*id), 1, "op {id} stored once");
    }
    let seqs: BTreeSet<u64> = pushed.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs.len(), pushed.len(), "distinct ops got distinct seqs");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reused_device_seq_is_refused_until_the_device_registers_again() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let first = dev.comment(LAOWANG_EBIKE, HazardId::new(), "第一条");
    let second = dev.comment(LAOWANG_EBIKE, HazardId::new(), "第二条");
    let seqs = all_accepted(&dev.push(vec![first.clone(), second.clone()]).await);

    // A phone restored from an old backup: its outbox starts again at device_seq 1.
    let mut restored = dev.comment(LAOWANG_EBIKE, HazardId::new(), "恢复备份后的新记录");
    restored.device_seq = 1;
    let resp = dev.push(vec![restored.clone()]).await;
    let (code, reason) = rejected(&resp.acks[0]);
    assert_eq!(code, RejectCode::DeviceSeqReused, "{resp:?}");
    assert!(
        reason.contains("log in again") && reason.contains('1'),
        "the reason tells the user what happened and what to do: {reason}"
    );
    // Still refused on a retry, and in the same request as a new op that reuses a position.
    let mut also = dev.comment(LAOWANG_EBIKE, HazardId::new(), "另一条");
    also.device_seq = 2;
    let resp = dev.push(vec![restored.clone(), also.clone()]).await;
    for ack in &resp.acks {
        assert_eq!(rejected(ack).0, RejectCode::DeviceSeqReused, "{resp:?}");
    }
    // The original ops are untouched and the refused ones are not stored.
    let pulled = dev.pull_all().await;
    assert_eq!(pulled.count_of(first.op_id), 1);
    assert_eq!(pulled.count_of(second.op_id), 1);
    assert_eq!(
        pulled.count_of(restored.op_id),
        0,
        "a refused op is not stored"
    );
    assert_eq!(pulled.count_of(also.op_id), 0, "a refused op is not stored");
    assert_eq!(
        pulled.cursor, seqs[1],
        "nothing was stored after the refusals"
    );
    // A genuine retry of the original op at that position is still a duplicate, not a refusal.
    assert_eq!(
        dev.push(vec![first.clone()]).await.acks[0].result,
        AckResult::Duplicate { seq: seqs[0] }
    );

    // Register again: a new device id, its outbox renumbered from 1; the kept op goes through.
    let mut again = Device::login(&server.url, "zhangwei").await;
    assert_ne!(again.id(), dev.id());
    let mut resent = restored.clone();
    resent.device = again.id();
    resent.device_seq = 1;
    again.next_seq = 2;
    let resp = again.push(vec![resent.clone()]).await;
    let seq = accepted(&resp.acks[0]);
    assert_eq!(seq, seqs[1] + 1);
    let pulled = again.pull_all().await;
    assert_eq!(pulled.count_of(resent.op_id), 1);
    let stored = pulled.ops.iter().find(|o| o.op_id == resent.op_id).unwrap();
    assert_eq!((stored.device, stored.device_seq), (again.id(), 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn two_ops_at_one_position_in_one_request_store_only_the_first() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "lina").await;
    let a = dev.comment(LAOWANG_EBIKE, HazardId::new(), "甲");
    let mut b = dev.comment(LAOWANG_EBIKE, HazardId::new(), "乙");
    b.device_seq = a.device_seq;
    let resp = dev.push(vec![a.clone(), b.clone(), a.clone()]).await;
    let seq = accepted(&resp.acks[0]);
    assert_eq!(
        rejected(&resp.acks[1]).0,
        RejectCode::DeviceSeqReused,
        "{resp:?}"
    );
    assert_eq!(
        resp.acks[2].result,
        AckResult::Duplicate { seq },
        "{resp:?}"
    );
    let pulled = dev.pull_all().await;
    assert_eq!(pulled.count_of(a.op_id), 1);
    assert_eq!(pulled.count_of(b.op_id), 0);
    assert_eq!(pulled.cursor, seq);
}

/// 32 clients on 32 devices push at once, in both encodings: every op is acked, nothing is
/// lost, and the organisation's sequence numbers are unique and gap-free.
#[tokio::test(flavor = "multi_thread")]
async fn thirty_two_concurrent_clients_all_get_acks_and_gap_free_seqs() {
    const CLIENTS: usize = 32;
    const ROUNDS: usize = 4;
    const PER_PUSH: usize = 10;
    let server = TestServer::demo();
    let url = server.url.clone();
    let logins = (0..CLIENTS).map(|i| {
        let url = url.clone();
        tokio::spawn(async move {
            let user = if i % 2 == 0 { "zhangwei" } else { "lina" };
            let mut d = Device::login(&url, user).await;
            if i % 4 >= 2 {
                d.format = Format::Json;
            }
            d
        })
    });
    // Spawn every login now (iterators are lazy), then collect them.
    let logins: Vec<_> = logins.collect();
    let mut devices = Vec::new();
    for l in logins {
        devices.push(l.await.expect("login task"));
    }
    let base = devices[0].pull_all().await.cursor;

    let barrier = Arc::new(tokio::sync::Barrier::new(CLIENTS));
    let tasks = devices.into_iter().enumerate().map(|(i, mut d)| {
        let barrier = Arc::clone(&barrier);
        tokio::spawn(async move {
            let venue = fixtures::ids::venue((i % 48) as u32 + 1);
            let mut acked: Vec<(OpId, u64)> = Vec::new();
            for round in 0..ROUNDS {
                let ops: Vec<Op> = (0..PER_PUSH)
                    .map(|k| {
                        d.comment(
                            venue,
                            HazardId::new(),
                            &format!("客户端{i} 第{round}轮 {k}"),
                        )
                    })
                    .collect();
                barrier.wait().await;
                let resp = d.push(ops.clone()).await;
                for (op, ack) in ops.iter().zip(&resp.acks) {
                    acked.push((op.op_id, accepted(ack)));
                }
            }
            (d, acked)
        })
    });
    let tasks: Vec<_> = tasks.collect();
    let mut all: Vec<(OpId, u64)> = Vec::new();
    let mut reader = None;
    for t in tasks {
        let (d, acked) = t.await.expect("client task");
        all.extend(acked);
        reader.get_or_insert(d);
    }
    let reader = reader.unwrap();
    let total = CLIENTS * ROUNDS * PER_PUSH;
    assert_eq!(all.len(), total);
    let seqs: BTreeSet<u64> = all.iter().map(|(_, s)| *s).collect();
    assert_eq!(seqs.len(), total, "sequence numbers are unique");
    assert_eq!(
        seqs.iter().copied().collect::<Vec<_>>(),
        ((base + 1)..=(base + total as u64)).collect::<Vec<_>>(),
        "sequence numbers are gap-free after the seed's {base}"
    );

    let pulled = reader.pull_all().await;
    assert_eq!(pulled.cursor, base + total as u64);
    assert_eq!(
        pulled.ops.len() as u64,
        pulled.cursor,
        "the org's log holds exactly seqs 1..=cursor"
    );
    let mut counts: BTreeMap<OpId, usize> = BTreeMap::new();
    for op in &pulled.ops {
        *counts.entry(op.op_id).or_default() += 1;
    }
    for (id, _) in &all {
        assert_eq!(counts.get(id), Some(&1), "op {id} stored exactly once");
    }
    // The pull order is the seq order the acks named.
    let order: BTreeMap<u64, OpId> = all.iter().map(|(id, s)| (*s, *id)).collect();
    let tail: Vec<OpId> = pulled.ops[base as usize..]
        .iter()
        .map(|o| o.op_id)
        .collect();
    assert_eq!(tail, order.values().copied().collect::<Vec<_>>());

    // The views catch up with all of it.
    let admin = admin(&server.url).await;
    let stats = admin
        .get_json(&format!("/v1/hazards?min_seq={}", pulled.cursor))
        .await;
    assert!(stats["total"].is_u64(), "{stats}");
    let stats = admin.get_json("/v1/admin/stats").await;
    assert_eq!(stats["ops"], pulled.cursor, "{stats}");
}

/// Outbox positions at the top of the u64 range are just positions: replays of them are
/// still duplicates, and the server keeps working.
#[tokio::test(flavor = "multi_thread")]
async fn device_seqs_at_the_top_of_the_range_are_deduplicated_too() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let mut a = dev.comment(LAOWANG_EBIKE, HazardId::new(), "倒数第二");
    a.device_seq = u64::MAX - 1;
    let mut b = dev.comment(LAOWANG_EBIKE, HazardId::new(), "最后一个");
    b.device_seq = u64::MAX;
    let seqs = all_accepted(&dev.push(vec![a.clone(), b.clone()]).await);
    for _ in 0..2 {
        let retry = dev.push(vec![a.clone(), b.clone()]).await;
        assert_eq!(
            retry
                .acks
                .iter()
                .map(|x| x.result.clone())
                .collect::<Vec<_>>(),
            vec![
                AckResult::Duplicate { seq: seqs[0] },
                AckResult::Duplicate { seq: seqs[1] }
            ],
            "{retry:?}"
        );
    }
    let mut c = dev.comment(LAOWANG_EBIKE, HazardId::new(), "另一条");
    c.device_seq = u64::MAX;
    let resp = dev.push(vec![c]).await;
    assert_eq!(rejected(&resp.acks[0]).0, RejectCode::DeviceSeqReused);
    // Other devices are not affected.
    let mut other = Device::login(&server.url, "lina").await;
    let op = other.comment(LAOWANG_EBIKE, HazardId::new(), "正常");
    assert_eq!(accepted(&other.push(vec![op]).await.acks[0]), seqs[1] + 1);
    let pulled = other.pull_all().await;
    assert_eq!(pulled.count_of(a.op_id), 1);
    assert_eq!(pulled.count_of(b.op_id), 1);
}
