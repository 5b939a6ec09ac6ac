//! Who may do what: roles per op kind, the token's identity on every op, revoked devices,
//! forged and expired tokens, admin-only endpoints, rotating refresh tokens, login limits.

use firecheck_server::auth::Claims;
use firecheck_server::testing::TestServer;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::sync::RejectCode;
use firecheck_shared::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::json;

use crate::util::*;

fn dispatch(dev: &mut Device, hazard: HazardId) -> Op {
    dev.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardDispatched {
            unit: "城管斜土中队".into(),
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            note: "限期整改".into(),
        },
    )
}

fn close(dev: &mut Device, hazard: HazardId) -> Op {
    dev.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardClosed {
            reason: "店铺已关停".into(),
        },
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn office_ops_are_forbidden_to_inspectors_and_allowed_to_officers() {
    let server = TestServer::demo();
    let mut inspector = Device::login(&server.url, "zhangwei").await;
    let mut officer = Device::login(&server.url, "wangfang").await;
    let mut admin = admin(&server.url).await;
    let (insp, inspection) = inspector.inspection(LAOWANG_EBIKE, &["EB-CHARGE", "EB-EXIT"], &[]);
    let base = accepted(&inspector.push(vec![insp.clone()]).await.acks[0]);
    officer.observe(&[&insp]);
    let charge = HazardId::for_finding(inspection, "EB-CHARGE");
    let exit = HazardId::for_finding(inspection, "EB-EXIT");

    let office_ops = |dev: &mut Device| {
        vec![
            dispatch(dev, charge),
            close(dev, exit),
            dev.campaign("十二月夜查"),
        ]
    };
    let refused = office_ops(&mut inspector);
    let resp = inspector.push(refused.clone()).await;
    for ack in &resp.acks {
        let (code, reason) = rejected(ack);
        assert_eq!(code, RejectCode::Forbidden, "{resp:?}");
        assert!(
            reason.contains("inspector"),
            "the reason names the role: {reason}"
        );
    }
    // Admins manage accounts and make no records.
    let by_admin = admin.comment(LAOWANG_EBIKE, charge, "管理员不应写记录");
    let resp = admin.push(vec![by_admin.clone()]).await;
    assert_eq!(rejected(&resp.acks[0]).0, RejectCode::Forbidden);

    let allowed = office_ops(&mut officer);
    let seqs = all_accepted(&officer.push(allowed.clone()).await);
    assert_eq!(seqs, [base + 1, base + 2, base + 3]);

    let pulled = officer.pull_all().await;
    for op in refused.iter().chain([&by_admin]) {
        assert_eq!(pulled.count_of(op.op_id), 0, "a forbidden op is not stored");
    }
    for op in &allowed {
        assert_eq!(pulled.count_of(op.op_id), 1);
    }
    let row = officer
        .get_json(&format!("/v1/hazards/{charge}?min_seq={}", base + 3))
        .await;
    assert_eq!(row["hazard"]["status"], "dispatched", "{row}");
    assert_eq!(row["hazard"]["assignee"], "城管斜土中队", "{row}");
    let row = officer.get_json(&format!("/v1/hazards/{exit}")).await;
    assert_eq!(row["hazard"]["status"], "closed", "{row}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_op_must_carry_the_tokens_user_and_device() {
    let server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let lina = Device::login(&server.url, "lina").await;

    let mut as_lina = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "冒用李娜的身份");
    as_lina.author = lina.user();
    let mut other_device = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "冒用别的设备");
    other_device.device = lina.id();
    let mut unknown_device = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "未注册设备");
    unknown_device.device = DeviceId::new();
    let honest = zhang.comment(LAOWANG_EBIKE, HazardId::new(), "本人本机");
    let resp = zhang
        .push(vec![
            as_lina.clone(),
            other_device.clone(),
            unknown_device.clone(),
            honest.clone(),
        ])
        .await;
    for ack in &resp.acks[..3] {
        let (code, reason) = rejected(ack);
        assert_eq!(code, RejectCode::WrongIdentity, "{resp:?}");
        assert!(reason.contains("not"), "{reason}");
    }
    let seq = accepted(&resp.acks[3]);
    let pulled = lina.pull_all().await;
    for op in [&as_lina, &other_device, &unknown_device] {
        assert_eq!(pulled.count_of(op.op_id), 0);
    }
    assert_eq!(pulled.count_of(honest.op_id), 1);
    assert_eq!(pulled.cursor, seq);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_device_is_refused_at_once() {
    let server = TestServer::demo();
    let mut phone = Device::login(&server.url, "zhangwei").await;
    let admin = admin(&server.url).await;
    let op = phone.comment(LAOWANG_EBIKE, HazardId::new(), "丢失前的记录");
    accepted(&phone.push(vec![op]).await.acks[0]);
    let head = phone.pull_all().await.cursor;

    let devices = admin.get_json("/v1/admin/devices").await;
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == phone.id().to_string() && d["revoked"] == false),
        "{devices}"
    );
    let revoked = post_json(
        &admin.http,
        &server.url,
        &format!("/v1/admin/devices/{}/revoke", phone.id()),
        Some(admin.token()),
        &json!({}),
    )
    .await
    .expect_ok()
    .json();
    assert_eq!(revoked["revoked"], true, "{revoked}");

    // The access token has not expired, yet the next sync is refused.
    let after = phone.comment(LAOWANG_EBIKE, HazardId::new(), "丢失后的记录");
    let body = codec::encode(Format::Bincode, &push_request(vec![after.clone()]));
    let raw = sync_raw(
        &phone.http,
        &server.url,
        Some(phone.token()),
        Some(Format::Bincode.media_type()),
        body,
    )
    .await;
    let err = raw.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(err.error.message.contains("revoked"), "{err:?}");
    phone
        .get("/v1/hazards")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Its refresh token is gone and it cannot log in again.
    refresh_raw(&phone.http, &server.url, &phone.tokens.refresh_token)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    login_raw(
        &phone.http,
        &server.url,
        "zhangwei",
        &password("zhangwei"),
        phone.id(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "forbidden");
    // Nothing it sent after the revocation was stored; a new phone works.
    let new_phone = Device::login(&server.url, "zhangwei").await;
    let pulled = new_phone.pull_all().await;
    assert_eq!(pulled.cursor, head);
    assert_eq!(pulled.count_of(after.op_id), 0);
}

