//! The other ways a problem reaches the office, end to end: a 一网统管 case delivered twice
//! by the platform, dispatched, fixed, verified and replied to, read back by the platform; the
//! 龙华中路站 drill's findings as tracked items; a resident visit to 恒益居民区 and the report
//! back at the next one; an inspection corrected after the fact, one typed in late, and a
//! venue that closed.

use serde_json::{json, Value};

use crate::util::*;

/// The admin makes an intake key for the platform; the key.
fn intake_key(url: &str) -> String {
    let (status, made) = post_json(
        url,
        "/v1/admin/intake-keys",
        &token(url, "admin"),
        &json!({"name": "一网统管（徐汇区城运中心）"}),
    );
    assert_eq!(status, 201, "{made}");
    made["key"].as_str().unwrap().to_string()
}

fn history_actions(h: &Value) -> Vec<String> {
    h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match &e["action"] {
            Value::Object(m) => m.keys().next().unwrap().clone(),
            other => other.to_string(),
        })
        .collect()
}

/// 一网统管 delivers case "楼道里电动车充电" twice (one hazard), the office dispatches it to the
/// 居委, the 居委's fix is reported, a re-inspection on site verifies it, the office replies,
/// and the platform reads the reply back. The reporter's phone is the officers' only.
#[test]
fn a_platform_case_delivered_twice_is_one_hazard_handled_and_replied_to() {
    let w = World::demo();
    let url = &w.server.url;
    let key = intake_key(url);
    let case = json!({
        "case_number": "XH20261125000123",
        "channel": "随手拍",
        "text": "楼道里电动车充电",
        "location": {"street": "斜土路", "address": "斜土路 1001弄 3号楼"},
        "reporter": {"name": "王女士", "phone": "13800000000"},
        "reported_at": "2026-11-25T09:30:00+08:00"
    });
    let (first, r1) = post_json(url, "/v1/intake/citizen-reports", &key, &case);
    let (second, r2) = post_json(url, "/v1/intake/citizen-reports", &key, &case);
    assert_eq!((first.as_u16(), second.as_u16()), (201, 200), "{r1} {r2}");
    assert_eq!(r1["hazard"], r2["hazard"]);
    assert_eq!(r2["created"], false);
    let hazard = r1["hazard"].as_str().unwrap().to_string();

    let office = w.phone("wangfang", "wangfang");
    let zhang = w.phone("zhangwei", "zhangwei");
    let reports = as_array(office.json(&["reports"]), "office reports");
    assert_eq!(
        reports.len(),
        1,
        "one report: {}",
        pretty(&Value::Array(reports.clone()))
    );
    let from_reports: Vec<Value> = office
        .hazards()
        .into_iter()
        .filter(|h| h["hazard"]["source"].get("citizen_report").is_some())
        .collect();
    assert_eq!(from_reports.len(), 1, "one hazard");
    assert_eq!(from_reports[0]["street"], "斜土路");

    // Officers see who reported it; inspectors do not.
    let shown = office.run(&["report", "show", "XH20261125000123"]);
    assert!(shown.contains("13800000000"), "{shown}");
    let shown = zhang.run(&["report", "show", "XH20261125000123"]);
    assert!(!shown.contains("13800000000"), "{shown}");
    assert!(shown.contains("楼道里电动车充电"), "{shown}");
    // An inspector may not take one with a contact, or reply.
    zhang.fail(&["report", "--text", "楼道堆物", "--street", "斜土路"], 6);

    office.run(&[
        "hazard",
        "dispatch",
        &hazard,
        "--to",
        "斜土路居委",
        "--due",
        "+7",
        "--note",
        "请居委劝离",
    ]);
    office.run(&["sync"]);
    zhang.run(&["sync"]);
    zhang.run(&[
        "hazard",
        "fixed",
        &hazard,
        "--note",
        "居委已劝离，楼道内已无电动车充电",
    ]);
    zhang.run(&[
        "hazard",
        "comment",
        &hazard,
        "现场复查：楼道已清空，未见充电",
    ]);
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    office.run(&["hazard", "verify", &hazard, "--note", "复查合格"]);
    let out = office.run(&[
        "report",
        "reply",
        "XH20261125000123",
        "--text",
        "您反映的楼道电动车充电问题已由居委劝离整改，经复查合格，感谢您的监督。",
    ]);
    assert!(out.contains("reply recorded"), "{out}");
    office.run(&["sync"]);

    let (status, back) = {
        let v = get_with_key(url, "/v1/intake/citizen-reports/XH20261125000123", &key);
        (v["status"].clone(), v)
    };
    assert_eq!(status, "resolved", "{back}");
    assert_eq!(back["hazard_status"], "verified");
    assert_eq!(back["assignee"], "斜土路居委");
    assert!(
        back["reply"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("经复查合格")),
        "{back}"
    );
    // Every replica ends with the same hazard.
    zhang.run(&["sync"]);
    let a = zhang.hazard(&json!({"hazard": {"id": hazard}}));
    let b = office.hazard(&json!({"hazard": {"id": hazard}}));
    assert_eq!(a, b);
    assert_eq!(
        history_actions(&a),
        [
            "found",
            "dispatched",
            "reported_fixed",
            "commented",
            "verified",
            "replied"
        ]
    );
}

