//! The server speaks the request's language: an error's `code` stays the same whatever
//! `Accept-Language` says, its `message` is Chinese for `zh-CN` (or any `zh` preferred over
//! English) and English otherwise — for the handlers' own errors, axum's rejections worded
//! by the server, the sync answer's clock warning and a refused op's reason.

use axum::http::StatusCode;
use firecheck_server::testing::{password, TestServer};
use firecheck_shared::codec::{self, Format};
use firecheck_shared::fixtures::ids::LAOWANG_EBIKE;
use firecheck_shared::sync::{AckResult, ErrorBody, RejectCode, SyncResponse};
use firecheck_shared::*;
use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, AUTHORIZATION, CONTENT_TYPE};

use crate::util::*;

/// The same request asked in Chinese, in English, and with no language; each answer's error.
async fn three_ways(
    what: &str,
    status: StatusCode,
    code: &str,
    request: impl Fn() -> reqwest::RequestBuilder,
) -> [ErrorBody; 3] {
    let zh = send(
        format!("{what} (zh-CN)"),
        request().header(ACCEPT_LANGUAGE, "zh-CN,zh;q=0.9,en;q=0.8"),
    )
    .await;
    let en = send(
        format!("{what} (en-US)"),
        request().header(ACCEPT_LANGUAGE, "en-US,en;q=0.9"),
    )
    .await;
    let none = send(format!("{what} (no Accept-Language)"), request()).await;
    [
        zh.expect_error(status, code),
        en.expect_error(status, code),
        none.expect_error(status, code),
    ]
}

fn has_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Chinese in Chinese, English (and no Chinese) otherwise, the code the same.
fn assert_languages(what: &str, [zh, en, none]: &[ErrorBody; 3], zh_has: &str, en_has: &str) {
    assert_eq!(zh.error.code, en.error.code, "{what}");
    assert!(
        zh.error.message.contains(zh_has) && !zh.error.message.contains(en_has),
        "{what}: the Chinese answer is {:?}",
        zh.error.message
    );
    for e in [en, none] {
        assert!(
            e.error.message.contains(en_has) && !has_chinese(&e.error.message),
            "{what}: the English answer is {:?}",
            e.error.message
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn errors_keep_their_code_and_speak_the_requests_language() {
    let server = TestServer::demo();
    let url = &server.url;
    let http = http();

    // No token: the Caller extractor's error.
    let answers = three_ways("no token", StatusCode::UNAUTHORIZED, "unauthorized", || {
        http.get(format!("{url}/v1/hazards"))
    })
    .await;
    assert_languages("no token", &answers, "请先登录", "log in first");

    // A wrong password.
    let device = DeviceId::new();
    let answers = three_ways(
        "wrong password",
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        || {
            http.post(format!("{url}/v1/auth/login"))
                .json(&serde_json::json!({
                    "username": "zhangwei",
                    "password": "not the password",
                    "device_id": device,
                    "device_name": "测试",
                }))
        },
    )
    .await;
    assert_languages(
        "wrong password",
        &answers,
        "用户名或密码错误",
        "wrong username",
    );

    // A body axum's JSON extractor refuses: the server's words around serde's detail.
    let answers = three_ways(
        "unknown field",
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
        || {
            http.post(format!("{url}/v1/auth/login"))
                .header(CONTENT_TYPE, "application/json")
                .body(r#"{"username":"a","password":"b","device_id":"x","device_name":"y","extra":1}"#)
        },
    )
    .await;
    assert!(
        answers[0].error.message.starts_with("请求无法读取"),
        "{:?}",
        answers[0].error.message
    );
    assert!(
        answers[1]
            .error
            .message
            .starts_with("the request cannot be read"),
        "{:?}",
        answers[1].error.message
    );

    // A review read with a bad parameter, as a logged-in officer.
    let token = login(&http, url, "lina", &password("lina"), DeviceId::new())
        .await
        .access_token;
    let answers = three_ways("bad limit", StatusCode::BAD_REQUEST, "bad_request", || {
        http.get(format!("{url}/v1/hazards?limit=0"))
            .header(AUTHORIZATION, format!("Bearer {token}"))
    })
    .await;
    assert_languages("bad limit", &answers, "limit 须为", "limit must be");

    // No such endpoint.
    let answers = three_ways("no endpoint", StatusCode::NOT_FOUND, "not_found", || {
        http.get(format!("{url}/v1/no-such-thing"))
    })
    .await;
    assert_languages("no endpoint", &answers, "没有这个接口", "no such endpoint");

    // English wins when the request prefers it, even naming Chinese second.
    let en_first = send(
        "en first",
        http.get(format!("{url}/v1/hazards"))
            .header(ACCEPT_LANGUAGE, "en;q=0.9, zh-CN;q=0.5"),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(!has_chinese(&en_first.error.message), "{en_first:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_clock_warning_and_a_refused_ops_reason_follow_the_language() {
    let server = TestServer::demo();
    let mut dev = Device::login(&server.url, "zhangwei").await;
    // An op that claims another author is refused with a reason; the device's clock is 3 h
    // behind the server's.
    let mut forged = dev.comment(LAOWANG_EBIKE, HazardId::new(), "门口堆放电瓶");
    forged.author = UserId::new();
    let mut req = push_request(vec![forged]);
    req.device_time_ms = now_ms() as i64 - 3 * 3_600_000;
    let sync_in = |lang: Option<&'static str>| {
        let mut rb = dev
            .http
            .post(format!("{}/v1/sync", server.url))
            .header(AUTHORIZATION, format!("Bearer {}", dev.token()))
            .header(CONTENT_TYPE, Format::Json.media_type())
            .header(ACCEPT, Format::Json.media_type())
            .body(codec::encode(Format::Json, &req));
        if let Some(l) = lang {
            rb = rb.header(ACCEPT_LANGUAGE, l);
        }
        rb
    };
    let zh: SyncResponse = send("sync zh", sync_in(Some("zh-CN")))
        .await
        .expect_ok()
        .parse();
    let en: SyncResponse = send("sync en", sync_in(None)).await.expect_ok().parse();
    let warning = |r: &SyncResponse| r.clock_warning.clone().unwrap_or_default();
    assert!(warning(&zh).contains("慢约 3 小时"), "{zh:?}");
    assert!(warning(&en).contains("3 h behind"), "{en:?}");
    for (r, want) in [
        (&zh, "不是当前登录用户"),
        (&en, "is not the logged-in user"),
    ] {
        match &r.acks[0].result {
            AckResult::Rejected { code, reason } => {
                assert_eq!(*code, RejectCode::WrongIdentity);
                assert!(reason.contains(want), "{reason}");
            }
            other => panic!("the forged op was {other:?}"),
        }
    }
}