fn claims_for(dev: &Device) -> Claims {
    let now = now_ms() / 1000;
    Claims {
        sub: dev.user(),
        usr: dev.tokens.user.username.clone(),
        dev: dev.id(),
        org: dev.org(),
        role: dev.tokens.user.role,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + 600,
        gen: 0,
    }
}

fn sign(alg: Algorithm, claims: &Claims, secret: &str) -> String {
    jsonwebtoken::encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_expired_and_malformed_tokens_get_401_with_a_json_error() {
    let server = TestServer::demo();
    let dev = Device::login(&server.url, "zhangwei").await;
    let http = http();
    let pull = codec::encode(Format::Json, &pull_request(0, 1));
    let try_token = |token: Option<String>| {
        let http = http.clone();
        let url = server.url.clone();
        let pull = pull.clone();
        async move {
            sync_raw(
                &http,
                &url,
                token.as_deref(),
                Some("application/json"),
                pull,
            )
            .await
        }
    };

    // The control: a token built here exactly as the server builds them is accepted, so each
    // refusal below is due to its one defect.
    let good = claims_for(&dev);
    try_token(Some(sign(Algorithm::HS256, &good, JWT_SECRET)))
        .await
        .expect_ok();

    let now = now_ms() / 1000;
    let expired = Claims {
        iat: now - 7200,
        exp: now - 3600,
        ..good.clone()
    };
    let wrong_aud = Claims {
        aud: "someone-else".into(),
        ..good.clone()
    };
    let wrong_iss = Claims {
        iss: "not-firecheck".into(),
        ..good.clone()
    };
    let unregistered = Claims {
        dev: DeviceId::new(),
        ..good.clone()
    };
    // Privilege escalation: the signed payload says inspector; swap in one that says officer.
    let real = sign(Algorithm::HS256, &good, JWT_SECRET);
    let mut parts: Vec<String> = real.split('.').map(String::from).collect();
    parts[1] = b64url(
        &serde_json::to_vec(&Claims {
            role: Role::Officer,
            ..good.clone()
        })
        .unwrap(),
    );
    let tampered = parts.join(".");

    let cases: Vec<(&str, Option<String>)> = vec![
        (
            "expired",
            Some(sign(Algorithm::HS256, &expired, JWT_SECRET)),
        ),
        (
            "signed with a wrong key",
            Some(sign(
                Algorithm::HS256,
                &good,
                "another-secret-another-secret-xx",
            )),
        ),
        (
            "wrong audience",
            Some(sign(Algorithm::HS256, &wrong_aud, JWT_SECRET)),
        ),
        (
            "wrong issuer",
            Some(sign(Algorithm::HS256, &wrong_iss, JWT_SECRET)),
        ),
        ("alg none", Some(unsigned_token(&good))),
        (
            "HS512 with the right key",
            Some(sign(Algorithm::HS512, &good, JWT_SECRET)),
        ),
        ("tampered payload", Some(tampered)),
        (
            "unregistered device",
            Some(sign(Algorithm::HS256, &unregistered, JWT_SECRET)),
        ),
        ("garbage", Some("not.a.token".into())),
        ("empty", Some(String::new())),
        ("missing", None),
    ];
    for (name, token) in cases {
        let mut raw = try_token(token).await;
        raw.what = format!("token case {name:?}: {}", raw.what);
        let err = raw.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
        if name == "expired" {
            assert!(err.error.message.contains("expired"), "{err:?}");
        }
    }
    // Not a Bearer token at all.
    let raw = send(
        "basic auth",
        http.get(format!("{}/v1/hazards", server.url))
            .basic_auth("zhangwei", Some(password("zhangwei"))),
    )
    .await;
    raw.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The review API is guarded the same way.
    get(
        &http,
        &server.url,
        "/v1/venues",
        Some(&unsigned_token(&good)),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    get(&http, &server.url, "/v1/venues", None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

#[tokio::test(flavor = "multi_thread")]
async fn admin_endpoints_refuse_non_admins_with_403() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    for user in ["zhangwei", "wangfang"] {
        let dev = Device::login(&server.url, user).await;
        let t = Some(dev.token());
        let h = &dev.http;
        let u = &server.url;
        let raws = vec![
            post_json(
                h,
                u,
                "/v1/admin/users",
                t,
                &json!({"username": format!("sneaky-{user}"), "display_name": "x", "password": "sneaky-password", "role": "admin"}),
            )
            .await,
            get(h, u, "/v1/admin/users", t).await,
            get(h, u, "/v1/admin/devices", t).await,
            get(h, u, "/v1/admin/stats", t).await,
            post_json(
                h,
                u,
                &format!("/v1/admin/devices/{}/revoke", admin.id()),
                t,
                &json!({}),
            )
            .await,
        ];
        for raw in raws {
            let err = raw.expect_error(StatusCode::FORBIDDEN, "forbidden");
            assert!(err.error.message.contains(user_role(user)), "{err:?}");
        }
        // Organisations are the operator's: an access token never creates one.
        post_json(
            h,
            u,
            "/v1/operator/orgs",
            t,
            &json!({"name": "冒牌街道", "admin": {"username": format!("sneaky-org-{user}"), "display_name": "x", "password": "sneaky-password"}}),
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
        // Nothing happened: no user was created and the admin's device still works.
        let users = admin.get_json("/v1/admin/users").await;
        assert!(
            !users.to_string().contains("sneaky"),
            "a refused request created a user: {users}"
        );
        login_raw(
            h,
            u,
            &format!("sneaky-{user}"),
            "sneaky-password",
            DeviceId::new(),
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    admin.get_json("/v1/admin/stats").await;
}

fn user_role(user: &str) -> &'static str {
    match user {
        "wangfang" => "officer",
        _ => "inspector",
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_works_once_and_its_reuse_drops_the_family() {
    let server = TestServer::demo();
    let dev = Device::login(&server.url, "lina").await;
    let http = http();
    let first = dev.tokens.refresh_token.clone();

    let rotated: firecheck_shared::sync::TokenResponse = refresh_raw(&http, &server.url, &first)
        .await
        .expect_ok()
        .parse();
    assert_ne!(rotated.refresh_token, first);
    assert_eq!(rotated.device_id, dev.id());
    assert_eq!(rotated.user.id, dev.user());
    // The new access token works.
    sync(
        &http,
        &server.url,
        &rotated.access_token,
        &pull_request(0, 1),
        Format::Json,
    )
    .await;

    // The old refresh token a second time: refused, and the rotated one dies with it.
    let err = refresh_raw(&http, &server.url, &first)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(err.error.message.contains("log in again"), "{err:?}");
    refresh_raw(&http, &server.url, &rotated.refresh_token)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh_raw(&http, &server.url, "0000not-a-token")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Logging in again starts a new family.
    let again = login(&http, &server.url, "lina", &password("lina"), dev.id()).await;
    refresh_raw(&http, &server.url, &again.refresh_token)
        .await
        .expect_ok();
}

/// Two exchanges of one refresh token at the same moment: at most one wins.
#[tokio::test(flavor = "multi_thread")]
async fn a_refresh_token_presented_twice_at_once_is_exchanged_at_most_once() {
    let server = TestServer::demo();
    let dev = Device::login(&server.url, "lina").await;
    let http = http();
    let mut token = dev.tokens.refresh_token.clone();
    for round in 0..20 {
        let (a, b) = tokio::join!(
            refresh_raw(&http, &server.url, &token),
            refresh_raw(&http, &server.url, &token)
        );
        let winners: Vec<&Raw> = [&a, &b]
            .into_iter()
            .filter(|r| r.status == StatusCode::OK)
            .collect();
        assert!(
            winners.len() <= 1,
            "round {round}: one refresh token was exchanged twice — {} / {}",
            a.context(),
            b.context()
        );
        for r in [&a, &b] {
            if r.status != StatusCode::OK {
                r.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
            }
        }
        // Start the next round from a fresh login.
        token = login(&http, &server.url, "lina", &password("lina"), dev.id())
            .await
            .refresh_token;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_rate_limited_per_username() {
    let server = TestServer::demo();
    let http = http();
    let device = DeviceId::new();
    for i in 1..=5 {
        let raw = login_raw(
            &http,
            &server.url,
            "zhangwei",
            &format!("wrong-{i}"),
            device,
        )
        .await;
        raw.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    let raw = login_raw(&http, &server.url, "zhangwei", "wrong-6", device).await;
    raw.expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    let retry_after: u64 = raw
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("429 carries Retry-After — {}", raw.context()));
    assert!(retry_after > 0);
    // Locked even with the right password; other users are not affected.
    login_raw(
        &http,
        &server.url,
        "zhangwei",
        &password("zhangwei"),
        device,
    )
    .await
    .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    login(
        &http,
        &server.url,
        "lina",
        &password("lina"),
        DeviceId::new(),
    )
    .await;
    // Unknown usernames are limited too (and answered like wrong passwords).
    for _ in 0..5 {
        login_raw(&http, &server.url, "nobody", "whatever-password", device)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    login_raw(&http, &server.url, "nobody", "whatever-password", device)
        .await
        .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
}

/// On a shared database the limit is one for all nodes: failures spread over two nodes
/// lock the username on both, and a success on either forgets them. (PostgreSQL only: a
/// sled store belongs to one process.)
#[tokio::test(flavor = "multi_thread")]
async fn failed_logins_are_counted_across_nodes_on_a_shared_database() {
    let a = TestServer::demo();
    let Some(b) = a.another_node("b") else {
        eprintln!("auth::failed_logins_are_counted_across_nodes: SKIPPED — on sled (one process); set FIRECHECK_TEST_DATABASE to run it");
        return;
    };
    let http = http();
    let device = DeviceId::new();
    for (i, node) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        login_raw(&http, &node.url, "zhangwei", &format!("wrong-{i}"), device)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    for node in [&a, &b] {
        login_raw(&http, &node.url, "zhangwei", &password("zhangwei"), device)
            .await
            .expect_error(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    }
    // Four failures on two nodes, then a success on one: the other starts from zero too.
    for (i, node) in [&a, &b, &a, &b].into_iter().enumerate() {
        login_raw(&http, &node.url, "lina", &format!("wrong-{i}"), device)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    login(&http, &b.url, "lina", &password("lina"), device).await;
    for i in 0..4 {
        login_raw(&http, &a.url, "lina", &format!("again-{i}"), device)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    login(&http, &a.url, "lina", &password("lina"), device).await;
}