/// GET with an intake key; the JSON body (status 200).
fn get_with_key(url: &str, path: &str, key: &str) -> Value {
    get_json(url, path, key)
}

/// The 龙华中路站 drill ends with two "must improve" points: two tracked items at the
/// station, one fixed and verified, the other past its deadline — overdue on the board.
#[test]
fn the_longhua_drill_findings_are_tracked_one_verified_one_overdue() {
    let w = World::demo();
    let office = w.phone("wangfang", "wangfang");
    let drill = LONGHUA_DRILL.to_string();
    let mut ids = Vec::new();
    for point in [
        "2号出入口外非机动车乱停，占用疏散集合区域",
        "出入口应急广播声音偏小",
    ] {
        let out = office.run(&["drill", "finding", &drill, "--point", point]);
        let id = out
            .split("tracked as hazard ")
            .nth(1)
            .and_then(|s| s.split(';').next())
            .unwrap_or_else(|| panic!("no hazard id in:\n{out}"))
            .to_string();
        ids.push(id);
    }
    office.fail(
        &[
            "drill",
            "finding",
            &drill,
            "--point",
            "出入口应急广播声音偏小",
        ],
        6,
    );
    let now = firecheck_shared::Timestamp::now();
    let past = firecheck_shared::Timestamp(now.0 - 3 * 24 * 3_600_000)
        .local_date()
        .to_string();
    office.run(&[
        "hazard",
        "dispatch",
        &ids[0],
        "--to",
        "城管斜土中队",
        "--due",
        "+10",
    ]);
    office.run(&["hazard", "fixed", &ids[0], "--note", "已施划非机动车停放区"]);
    office.run(&["hazard", "verify", &ids[0], "--note", "复查合格"]);
    office.run(&[
        "hazard",
        "dispatch",
        &ids[1],
        "--to",
        "龙华中路站",
        "--due",
        &past,
    ]);
    let shown = office.json(&["drill", "show", &drill]);
    let statuses: Vec<(&str, bool)> = shown["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["hazard"]["status"].as_str().unwrap(),
                f["overdue"] == true,
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [("verified", false), ("dispatched", true)],
        "{shown}"
    );
    office.run(&["sync"]);

    let t = token(&w.server.url, "wangfang");
    let board = get_json(&w.server.url, "/v1/board", &t);
    let street = board["streets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["street"] == "龙华中路")
        .unwrap_or_else(|| panic!("{}", pretty(&board)));
    assert_eq!(street["verified"], 1, "{street}");
    assert_eq!(street["overdue"], 1, "{street}");
    let overdue = get_json(&w.server.url, "/v1/hazards?overdue=true", &t);
    let overdue_ids: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["hazard"]["id"].as_str().unwrap())
        .collect();
    assert!(
        overdue_ids.iter().any(|id| id.ends_with(&ids[1])),
        "the overdue finding is listed: {}",
        pretty(&overdue)
    );
    let detail = get_json(&w.server.url, &format!("/v1/drills/{drill}"), &t);
    assert_eq!(detail["findings"].as_array().unwrap().len(), 2);
}

