//! A venue's history does not make its views grow: a metro station inspected 100,000 times,
//! one of whose hazards was found again 10,000 times, keeps a bounded partition state
//! (inspections and hazard events are records of their own) and every review read answers
//! 200 with paged history — including after a late op makes the partition fold again.

use firecheck_server::testing::TestServer;
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use reqwest::StatusCode;

use crate::util::*;

const INSPECTIONS: usize = 100_000;
/// Every this many inspections fails the exit: the hazard is found again 10,000 times.
const FAIL_EVERY: usize = 10;

#[tokio::test(flavor = "multi_thread")]
async fn a_venue_inspected_100_000_times_keeps_every_review_read_answering() {
    let mut server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let org = zhang.org();
    let mut first_failing = None;
    let mut second_failing = None;
    let mut last = 0;
    let mut first_hlc = None;
    for chunk in 0..INSPECTIONS / 1000 {
        let mut ops = Vec::with_capacity(1000);
        for i in chunk * 1000..(chunk + 1) * 1000 {
            let (op, id) = if i % FAIL_EVERY == 0 {
                zhang.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &["EB-CHARGE"])
            } else {
                zhang.inspection(LAOWANG_EBIKE, &[], &["EB-CHARGE"])
            };
            if i % FAIL_EVERY == 0 {
                match (first_failing, second_failing) {
                    (None, _) => first_failing = Some(id),
                    (Some(_), None) => second_failing = Some(id),
                    _ => {}
                }
            }
            first_hlc.get_or_insert(op.hlc);
            ops.push(op);
        }
        last = *all_accepted(&zhang.push(ops).await).iter().max().unwrap();
    }
    let hazard = HazardId::for_finding(first_failing.unwrap(), "EB-EXIT");
    let alias = HazardId::for_finding(second_failing.unwrap(), "EB-EXIT");
    let found = (INSPECTIONS / FAIL_EVERY) as u64;

    // The listing: one summary row, not a history. Folding 100,000 ops takes the view
    // updater longer than a read waits (5 s) on a busy machine, more so on PostgreSQL,
    // where every view batch is a transaction over the network: the read answers 503
    // "retry shortly" meanwhile, and a client retries.
    let list = get_when_covered(&zhang, &format!("/v1/hazards?min_seq={last}")).await;
    let rows = list.json();
    assert_eq!(rows["total"], 1, "{rows}");
    assert_eq!(rows["items"][0]["hazard"]["id"], hazard.to_string());
    assert_eq!(rows["items"][0]["hazard"]["events"], found, "{rows}");
    assert!(
        list.body.len() < 4096,
        "a listing row carries no history: {} bytes",
        list.body.len()
    );

    // One hazard: the history in pages, the merged finding's id finds it.
    let one = zhang.get_json(&format!("/v1/hazards/{hazard}")).await;
    assert_eq!(one["history_total"], found);
    assert_eq!(one["history"].as_array().unwrap().len(), 100);
    assert!(one["history"][0]["action"].get("found").is_some(), "{one}");
    let tail = zhang
        .get_json(&format!(
            "/v1/hazards/{alias}?offset={}&limit=50",
            found - 10
        ))
        .await;
    assert_eq!(
        tail["hazard"]["id"],
        hazard.to_string(),
        "the alias finds it"
    );
    assert_eq!(tail["history_offset"], found - 10);
    let events = tail["history"].as_array().unwrap();
    assert_eq!(events.len(), 10);
    assert!(events
        .iter()
        .all(|e| e["action"].get("found_again").is_some()));
    assert_eq!(tail["hazard"]["merged_findings"], found - 1);

    // The venue's inspections, newest first, a page at a time.
    let page = zhang
        .get_json(&format!("/v1/venues/{LAOWANG_EBIKE}/inspections?limit=50"))
        .await;
    assert_eq!(page["total"], INSPECTIONS as u64);
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    let deep = zhang
        .get_json(&format!(
            "/v1/venues/{LAOWANG_EBIKE}/inspections?offset={}&limit=50",
            INSPECTIONS - 20
        ))
        .await;
    assert_eq!(deep["items"].as_array().unwrap().len(), 20);

    // Every other read answers too.
    let coverage = zhang
        .get_json(&format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage"))
        .await;
    let row = coverage["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["venue"]["id"] == LAOWANG_EBIKE.to_string())
        .expect("the venue is a target");
    assert_eq!(row["inspections"], INSPECTIONS as u64);
    for path in ["/v1/venues", "/v1/drills", "/v1/campaigns", "/v1/templates"] {
        zhang.get(path).await.expect_status(StatusCode::OK);
    }

    // A late op (stamped before all of them) makes the partition fold again from its
    // 100,000 ops; the answers stay the same.
    let mut late_hlc = first_hlc.unwrap();
    late_hlc.wall_ms -= 1;
    let (mut late, _) = zhang.inspection(LAOWANG_EBIKE, &[], &["EB-CHARGE"]);
    late.hlc = late_hlc;
    let late_seq = all_accepted(&zhang.push(vec![late]).await)[0];
    // The re-fold takes about 4 s on a quiet 2-core machine, longer when other tests share
    // it; a read that waited its 5 s answers 503 "retry shortly", and a client retries.
    let again = get_when_covered(&zhang, &format!("/v1/hazards/{hazard}?min_seq={late_seq}"))
        .await
        .json();
    assert_eq!(again["history_total"], found);
    let page = zhang
        .get_json(&format!("/v1/venues/{LAOWANG_EBIKE}/inspections?limit=1"))
        .await;
    assert_eq!(page["total"], INSPECTIONS as u64 + 1);

    // What is stored for the venue is bounded: its state does not hold its history.
    server.stop();
    let store = firecheck_server::testing::open_store(&server.data_dir);
    let state = store
        .partition_state(org, &Partition::Venue(LAOWANG_EBIKE))
        .unwrap()
        .unwrap();
    assert_eq!(state.inspections, INSPECTIONS as u64 + 1);
    let bytes = encode_unframed(&state).len();
    assert!(
        bytes < 16 * 1024,
        "a venue's state is the size of what it holds, not of its history: {bytes} bytes"
    );
}

/// GET `path` (with its `min_seq`) again while it answers 503 "retry shortly", for two
/// minutes at most, as a client does; the 200 answer.
async fn get_when_covered(dev: &Device, path: &str) -> Raw {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let raw = dev.get(path).await;
        if raw.status != StatusCode::SERVICE_UNAVAILABLE || std::time::Instant::now() > deadline {
            return raw.expect_status(StatusCode::OK);
        }
    }
}
