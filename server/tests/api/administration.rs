//! An organisation administered over the API: roles that change at once, accounts disabled
//! and enabled, one-time passwords that must be changed, one's own password, the units
//! hazards are dispatched to, and the audit log and op log that record who did what.

use firecheck_server::testing::{TestServer, OPERATOR_TOKEN};
use firecheck_shared::admin::{Account, AuditPage, LogPage, OneTimePassword, Unit};
use firecheck_shared::sync::RejectCode;
use firecheck_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::util::*;

/// The kinds of the organisation's audit records, newest first.
async fn audit_kinds(admin: &Device) -> Vec<String> {
    let page: AuditPage = admin.get("/v1/admin/audit").await.expect_ok().parse();
    page.items
        .iter()
        .map(|r| {
            serde_json::to_value(&r.action)
                .unwrap()
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone()
        })
        .collect()
}

async fn change_password(url: &str, user: &str, old: &str, new: &str) -> Raw {
    post_json(
        &http(),
        url,
        "/v1/auth/password",
        None,
        &json!({"username": user, "old_password": old, "new_password": new}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_role_change_takes_effect_on_the_next_request() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let mut zhang = Device::login(url, "zhangwei").await;

    let op = zhang.campaign("清真路夜查");
    let (code, _) = rejected(&zhang.push(vec![op]).await.acks[0]);
    assert_eq!(
        code,
        RejectCode::Forbidden,
        "an inspector defines no campaign"
    );

    let account: Account = admin
        .post("/v1/admin/users/zhangwei/role", &json!({"role": "officer"}))
        .await
        .expect_ok()
        .parse();
    assert_eq!(account.user.role, Role::Officer);
    // The same token, no new login: judged by the new role.
    let op = zhang.campaign("清真路夜查");
    accepted(&zhang.push(vec![op]).await.acks[0]);

    admin
        .post(
            "/v1/admin/users/zhangwei/role",
            &json!({"role": "inspector"}),
        )
        .await
        .expect_ok();
    let op = zhang.campaign("斜土路夜查");
    let (code, _) = rejected(&zhang.push(vec![op]).await.acks[0]);
    assert_eq!(code, RejectCode::Forbidden);
    // The same role again records nothing.
    admin
        .post(
            "/v1/admin/users/zhangwei/role",
            &json!({"role": "inspector"}),
        )
        .await
        .expect_ok();
    assert_eq!(
        audit_kinds(&admin).await,
        ["role_changed", "role_changed", "org_created"]
    );
    admin
        .post("/v1/admin/users/zhangwei/role", &json!({"role": "janitor"}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    zhang
        .post("/v1/admin/users/lina/role", &json!({"role": "admin"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    let role_url = format!("{url}/v1/admin/users/zhangwei/role");
    send(
        "role: malformed JSON",
        admin
            .http
            .post(&role_url)
            .bearer_auth(admin.token())
            .header("content-type", "application/json")
            .body("{\"role\":"),
    )
    .await
    .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    send(
        "role: no content type",
        admin
            .http
            .post(&role_url)
            .bearer_auth(admin.token())
            .body(r#"{"role":"officer"}"#),
    )
    .await
    .expect_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_disabled_account_is_refused_at_once_and_works_again_once_enabled() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let zhang = Device::login(url, "zhangwei").await;
    zhang.pull_all().await;

    let account: Account = admin
        .post("/v1/admin/users/zhangwei/disable", &json!({}))
        .await
        .expect_ok()
        .parse();
    assert!(account.disabled);
    // The token in hand stops working at once; so do its refresh token and a new login.
    let pull = zhang.get("/v1/hazards").await;
    let err = pull.expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(err.error.message.contains("disabled"), "{err:?}");
    refresh_raw(&zhang.http, url, &zhang.tokens.refresh_token)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let err = login_raw(
        &zhang.http,
        url,
        "zhangwei",
        &password("zhangwei"),
        zhang.id(),
    )
    .await
    .expect_error(StatusCode::FORBIDDEN, "account_disabled");
    assert!(err.error.message.contains("administrator"), "{err:?}");
    // A wrong password still says only that: a disabled account is not revealed to guessers.
    login_raw(&zhang.http, url, "zhangwei", "not-the-password", zhang.id())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // Its device is not revoked: enabling the account is all it takes.
    let devices = admin.get_json("/v1/admin/devices").await;
    assert!(
        devices
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["id"] == zhang.id().to_string() && d["revoked"] == false),
        "{devices}"
    );
    admin
        .post("/v1/admin/users/zhangwei/disable", &json!({}))
        .await
        .expect_ok();
    let account: Account = admin
        .post("/v1/admin/users/zhangwei/enable", &json!({}))
        .await
        .expect_ok()
        .parse();
    assert!(!account.disabled);
    let again = Device::login_with(url, "zhangwei", zhang.id()).await;
    again.pull_all().await;
    assert_eq!(
        audit_kinds(&admin).await,
        ["user_enabled", "user_disabled", "org_created"]
    );
    let listed: Vec<Account> = admin.get("/v1/admin/users").await.expect_ok().parse();
    assert!(listed.iter().all(|a| !a.disabled), "{listed:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_last_enabled_admin_is_never_disabled_nor_demoted() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let err = admin
        .post("/v1/admin/users/admin/disable", &json!({}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    assert!(err.error.message.contains("only enabled admin"), "{err:?}");
    admin
        .post("/v1/admin/users/admin/role", &json!({"role": "officer"}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    // With a second admin, the first may step down.
    let second = new_user(&admin, "deputy-admin", Role::Admin).await;
    admin
        .post("/v1/admin/users/admin/role", &json!({"role": "officer"}))
        .await
        .expect_ok();
    second
        .post("/v1/admin/users/deputy-admin/disable", &json!({}))
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        audit_kinds(&second).await,
        ["role_changed", "user_created", "org_created"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reset_password_works_once_and_must_be_changed_before_logging_in() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let lina = Device::login(url, "lina").await;

    let otp: OneTimePassword = admin
        .post("/v1/admin/users/lina/reset-password", &json!({}))
        .await
        .expect_ok()
        .parse();
    assert_eq!(otp.username, "lina");
    assert!(otp.one_time_password.len() >= 12, "{otp:?}");
    // Her sessions ended; the old password is gone.
    lina.get("/v1/venues")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    refresh_raw(&lina.http, url, &lina.tokens.refresh_token)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    login_raw(&lina.http, url, "lina", &password("lina"), lina.id())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    // The one-time password is right, but login says to change it first.
    let err = login_raw(&lina.http, url, "lina", &otp.one_time_password, lina.id())
        .await
        .expect_error(StatusCode::FORBIDDEN, "password_change_required");
    assert!(err.error.message.contains("/v1/auth/password"), "{err:?}");
    let listed: Vec<Account> = admin.get("/v1/admin/users").await.expect_ok().parse();
    assert!(listed
        .iter()
        .any(|a| a.user.username == "lina" && a.must_change_password));

    let raw = change_password(url, "lina", &otp.one_time_password, "lina-own-2026").await;
    raw.expect_status(StatusCode::NO_CONTENT);
    login_raw(&lina.http, url, "lina", &otp.one_time_password, lina.id())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    let back = Device::login_as(url, "lina", "lina-own-2026", lina.id()).await;
    back.pull_all().await;

    let page: AuditPage = admin.get("/v1/admin/audit").await.expect_ok().parse();
    let changed = serde_json::to_value(&page.items[0]).unwrap();
    assert_eq!(
        changed["action"]["password_changed"]["username"], "lina",
        "{changed}"
    );
    assert_eq!(changed["actor"]["user"]["username"], "lina", "{changed}");
    assert_eq!(changed["actor"]["user"]["device"], serde_json::Value::Null);
    let reset = serde_json::to_value(&page.items[1]).unwrap();
    assert_eq!(
        reset["action"]["password_reset"]["username"], "lina",
        "{reset}"
    );
    assert_eq!(reset["actor"]["user"]["username"], "admin", "{reset}");
    assert_eq!(reset["actor"]["user"]["device"], admin.id().to_string());
    assert!(
        !serde_json::to_string(&page)
            .unwrap()
            .contains(&otp.one_time_password),
        "the one-time password is never recorded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn users_change_their_own_password_with_the_old_one() {
    let server = TestServer::demo();
    let url = &server.url;
    let zhang = Device::login(url, "zhangwei").await;
    let old = password("zhangwei");

    change_password(url, "zhangwei", "wrong-old-password", "zhangwei-new-2026")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    change_password(url, "nobody-here", &old, "zhangwei-new-2026")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    change_password(url, "zhangwei", &old, "short")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    change_password(url, "zhangwei", &old, &old)
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    post_json(
        &http(),
        url,
        "/v1/auth/password",
        None,
        &json!({"username": "zhangwei", "old_password": old, "new_password": "x-2026-long", "extra": 1}),
    )
    .await
    .expect_status(StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing changed so far.
    zhang.pull_all().await;

    change_password(url, "zhangwei", &old, "zhangwei-new-2026")
        .await
        .expect_status(StatusCode::NO_CONTENT);
    zhang
        .get("/v1/venues")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    login_raw(&zhang.http, url, "zhangwei", &old, zhang.id())
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    Device::login_as(url, "zhangwei", "zhangwei-new-2026", zhang.id())
        .await
        .pull_all()
        .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn units_are_added_renamed_and_retired_and_hazards_keep_theirs() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let mut zhang = Device::login(url, "zhangwei").await;
    let mut office = Device::login(url, "wangfang").await;

    let add = |name: &'static str| {
        let admin = &admin;
        async move { admin.post("/v1/admin/units", &json!({"name": name})).await }
    };
    let squad: Unit = add("城管斜土中队")
        .await
        .expect_status(StatusCode::CREATED)
        .parse();
    let police: Unit = add("斜土路派出所")
        .await
        .expect_status(StatusCode::CREATED)
        .parse();
    add(" 城管斜土中队 ")
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    add("   ")
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    zhang
        .post("/v1/admin/units", &json!({"name": "居委"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");

    // Every role reads the list a dispatch picks from, by name.
    let units: Vec<Unit> = zhang.get("/v1/units").await.expect_ok().parse();
    let names: Vec<&str> = units.iter().map(|u| u.name.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);
    assert_eq!(names.len(), 2);

    // The office dispatches a hazard to the squad.
    let (op, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    zhang.push(vec![op]).await;
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");
    let dispatch = office.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardDispatched {
            unit: squad.name.clone(),
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
            note: String::new(),
        },
    );
    let seq = accepted(&office.push(vec![dispatch]).await.acks[0]);

    // Renamed, then retired: off the list, still on the hazard as it was dispatched.
    let renamed: Unit = admin
        .post(
            &format!("/v1/admin/units/{}/rename", squad.id),
            &json!({"name": "徐汇区城管斜土中队"}),
        )
        .await
        .expect_ok()
        .parse();
    assert_eq!(renamed.name, "徐汇区城管斜土中队");
    admin
        .post(
            &format!("/v1/admin/units/{}/rename", squad.id),
            &json!({"name": "斜土路派出所"}),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    let retired: Unit = admin
        .post(&format!("/v1/admin/units/{}/retire", squad.id), &json!({}))
        .await
        .expect_ok()
        .parse();
    assert!(retired.retired_ms.is_some());
    admin
        .post(&format!("/v1/admin/units/{}/retire", squad.id), &json!({}))
        .await
        .expect_ok();
    admin
        .post(
            &format!("/v1/admin/units/{}/rename", squad.id),
            &json!({"name": "新名字"}),
        )
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    admin
        .post(
            &format!("/v1/admin/units/{}/retire", UnitId::new()),
            &json!({}),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    admin
        .post("/v1/admin/units/not-an-id/retire", &json!({}))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let in_service: Vec<Unit> = office.get("/v1/units").await.expect_ok().parse();
    assert_eq!(in_service, [police]);
    let all: Vec<Unit> = office
        .get("/v1/units?include_retired=true")
        .await
        .expect_ok()
        .parse();
    assert_eq!(all.len(), 2);
    // A new unit may take the retired one's old name.
    add("城管斜土中队").await.expect_status(StatusCode::CREATED);
    let detail = office
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={seq}"))
        .await;
    assert!(
        detail.to_string().contains("城管斜土中队") && !detail.to_string().contains("徐汇区"),
        "the hazard keeps the unit it was dispatched to: {detail}"
    );
    assert_eq!(
        audit_kinds(&admin).await,
        [
            "unit_added",
            "unit_retired",
            "unit_renamed",
            "unit_added",
            "unit_added",
            "org_created"
        ]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_log_records_every_admin_and_operator_action_newest_first_in_pages() {
    let mut server = TestServer::demo();
    let url = server.url.clone();
    let (org_b, admin_b) = new_org(&url, "枫林街道社区平安办", "fenglin-admin").await;
    // The operator's creation of the organisation is its first record.
    let page: AuditPage = admin_b.get("/v1/admin/audit").await.expect_ok().parse();
    assert_eq!(page.items.len(), 1);
    let created = serde_json::to_value(&page.items[0]).unwrap();
    assert_eq!(created["actor"], "operator", "{created}");
    assert_eq!(
        created["action"]["org_created"]["org"],
        org_b.id.to_string()
    );
    assert_eq!(created["action"]["org_created"]["admin"], "fenglin-admin");

    let inspector = new_user(&admin_b, "fenglin-zhou", Role::Inspector).await;
    admin_b
        .post(
            "/v1/admin/users/fenglin-zhou/role",
            &json!({"role": "officer"}),
        )
        .await
        .expect_ok();
    admin_b
        .post("/v1/admin/units", &json!({"name": "枫林路派出所"}))
        .await
        .expect_status(StatusCode::CREATED);
    admin_b
        .post(
            &format!("/v1/admin/devices/{}/revoke", inspector.id()),
            &json!({}),
        )
        .await
        .expect_ok();
    admin_b
        .post("/v1/admin/users/fenglin-zhou/disable", &json!({}))
        .await
        .expect_ok();
    let expected = [
        "user_disabled",
        "device_revoked",
        "unit_added",
        "role_changed",
        "user_created",
        "org_created",
    ];
    assert_eq!(audit_kinds(&admin_b).await, expected);
    let all: AuditPage = admin_b.get("/v1/admin/audit").await.expect_ok().parse();
    for r in &all.items[..5] {
        let v = serde_json::to_value(r).unwrap();
        assert_eq!(v["actor"]["user"]["username"], "fenglin-admin", "{v}");
        assert_eq!(
            v["actor"]["user"]["device"],
            admin_b.id().to_string(),
            "{v}"
        );
        assert!((r.at_ms - now_ms() as i64).abs() < 120_000, "{v}");
    }
    assert!(
        all.items.windows(2).all(|w| w[0].id > w[1].id),
        "newest first"
    );

    // Pages of two: the same records, in order, nothing twice.
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let path = match before {
            Some(b) => format!("/v1/admin/audit?limit=2&before={b}"),
            None => "/v1/admin/audit?limit=2".to_string(),
        };
        let page: AuditPage = admin_b.get(&path).await.expect_ok().parse();
        assert!(page.items.len() <= 2);
        paged.extend(page.items);
        match page.next_before {
            Some(b) => before = Some(b),
            None => break,
        }
    }
    assert_eq!(paged, all.items);
    for bad in ["limit=0", "limit=501", "before=x", "page=2"] {
        admin_b
            .get(&format!("/v1/admin/audit?{bad}"))
            .await
            .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    }
    inspector
        .get("/v1/admin/audit")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    get(&http(), &url, "/v1/admin/audit", Some(OPERATOR_TOKEN))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // Durable: the same after a restart.
    server.restart();
    let admin_b = Device::login_as(
        &url,
        "fenglin-admin",
        &org_admin_password("fenglin-admin"),
        admin_b.id(),
    )
    .await;
    let after: AuditPage = admin_b.get("/v1/admin/audit").await.expect_ok().parse();
    assert_eq!(after.items, all.items);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_op_log_says_who_did_what_from_which_device_and_when_it_arrived() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin = admin(url).await;
    let mut zhang = Device::login(url, "zhangwei").await;
    let (op, _) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let pushed_at = now_ms() as i64;
    let seq = accepted(&zhang.push(vec![op.clone()]).await.acks[0]);

    let page: LogPage = admin.get("/v1/admin/log?limit=3").await.expect_ok().parse();
    assert_eq!(page.items.len(), 3);
    let newest = &page.items[0];
    assert_eq!(newest.seq, seq);
    assert_eq!(newest.op_id, op.op_id);
    assert_eq!(newest.kind, "inspection_submitted");
    assert_eq!(newest.entity, op.entity);
    assert_eq!(newest.author, zhang.user());
    assert_eq!(newest.author_name.as_deref(), Some("zhangwei"));
    assert_eq!(newest.device, zhang.id());
    assert_eq!(
        newest.device_name.as_deref(),
        Some("zhangwei's test device")
    );
    assert_eq!(newest.hlc, op.hlc);
    assert!((newest.received_ms - pushed_at).abs() < 60_000);
    assert_eq!(page.items[1].seq, seq - 1);
    assert_eq!(page.next_before, Some(seq - 2));

    // Paging down to the first op, every sequence number once.
    let mut seqs = Vec::new();
    let mut path = "/v1/admin/log?limit=500".to_string();
    loop {
        let page: LogPage = admin.get(&path).await.expect_ok().parse();
        seqs.extend(page.items.iter().map(|r| r.seq));
        match page.next_before {
            Some(b) => path = format!("/v1/admin/log?limit=7&before={b}"),
            None => break,
        }
    }
    assert_eq!(seqs, (1..=seq).rev().collect::<Vec<_>>());
    zhang
        .get("/v1/admin/log")
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
}

/// The OpenAPI document names every administration, password, unit, log and monitoring
/// endpoint with the statuses it can answer.
#[tokio::test(flavor = "multi_thread")]
async fn the_new_endpoints_are_documented_with_every_status_they_answer() {
    let server = TestServer::demo();
    let doc = get(&http(), &server.url, "/v1/openapi.json", None)
        .await
        .expect_ok()
        .json();
    let documented = [
        (
            "/v1/admin/users/{username}/role",
            "post",
            &[
                "200", "400", "401", "403", "404", "409", "415", "422", "503",
            ][..],
        ),
        (
            "/v1/admin/users/{username}/disable",
            "post",
            &["200", "401", "403", "404", "409", "503"],
        ),
        (
            "/v1/admin/users/{username}/enable",
            "post",
            &["200", "401", "403", "404", "503"],
        ),
        (
            "/v1/admin/users/{username}/reset-password",
            "post",
            &["200", "401", "403", "404", "503"],
        ),
        (
            "/v1/auth/password",
            "post",
            &[
                "204", "400", "401", "403", "409", "415", "422", "429", "503",
            ],
        ),
        (
            "/v1/auth/login",
            "post",
            &["200", "400", "401", "403", "429", "503"],
        ),
        ("/v1/units", "get", &["200", "400", "401"]),
        (
            "/v1/admin/units",
            "post",
            &["201", "400", "401", "403", "409", "415", "422", "503"],
        ),
        (
            "/v1/admin/units/{id}/rename",
            "post",
            &[
                "200", "400", "401", "403", "404", "409", "415", "422", "503",
            ],
        ),
        (
            "/v1/admin/units/{id}/retire",
            "post",
            &["200", "401", "403", "404", "503"],
        ),
        ("/v1/admin/audit", "get", &["200", "400", "401", "403"]),
        ("/v1/admin/log", "get", &["200", "400", "401", "403"]),
        (
            "/v1/blobs/{sha256}",
            "put",
            &[
                "200", "201", "400", "401", "409", "413", "415", "422", "503", "507",
            ],
        ),
        (
            "/v1/blobs/{sha256}",
            "head",
            &["200", "400", "401", "404", "503"],
        ),
        (
            "/v1/blobs/{sha256}",
            "get",
            &["200", "400", "401", "404", "503"],
        ),
        ("/readyz", "get", &["200", "503"]),
        ("/metrics", "get", &["200", "401", "503"]),
    ];
    for (path, method, statuses) in documented {
        let responses = &doc["paths"][path][method]["responses"];
        for status in statuses {
            assert!(
                responses[status].is_object(),
                "{method} {path} documents {status}: {responses}"
            );
        }
    }
    for schema in [
        "Account",
        "AuditRecord",
        "AuditAction",
        "Actor",
        "Unit",
        "LogRecord",
        "AuditPage",
        "LogPage",
        "OneTimePassword",
        "PasswordChange",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} is documented"
        );
    }
}