/// A visit to 恒益居民区 raises three problems; by the next visit one is verified, one
/// dispatched, one untouched, and the report back lists all three with their handling — on
/// the visiting officer's device, on an inspector's after a sync, and through the API.
#[test]
fn a_visit_raises_three_problems_and_the_next_visit_reports_back() {
    let w = World::demo();
    let office = w.phone("wangfang", "wangfang");
    let out = office.run(&[
        "visit",
        "log",
        "--area",
        "恒益居民区",
        "--team",
        "街道党工委书记,区人大代表,结对律师,联络员",
        "--units",
        "城管斜土中队",
        "--residents",
        "28",
        "--topic",
        "电动自行车安全充电",
        "--problem",
        "3号楼楼道堆放杂物",
        "--problem",
        "车棚飞线充电::critical",
        "--problem",
        "消防通道被私家车占用",
    ]);
    let ids: Vec<String> = out
        .lines()
        .filter_map(|l| l.trim().strip_prefix("opens hazard "))
        .map(|l| l.split_whitespace().next().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3, "{out}");
    office.run(&[
        "hazard",
        "dispatch",
        &ids[0],
        "--to",
        "恒益居委",
        "--due",
        "+7",
    ]);
    office.run(&["hazard", "fixed", &ids[0], "--note", "杂物已清理"]);
    office.run(&["hazard", "verify", &ids[0], "--note", "复查合格"]);
    office.run(&[
        "hazard",
        "dispatch",
        &ids[1],
        "--to",
        "城管斜土中队",
        "--due",
        "+14",
    ]);
    office.run(&[
        "visit",
        "log",
        "--area",
        "恒益居民区",
        "--team",
        "街道党工委书记",
        "--residents",
        "15",
    ]);
    let report = office.run(&["visit", "report", "恒益居民区"]);
    assert!(
        report.contains(
            "2 visit(s), 3 problem(s) raised — 1 resolved, 1 in progress, 1 not acted on"
        ),
        "{report}"
    );
    for needle in [
        "3号楼楼道堆放杂物",
        "verified 复查合格",
        "车棚飞线充电",
        "dispatched to 城管斜土中队",
        "消防通道被私家车占用",
        "not acted on yet",
    ] {
        assert!(
            report.contains(needle),
            "{needle:?} missing from:\n{report}"
        );
    }
    office.run(&["sync"]);
    let zhang = w.phone("zhangwei", "zhangwei");
    assert_eq!(zhang.run(&["visit", "report", "恒益居民区"]), report);
    let mine = office.json(&["visit", "report", "恒益居民区"]);
    let api = get_json(
        &w.server.url,
        &format!("/v1/visits/report?area={HENGYI_RESIDENTIAL}"),
        &token(&w.server.url, "wangfang"),
    );
    assert_eq!(mine, api, "the device and the server report the same");
    // A named area with no venue works the same way.
    office.run(&[
        "visit",
        "log",
        "--area",
        "恒益新村",
        "--problem",
        "路灯不亮",
    ]);
    assert!(office
        .run(&["visit", "report", "恒益新村"])
        .contains("路灯不亮"));
    // Not a residential area.
    office.fail(&["visit", "log", "--area", "老王电动车维修"], 6);
}

/// An inspection with a wrong failed item: the amendment corrects it; the original and the
/// amendment are both in the record, and the hazard the wrong item opened is closed by the
/// amendment with its reason in the history, on every replica.
#[test]
fn an_amended_inspection_closes_the_hazard_the_wrong_item_opened() {
    let w = World::demo();
    let zhang = w.phone("zhangwei", "zhangwei");
    let office = w.phone("wangfang", "wangfang");
    let out = zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内充电",
        "--pass-all",
    ]);
    let inspection = out
        .lines()
        .find_map(|l| l.strip_prefix("inspection "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    let hazards = office.hazards();
    let h = only_hazard(&hazards, "EB-CHARGE", "before the amendment").clone();
    let id = h["hazard"]["id"].as_str().unwrap().to_string();
    office.run(&[
        "hazard",
        "dispatch",
        &id,
        "--to",
        "城管斜土中队",
        "--due",
        "+7",
    ]);
    office.run(&["sync"]);
    zhang.run(&["sync"]);

    zhang.fail(
        &[
            "inspection",
            "amend",
            &inspection,
            "--item",
            "EB-NOPE=pass",
            "--reason",
            "误录",
        ],
        6,
    );
    let out = zhang.run(&[
        "inspection",
        "amend",
        &inspection,
        "--item",
        "EB-CHARGE=pass:店内无充电，误勾",
        "--reason",
        "录入错误：误将合格项录为不合格",
    ]);
    assert!(out.contains("closes hazard"), "{out}");
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    let after = office.hazard(&json!({"hazard": {"id": id}}));
    assert_eq!(after["hazard"]["status"], "closed", "{}", pretty(&after));
    assert_eq!(
        after["hazard"]["closed_reason"],
        "录入错误：误将合格项录为不合格"
    );
    let last = after["history"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last["action"]["finding_corrected"]["reason"],
        "录入错误：误将合格项录为不合格",
        "{}",
        pretty(&after)
    );
    assert_eq!(zhang.hazard(&json!({"hazard": {"id": id}})), after);
    let shown = office.json(&["inspection", "show", &inspection]);
    assert_eq!(shown["amendments"].as_array().unwrap().len(), 1);
    let change = &shown["amendments"][0]["changes"][0];
    assert_eq!(
        (
            change["code"].clone(),
            change["from"].clone(),
            change["to"].clone()
        ),
        (json!("EB-CHARGE"), json!("fail"), json!("pass")),
        "{shown}"
    );
    assert_eq!(change["from_note"], "电池在店内充电");
    let text = office.run(&["inspection", "show", &inspection]);
    assert!(
        text.contains("fail 电池在店内充电 → pass 店内无充电，误勾"),
        "{text}"
    );
    // The server keeps both ops and shows the inspection with its amendment.
    let t = token(&w.server.url, "wangfang");
    let listed = get_json(
        &w.server.url,
        &format!("/v1/venues/{LAOWANG_EBIKE}/inspections"),
        &t,
    );
    let record = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"].as_str().unwrap().ends_with(&inspection))
        .unwrap_or_else(|| panic!("{}", pretty(&listed)));
    assert_eq!(record["amendments"][0]["changes"][0]["from"], "fail");
    let log = get_json(
        &w.server.url,
        "/v1/admin/log",
        &token(&w.server.url, "admin"),
    );
    let kinds: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"inspection_submitted") && kinds.contains(&"inspection_amended"));
}

