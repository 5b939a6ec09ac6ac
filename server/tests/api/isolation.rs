//! Partial replication: a user pulls only their organisation's ops, and a long backlog pages
//! with `has_more` and a cursor that returns each op exactly once.

use std::collections::BTreeSet;

use firecheck_server::testing::TestServer;
use firecheck_shared::codec::Format;
use firecheck_shared::sync::RejectCode;
use firecheck_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::util::*;

/// The operator creates a second organisation; its admin adds an inspector; returns that
/// inspector's device.
async fn second_org(url: &str) -> (Device, Org) {
    let (org, admin) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    let user: User = post_json(
        &admin.http,
        url,
        "/v1/admin/users",
        Some(admin.token()),
        &json!({
            "username": "zhaolei",
            "display_name": "赵磊",
            "password": "zhaolei-password-2026",
            "role": "inspector",
        }),
    )
    .await
    .expect_status(StatusCode::CREATED)
    .parse();
    assert_eq!(user.org, org.id);
    let http = http();
    let device = DeviceId::new();
    let tokens = login(&http, url, "zhaolei", "zhaolei-password-2026", device).await;
    assert_eq!(tokens.org.id, org.id);
    let dev = Device {
        http,
        url: url.to_string(),
        tokens,
        clock: HlcClock::new(hlc::node_of(&device)),
        next_seq: 1,
        format: Format::Bincode,
    };
    (dev, org)
}

