//! The console's pages for the other channels, driven like `console`'s tests (the router
//! without a socket, logins through the form with their CSRF tokens, cookies by hand): a
//! 一网统管 case on its hazard's page — case number, channel, text, time, the reporter's
//! contact for the officer only (not the inspector, not the admin) — and the officer's reply
//! from the page read back by the platform (`GET /v1/intake/citizen-reports/{case}`), for the
//! case's own hazard and for the hazard a second case was linked to (listed there); the
//! 龙华中路站 drill's findings with their status, one recorded from the page (a form sent
//! twice stored once); visits and an area's report; a closed venue marked; the hazards export
//! with the source record and case number, and the visits export.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use firecheck_server::testing::password;
use firecheck_shared::fixtures::ids::{
    HENGYI_RESIDENTIAL, LAOWANG_EBIKE, LONGHUA_DRILL, LONGHUA_METRO, XIAOMUQIAO_SHOP,
};
use firecheck_shared::*;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::console::{app_json, app_sync, csv_rows, head, xlsx_rows, Browser};
use crate::handlers::{with_a_hazard, App};
use crate::util::{pull_request, Device};

/// Wait until the views cover everything stored for `org`.
async fn settle(app: &App, org: OrgId) {
    let seq = head(app, org);
    assert!(
        app.server
            .as_ref()
            .unwrap()
            .state()
            .views
            .wait_for(org, seq, std::time::Duration::from_secs(10))
            .await,
        "the views did not reach {seq}"
    );
}

/// A GET with a bearer token (an officer's, or the platform's intake key): status and body.
async fn api_get(app: &App, path: &str, token: &str) -> (StatusCode, Vec<u8>) {
    let r = Request::builder()
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let resp = app.router.clone().oneshot(r).await.unwrap();
    let status = resp.status();
    let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, bytes)
}

/// A case as the city platform delivers it.
fn case(number: &str, text: &str) -> Value {
    json!({
        "case_number": number,
        "channel": "随手拍",
        "text": text,
        "location": {"street": "斜土路", "address": "斜土路 1001弄 3号"},
        "reporter": {"name": "王女士", "phone": "13800000000"},
        "reported_at": "2026-11-25T09:30:00+08:00"
    })
}

