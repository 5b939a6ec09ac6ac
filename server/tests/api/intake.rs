//! The city platform's intake (一网统管) and the other channels' review reads, against a real
//! server: intake keys made, listed and revoked by admins only, each audited; a case
//! delivered twice is one report and one hazard; wrong, missing and revoked keys are 401;
//! another organisation's case numbers are a space of their own; malformed, oversized and
//! invalid deliveries are 4xx JSON errors that store nothing; the reporter's contact reaches
//! officers only (pulls and the report's page); the read-back follows dispatch, link and
//! reply; drills with their findings, and an area's visit report.

use base64::Engine;
use firecheck_server::testing::TestServer;
use firecheck_shared::fixtures::ids::{HENGYI_RESIDENTIAL, LONGHUA_DRILL, LONGHUA_METRO};
use firecheck_shared::*;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::util::*;

/// An admin's new intake key: (its id, the key).
async fn intake_key(admin: &Device, name: &str) -> (String, String) {
    let made = admin
        .post("/v1/admin/intake-keys", &json!({ "name": name }))
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    let key = made["key"].as_str().unwrap().to_string();
    assert!(key.starts_with("fcik_"), "{made}");
    (made["id"].as_str().unwrap().to_string(), key)
}

fn case(number: &str) -> Value {
    json!({
        "case_number": number,
        "channel": "随手拍",
        "text": "楼道里电动车充电",
        "location": {"street": "斜土路", "address": "斜土路 1001弄 3号", "latitude": 31.1905, "longitude": 121.4512},
        "reporter": {"name": "王女士", "phone": "13800000000"},
        "reported_at": "2026-11-25T09:30:00+08:00"
    })
}

async fn deliver(http: &reqwest::Client, url: &str, key: Option<&str>, body: &Value) -> Raw {
    post_json(http, url, "/v1/intake/citizen-reports", key, body).await
}

async fn read_back(http: &reqwest::Client, url: &str, key: &str, number: &str) -> Raw {
    get(
        http,
        url,
        &format!("/v1/intake/citizen-reports/{number}"),
        Some(key),
    )
    .await
}

/// The organisation's ops in the log, by kind, as its admin reads the op log.
async fn log_kinds(admin: &Device) -> Vec<(String, Option<String>)> {
    let log = admin.get_json("/v1/admin/log?limit=500").await;
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_string(),
                r["author_name"].as_str().map(str::to_string),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn intake_keys_are_made_listed_and_revoked_by_admins_each_audited() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let office = Device::login(&server.url, "wangfang").await;
    let (id, key) = intake_key(&admin, "一网统管（徐汇区城运中心）").await;
    // Only admins.
    office
        .post("/v1/admin/intake-keys", &json!({"name": "x"}))
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    office
        .get("/v1/admin/intake-keys")
        .await
        .expect_error(StatusCode::FORBIDDEN, "forbidden");
    admin
        .post("/v1/admin/intake-keys", &json!({"name": " "}))
        .await
        .expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    let list = admin.get_json("/v1/admin/intake-keys").await;
    let keys = list.as_array().unwrap();
    assert_eq!(keys.len(), 1, "{list}");
    assert_eq!(keys[0]["name"], "一网统管（徐汇区城运中心）");
    assert!(keys[0]["revoked_ms"].is_null());
    assert!(
        !list.to_string().contains(&key),
        "the key is shown once, never listed"
    );
    let revoked = admin
        .post(&format!("/v1/admin/intake-keys/{id}/revoke"), &json!({}))
        .await
        .expect_ok()
        .json();
    assert!(revoked["revoked_ms"].is_i64(), "{revoked}");
    // Again: nothing changes, nothing more recorded.
    admin
        .post(&format!("/v1/admin/intake-keys/{id}/revoke"), &json!({}))
        .await
        .expect_ok();
    admin
        .post(
            &format!("/v1/admin/intake-keys/{}/revoke", IntakeKeyId::new()),
            &json!({}),
        )
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    let audit = admin.get_json("/v1/admin/audit").await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_object()?.keys().next().map(String::as_str))
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.starts_with("intake_key"))
            .collect::<Vec<_>>(),
        [&"intake_key_revoked", &"intake_key_created"],
        "{audit}"
    );
    assert!(
        !audit.to_string().contains(&key),
        "the key is never audited"
    );
}