#[tokio::test(flavor = "multi_thread")]
async fn organisations_never_see_each_others_ops() {
    let server = TestServer::demo();
    let (mut zhao, _org_b) = second_org(&server.url).await;
    let mut zhang = Device::login(&server.url, "zhangwei").await;

    // Org B: its own venue with an inspection, and an inspection naming org A's venue id.
    let venue_b = VenueId::new();
    let b_venue = zhao.venue_upsert(venue_b, "枫林电动车行", "枫林路", "枫林路 10号");
    let (b_insp, b_inspection) = zhao.inspection(venue_b, &["EB-CHARGE"], &[]);
    let (b_foreign, b_foreign_inspection) = zhao.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &[]);
    let b_ops = vec![b_venue, b_insp, b_foreign];
    let b_seqs = all_accepted(&zhao.push(b_ops.clone()).await);
    assert_eq!(b_seqs, [1, 2, 3], "each organisation has its own sequence");
    // Org A, at the same time.
    let (a_insp, a_inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let a_seq = accepted(&zhang.push(vec![a_insp.clone()]).await.acks[0]);
    assert!(a_seq > 50, "after the demo seed");

    let a_pull = zhang.pull_all().await;
    let b_pull = zhao.pull_all().await;
    let a_ids: BTreeSet<OpId> = a_pull.ops.iter().map(|o| o.op_id).collect();
    let b_ids: BTreeSet<OpId> = b_pull.ops.iter().map(|o| o.op_id).collect();
    assert!(
        a_ids.is_disjoint(&b_ids),
        "no op is in both organisations' logs"
    );
    for op in &b_ops {
        assert!(!a_ids.contains(&op.op_id), "org A pulled org B's op {op:?}");
    }
    assert_eq!(
        b_pull.ops, b_ops,
        "org B pulls exactly its own ops, none of org A's (seed included)"
    );
    assert_eq!(b_pull.cursor, 3);
    assert!(a_ids.contains(&a_insp.op_id));
    assert_eq!(a_pull.ops.len() as u64, a_pull.cursor);

    // Cursors are per organisation: org A's seqs 4..=head are not org B's to pull.
    let resp = zhao.sync(&pull_request(3, 10)).await;
    assert!(resp.ops.is_empty() && !resp.has_more, "{resp:?}");
    assert_eq!(resp.cursor, 3);
    // A cursor past org B's log (org A's numbers) is no cursor of org B's log at all: it is
    // refused as a log the server does not have (a restored server's answer), naming only
    // org B's head, and nothing of org A's.
    let raw = sync_raw(
        &zhao.http,
        &zhao.url,
        Some(zhao.token()),
        Some(firecheck_shared::codec::JSON_MEDIA_TYPE),
        firecheck_shared::codec::encode(Format::Json, &pull_request(a_seq - 1, 10)),
    )
    .await;
    let err = raw.expect_error(StatusCode::CONFLICT, "log_restored");
    assert!(err.error.message.contains("its log ends at #3"), "{err:?}");

    // The review API is scoped the same way.
    let a_hazard = HazardId::for_finding(a_inspection, "EB-CHARGE");
    let b_hazard = HazardId::for_finding(b_inspection, "EB-CHARGE");
    let b_foreign_hazard = HazardId::for_finding(b_foreign_inspection, "EB-EXIT");
    let b_list = zhao.get_json("/v1/hazards?min_seq=3").await;
    let b_found: BTreeSet<String> = b_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hazard"]["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        b_found,
        BTreeSet::from([b_hazard.to_string(), b_foreign_hazard.to_string()]),
        "{b_list}"
    );
    let a_list = zhang
        .get_json(&format!("/v1/hazards?min_seq={a_seq}"))
        .await;
    let a_found: Vec<&str> = a_list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hazard"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(a_found, [a_hazard.to_string()], "{a_list}");
    zhang
        .get(&format!("/v1/hazards/{b_foreign_hazard}"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    zhao.get(&format!("/v1/hazards/{a_hazard}"))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let b_venues = zhao.get_json("/v1/venues").await;
    assert_eq!(b_venues["total"], 1, "{b_venues}");
    assert_eq!(b_venues["items"][0]["id"], venue_b.to_string());

    // Org B cannot write as an org A user, nor take over an org A device.
    let mut forged = zhao.comment(venue_b, b_hazard, "冒名");
    forged.author = zhang.user();
    let resp = zhao.push(vec![forged]).await;
    assert_eq!(rejected(&resp.acks[0]).0, RejectCode::WrongIdentity);
    login_raw(
        &zhao.http,
        &server.url,
        "zhaolei",
        "zhaolei-password-2026",
        zhang.id(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(zhao.pull_all().await.cursor, 3, "nothing stored for org B");
    assert_eq!(
        zhang.pull_all().await.cursor,
        a_seq,
        "nothing stored for org A"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn paging_returns_each_op_exactly_once_with_a_stable_final_cursor() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    let ops: Vec<Op> = (0..17)
        .map(|i| dev.comment(LAOWANG_EBIKE, HazardId::new(), &format!("第{i}条")))
        .collect();
    dev.push(ops).await;
    let all = dev.pull_all().await;
    let total = all.ops.len();
    assert_eq!(total as u64, all.cursor);
    assert!(total >= 70, "seed + 17 ops: {total}");

    for limit in [1usize, 7, total / 2, total - 1, total, total + 1, 5000] {
        for format in [Format::Bincode, Format::Json] {
            let mut got: Vec<Op> = Vec::new();
            let mut cursor = 0;
            let mut pages = 0;
            loop {
                let resp = sync(
                    &dev.http,
                    &dev.url,
                    dev.token(),
                    &pull_request(cursor, limit as u32),
                    format,
                )
                .await;
                pages += 1;
                assert!(resp.ops.len() <= limit, "limit {limit}: page too long");
                assert!(
                    resp.ops.len() == limit || !resp.has_more,
                    "limit {limit}: a short page must be the last"
                );
                got.extend(resp.ops);
                assert_eq!(
                    resp.has_more,
                    got.len() < total,
                    "limit {limit} ({format:?}): has_more after {} of {total}",
                    got.len()
                );
                assert_eq!(
                    resp.cursor,
                    got.len() as u64,
                    "limit {limit}: cursor is the last seq"
                );
                cursor = resp.cursor;
                if !resp.has_more {
                    break;
                }
                assert!(pages <= total + 1, "paging does not end");
            }
            assert_eq!(
                got, all.ops,
                "limit {limit} ({format:?}): each op once, in order"
            );
            // The final cursor is stable: asking again returns nothing and keeps it.
            for _ in 0..2 {
                let resp = sync(
                    &dev.http,
                    &dev.url,
                    dev.token(),
                    &pull_request(cursor, limit as u32),
                    format,
                )
                .await;
                assert!(resp.ops.is_empty() && !resp.has_more, "{resp:?}");
                assert_eq!(resp.cursor, cursor);
            }
        }
    }
    // The server caps a huge limit; the answer still pages correctly.
    let resp = dev.sync(&pull_request(0, u32::MAX)).await;
    assert_eq!(resp.ops, all.ops);
    assert!(!resp.has_more);
    // A resumed pull after a failure continues from any cursor.
    let resp = dev.sync(&pull_request(10, 5)).await;
    assert_eq!(resp.ops, all.ops[10..15].to_vec());
    assert_eq!(resp.cursor, 15);
    assert!(resp.has_more);
}