/// An intake key made by the admin, and the cases delivered with it.
async fn deliver(app: &App, cases: &[Value]) -> String {
    let admin = app.login("admin", &password("admin")).await;
    let (s, made) = app_json(
        app,
        Method::POST,
        "/v1/admin/intake-keys",
        admin.token(),
        json!({"name": "一网统管"}),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{made}");
    let key = made["key"].as_str().unwrap().to_string();
    for c in cases {
        let (s, r) = app_json(
            app,
            Method::POST,
            "/v1/intake/citizen-reports",
            &key,
            c.clone(),
        )
        .await;
        assert_eq!(s, StatusCode::CREATED, "{r}");
    }
    key
}

/// The form `id` of a page: its form id and CSRF token.
fn form_of(page: &crate::console::Page, id: &str) -> (String, String) {
    let from = format!("id=\"{id}\"");
    (
        page.field_after(&from, "form"),
        page.field_after(&from, "csrf"),
    )
}

/// The column of a header in an export's rows.
fn column(rows: &[Vec<String>], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {:?}", rows[0]))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_citizen_report_shows_its_case_and_the_reply_made_here_is_read_back() {
    let app = App::open().await;
    let (_zhang, tracked, _) = with_a_hazard(&app).await;
    let key = deliver(
        &app,
        &[
            case("XH20261125000123", "楼道里电动车充电"),
            case("XH20261125000124", "老王电动车维修店内给电瓶充电"),
        ],
    )
    .await;
    let mut office_dev = app.login("wangfang", &password("wangfang")).await;
    let org = office_dev.org();
    let own = ReportId::for_case(org, "XH20261125000123");
    let own_hazard = HazardId::for_report(own);
    let linked = ReportId::for_case(org, "XH20261125000124");
    // The second case is about the hazard the night inspection found: linked to it.
    let pulled = app_sync(
        &app,
        &office_dev,
        serde_json::to_value(pull_request(0, 5000)).unwrap(),
    )
    .await;
    office_dev.observe(&pulled.ops.iter().collect::<Vec<_>>());
    let link = office_dev.op(
        EntityRef::CitizenReport {
            venue: None,
            report: linked,
        },
        OpBody::CitizenReportLinked(ReportLink {
            hazard: tracked,
            partition: Partition::Venue(LAOWANG_EBIKE),
            note: "与夜查发现为同一问题".into(),
        }),
    );
    app.push(&office_dev, vec![link]).await;
    settle(&app, org).await;

    // The officer sees the case and who reported it.
    let mut office = Browser::login(&app, "wangfang").await;
    let page = office.get(&format!("/hazards/{own_hazard}")).await;
    let text = page.ok();
    for shown in [
        "id=\"report\"",
        "XH20261125000123",
        "随手拍",
        "楼道里电动车充电",
        "2026-11-25 09:30",
        "斜土路 1001弄 3号",
        "王女士",
        "13800000000",
        "id=\"reply-form\"",
        "尚未答复",
        // Delivered by the platform: named by its intake key.
        "市民报告，一网统管 于",
    ] {
        assert!(
            text.contains(shown),
            "the officer's page lacks {shown}:\n{text}"
        );
    }
    // An inspector and the admin see the case, never the reporter.
    for user in ["zhangwei", "admin"] {
        let mut b = Browser::login(&app, user).await;
        let text = b.get(&format!("/hazards/{own_hazard}")).await.ok();
        assert!(text.contains("XH20261125000123"), "{user}: {text}");
        assert!(
            !text.contains("13800000000")
                && !text.contains("王女士")
                && !text.contains("id=\"reporter\""),
            "{user} sees the reporter:\n{text}"
        );
        assert!(!text.contains("id=\"reply-form\""), "{user}: {text}");
    }

    // The officer replies from the page: one op, which the platform reads back.
    let before = head(&app, org);
    let (form, csrf) = form_of(&page, "reply-form");
    let reply = "您反映的问题已交办斜土路居委整改，感谢您的监督。";
    let fields = [
        ("csrf", csrf.as_str()),
        ("form", form.as_str()),
        ("action", "reply"),
        ("text", reply),
    ];
    let act = format!("/hazards/{own_hazard}/act");
    let done = office.post(&act, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert!(done.location.contains("done=done"), "{}", done.location);
    let again = office.post(&act, &fields).await;
    assert!(again.location.contains("done=again"), "{}", again.location);
    assert_eq!(head(&app, org), before + 1, "one form, one op");
    let (s, back) = api_get(&app, "/v1/intake/citizen-reports/XH20261125000123", &key).await;
    assert_eq!(s, StatusCode::OK);
    let back: Value = serde_json::from_slice(&back).unwrap();
    assert_eq!(back["reply"]["text"], reply, "{back}");
    assert_eq!(back["hazard"], own_hazard.to_string(), "{back}");
    let shown = office.get(&done.location).await.ok();
    assert!(shown.contains(reply) && shown.contains("王芳"), "{shown}");

    // The tracked hazard lists the case linked to it; replying there answers that case.
    let page = office.get(&format!("/hazards/{tracked}")).await;
    let text = page.ok();
    assert!(
        text.contains("id=\"linked\"") && text.contains("XH20261125000124"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "href=\"/hazards/{}\"",
            HazardId::for_report(linked)
        )),
        "{text}"
    );
    let (form, csrf) = form_of(&page, "reply-form");
    let reply2 = "已责令店主停止店内充电，感谢监督。";
    let p = office
        .post(
            &format!("/hazards/{tracked}/act"),
            &[
                ("csrf", &csrf),
                ("form", &form),
                ("action", "reply"),
                ("text", reply2),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.text());
    let (_, back) = api_get(&app, "/v1/intake/citizen-reports/XH20261125000124", &key).await;
    let back: Value = serde_json::from_slice(&back).unwrap();
    assert_eq!(
        (back["linked"].clone(), back["reply"]["text"].clone()),
        (json!(true), json!(reply2)),
        "{back}"
    );
    // The linked case's own hazard points there, with its reply, and offers no reply form.
    let text = office
        .get(&format!("/hazards/{}", HazardId::for_report(linked)))
        .await
        .ok();
    assert!(
        text.contains("id=\"followed\"") && text.contains(&format!("/hazards/{tracked}")),
        "{text}"
    );
    assert!(text.contains(reply2), "{text}");
    assert!(!text.contains("id=\"reply-form\""), "{text}");

    // An inspector's reply is refused.
    let mut inspector = Browser::login(&app, "zhangwei").await;
    let page = inspector.get("/").await;
    let own_csrf = page.field_after("action=\"/logout\"", "csrf");
    let p = inspector
        .post(
            &act,
            &[
                ("csrf", &own_csrf),
                ("form", &OpId::new().to_string()),
                ("action", "reply"),
                ("text", "x"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN, "{}", p.text());

    // The hazards export names the source, its record and the case number.
    let (s, csv) = api_get(
        &app,
        "/v1/exports/hazards.csv?source=citizen_report",
        office_dev.token(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let rows = csv_rows(&csv);
    let (source, record, number, id) = (
        column(&rows, "来源"),
        column(&rows, "来源记录"),
        column(&rows, "案件编号"),
        rows[0].len() - 1,
    );
    let row = rows
        .iter()
        .find(|r| r[id] == own_hazard.to_string())
        .unwrap_or_else(|| panic!("{rows:?}"));
    assert_eq!(
        (
            row[source].as_str(),
            row[record].as_str(),
            row[number].as_str()
        ),
        ("市民报告", "随手拍", "XH20261125000123")
    );
    let (_, csv) = api_get(&app, "/v1/exports/hazards.csv", office_dev.token()).await;
    let rows = csv_rows(&csv);
    let row = rows.iter().find(|r| r[id] == tracked.to_string()).unwrap();
    assert_eq!(
        (row[source].as_str(), row[number].as_str()),
        ("巡查发现", "")
    );
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_drill_lists_its_findings_and_an_officer_records_one_from_its_page() {
    let app = App::open().await;
    let mut office_dev = app.login("wangfang", &password("wangfang")).await;
    let org = office_dev.org();
    settle(&app, org).await;
    let path = format!("/drills/{LONGHUA_DRILL}");
    let mut inspector = Browser::login(&app, "zhangwei").await;
    let text = inspector.get(&path).await.ok();
    assert!(!text.contains("id=\"finding\""), "{text}");
    let mut office = Browser::login(&app, "wangfang").await;
    let page = office.get(&path).await;
    assert!(page.ok().contains("id=\"findings\""));

    // A point recorded from the page; the same form again, and the same point on a new form,
    // record nothing more and say so.
    let point = "2号出入口外非机动车乱停";
    let (form, csrf) = form_of(&page, "finding");
    let before = head(&app, org);
    let fields = [
        ("csrf", csrf.as_str()),
        ("form", form.as_str()),
        ("point", point),
        ("severity", "major"),
    ];
    let post = format!("/drills/{LONGHUA_DRILL}/findings");
    let done = office.post(&post, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text());
    assert!(done.location.contains("done=done"), "{}", done.location);
    // The same form again finds the point tracked.
    let again = office.post(&post, &fields).await;
    assert!(again.location.contains("done=exists"), "{}", again.location);
    let (form2, _) = form_of(&office.get(&path).await, "finding");
    let exists = office
        .post(
            &post,
            &[
                ("csrf", &csrf),
                ("form", &form2),
                ("point", point),
                ("severity", "minor"),
            ],
        )
        .await;
    assert!(
        exists.location.contains("done=exists"),
        "{}",
        exists.location
    );
    assert_eq!(head(&app, org), before + 1);
    let recorded = app_sync(
        &app,
        &office_dev,
        serde_json::to_value(pull_request(0, 5000)).unwrap(),
    )
    .await;
    let op = recorded
        .ops
        .iter()
        .find(|o| matches!(o.body, OpBody::DrillFindingRecorded(_)))
        .expect("the finding's op is in the log");
    assert_eq!(op.op_id.to_string(), form);
    assert_eq!(
        op.entity,
        EntityRef::Drill {
            venue: Some(LONGHUA_METRO),
            drill: LONGHUA_DRILL
        }
    );
    // A second point from a device, dispatched with a deadline already past; the first
    // fixed and verified.
    office_dev.observe(&recorded.ops.iter().collect::<Vec<_>>());
    let other = "出入口应急广播声音偏小";
    let [a, b] = [point, other].map(|p| HazardId::for_drill_finding(LONGHUA_DRILL, p));
    let mut ops = vec![office_dev.op(
        EntityRef::Drill {
            venue: Some(LONGHUA_METRO),
            drill: LONGHUA_DRILL,
        },
        OpBody::DrillFindingRecorded(DrillFindingRecord {
            point: other.into(),
            severity: Severity::Major,
            evidence: Vec::new(),
        }),
    )];
    let past = Timestamp::now().local_date() - chrono::Days::new(3);
    for (h, body) in [
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
                due: past,
                note: String::new(),
            },
        ),
    ] {
        ops.push(office_dev.hazard_op(LONGHUA_METRO, h, body));
    }
    app.push(&office_dev, ops).await;
    settle(&app, org).await;
    let text = office.get(&path).await.ok();
    for shown in [
        point.to_string(),
        other.to_string(),
        "复查销项".to_string(),
        "已交办".to_string(),
        "逾期".to_string(),
        format!("href=\"/hazards/{a}\""),
        format!("href=\"/hazards/{b}\""),
    ] {
        assert!(
            text.contains(&shown),
            "the drill's page lacks {shown}:\n{text}"
        );
    }
    // The finding's page names its drill.
    let text = office.get(&format!("/hazards/{b}")).await.ok();
    assert!(
        text.contains("id=\"source-drill\"")
            && text.contains(&format!("href=\"/drills/{LONGHUA_DRILL}\"")),
        "{text}"
    );
    // The export names the drill.
    let (_, csv) = api_get(
        &app,
        "/v1/exports/hazards.csv?source=drill",
        office_dev.token(),
    )
    .await;
    let rows = csv_rows(&csv);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let record = column(&rows, "来源记录");
    assert!(rows[1][record].contains("龙华中路"), "{rows:?}");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn visits_are_listed_and_an_areas_report_shows_how_each_problem_was_handled() {
    let app = App::open().await;
    let mut office_dev = app.login("wangfang", &password("wangfang")).await;
    let org = office_dev.org();
    let today = Timestamp::now().local_date();
    let visit =
        |dev: &mut Device, partition: Partition, area: &str, days_ago: u64, problems: &[&str]| {
            let id = VisitId::new();
            let op = dev.op(
                EntityRef::Visit {
                    partition,
                    visit: id,
                },
                OpBody::VisitRecorded(VisitRecord {
                    area: area.into(),
                    visited_on: today - chrono::Days::new(days_ago),
                    team: vec![
                        "街道党工委书记".into(),
                        "区人大代表".into(),
                        "结对律师".into(),
                    ],
                    units: vec!["城管斜土中队".into()],
                    residents_met: 28,
                    topics: vec!["电动自行车安全充电".into()],
                    problems: problems
                        .iter()
                        .map(|t| VisitProblem {
                            text: t.to_string(),
                            severity: Severity::Major,
                            evidence: Vec::new(),
                        })
                        .collect(),
                    note: String::new(),
                }),
            );
            (id, op)
        };
    let problems = ["3号楼楼道堆放杂物", "车棚飞线充电", "消防通道被占用"];
    let (hengyi, v1) = visit(
        &mut office_dev,
        Partition::Venue(HENGYI_RESIDENTIAL),
        "恒益居民区",
        5,
        &problems,
    );
    let area = "日晖六村";
    let (rihui, v2) = visit(
        &mut office_dev,
        Partition::Area(AreaId::for_name(area)),
        area,
        1,
        &[],
    );
    let first = HazardId::for_visit_problem(hengyi, 0);
    let dispatch = office_dev.op(
        EntityRef::Hazard {
            partition: Partition::Venue(HENGYI_RESIDENTIAL),
            hazard: first,
        },
        OpBody::HazardDispatched {
            unit: "斜土路居委".into(),
            due: today + chrono::Days::new(7),
            note: "清理楼道".into(),
        },
    );
    app.push(&office_dev, vec![v1, v2, dispatch]).await;
    settle(&app, org).await;

    let mut office = Browser::login(&app, "wangfang").await;
    let list = office.get("/visits").await.ok();
    assert!(
        list.contains("href=\"/visits\""),
        "the frame links to the visits"
    );
    let (at_rihui, at_hengyi) = (
        list.find(area).expect("日晖六村 listed"),
        list.find("恒益居民区").expect("恒益居民区 listed"),
    );
    assert!(at_rihui < at_hengyi, "most recent first:\n{list}");
    assert!(list.contains("<td>28</td><td>3</td>"), "{list}");
    assert!(
        list.contains(&format!(
            "/visits/report?venue={HENGYI_RESIDENTIAL}#visit-{hengyi}"
        )),
        "{list}"
    );

    let report = office
        .get(&format!("/visits/report?venue={HENGYI_RESIDENTIAL}"))
        .await
        .ok();
    for shown in problems.iter().map(|p| p.to_string()).chain([
        format!("id=\"visit-{hengyi}\""),
        format!("href=\"/hazards/{first}\""),
        "斜土路居委".into(),
        "清理楼道".into(),
        "电动自行车安全充电".into(),
    ]) {
        assert!(
            report.contains(&shown),
            "the report lacks {shown}:\n{report}"
        );
    }
    let rihui_report = office
        .get(&format!(
            "/visits/report?area={}",
            firecheck_server::console::url_encode(area)
        ))
        .await
        .ok();
    assert!(
        rihui_report.contains(&format!("id=\"visit-{rihui}\""))
            && rihui_report.contains("这次走访没有记录问题"),
        "{rihui_report}"
    );
    assert_eq!(
        office.get("/visits/report?area=%E6%97%A0").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        office.get("/visits/report").await.status,
        StatusCode::BAD_REQUEST
    );
    // A problem's page names its visit; the residential venue links to its report.
    let text = office.get(&format!("/hazards/{first}")).await.ok();
    assert!(
        text.contains("id=\"source-visit\"")
            && text.contains(&format!(
                "/visits/report?venue={HENGYI_RESIDENTIAL}#visit-{hengyi}"
            )),
        "{text}"
    );
    let text = office
        .get(&format!("/venues/{HENGYI_RESIDENTIAL}"))
        .await
        .ok();
    assert!(
        text.contains(&format!(
            "href=\"/visits/report?venue={HENGYI_RESIDENTIAL}\""
        )),
        "{text}"
    );

    // The visits export: one row per problem, a visit without any one row of its own.
    let all = office.get("/exports/visits.csv").await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let rows = csv_rows(&all.body);
    assert_eq!(rows.len(), 1 + 1 + 3, "{rows:?}");
    let (problem, status, visit_id) = (
        column(&rows, "反映问题"),
        column(&rows, "状态"),
        rows[0].len() - 1,
    );
    assert_eq!(rows[1][visit_id], rihui.to_string(), "newest first");
    assert_eq!(rows[1][problem], "");
    assert_eq!(rows[2][problem], problems[0]);
    assert_eq!(rows[2][status], "已交办");
    let (s, one) = api_get(
        &app,
        &format!("/v1/exports/visits.xlsx?venue={HENGYI_RESIDENTIAL}"),
        office_dev.token(),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        xlsx_rows(one),
        [&rows[..1], &rows[2..]].concat(),
        "the area's rows"
    );
    let (s, _) = api_get(
        &app,
        &format!("/v1/exports/visits.csv?venue={HENGYI_RESIDENTIAL}&area=x"),
        office_dev.token(),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_venue_shows_its_status_and_why_and_the_list_marks_it() {
    let app = App::open().await;
    let mut office_dev = app.login("wangfang", &password("wangfang")).await;
    let org = office_dev.org();
    let reason = "店铺已关停，卷帘门封闭";
    let close = office_dev.op(
        EntityRef::Venue(XIAOMUQIAO_SHOP),
        OpBody::VenueStatusChanged(VenueStatusChange {
            status: VenueStatus::Closed,
            reason: reason.into(),
        }),
    );
    app.push(&office_dev, vec![close]).await;
    settle(&app, org).await;
    let mut b = Browser::login(&app, "zhangwei").await;
    let text = b.get(&format!("/venues/{XIAOMUQIAO_SHOP}")).await.ok();
    assert!(
        text.contains("id=\"venue-status\"") && text.contains("已关停") && text.contains(reason),
        "{text}"
    );
    let text = b.get(&format!("/venues/{LAOWANG_EBIKE}")).await.ok();
    assert!(!text.contains("id=\"venue-status\""), "{text}");
    let list = b
        .get("/venues?street=%E5%B0%8F%E6%9C%A8%E6%A1%A5%E8%B7%AF")
        .await
        .ok();
    let row = list
        .split("<tr")
        .find(|r| r.contains(&format!("/venues/{XIAOMUQIAO_SHOP}")))
        .unwrap_or_else(|| panic!("{list}"));
    assert!(
        row.contains("class=\"gone\"") && row.contains("已关停"),
        "{row}"
    );
    assert_eq!(list.matches("class=\"gone\"").count(), 1, "{list}");
    app.close().await;
}
