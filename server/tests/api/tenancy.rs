//! An organisation is a hard boundary for its own admin: each test tries to cross it with an
//! admin's (or the operator's) credentials and checks that nothing on the other side changed.
//! Creating organisations is the operator's act (the operator key), never an admin's.

use firecheck_server::testing::{TestServer, OPERATOR_TOKEN};
use firecheck_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::util::*;

/// The reproduction of the hole: organisation B's admin asked for an `admin` account *inside
/// organisation A* and got it (201), and that account then read A's hazards and devices.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_cannot_create_accounts_in_another_organisation() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin_a = admin(url).await;
    let (org_b, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    assert_ne!(org_b.id, admin_a.org());
    let users_a_before = admin_a.get_json("/v1/admin/users").await;

    for role in ["admin", "officer", "inspector"] {
        let username = format!("b-made-{role}-in-a");
        let err = post_json(
            &admin_b.http,
            url,
            "/v1/admin/users",
            Some(admin_b.token()),
            &json!({"username": username, "display_name": "越权账号", "password": "crossing-password",
                    "role": role, "org": admin_a.org()}),
        )
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
        assert!(
            err.error.message.contains("own organisation"),
            "the refusal says why: {err:?}"
        );
        // No such account exists anywhere: it cannot log in.
        login_raw(
            &admin_b.http,
            url,
            &username,
            "crossing-password",
            DeviceId::new(),
        )
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    assert_eq!(
        admin_a.get_json("/v1/admin/users").await,
        users_a_before,
        "organisation A's accounts changed"
    );

    // Naming their own organisation, or none, works and lands in B.
    for (username, org) in [("b-own-1", Some(org_b.id)), ("b-own-2", None)] {
        let user: User = post_json(
            &admin_b.http,
            url,
            "/v1/admin/users",
            Some(admin_b.token()),
            &json!({"username": username, "display_name": "自己人", "password": "own-password-2026",
                    "role": "officer", "org": org}),
        )
        .await
        .expect_status(StatusCode::CREATED)
        .parse();
        assert_eq!(user.org, org_b.id);
        let tokens = login(
            &admin_b.http,
            url,
            username,
            "own-password-2026",
            DeviceId::new(),
        )
        .await;
        assert_eq!(tokens.org.id, org_b.id);
        // …and sees none of A's hazards or venues.
        let venues = get_json(&admin_b.http, url, "/v1/venues", &tokens.access_token).await;
        assert_eq!(venues["total"], 0, "{venues}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_admin_sees_and_revokes_only_their_own_organisations_accounts_and_devices() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin_a = admin(url).await;
    let zhang = Device::login(url, "zhangwei").await;
    let (_, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;

    let users_b = admin_b.get_json("/v1/admin/users").await;
    let names: Vec<&str> = users_b
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["fenglin-admin"],
        "B's admin lists only B: {users_b}"
    );
    let devices_b = admin_b.get_json("/v1/admin/devices").await;
    assert_eq!(devices_b.as_array().unwrap().len(), 1, "{devices_b}");
    assert!(!devices_b.to_string().contains(&zhang.id().to_string()));
    let stats_b = admin_b.get_json("/v1/admin/stats").await;
    assert_eq!(stats_b["ops"], 0, "B's stats count only B's log: {stats_b}");

    // Revoking A's device from B: not found, and the device keeps syncing.
    post_json(
        &admin_b.http,
        url,
        &format!("/v1/admin/devices/{}/revoke", zhang.id()),
        Some(admin_b.token()),
        &json!({}),
    )
    .await
    .expect_error(StatusCode::NOT_FOUND, "not_found");
    zhang.pull_all().await;
    let devices_a = admin_a.get_json("/v1/admin/devices").await;
    let revoked = devices_a
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == zhang.id().to_string())
        .expect("A's admin lists A's device");
    assert_eq!(revoked["revoked"], false);
}

#[tokio::test(flavor = "multi_thread")]
async fn organisations_are_created_by_the_operator_key_and_by_nobody_else() {
    let server = TestServer::demo();
    let url = &server.url;
    let http = http();
    let admin_a = admin(url).await;
    let body = json!({"name": "龙华街道社区平安办",
        "admin": {"username": "longhua-admin", "display_name": "龙华管理员", "password": "longhua-admin-2026"}});

    // The old admin route is gone, and an access token never opens the operator's.
    let old = post_json(
        &http,
        url,
        "/v1/admin/orgs",
        Some(admin_a.token()),
        &json!({"name": "冒牌街道"}),
    )
    .await;
    assert!(
        old.status == StatusCode::NOT_FOUND || old.status == StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        old.context()
    );
    for token in [
        Some(admin_a.token()),
        None,
        Some("not-the-operator-key-at-all"),
    ] {
        post_json(&http, url, "/v1/operator/orgs", token, &body)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
        get(&http, url, "/v1/operator/orgs", token)
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    login_raw(
        &http,
        url,
        "longhua-admin",
        "longhua-admin-2026",
        DeviceId::new(),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");

    // The operator key creates one, with its first admin, and lists them all.
    let created = post_json(&http, url, "/v1/operator/orgs", Some(OPERATOR_TOKEN), &body)
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(created["org"]["name"], "龙华街道社区平安办");
    assert_eq!(created["admin"]["role"], "admin");
    assert_eq!(created["admin"]["org"], created["org"]["id"]);
    let orgs = get_json(&http, url, "/v1/operator/orgs", OPERATOR_TOKEN).await;
    assert_eq!(orgs.as_array().unwrap().len(), 2, "{orgs}");
    // A taken username creates no organisation.
    post_json(&http, url, "/v1/operator/orgs", Some(OPERATOR_TOKEN), &body)
        .await
        .expect_error(StatusCode::CONFLICT, "conflict");
    let orgs = get_json(&http, url, "/v1/operator/orgs", OPERATOR_TOKEN).await;
    assert_eq!(orgs.as_array().unwrap().len(), 2, "{orgs}");

    // The operator key opens no organisation's data.
    for path in [
        "/v1/hazards",
        "/v1/venues",
        "/v1/admin/users",
        "/v1/admin/devices",
    ] {
        get(&http, url, path, Some(OPERATOR_TOKEN))
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    post_json(
        &http,
        url,
        "/v1/sync",
        Some(OPERATOR_TOKEN),
        &json!({"cursor": 0, "limit": 10, "ops": []}),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

/// Every administration endpoint, tried across the boundary by organisation B's admin:
/// A's accounts, units, audit and op log stay as they were, and nothing of them shows in B.
#[tokio::test(flavor = "multi_thread")]
async fn an_admin_changes_and_reads_only_their_own_organisations_accounts_units_and_logs() {
    let server = TestServer::demo();
    let url = &server.url;
    let admin_a = admin(url).await;
    let zhang = Device::login(url, "zhangwei").await;
    let (_, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    let squad: firecheck_shared::admin::Unit = admin_a
        .post("/v1/admin/units", &json!({"name": "城管斜土中队"}))
        .await
        .expect_status(StatusCode::CREATED)
        .parse();
    let audit_a = admin_a.get_json("/v1/admin/audit").await;
    let users_a = admin_a.get_json("/v1/admin/users").await;
    let units_a = admin_a.get_json("/v1/units?include_retired=true").await;

    // Changing A's accounts from B: each answered as if the account did not exist.
    for (path, body) in [
        ("/v1/admin/users/zhangwei/role", json!({"role": "admin"})),
        ("/v1/admin/users/zhangwei/disable", json!({})),
        ("/v1/admin/users/zhangwei/enable", json!({})),
        ("/v1/admin/users/zhangwei/reset-password", json!({})),
        ("/v1/admin/users/admin/disable", json!({})),
    ] {
        let err = admin_b
            .post(path, &body)
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
        assert!(
            err.error.message.contains("this organisation"),
            "{path}: {err:?}"
        );
    }
    // A's units from B.
    for path in [
        format!("/v1/admin/units/{}/rename", squad.id),
        format!("/v1/admin/units/{}/retire", squad.id),
    ] {
        admin_b
            .post(&path, &json!({"name": "冒名中队"}))
            .await
            .expect_error(StatusCode::NOT_FOUND, "not_found");
    }
    // B reads only B: its units, its audit (the operator's creation only), an empty op log.
    let units_b = admin_b.get_json("/v1/units?include_retired=true").await;
    assert_eq!(units_b, json!([]), "{units_b}");
    let audit_b = admin_b.get_json("/v1/admin/audit").await;
    assert_eq!(audit_b["items"].as_array().unwrap().len(), 1, "{audit_b}");
    assert!(
        audit_b["items"][0]["action"]["org_created"].is_object(),
        "{audit_b}"
    );
    let log_b = admin_b.get_json("/v1/admin/log").await;
    assert_eq!(log_b["items"], json!([]), "{log_b}");
    assert!(admin_a.get_json("/v1/admin/log?limit=1").await["items"][0]["seq"].as_u64() > Some(0));

    // Nothing on A's side changed, and A's users go on as before.
    assert_eq!(admin_a.get_json("/v1/admin/audit").await, audit_a);
    assert_eq!(admin_a.get_json("/v1/admin/users").await, users_a);
    assert_eq!(
        admin_a.get_json("/v1/units?include_retired=true").await,
        units_a
    );
    zhang.pull_all().await;
    login(
        &admin_a.http,
        url,
        "zhangwei",
        &password("zhangwei"),
        DeviceId::new(),
    )
    .await;

    // The operator key opens none of them; A's inspector none of the admin ones.
    let http = http();
    for path in ["/v1/admin/audit", "/v1/admin/log", "/v1/units"] {
        get(&http, url, path, Some(OPERATOR_TOKEN))
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    for path in ["/v1/admin/audit", "/v1/admin/log"] {
        zhang
            .get(path)
            .await
            .expect_error(StatusCode::FORBIDDEN, "forbidden");
    }
    post_json(
        &http,
        url,
        "/v1/admin/users/lina/disable",
        Some(OPERATOR_TOKEN),
        &json!({}),
    )
    .await
    .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