/// 一网统管 delivers the same case twice: one report, one hazard, one op in the log; the
/// key's own device numbers its deliveries 1, 2, … with no gap.
#[tokio::test(flavor = "multi_thread")]
async fn a_case_delivered_twice_is_one_hazard_and_the_read_back_follows_it() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let mut office = Device::login(&server.url, "wangfang").await;
    let (_, key) = intake_key(&admin, "一网统管").await;
    let http = http();
    let first = deliver(&http, &server.url, Some(&key), &case("XH20261125000123"))
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(first["created"], true, "{first}");
    let again = deliver(&http, &server.url, Some(&key), &case("XH20261125000123"))
        .await
        .expect_ok()
        .json();
    assert_eq!(again["created"], false, "{again}");
    assert_eq!(again["report"], first["report"]);
    assert_eq!(again["hazard"], first["hazard"]);
    let report = ReportId::for_case(admin.org(), "XH20261125000123");
    assert_eq!(first["report"], report.to_string());
    deliver(&http, &server.url, Some(&key), &case("XH20261125000124"))
        .await
        .expect_status(StatusCode::CREATED);

    let kinds = log_kinds(&admin).await;
    let deliveries: Vec<_> = kinds
        .iter()
        .filter(|(k, _)| k == "citizen_case_reported")
        .collect();
    assert_eq!(deliveries.len(), 2, "one op per case: {kinds:?}");
    assert_eq!(
        deliveries[0].1.as_deref(),
        Some("intake key: 一网统管"),
        "the op log names the key"
    );
    let pulled = office.pull_all().await;
    let mut seqs: Vec<u64> = pulled
        .ops
        .iter()
        .filter(|o| matches!(o.body, OpBody::CitizenCaseReported(_)))
        .map(|o| o.device_seq)
        .collect();
    seqs.sort();
    assert_eq!(seqs, [1, 2], "the key's device numbers its ops gap-free");

    let hazards = office
        .get_json(&format!(
            "/v1/hazards?source=citizen_report&min_seq={}",
            pulled.cursor
        ))
        .await;
    assert_eq!(hazards["total"], 2, "{hazards}");

    // Read back: received; then dispatched and replied to by the office.
    let back = read_back(&http, &server.url, &key, "XH20261125000123")
        .await
        .expect_ok()
        .json();
    assert_eq!(back["status"], "received", "{back}");
    assert_eq!(back["hazard_status"], "open");
    assert!(back["reply"].is_null());
    let hazard = HazardId::for_report(report);
    let entity = EntityRef::Hazard {
        partition: Partition::Report(report),
        hazard,
    };
    let ops: Vec<&Op> = pulled.ops.iter().collect();
    office.observe(&ops);
    let dispatch = office.op(
        entity,
        OpBody::HazardDispatched {
            unit: "斜土路居委".into(),
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            note: String::new(),
        },
    );
    let reply = office.op(
        entity,
        OpBody::HazardReplied {
            text: "已通知居委劝离楼道充电，感谢您的反映".into(),
        },
    );
    let acks = office.push(vec![dispatch, reply]).await;
    all_accepted(&acks);
    let back = read_back(&http, &server.url, &key, "XH20261125000123")
        .await
        .expect_ok()
        .json();
    assert_eq!(back["status"], "in_progress", "{back}");
    assert_eq!(back["hazard_status"], "dispatched");
    assert_eq!(back["assignee"], "斜土路居委");
    assert_eq!(
        back["reply"]["text"],
        "已通知居委劝离楼道充电，感谢您的反映"
    );
    assert!(
        back["reply"]["replied_at"]
            .as_str()
            .is_some_and(|t| t.ends_with("+08:00")),
        "{back}"
    );
    read_back(&http, &server.url, &key, "XH-NEVER-SENT")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_missing_and_revoked_keys_are_refused_and_orgs_keep_their_own_cases() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let (id, key) = intake_key(&admin, "一网统管").await;
    let http = http();
    for bad in [None, Some("fcik_0000"), Some("Bearer"), Some(JWT_SECRET)] {
        deliver(&http, &server.url, bad, &case("XH-1"))
            .await
            .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    }
    // A user's access token is not an intake key.
    deliver(&http, &server.url, Some(admin.token()), &case("XH-1"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    deliver(&http, &server.url, Some(&key), &case("XH-1"))
        .await
        .expect_status(StatusCode::CREATED);

    // Another organisation, its own key, the same case number: a report of its own.
    let (_, other_admin) = new_org(&server.url, "枫林街道社区平安办", "fenglin-admin").await;
    let (_, other_key) = intake_key(&other_admin, "一网统管").await;
    let theirs = deliver(&http, &server.url, Some(&other_key), &case("XH-1"))
        .await
        .expect_status(StatusCode::CREATED)
        .json();
    assert_eq!(theirs["created"], true, "{theirs}");
    assert_eq!(
        theirs["report"],
        ReportId::for_case(other_admin.org(), "XH-1").to_string()
    );
    deliver(&http, &server.url, Some(&other_key), &case("XH-2"))
        .await
        .expect_status(StatusCode::CREATED);
    // Each reads its own; a case only the other got is unknown here.
    read_back(&http, &server.url, &key, "XH-2")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    read_back(&http, &server.url, &other_key, "XH-1")
        .await
        .expect_ok();
    assert_eq!(
        log_kinds(&admin)
            .await
            .iter()
            .filter(|(k, _)| k == "citizen_case_reported")
            .count(),
        1
    );

    // Revoked: refused at once, delivering and reading back.
    admin
        .post(&format!("/v1/admin/intake-keys/{id}/revoke"), &json!({}))
        .await
        .expect_ok();
    let refused = deliver(&http, &server.url, Some(&key), &case("XH-3"))
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    assert!(refused.error.message.contains("revoked"), "{refused:?}");
    read_back(&http, &server.url, &key, "XH-1")
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
}

/// Bad deliveries: each its 4xx and JSON error, and nothing stored — no op, no photo.
#[tokio::test(flavor = "multi_thread")]
async fn malformed_oversized_and_invalid_deliveries_store_nothing() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let (_, key) = intake_key(&admin, "一网统管").await;
    let http = http();
    let before = log_kinds(&admin).await.len();
    let jpeg = |extra: usize| {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
        b.extend(std::iter::repeat_n(7u8, extra));
        base64::engine::general_purpose::STANDARD.encode(b)
    };
    let with = |f: &dyn Fn(&mut Value)| {
        let mut v = case("XH-BAD");
        f(&mut v);
        v
    };
    let cases: Vec<(&str, Value, StatusCode, &str)> = vec![
        (
            "unknown field",
            with(&|v| v["priority"] = json!("high")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "no case number",
            with(&|v| {
                v.as_object_mut().unwrap().remove("case_number");
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "blank case number",
            with(&|v| v["case_number"] = json!("  ")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "empty text",
            with(&|v| v["text"] = json!("")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "text over the bound",
            with(&|v| v["text"] = json!("充".repeat(4001))),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "a time that is not RFC 3339",
            with(&|v| v["reported_at"] = json!("昨天上午")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "reported in 2999",
            with(&|v| v["reported_at"] = json!("2999-01-01T00:00:00+08:00")),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "latitude alone",
            with(&|v| {
                v["location"].as_object_mut().unwrap().remove("longitude");
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "a photo that is not base64",
            with(&|v| v["photos"] = json!([{"base64": "不是图片"}])),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "a photo that is not an image",
            with(&|v| {
                v["photos"] = json!([{"base64": base64::engine::general_purpose::STANDARD.encode(b"MZ\x90\0")}])
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "a photo with both hash and bytes, after a good one",
            with(&|v| {
                v["photos"] = json!([{"base64": jpeg(10)},
                    {"base64": jpeg(1), "sha256": BlobHash::of(b"x").to_hex()}])
            }),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "four photos",
            with(
                &|v| v["photos"] = json!([{"base64": jpeg(1)}, {"base64": jpeg(2)}, {"base64": jpeg(3)}, {"base64": jpeg(4)}]),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "an inline photo over 2 MiB",
            with(&|v| v["photos"] = json!([{"base64": jpeg(2 * 1024 * 1024)}])),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
        (
            "a body over the intake's limit",
            with(&|v| v["photos"] = json!([{"base64": "A".repeat(10 * 1024 * 1024)}])),
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
        ),
    ];
    for (what, body, status, code) in cases {
        // Over a raw connection: the server answers a body it refuses before reading it all,
        // and a client still writing may see the connection reset instead of the answer.
        let body = body.to_string();
        let request = format!(
            "POST /v1/intake/citizen-reports HTTP/1.1\r\nhost: firecheck\r\nauthorization: Bearer {key}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let r = crate::hostile::send_raw(server.addr, what, request.into_bytes()).await;
        assert_eq!(r.status, status, "{what}: {}", r.context());
        r.expect_error(status, code);
    }
    // Not JSON at all, and JSON that is not an object.
    for (what, raw, ct, status, code) in [
        (
            "broken JSON",
            "{\"case_number\": ",
            "application/json",
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            "a list",
            "[]",
            "application/json",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "form data",
            "case_number=1",
            "application/x-www-form-urlencoded",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
    ] {
        let r = send(
            what,
            http.post(format!("{}/v1/intake/citizen-reports", server.url))
                .bearer_auth(&key)
                .header("content-type", ct)
                .body(raw),
        )
        .await;
        r.expect_error(status, code);
    }
    assert_eq!(log_kinds(&admin).await.len(), before, "no op stored");
    let photo = BlobHash::of(
        &base64::engine::general_purpose::STANDARD
            .decode(jpeg(10))
            .unwrap(),
    );
    assert!(
        !server.state().store.holds(admin.org(), &photo).unwrap(),
        "no photo kept from a refused delivery"
    );

    // A good delivery with an inline photo and one by hash: the inline one is held (an
    // officer downloads it), the other listed as missing.
    let by_hash = BlobHash::of(b"\xff\xd8\xff\xe0 uploaded later");
    let good = deliver(
        &http,
        &server.url,
        Some(&key),
        &with(&|v| v["photos"] = json!([{"base64": jpeg(10)}, {"sha256": by_hash.to_hex()}])),
    )
    .await
    .expect_status(StatusCode::CREATED)
    .json();
    assert_eq!(good["missing_photos"], json!([by_hash.to_hex()]), "{good}");
    let office = Device::login(&server.url, "wangfang").await;
    office
        .get(&format!("/v1/blobs/{}", photo.to_hex()))
        .await
        .expect_ok();
}

/// The reporter's contact: in officers' pulls and on the report's page for officers; never
/// for an inspector — whose replica still folds to the same state.
#[tokio::test(flavor = "multi_thread")]
async fn the_reporters_contact_reaches_officers_only() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let (_, key) = intake_key(&admin, "一网统管").await;
    let http = http();
    deliver(&http, &server.url, Some(&key), &case("XH-77"))
        .await
        .expect_status(StatusCode::CREATED);
    let report = ReportId::for_case(admin.org(), "XH-77");
    let contact_of = |ops: &[Op]| {
        ops.iter()
            .find_map(|o| match &o.body {
                OpBody::CitizenCaseReported(r) => Some(r.contact.clone()),
                _ => None,
            })
            .expect("the report is pulled")
    };
    let office = Device::login(&server.url, "wangfang").await;
    let inspector = Device::login(&server.url, "zhangwei").await;
    let officer_ops = office.pull_all().await.ops;
    let inspector_ops = inspector.pull_all().await.ops;
    assert_eq!(
        contact_of(&officer_ops).map(|c| c.phone),
        Some("13800000000".into())
    );
    assert_eq!(contact_of(&inspector_ops), None);
    // JSON pulls too.
    let mut json_inspector = Device::login(&server.url, "lina").await;
    json_inspector.format = firecheck_shared::codec::Format::Json;
    assert_eq!(contact_of(&json_inspector.pull_all().await.ops), None);
    // Both replicas fold to the same state.
    let p = Partition::Report(report);
    let fold = |ops: &[Op]| Folded::fold(p, ops.iter().filter(|o| o.partition() == p));
    assert_eq!(fold(&officer_ops), fold(&inspector_ops));

    let path = format!("/v1/citizen-reports/{report}");
    let seen = office.get_json(&path).await;
    assert_eq!(seen["contact"]["phone"], "13800000000", "{seen}");
    assert_eq!(seen["report"]["case_number"], "XH-77");
    assert_eq!(seen["status"], "received");
    let seen = inspector.get_json(&path).await;
    assert!(seen["contact"].is_null(), "{seen}");
    assert!(!seen.to_string().contains("13800000000"), "{seen}");
}

/// A report about a problem the office already tracks is linked to it: the platform reads
/// back the tracked hazard's status and reply.
#[tokio::test(flavor = "multi_thread")]
async fn a_linked_case_reads_back_the_tracked_hazard() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let (_, key) = intake_key(&admin, "一网统管").await;
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let mut office = Device::login(&server.url, "wangfang").await;
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    all_accepted(&zhang.push(vec![insp]).await);
    let tracked = HazardId::for_finding(inspection, "EB-CHARGE");
    let http = http();
    for n in ["XH-L1", "XH-L2"] {
        deliver(&http, &server.url, Some(&key), &case(n))
            .await
            .expect_status(StatusCode::CREATED);
    }
    let pulled = office.pull_all().await;
    office.observe(&pulled.ops.iter().collect::<Vec<_>>());
    let mut ops = Vec::new();
    for n in ["XH-L1", "XH-L2"] {
        ops.push(office.op(
            EntityRef::CitizenReport {
                venue: None,
                report: ReportId::for_case(admin.org(), n),
            },
            OpBody::CitizenReportLinked(ReportLink {
                hazard: tracked,
                partition: Partition::Venue(LAOWANG_EBIKE),
                note: "与夜查发现为同一问题".into(),
            }),
        ));
    }
    ops.push(office.hazard_op(
        LAOWANG_EBIKE,
        tracked,
        OpBody::HazardReplied {
            text: "已责令店主停止店内充电".into(),
        },
    ));
    all_accepted(&office.push(ops).await);
    for n in ["XH-L1", "XH-L2"] {
        let back = read_back(&http, &server.url, &key, n)
            .await
            .expect_ok()
            .json();
        assert_eq!(back["linked"], true, "{back}");
        assert_eq!(back["hazard"], tracked.to_string());
        assert_eq!(back["reply"]["text"], "已责令店主停止店内充电", "{back}");
    }
    // Their own hazards are closed: one problem, one hazard to work on.
    let active = office
        .get_json("/v1/hazards?active=true&source=citizen_report")
        .await;
    assert_eq!(active["total"], 0, "{active}");
}

/// The 龙华中路站 drill: two findings are two tracked items at the station, listed on the
/// drill with their status; one verified, one overdue on the board and in the overdue list.
/// A visit to 恒益居民区 and the area's report.
#[tokio::test(flavor = "multi_thread")]
async fn drill_findings_and_visit_reports_read_through_the_api() {
    let server = TestServer::demo();
    let mut office = Device::login(&server.url, "wangfang").await;
    let pulled = office.pull_all().await;
    office.observe(&pulled.ops.iter().collect::<Vec<_>>());
    let drill = EntityRef::Drill {
        venue: Some(LONGHUA_METRO),
        drill: LONGHUA_DRILL,
    };
    let points = ["2号出入口外非机动车乱停", "出入口应急广播声音偏小"];
    let mut ops: Vec<Op> = points
        .iter()
        .map(|p| {
            office.op(
                drill,
                OpBody::DrillFindingRecorded(DrillFindingRecord {
                    point: p.to_string(),
                    severity: Severity::Major,
                    evidence: Vec::new(),
                }),
            )
        })
        .collect();
    let [a, b] = points.map(|p| HazardId::for_drill_finding(LONGHUA_DRILL, p));
    // Days from today (Shanghai), so the test reads the same whenever it runs.
    let today = Timestamp::now().local_date();
    let day = |d: i64| today + chrono::Duration::days(d - 20);
    for (h, body) in [
        (
            a,
            OpBody::HazardDispatched {
                unit: "城管斜土中队".into(),
                due: day(30),
                note: String::new(),
            },
        ),
        (
            a,
            OpBody::HazardReportedFixed {
                note: "已施划停放区".into(),
                evidence: Vec::new(),
            },
        ),
        (
            a,
            OpBody::HazardVerified {
                note: "复查合格".into(),
            },
        ),
        (
            b,
            OpBody::HazardDispatched {
                unit: "龙华中路站".into(),
                due: day(1),
                note: String::new(),
            },
        ),
    ] {
        ops.push(office.hazard_op(LONGHUA_METRO, h, body));
    }
    let seq = *all_accepted(&office.push(ops).await).last().unwrap();
    let detail = office
        .get_json(&format!("/v1/drills/{LONGHUA_DRILL}?min_seq={seq}"))
        .await;
    let findings = detail["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2, "{detail}");
    assert_eq!(findings[0]["hazard"]["status"], "verified");
    assert_eq!(findings[1]["hazard"]["status"], "dispatched");
    assert_eq!(findings[1]["overdue"], true);
    assert_eq!(
        detail["drill"]["findings"],
        json!([a.to_string(), b.to_string()])
    );
    let overdue = office
        .get_json("/v1/hazards?overdue=true&source=drill")
        .await;
    assert_eq!(overdue["total"], 1, "{overdue}");
    assert_eq!(overdue["items"][0]["hazard"]["id"], b.to_string());
    let board = office.get_json("/v1/board").await;
    let street = board["streets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["street"] == "龙华中路")
        .unwrap_or_else(|| panic!("{board}"));
    assert_eq!(
        (street["verified"].clone(), street["overdue"].clone()),
        (json!(1), json!(1))
    );
    office
        .get(&format!("/v1/drills/{}", DrillId::new()))
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");

    // A visit to 恒益居民区 with three problems, then its report.
    let visit = VisitId::new();
    let record = office.op(
        EntityRef::Visit {
            partition: Partition::Venue(HENGYI_RESIDENTIAL),
            visit,
        },
        OpBody::VisitRecorded(VisitRecord {
            area: "恒益居民区".into(),
            visited_on: day(5),
            team: vec![
                "街道党工委书记".into(),
                "区人大代表".into(),
                "结对律师".into(),
            ],
            units: vec!["城管斜土中队".into()],
            residents_met: 28,
            topics: vec!["电动自行车安全充电".into()],
            problems: ["3号楼楼道堆放杂物", "车棚飞线充电", "消防通道被占用"]
                .into_iter()
                .map(|t| VisitProblem {
                    text: t.into(),
                    severity: Severity::Major,
                    evidence: Vec::new(),
                })
                .collect(),
            note: String::new(),
        }),
    );
    let seq = accepted(&office.push(vec![record]).await.acks[0]);
    let report = office
        .get_json(&format!(
            "/v1/visits/report?area={HENGYI_RESIDENTIAL}&min_seq={seq}"
        ))
        .await;
    assert_eq!(report["area"], "恒益居民区", "{report}");
    assert_eq!(report["raised"], 3);
    assert_eq!(report["open"], 3);
    let problems = report["visits"][0]["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 3);
    assert_eq!(
        problems[0]["last"]["action"]["found"]["note"],
        "3号楼楼道堆放杂物"
    );
    let visits = office.get_json("/v1/visits").await;
    assert_eq!(visits["total"], 1, "{visits}");
    office
        .get("/v1/visits/report?area=日晖六村")
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    office
        .get("/v1/visits/report")
        .await
        .expect_error(StatusCode::BAD_REQUEST, "bad_request");
    let by_source = office.get_json("/v1/hazards?source=visit").await;
    assert_eq!(by_source["total"], 3, "{by_source}");
}

/// An officer who types in a case the platform delivered names the same report: the fold
/// keeps one hazard. A case number with another report id is refused.
#[tokio::test(flavor = "multi_thread")]
async fn an_officers_copy_of_a_delivered_case_is_no_second_hazard() {
    let server = TestServer::demo();
    let admin = admin(&server.url).await;
    let (_, key) = intake_key(&admin, "一网统管").await;
    let http = http();
    deliver(&http, &server.url, Some(&key), &case("XH-9"))
        .await
        .expect_status(StatusCode::CREATED);
    let mut office = Device::login(&server.url, "wangfang").await;
    let report = ReportId::for_case(admin.org(), "XH-9");
    let record = CitizenCaseRecord {
        case_number: "XH-9".into(),
        channel: "电话".into(),
        street: "斜土路".into(),
        address: String::new(),
        location: None,
        description: "楼道里电动车充电（电话）".into(),
        evidence: Vec::new(),
        reported_at: Timestamp::now(),
        severity: Severity::Major,
        contact: None,
    };
    let copy = office.op(
        EntityRef::CitizenReport {
            venue: None,
            report,
        },
        OpBody::CitizenCaseReported(record.clone()),
    );
    let forged = office.op(
        EntityRef::CitizenReport {
            venue: None,
            report: ReportId::new(),
        },
        OpBody::CitizenCaseReported(record),
    );
    let acks = office.push(vec![copy, forged]).await;
    let seq = accepted(&acks.acks[0]);
    let (code, reason) = rejected(&acks.acks[1]);
    assert_eq!(
        code,
        firecheck_shared::sync::RejectCode::Invalid,
        "{reason}"
    );
    assert!(reason.contains("case number"), "{reason}");
    let listed = office
        .get_json(&format!("/v1/hazards?source=citizen_report&min_seq={seq}"))
        .await;
    assert_eq!(listed["total"], 1, "one hazard: {listed}");
}

/// The OpenAPI document lists every new endpoint with each status it answers, the intake's
/// security scheme and messages, and the new op kinds.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_the_new_endpoints_and_op_kinds() {
    let server = TestServer::demo();
    let doc = get(&http(), &server.url, "/v1/openapi.json", None)
        .await
        .expect_ok()
        .json();
    let documented: [(&str, &str, &[&str]); 9] = [
        (
            "/v1/intake/citizen-reports",
            "post",
            &["200", "201", "400", "401", "413", "415", "422", "503"],
        ),
        (
            "/v1/intake/citizen-reports/{case}",
            "get",
            &["200", "401", "404", "503"],
        ),
        ("/v1/admin/intake-keys", "get", &["200", "401", "403"]),
        (
            "/v1/admin/intake-keys",
            "post",
            &["201", "400", "401", "403", "409", "415", "422", "503"],
        ),
        (
            "/v1/admin/intake-keys/{id}/revoke",
            "post",
            &["200", "401", "403", "404", "503"],
        ),
        ("/v1/drills/{id}", "get", &["200", "404", "503"]),
        ("/v1/visits", "get", &["200", "400"]),
        ("/v1/visits/report", "get", &["200", "400", "404", "503"]),
        ("/v1/citizen-reports/{id}", "get", &["200", "404"]),
    ];
    for (path, method, statuses) in documented {
        let responses = &doc["paths"][path][method]["responses"];
        for status in statuses {
            assert!(
                responses[*status].is_object(),
                "{method} {path} documents {status}: {responses}"
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["intake"].is_object());
    for schema in [
        "CitizenReportIntake",
        "IntakeReceipt",
        "CaseStatus",
        "IntakeKey",
        "NewIntakeKey",
        "DrillDetail",
        "VisitReport",
        "CitizenReportDetail",
    ] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "schema {schema} is documented"
        );
    }
    let kinds = doc["components"]["schemas"]["OpBody"].to_string();
    for kind in [
        "citizen_case_reported",
        "citizen_report_linked",
        "hazard_replied",
        "drill_finding_recorded",
        "visit_recorded",
        "venue_status_changed",
    ] {
        assert!(kinds.contains(kind), "op kind {kind} is documented");
    }
}
