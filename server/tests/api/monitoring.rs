//! What the server's operator watches: `/metrics` in the Prometheus text format, whose
//! counters move with the work done, and `/readyz`, which holds traffic off until storage
//! takes writes and the views have healed after a start.

use std::time::{Duration, Instant};

use firecheck_server::testing::{TestServer, OPERATOR_TOKEN};
use firecheck_shared::*;
use reqwest::StatusCode;

use crate::util::*;

const SCRAPE_TOKEN: &str = "prometheus-scrape-token-0123456789";

async fn scrape(url: &str, token: &str) -> String {
    let raw = get(&http(), url, "/metrics", Some(token)).await.expect_ok();
    assert!(
        raw.content_type().starts_with("text/plain"),
        "{}",
        raw.context()
    );
    raw.text()
}

/// The value of one series (`name{labels}` exactly as rendered), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (s, v) = l.rsplit_once(' ')?;
            (s == series).then(|| v.parse().unwrap())
        })
        .unwrap_or(0.0)
}

#[tokio::test(flavor = "multi_thread")]
async fn metrics_move_with_syncs_ops_commits_reads_and_failed_logins() {
    let server = TestServer::demo_with(|c| c.metrics_token = Some(SCRAPE_TOKEN.into()));
    let url = &server.url;
    let mut zhang = Device::login(url, "zhangwei").await;
    let org = zhang.org();
    let before = scrape(url, OPERATOR_TOKEN).await;

    // Two new ops, one of them pushed again, one the inspector may not make.
    let (a, _) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let b = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "电瓶仍在门口");
    let seqs = all_accepted(&zhang.push(vec![a.clone(), b]).await);
    let forbidden = zhang.campaign("越权的活动");
    let resp = zhang.push(vec![a, forbidden]).await;
    assert!(matches!(
        resp.acks[0].result,
        sync::AckResult::Duplicate { .. }
    ));
    rejected(&resp.acks[1]);
    sync_raw(
        &http(),
        url,
        Some("forged"),
        Some("application/json"),
        b"{}".to_vec(),
    )
    .await
    .expect_status(StatusCode::UNAUTHORIZED);
    login_raw(
        &http(),
        url,
        "zhangwei",
        "not-his-password",
        DeviceId::new(),
    )
    .await
    .expect_status(StatusCode::UNAUTHORIZED);
    zhang
        .get(&format!("/v1/hazards?min_seq={}", seqs[1]))
        .await
        .expect_ok();
    zhang.get(&format!("/v1/hazards/{}", HazardId::new())).await;

    let after = scrape(url, SCRAPE_TOKEN).await;
    let moved = |series: &str| value(&after, series) - value(&before, series);
    assert_eq!(
        moved("firecheck_ops_total{result=\"accepted\"}"),
        2.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_ops_total{result=\"duplicate\"}"),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_ops_total{result=\"rejected\"}"),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_sync_requests_total{outcome=\"ok\"}"),
        2.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_sync_requests_total{outcome=\"unauthorized\"}"),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_login_failures_total{reason=\"wrong_password\"}"),
        1.0,
        "{after}"
    );
    assert!(
        moved("firecheck_group_commit_seconds_count") >= 1.0,
        "{after}"
    );
    assert!(moved("firecheck_group_commit_ops_sum") >= 2.0, "{after}");
    assert_eq!(
        moved("firecheck_review_read_seconds_count{route=\"/v1/hazards\"}"),
        1.0,
        "{after}"
    );
    assert_eq!(
        moved("firecheck_review_read_seconds_count{route=\"/v1/hazards/{id}\"}"),
        1.0,
        "{after}"
    );
    assert_eq!(
        value(&after, &format!("firecheck_view_lag_ops{{org=\"{org}\"}}")),
        0.0
    );
    assert!(
        after.contains(&format!("firecheck_failed_partitions{{org=\"{org}\"}} 0")),
        "{after}"
    );
    assert!(
        after.contains("# TYPE firecheck_group_commit_seconds histogram"),
        "{after}"
    );

    // Only the operator key or the metrics token reads it.
    let http = http();
    for token in [None, Some(zhang.token()), Some("not-a-token")] {
        get(&http, url, "/metrics", token)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn readyz_answers_503_until_the_views_have_healed_after_a_start() {
    let mut server = TestServer::demo();
    let url = server.url.clone();
    let http = http();
    let ready = get(&http, &url, "/readyz", None).await.expect_ok();
    assert_eq!(ready.json()["status"], "ready");

    // Views are disposable: without them the log must be folded again at start-up. Held,
    // the view updater leaves them behind for as long as the test looks.
    server.stop();
    firecheck_server::testing::lose_views(&server.data_dir);
    server.restart_with(|c| c.hold_views = true);
    let err = get(&http, &url, "/readyz", None)
        .await
        .expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
    assert!(err.error.message.contains("catching up"), "{err:?}");
    get(&http, &url, "/healthz", None).await.expect_ok();
    let lagging = scrape(&url, OPERATOR_TOKEN).await;
    assert!(
        lagging
            .lines()
            .any(|l| l.starts_with("firecheck_view_lag_ops{") && !l.ends_with(" 0")),
        "{lagging}"
    );

    server.state().views.hold(false);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let raw = get(&http, &url, "/readyz", None).await;
        if raw.status == StatusCode::OK {
            break;
        }
        raw.expect_error(StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        assert!(Instant::now() < deadline, "the views never caught up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let healed = scrape(&url, OPERATOR_TOKEN).await;
    assert!(
        healed
            .lines()
            .filter(|l| l.starts_with("firecheck_view_lag_ops{"))
            .all(|l| l.ends_with(" 0")),
        "{healed}"
    );
}