/// An inspection typed in two days late keeps the time it took place; eight days is refused.
/// A venue that closed leaves the campaign's targets, its open hazard stays on the lists;
/// reopened, it is a target again.
#[test]
fn late_entries_and_closed_venues() {
    let w = World::demo();
    let zhang = w.phone("zhangwei", "zhangwei");
    let now = firecheck_shared::Timestamp::now();
    let at = |days: i64| firecheck_shared::Timestamp(now.0 - days * 24 * 3_600_000).to_string();
    let out = zhang.run(&[
        "inspect",
        &AFANG_THREE_IN_ONE.to_string(),
        "--at",
        &at(2),
        "--fail",
        "3IN1-01:阁楼有人住宿",
        "--pass-all",
    ]);
    assert!(out.contains("typed in after the fact"), "{out}");
    let e = zhang.fail(
        &[
            "inspect",
            &AFANG_THREE_IN_ONE.to_string(),
            "--at",
            &at(8),
            "--pass-all",
        ],
        6,
    );
    assert!(e.to_string().contains("7 days"), "{e}");
    zhang.run(&["sync"]);
    let office = w.phone("wangfang", "wangfang");
    let t = token(&w.server.url, "wangfang");
    let listed = get_json(
        &w.server.url,
        &format!("/v1/venues/{AFANG_THREE_IN_ONE}/inspections"),
        &t,
    );
    let finished = listed["items"][0]["finished_at"].as_i64().unwrap();
    assert!(
        (now.0 - finished - 2 * 24 * 3_600_000).abs() < 120_000,
        "finished_at is when it took place: {}",
        pretty(&listed)
    );

    let coverage = |who: &Phone| -> u64 {
        who.json(&["campaign", "coverage", &CIIE_CAMPAIGN.to_string()])["targets"]
            .as_u64()
            .unwrap()
    };
    let targets = coverage(&office);
    office.run(&[
        "venue",
        "close",
        &AFANG_THREE_IN_ONE.to_string(),
        "--reason",
        "已关停",
    ]);
    assert_eq!(coverage(&office), targets - 1);
    let open: Vec<Value> = office
        .hazards()
        .into_iter()
        .filter(|h| h["hazard"]["venue"] == AFANG_THREE_IN_ONE.to_string())
        .collect();
    assert_eq!(open.len(), 1, "its open hazard stays visible");
    office.run(&["sync"]);
    let served = get_json(
        &w.server.url,
        &format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage"),
        &t,
    );
    assert_eq!(served["targets"].as_u64().unwrap(), targets - 1);
    let venues = office.run(&["venues", "--street", "小木桥路"]);
    assert!(venues.contains("closed"), "{venues}");
    office.run(&["venue", "reopen", &AFANG_THREE_IN_ONE.to_string()]);
    office.run(&[
        "venue",
        "edit",
        &AFANG_THREE_IN_ONE.to_string(),
        "--name",
        "阿芳服装加工（新）",
    ]);
    assert_eq!(coverage(&office), targets);
    office.run(&["sync"]);
    let venue = get_json(
        &w.server.url,
        &format!("/v1/venues/{AFANG_THREE_IN_ONE}"),
        &t,
    );
    assert_eq!(venue["venue"]["status"], "active");
    assert_eq!(venue["venue"]["name"], "阿芳服装加工（新）");
}
