//! The safety office's read-only review API over the folded views, plus /healthz and the
//! OpenAPI document.

use firecheck_server::testing::TestServer;
use firecheck_shared::*;
use reqwest::StatusCode;

use crate::util::*;

/// The leading house number of an address like "小木桥路 251号".
fn house_number(address: &str) -> u64 {
    address
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit())
        .collect::<String>()
        .parse()
        .unwrap_or_else(|_| panic!("no house number in {address:?}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn an_inspection_shows_up_in_hazards_history_venues_and_campaign_coverage() {
    let server = TestServer::demo();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let mut office = Device::login(&server.url, "wangfang").await;
    let fixtures = firecheck_shared::fixtures::Fixtures::demo().unwrap();

    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
    let seq = accepted(&zhang.push(vec![insp.clone()]).await.acks[0]);
    office.observe(&[&insp]);
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");

    // The hazard list shows it as soon as the views cover the push.
    let list = office.get_json(&format!("/v1/hazards?min_seq={seq}")).await;
    let rows = list["items"].as_array().unwrap();
    let row = rows
        .iter()
        .find(|r| r["hazard"]["id"] == hazard.to_string())
        .unwrap_or_else(|| panic!("hazard {hazard} not listed: {list}"));
    assert_eq!(row["hazard"]["status"], "open", "{row}");
    assert_eq!(row["hazard"]["severity"], "critical", "{row}");
    assert_eq!(row["hazard"]["item"], "EB-CHARGE", "{row}");
    assert_eq!(row["venue_name"], "老王电动车维修", "{row}");
    assert_eq!(row["street"], "小木桥路", "{row}");
    assert_eq!(row["overdue"], false, "{row}");
    assert!(
        !rows.iter().any(|r| r["hazard"]["item"] == "EB-EXIT"),
        "a passed item opens no hazard: {list}"
    );
    // Filters.
    let open = office
        .get_json("/v1/hazards?status=open&street=小木桥路")
        .await;
    assert_eq!(open["total"], 1, "{open}");
    let closed = office.get_json("/v1/hazards?status=closed").await;
    assert_eq!(closed["total"], 0, "{closed}");

    // Its lifecycle: dispatched by the office, reported fixed by the inspector.
    let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 15).unwrap();
    let dispatch = office.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardDispatched {
            unit: "城管斜土中队".into(),
            due,
            note: "进博会前整改完毕".into(),
        },
    );
    accepted(&office.push(vec![dispatch.clone()]).await.acks[0]);
    zhang.observe(&[&dispatch]);
    let fixed = zhang.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardReportedFixed {
            note: "已拆除飞线，改为集中充电柜".into(),
            evidence: vec![BlobHash::of(b"photo")],
        },
    );
    let last = accepted(&zhang.push(vec![fixed]).await.acks[0]);
    let one = office
        .get_json(&format!("/v1/hazards/{hazard}?min_seq={last}"))
        .await;
    assert_eq!(one["hazard"]["status"], "reported_fixed", "{one}");
    assert_eq!(one["hazard"]["assignee"], "城管斜土中队", "{one}");
    assert_eq!(one["hazard"]["deadline"], "2026-12-15", "{one}");
    let history = one["history"].as_array().unwrap();
    let actions: Vec<String> = history
        .iter()
        .map(|e| {
            e["action"]
                .as_object()
                .unwrap()
                .keys()
                .next()
                .unwrap()
                .clone()
        })
        .collect();
    assert_eq!(actions, ["found", "dispatched", "reported_fixed"], "{one}");
    assert!(
        history.iter().all(|e| e["outcome"] == "applied"),
        "no conflicts: {one}"
    );
    assert_eq!(history[0]["author"], zhang.user().to_string());
    assert_eq!(history[1]["author"], office.user().to_string());
    let by_assignee = office
        .get_json(&format!("/v1/hazards?assignee=城管斜土中队&min_seq={last}"))
        .await;
    assert_eq!(by_assignee["total"], 1, "{by_assignee}");

    // The venue's inspections.
    let insps = office
        .get_json(&format!(
            "/v1/venues/{LAOWANG_EBIKE}/inspections?min_seq={seq}"
        ))
        .await;
    assert_eq!(insps["total"], 1, "{insps}");
    assert_eq!(insps["items"][0]["id"], inspection.to_string());

    // Venues on one street, sorted by house number.
    let street = "小木桥路";
    let want: usize = fixtures
        .venues
        .iter()
        .filter(|v| v.street == street)
        .count();
    let venues = office
        .get_json(&format!("/v1/venues?street={street}"))
        .await;
    assert_eq!(venues["total"], want, "{venues}");
    let items = venues["items"].as_array().unwrap();
    assert_eq!(items.len(), want);
    assert!(items.iter().all(|v| v["street"] == street), "{venues}");
    let numbers: Vec<u64> = items
        .iter()
        .map(|v| house_number(v["address"].as_str().unwrap()))
        .collect();
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(numbers, sorted, "venues sorted by address: {numbers:?}");
    // Pages of that list.
    let page = office
        .get_json(&format!("/v1/venues?street={street}&offset=3&limit=4"))
        .await;
    assert_eq!(page["items"].as_array().unwrap(), &items[3..7].to_vec());
    assert_eq!(page["total"], want);

    // Campaign coverage: targets not yet inspected first, then the inspected one.
    let campaign = &fixtures.campaigns[0];
    assert_eq!(campaign.id, CIIE_CAMPAIGN);
    let targets = fixtures
        .venues
        .iter()
        .filter(|v| campaign.streets.contains(&v.street) && campaign.kinds.contains(&v.kind))
        .count();
    let cov = office
        .get_json(&format!(
            "/v1/campaigns/{CIIE_CAMPAIGN}/coverage?min_seq={last}"
        ))
        .await;
    assert_eq!(cov["targets"], targets, "{cov}");
    assert_eq!(cov["inspected"], 1, "{cov}");
    assert_eq!(cov["hazards_found"], 1, "{cov}");
    assert_eq!(cov["hazards_rectified"], 0, "{cov}");
    let rows = cov["rows"].as_array().unwrap();
    assert_eq!(rows.len(), targets);
    let inspected: Vec<bool> = rows.iter().map(|r| r["inspections"] != 0).collect();
    assert!(
        inspected[..targets - 1].iter().all(|i| !i) && inspected[targets - 1],
        "uninspected targets first, the inspected venue last: {inspected:?}"
    );
    assert_eq!(rows[targets - 1]["venue"]["id"], LAOWANG_EBIKE.to_string());
    assert_eq!(rows[targets - 1]["hazards_active"], 1);

    // Other lists.
    let campaigns = office.get_json("/v1/campaigns").await;
    assert_eq!(
        campaigns["items"][0]["id"],
        CIIE_CAMPAIGN.to_string(),
        "{campaigns}"
    );
    let drills = office.get_json("/v1/drills").await;
    assert_eq!(drills["total"], fixtures.drills.len(), "{drills}");
    let templates = office.get_json("/v1/templates").await;
    assert_eq!(
        templates.as_array().unwrap().len(),
        fixtures.templates.len(),
        "{templates}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn healthz_and_the_openapi_document() {
    let server = TestServer::demo();
    let http = http();
    let health = get(&http, &server.url, "/healthz", None).await.expect_ok();
    assert_eq!(health.text(), "ok");

    let raw = get(&http, &server.url, "/v1/openapi.json", None)
        .await
        .expect_ok();
    assert!(
        raw.content_type().starts_with("application/json"),
        "{}",
        raw.context()
    );
    let doc = raw.json();
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "an OpenAPI 3 document"
    );
    let paths = doc["paths"].as_object().expect("paths");
    for p in [
        "/v1/sync",
        "/v1/auth/login",
        "/v1/auth/refresh",
        "/v1/hazards",
        "/v1/hazards/{id}",
        "/v1/venues",
        "/v1/campaigns/{id}/coverage",
        "/v1/admin/users",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    assert!(
        doc["components"]["schemas"]["OpBody"].is_object(),
        "the op body schema is public"
    );
    assert!(
        doc["paths"]["/v1/sync"]["post"]["responses"]["413"].is_object(),
        "the sync errors are documented"
    );
    // The review API needs a token.
    get(&http, &server.url, "/v1/hazards", None)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
}
