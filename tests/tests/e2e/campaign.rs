//! The CIIE night campaign on 小木桥路, told as tests: two inspectors offline (the server
//! really stopped), the safety office online, one merge that every replica agrees on.

use serde_json::Value;

use crate::util::*;

/// The kinds of action in a hazard's history (`hazard show --json`), in order (`found`,
/// `closed`, …).
fn history_actions(h: &Value) -> Vec<String> {
    h["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| match &e["action"] {
            Value::Object(m) => m.keys().next().unwrap().clone(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

fn conflicts(h: &Value) -> Vec<&Value> {
    h["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outcome"].get("conflict").is_some())
        .collect()
}

#[test]
fn ciie_night_campaign_offline_merge_converges() {
    let mut w = World::demo();
    let zhang = w.phone("zhangwei", "zhangwei");
    let li = w.phone("lina", "lina");
    let office = w.phone("wangfang", "wangfang");

    // ---- Night inspection. The network is down: the server is really stopped. ----------
    w.server.stop();

    let out = zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内楼梯下充电",
        "--fail",
        "EB-EXIT:后门被电池箱堵住",
        "--pass-all",
    ]);
    assert!(
        out.contains("opens hazard") && out.contains("EB-CHARGE") && out.contains("EB-EXIT"),
        "zhangwei's offline inspection should open both hazards locally:\n{out}"
    );
    assert!(
        out.contains("saved offline, 1 waiting to sync"),
        "zhangwei inspect:\n{out}"
    );
    let out = zhang.run(&[
        "inspect",
        &XIAOMUQIAO_SHOP.to_string(),
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--pass-all",
    ]);
    assert!(
        out.contains("小木桥路便利店") && out.contains("2 waiting to sync"),
        "zhangwei inspect corner shop:\n{out}"
    );

    let out = li.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--fail",
        "EB-EXIT:后门堆放纸箱，无法打开",
        "--pass-all",
    ]);
    assert!(
        out.contains("opens hazard") && out.contains("EB-EXIT"),
        "lina has not seen zhangwei's finding, so hers opens a hazard locally:\n{out}"
    );
    li.run(&[
        "inspect",
        &AFANG_THREE_IN_ONE.to_string(),
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--pass-all",
    ]);
    li.run(&[
        "inspect",
        "沪味早餐店",
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--pass-all",
    ]);
    let out = li.run(&[
        "drill",
        "log",
        "--place",
        "龙华中路站",
        "--venue",
        &LONGHUA_METRO.to_string(),
        "--scenario",
        "轨道交通运营突发事件乘客疏散",
        "--units",
        "斜土街道社区平安办,龙华中路站,斜土路派出所,安全志愿者",
        "--participants",
        "56",
        "--evacuation-secs",
        "275",
    ]);
    assert!(
        out.contains("4 waiting to sync"),
        "lina's drill, logged offline:\n{out}"
    );

    // A sync while the server is down fails with exit 4, and everything stays queued.
    let e = zhang.fail(&["sync"], 4);
    assert!(
        e.to_string().contains("queued"),
        "the unreachable message should say the ops stay queued: {e}"
    );
    let st = zhang.status();
    assert_eq!(
        (
            zhang.waiting(),
            st["acked"].as_u64(),
            st["rejected"].as_u64()
        ),
        (2, Some(0), Some(0)),
        "zhangwei's two inspections must still be waiting after a failed sync:\n{}",
        pretty(&st)
    );
    let text = zhang.run(&["status"]);
    assert!(
        text.contains("0 acked") && text.contains("last successful sync"),
        "status after a failed sync:\n{text}"
    );

    // ---- Back online. ------------------------------------------------------------------
    w.server.restart();
    let s = parse_sync(&zhang.run(&["sync"]));
    assert_eq!(
        (s.sent, s.acked, s.rejected),
        (2, 2, 0),
        "zhangwei sync: {s:?}"
    );
    let s = parse_sync(&li.run(&["sync"]));
    assert_eq!((s.sent, s.acked, s.rejected), (4, 4, 0), "lina sync: {s:?}");
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    assert_eq!(zhang.waiting() + li.waiting(), 0);

    // The blocked exit both found is one hazard; the charging another.
    let hz = office.hazards();
    assert_eq!(
        hz.len(),
        2,
        "the office should see exactly two hazards:\n{}",
        pretty(&Value::Array(hz.clone()))
    );
    let exit = only_hazard(&hz, "EB-EXIT", "office after the first sync").clone();
    let charging = only_hazard(&hz, "EB-CHARGE", "office after the first sync").clone();
    for h in [&exit, &charging] {
        assert_eq!(
            h["hazard"]["venue"],
            LAOWANG_EBIKE.to_string(),
            "{}",
            pretty(h)
        );
        assert_eq!(h["hazard"]["status"], "open", "{}", pretty(h));
    }
    let exit_detail = office.hazard(&exit);
    assert_eq!(exit["hazard"]["merged_findings"], 1, "{}", pretty(&exit));
    assert_eq!(
        exit_detail["merged"].as_array().map(Vec::len),
        Some(1),
        "the second finding of the exit is merged into the first:\n{}",
        pretty(&exit_detail)
    );
    assert_eq!(
        history_actions(&exit_detail),
        ["found", "found_again"],
        "{}",
        pretty(&exit_detail)
    );
    for p in [&zhang, &li] {
        assert_eq!(
            p.hazards(),
            hz,
            "{} disagrees with the office after syncing",
            p.who
        );
    }
    let exit_id = exit["hazard"]["id"].as_str().unwrap().to_string();
    let charging_id = charging["hazard"]["id"].as_str().unwrap().to_string();

    // ---- The office dispatches the charging hazard. -------------------------------------
    let out = office.run(&[
        "hazard",
        "dispatch",
        &charging_id[..8],
        "--to",
        "城管斜土中队",
        "--due",
        "+7",
    ]);
    assert!(out.contains("dispatched"), "dispatch:\n{out}");
    office.run(&["sync"]);
    zhang.run(&["sync"]);
    li.run(&["sync"]);
    let h = only_hazard(&li.hazards(), "EB-CHARGE", "lina after the dispatch").clone();
    assert_eq!(h["hazard"]["status"], "dispatched", "{}", pretty(&h));
    assert_eq!(h["hazard"]["assignee"], "城管斜土中队", "{}", pretty(&h));
    assert!(h["hazard"]["deadline"].is_string(), "{}", pretty(&h));

    // ---- Offline again (the inspectors do not sync); the office is online. -------------
    let out = zhang.run(&[
        "hazard",
        "fixed",
        &charging_id,
        "--note",
        "电池已移至室外充电柜",
    ]);
    assert!(out.contains("reported-fixed"), "zhangwei fixed:\n{out}");
    let out = office.run(&[
        "hazard",
        "close",
        &exit_id,
        "--reason",
        "店主承诺当晚清理，暂予销项",
    ]);
    assert!(out.contains("closed"), "office close:\n{out}");
    office.run(&["sync"]);
    std::thread::sleep(std::time::Duration::from_millis(5));
    let out = li.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--campaign",
        &CIIE_CAMPAIGN.to_string(),
        "--fail",
        "EB-EXIT:后门仍被纸箱堵住",
        "--pass-all",
    ]);
    assert!(
        out.contains("joins open hazard") && out.contains("verifies hazard"),
        "lina, offline, still sees the exit open and the charging dispatched:\n{out}"
    );

    // ---- Everyone syncs, twice round. --------------------------------------------------
    let mut conflicts_seen = 0;
    for _ in 0..2 {
        for p in [&zhang, &li, &office] {
            let s = parse_sync(&p.run(&["sync"]));
            assert_eq!(s.rejected, 0, "{} sync: {s:?}", p.who);
            conflicts_seen += s.conflicts;
        }
    }
    assert_eq!(
        conflicts_seen, 3,
        "each of the three replicas should report the one new conflict once"
    );
    for p in [&zhang, &li, &office] {
        assert_eq!(p.waiting(), 0, "{} still has ops waiting", p.who);
    }

    // A fresh fourth device: the server's state as pulled from scratch.
    let fresh = w.phone("wangfang-tablet", "wangfang");
    let hz = office.hazards();
    for p in [&zhang, &li, &fresh] {
        assert_eq!(
            p.hazards(),
            hz,
            "{} disagrees with the office after a full sync",
            p.who
        );
    }
    // The server's review API folds the same ops the same way.
    let cursor = office.status()["cursor"].as_u64().unwrap();
    let api = get_json(
        &w.server.url,
        &format!("/v1/hazards?limit=1000&min_seq={cursor}"),
        &token(&w.server.url, "wangfang"),
    );
    assert_eq!(
        api["items"],
        Value::Array(hz.clone()),
        "the server's /v1/hazards disagrees with the replicas"
    );

    assert_eq!(hz.len(), 2, "{}", pretty(&Value::Array(hz.clone())));
    let exit = only_hazard(&hz, "EB-EXIT", "after the merge");
    assert_eq!(exit["hazard"]["id"], exit_id.as_str());
    assert_eq!(exit["hazard"]["status"], "reopened", "{}", pretty(exit));
    let exit_detail = office.hazard(exit);
    assert_eq!(
        history_actions(&exit_detail),
        ["found", "found_again", "closed", "found_again"],
        "the close and the later finding are both in the history:\n{}",
        pretty(&exit_detail)
    );
    let c = conflicts(&exit_detail);
    assert_eq!(c.len(), 1, "one conflict note:\n{}", pretty(&exit_detail));
    let note = c[0]["outcome"]["conflict"]["note"].as_str().unwrap_or("");
    assert!(
        note.contains("店主承诺当晚清理"),
        "the conflict note should carry the close reason: {note:?}"
    );
    assert_eq!(exit["conflicts"], 1, "{}", pretty(exit));
    let shown = office.run(&["hazard", "show", &exit_id[..8]]);
    assert!(
        shown.contains("CONFLICT") && shown.contains("[reopened]"),
        "hazard show:\n{shown}"
    );

    let charging = only_hazard(&hz, "EB-CHARGE", "after the merge");
    assert_eq!(
        charging["hazard"]["status"],
        "verified",
        "{}",
        pretty(charging)
    );
    let charging_detail = office.hazard(charging);
    assert_eq!(
        history_actions(&charging_detail),
        [
            "found",
            // lina's first inspection passed the item: recorded, the hazard stays open.
            "passed_reinspection",
            "dispatched",
            "reported_fixed",
            "passed_reinspection"
        ],
        "{}",
        pretty(&charging_detail)
    );
    assert!(
        conflicts(&charging_detail).is_empty(),
        "no conflict on the charging hazard:\n{}",
        pretty(&charging_detail)
    );
    assert_eq!(charging["hazard"]["assignee"], "城管斜土中队");

    // ---- The drill logged offline reached the office. ----------------------------------
    let drills = as_array(office.json(&["drills"]), "office drills");
    let ours: Vec<&Value> = drills
        .iter()
        .filter(|d| d["venue"] == LONGHUA_METRO.to_string() && d["participants"] == 56)
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "lina's drill at 龙华中路站 should be on the office's list once:\n{}",
        pretty(&Value::Array(drills.clone()))
    );
    assert_eq!(ours[0]["place"], "龙华中路站");
    assert_eq!(ours[0]["evacuation_secs"], 275);
    assert_eq!(ours[0]["units"].as_array().map(Vec::len), Some(4));

    // ---- Coverage: targets not inspected first; the inspected ones counted. -------------
    let cov = office.json(&["campaign", "coverage", &CIIE_CAMPAIGN.to_string()[..8]]);
    let rows = cov["rows"].as_array().unwrap();
    let ctx = || pretty(&cov);
    assert_eq!(
        cov["targets"].as_u64(),
        Some(rows.len() as u64),
        "{}",
        ctx()
    );
    assert_eq!(cov["inspected"], 4, "{}", ctx());
    let inspected: Vec<&str> = rows
        .iter()
        .skip_while(|r| r["inspections"] == 0)
        .map(|r| r["venue"]["id"].as_str().unwrap())
        .collect();
    assert!(
        rows.iter()
            .skip_while(|r| r["inspections"] == 0)
            .all(|r| r["inspections"].as_u64().unwrap() > 0),
        "targets not yet inspected must all come first:\n{}",
        ctx()
    );
    assert!(rows[0]["inspections"] == 0, "{}", ctx());
    let mut want = [
        LAOWANG_EBIKE,
        XIAOMUQIAO_SHOP,
        AFANG_THREE_IN_ONE,
        HUWEI_BREAKFAST,
    ]
    .map(|v| v.to_string());
    let mut got = inspected.clone();
    want.sort();
    got.sort();
    assert_eq!(got, want, "the inspected targets:\n{}", ctx());
    let ebike = rows
        .iter()
        .find(|r| r["venue"]["id"] == LAOWANG_EBIKE.to_string())
        .unwrap();
    assert_eq!(ebike["inspections"], 3, "{}", ctx());
    assert_eq!(ebike["hazards_found"], 2, "{}", ctx());
    assert_eq!(ebike["hazards_active"], 1, "{}", ctx());
    assert_eq!(cov["hazards_found"], 2, "{}", ctx());
    assert_eq!(cov["hazards_rectified"], 1, "{}", ctx());
    assert!(
        !rows
            .iter()
            .any(|r| r["venue"]["id"] == LONGHUA_METRO.to_string()),
        "a metro station is not a target of the shop campaign:\n{}",
        ctx()
    );
}
