//! Reference data without the demo: a fresh organisation gets its venues from the office's
//! spreadsheet, its checklists from a template file and its campaign from the command line —
//! all as ordinary ops of the officer who ran them, pulled by every device.
//!
//! - the sample spreadsheet (`fixtures/import/斜土街道场所.{csv,xlsx}`) imports as the 48
//!   venues of `fixtures/venues.json`; a dry run records nothing; importing either file again
//!   changes nothing; a second officer importing it offline on another device names the same
//!   venues (no duplicate on the server); a corrected sheet writes only the corrections, and
//!   a sheet with mistakes reports each (row, column, what) and stores nothing of those rows;
//!   an inspector may not import; on the demo, whose venues were not imported, the sheet
//!   matches them by name and address;
//! - templates load from TOML or JSON as versions: loading again changes nothing, a version
//!   is never rewritten, a new version leaves the inspections made against the old one as
//!   they were;
//! - a campaign defined from the command line reaches the inspectors; defining it again
//!   changes nothing.

use std::path::PathBuf;

use firecheck_server::testing::{TestServer, ADMIN_PASSWORD};
use serde_json::Value;

use crate::util::*;

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name)
}

fn path(p: &std::path::Path) -> String {
    p.display().to_string()
}

/// A server with no demo data, its admin, and an officer and an inspector the admin added
/// with `firecheck admin user add` (their passwords as it printed them).
pub struct Office {
    pub server: TestServer,
    pub dir: tempfile::TempDir,
    #[allow(dead_code)]
    pub admin: Phone,
    pub officer: Phone,
    pub inspector: Phone,
    pub passwords: std::collections::HashMap<String, String>,
}

/// The generated password `admin user add` printed.
pub fn printed_password(out: &str) -> String {
    out.lines()
        .find_map(|l| l.strip_prefix("password: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in:\n{out}"))
        .to_string()
}

impl Office {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let server = TestServer::start(
            &dir.path().join("server"),
            "127.0.0.1:0".parse().unwrap(),
            false,
        );
        let admin = Phone::new(dir.path(), "admin", &server.url);
        admin.dev.login("admin", ADMIN_PASSWORD).unwrap();
        let mut passwords = std::collections::HashMap::new();
        passwords.insert("admin".to_string(), ADMIN_PASSWORD.to_string());
        let mut add = |user: &str, name: &str, role: &str| -> Phone {
            let out = admin.run(&["admin", "user", "add", user, "--name", name, "--role", role]);
            let password = printed_password(&out);
            let p = Phone::new(dir.path(), user, &server.url);
            let said = p
                .dev
                .login(user, &password)
                .unwrap_or_else(|e| panic!("{user} logs in with the printed password: {e}"));
            assert!(said.contains("logged in"), "{said}");
            passwords.insert(user.to_string(), password);
            p
        };
        let officer = add("wangfang", "王芳", "officer");
        let inspector = add("zhangwei", "张伟", "inspector");
        Office {
            server,
            dir,
            admin,
            officer,
            inspector,
            passwords,
        }
    }

    /// Another device of `user`, logged in.
    pub fn device(&self, name: &str, user: &str) -> Phone {
        let p = Phone::new(self.dir.path(), name, &self.server.url);
        p.dev.login(user, &self.passwords[user]).unwrap();
        p
    }

    /// An access token of `user`, for the review API.
    pub fn token(&self, user: &str) -> String {
        use firecheck_shared::sync::LoginRequest;
        let remote = firecheck_cli::remote::Remote::connect(&self.server.url, None).unwrap();
        rt().block_on(remote.login(&LoginRequest {
            username: user.to_string(),
            password: self.passwords[user].clone(),
            device_id: firecheck_shared::DeviceId::new(),
            device_name: "firecheck-e2e review client".into(),
        }))
        .unwrap_or_else(|e| panic!("API login as {user}: {e}"))
        .access_token
    }
}

/// `venues --json` as (name, kind, street, address, location) rows, sorted.
type VenueRow = (String, String, String, String, Value);

fn venue_row(v: &Value) -> VenueRow {
    (
        v["name"].as_str().unwrap().to_string(),
        v["kind"].as_str().unwrap().to_string(),
        v["street"].as_str().unwrap().to_string(),
        v["address"].as_str().unwrap().to_string(),
        v.get("location").cloned().unwrap_or(Value::Null),
    )
}

fn venue_rows(p: &Phone) -> Vec<VenueRow> {
    let mut rows: Vec<VenueRow> = as_array(p.json(&["venues"]), "venues")
        .iter()
        .map(venue_row)
        .collect();
    rows.sort_by(|a, b| (&a.0, &a.3).cmp(&(&b.0, &b.3)));
    rows
}

fn fixture_venue_rows() -> Vec<VenueRow> {
    let all: Vec<Value> =
        serde_json::from_str(&std::fs::read_to_string(fixture("venues.json")).unwrap()).unwrap();
    let mut rows: Vec<VenueRow> = all.iter().map(venue_row).collect();
    rows.sort_by(|a, b| (&a.0, &a.3).cmp(&(&b.0, &b.3)));
    rows
}

fn counts(report: &Value) -> (u64, u64, u64, usize) {
    (
        report["new"].as_u64().unwrap(),
        report["changed"].as_u64().unwrap(),
        report["unchanged"].as_u64().unwrap(),
        report["errors"].as_array().unwrap().len(),
    )
}

/// `venue import … --json`, which exits 6 when rows were refused: its report either way.
fn import_json(p: &Phone, args: &[&str]) -> Value {
    let home = path(p.home());
    let mut all = vec![
        "firecheck",
        "--home",
        &home,
        "--server",
        &p.dev.server,
        "--json",
        "venue",
        "import",
    ];
    all.extend_from_slice(args);
    let mut out = Vec::new();
    let result = firecheck_cli::run_args(all.clone(), &mut out);
    let text = String::from_utf8_lossy(&out);
    let report: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!(
            "[{}] {}: not JSON ({e}): {text} {result:?}",
            p.who,
            all.join(" ")
        )
    });
    let refused = !report["errors"].as_array().unwrap().is_empty();
    match result {
        Ok(()) => assert!(!refused, "exit 0 with errors: {}", pretty(&report)),
        Err(e) => assert!(refused && e.exit_code() == 6, "{e}: {}", pretty(&report)),
    }
    report
}

#[test]
fn the_office_spreadsheet_imports_once_and_importing_it_again_changes_nothing() {
    let o = Office::new();
    let csv = fixture("import/斜土街道场所.csv");
    let xlsx = fixture("import/斜土街道场所.xlsx");

    // A dry run shows what would change and records nothing.
    let dry = import_json(&o.officer, &[&path(&csv), "--dry-run"]);
    assert_eq!(counts(&dry), (48, 0, 0, 0), "{}", pretty(&dry));
    assert_eq!(
        dry["ignored_columns"],
        serde_json::json!(["序号", "联系电话", "备注"])
    );
    assert_eq!(o.officer.waiting(), 0, "a dry run records nothing");
    let text = o
        .officer
        .run(&["venue", "import", &path(&xlsx), "--dry-run"]);
    assert!(
        text.contains("sheet 场所清单") && text.contains("row    3  new        老王电动车维修"),
        "the workbook's rows as the spreadsheet numbers them (a title row above the headers):\n{text}"
    );

    // The import: 48 ops of the officer, synced; the inspector pulls the list.
    let out = o.officer.run(&["venue", "import", &path(&csv)]);
    assert!(out.contains("48 new, 0 changed, 0 unchanged"), "{out}");
    assert_eq!(o.officer.waiting(), 48);
    assert_eq!(parse_sync(&o.officer.run(&["sync"])).acked, 48);
    o.inspector.run(&["sync"]);
    assert_eq!(venue_rows(&o.inspector), fixture_venue_rows());

    // Again, from the CSV or the workbook: nothing changes, nothing is recorded.
    for file in [&csv, &xlsx] {
        let again = import_json(&o.officer, &[&path(file)]);
        assert_eq!(counts(&again), (0, 0, 48, 0), "{}", pretty(&again));
        assert_eq!(o.officer.waiting(), 0);
    }

    // Another device of the office imports the workbook offline, before it ever synced:
    // derived ids name the same venues, so the server still has 48.
    let laptop = o.device("wangfang-laptop", "wangfang");
    let offline = import_json(&laptop, &[&path(&xlsx)]);
    assert_eq!(counts(&offline), (48, 0, 0, 0));
    laptop.run(&["sync"]);
    let venues = get_json(&o.server.url, "/v1/venues?limit=500", &o.token("wangfang"));
    assert_eq!(venues["total"], 48, "{}", pretty(&venues));
    assert_eq!(venue_rows(&laptop), fixture_venue_rows());

    // A corrected sheet with mistakes: the corrections are written, the mistakes reported
    // by row and column, nothing of those rows stored.
    let dir = tempfile::tempdir().unwrap();
    let edited = dir.path().join("更新.csv");
    std::fs::write(
        &edited,
        "场所名称,场所类型,路段,地址,纬度,经度\n\
         老王电动车维修,三合一场所,小木桥路,小木桥路 251号,31.193420,121.452310\n\
         新开五金店,沿街商铺,小木桥路,小木桥路 301号,,\n\
         ,沿街商铺,小木桥路,小木桥路 303号,,\n\
         大排档,饭店,清真路,清真路 8号,31.1,\n\
         坐标错,沿街商铺,清真路,清真路 9号,131.2,121.4\n\
         新开五金店,沿街商铺,小木桥路,小木桥路301号,,\n",
    )
    .unwrap();
    let dry = import_json(&o.officer, &[&path(&edited), "--dry-run"]);
    assert_eq!(counts(&dry), (1, 1, 0, 5), "{}", pretty(&dry));
    let problems: Vec<(u64, String)> = dry["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["row"].as_u64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            (4, "场所名称".to_string()),
            (5, "场所类型".to_string()),
            (5, "经度".to_string()),
            (6, "纬度".to_string()),
            (7, "场所名称".to_string()),
        ],
        "{}",
        pretty(&dry)
    );
    assert_eq!(
        dry["rows"][0]["fields"],
        serde_json::json!(["kind e-bike sales and repair point → three-in-one premises"])
    );
    let e = o.officer.fail(&["venue", "import", &path(&edited)], 6);
    assert!(e.to_string().contains("4 row(s)"), "{e}");
    assert_eq!(o.officer.waiting(), 2, "the correction and the new venue");
    let text = o.officer.fail(&["venue", "import", &path(&edited)], 6);
    assert!(text.to_string().contains("not imported"), "{text}");
    assert_eq!(o.officer.waiting(), 2, "importing it again adds nothing");
    o.officer.run(&["sync"]);
    let venues = get_json(&o.server.url, "/v1/venues?limit=500", &o.token("wangfang"));
    assert_eq!(venues["total"], 49);

    // The list is the office's: an inspector adds venues one by one.
    let e = o.inspector.fail(&["venue", "import", &path(&csv)], 6);
    assert!(e.to_string().contains("venue add"), "{e}");
}

#[test]
fn on_the_demo_the_sheet_finds_the_venues_by_name_and_address() {
    let w = World::demo();
    let office = w.phone("wangfang", "wangfang");
    let report = import_json(
        &office,
        &[&path(&fixture("import/斜土街道场所.xlsx")), "--dry-run"],
    );
    // The demo's venues have ids of their own; the sheet names them by name and address.
    assert_eq!(counts(&report), (0, 0, 48, 0), "{}", pretty(&report));
    let ids: Vec<&str> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["venue"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&LAOWANG_EBIKE.to_string().as_str()), "{ids:?}");
}

#[test]
fn templates_load_as_versions_and_a_new_version_never_rewrites_an_inspection() {
    let o = Office::new();
    let toml = fixture("import/templates.toml");
    let out = o.officer.run(&["template", "load", &path(&toml)]);
    for code in ["three-in-one", "ebike-point", "night-shop"] {
        assert!(
            out.contains(&format!("template {code} v1 (11 items): new")),
            "{out}"
        );
    }
    let again = o.officer.run(&["template", "load", &path(&toml)]);
    assert_eq!(again.matches(": unchanged").count(), 3, "{again}");
    // The same templates as JSON (the demo's file, with its own ids) would be other
    // templates: the codes are taken, under other ids.
    o.officer.run(&[
        "venue",
        "import",
        &path(&fixture("import/斜土街道场所.csv")),
    ]);
    o.officer.run(&["sync"]);

    // A version is never defined twice with other contents.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(&toml).unwrap();
    let changed_v1 = dir.path().join("v1.toml");
    std::fs::write(
        &changed_v1,
        text.replacen("店内无电动自行车", "店内严禁电动自行车", 1),
    )
    .unwrap();
    let e = o.officer.fail(&["template", "load", &path(&changed_v1)], 6);
    assert!(
        e.to_string().contains("never rewritten") && e.to_string().contains("version 2"),
        "{e}"
    );
    // An inspector may not define templates.
    let e = o.inspector.fail(&["template", "load", &path(&toml)], 6);
    assert!(e.to_string().contains("an inspector may not"), "{e}");

    // The inspector inspects against v1; then the office loads v2 of the e-bike checklist.
    o.inspector.run(&["sync"]);
    o.inspector.run(&[
        "inspect",
        "老王电动车维修",
        "--fail",
        "EB-CHARGE:楼梯下充电",
        "--pass-all",
    ]);
    o.inspector.run(&["sync"]);
    let v2 = dir.path().join("v2.json");
    let mut ebike: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("templates.json")).unwrap()).unwrap();
    let mut ebike = ebike.as_array_mut().unwrap().remove(1);
    assert_eq!(ebike["code"], "ebike-point");
    ebike.as_object_mut().unwrap().remove("id");
    ebike["version"] = 2.into();
    ebike["items"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "code": "EB-12", "text": "门口无电瓶堆放", "severity": "major"
        }));
    std::fs::write(&v2, serde_json::to_string(&ebike).unwrap()).unwrap();
    let out = o
        .officer
        .run(&["template", "load", &path(&v2), "--dry-run"]);
    assert!(
        out.contains("ebike-point v2 (12 items): new version (dry run"),
        "{out}"
    );
    assert_eq!(o.officer.waiting(), 0);
    o.officer.run(&["template", "load", &path(&v2)]);
    o.officer.run(&["sync"]);
    o.inspector.run(&["sync"]);
    let templates = o.inspector.json(&["templates"]);
    let listed = templates
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["code"] == "ebike-point")
        .cloned()
        .unwrap();
    assert_eq!(listed["version"], 2, "the newest version is offered");
    // The inspection made against v1 still names v1.
    let t = o.token("wangfang");
    let laowang = get_json(&o.server.url, "/v1/venues?limit=500", &t)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "老王电动车维修")
        .map(|v| v["id"].as_str().unwrap().to_string())
        .unwrap();
    let inspections = get_json(
        &o.server.url,
        &format!("/v1/venues/{laowang}/inspections"),
        &t,
    );
    let items = inspections["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{}", pretty(&inspections));
    assert_eq!(items[0]["template_version"], 1, "{}", pretty(&inspections));
}

#[test]
fn a_campaign_defined_from_the_command_line_reaches_the_inspectors() {
    let o = Office::new();
    o.officer.run(&[
        "venue",
        "import",
        &path(&fixture("import/斜土街道场所.csv")),
    ]);
    let define = [
        "campaign",
        "define",
        "--name",
        "进博会“三合一”场所夜查整治",
        "--from",
        "2026-11-01",
        "--to",
        "2026-12-31",
        "--street",
        "小木桥路,清真路",
        "--street",
        "斜土路",
        "--kind",
        "沿街商铺,电动自行车销售维修点,“三合一”场所",
        "--goal",
        "目标场所逐户检查、全部覆盖",
    ];
    let out = o.officer.run(&define);
    assert!(out.contains(": defined;"), "{out}");
    assert!(!out.contains("note: no venue"), "{out}");
    let again = o.officer.run(&define);
    assert!(again.contains(": unchanged;"), "{again}");
    let mut moved = define.to_vec();
    moved[7] = "2027-01-15";
    let redefined = o.officer.run(&moved);
    assert!(redefined.contains(": redefined;"), "{redefined}");
    let e = o.officer.fail(
        &[
            "campaign",
            "define",
            "--name",
            "x",
            "--from",
            "11/1",
            "--to",
            "2026-12-31",
        ],
        6,
    );
    assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    let e = o.officer.fail(
        &[
            "campaign",
            "define",
            "--name",
            "x",
            "--from",
            "2026-11-01",
            "--to",
            "2026-12-31",
            "--kind",
            "饭店",
        ],
        6,
    );
    assert!(e.to_string().contains("饭店"), "{e}");
    let e = o.inspector.fail(&define, 6);
    assert!(e.to_string().contains("an inspector may not"), "{e}");
    let out = o.officer.run(&[
        "campaign",
        "define",
        "--name",
        "大木桥路沿街商铺",
        "--from",
        "2026-12-01",
        "--to",
        "2026-12-31",
        "--street",
        "大木桥路",
    ]);
    assert!(
        out.contains("1 target venue(s)") || out.contains("target venue(s)"),
        "{out}"
    );

    o.officer.run(&["sync"]);
    o.inspector.run(&["sync"]);
    let list = o.inspector.json(&["campaign", "list"]);
    let ciie = list
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "进博会“三合一”场所夜查整治")
        .cloned()
        .unwrap_or_else(|| panic!("{}", pretty(&list)));
    assert_eq!(ciie["ends"], "2027-01-15");
    assert_eq!(
        ciie["streets"],
        serde_json::json!(["小木桥路", "清真路", "斜土路"])
    );
    assert_eq!(
        ciie["kinds"],
        serde_json::json!(["street-shop", "ebike-point", "three-in-one"])
    );
    let cov = o
        .inspector
        .json(&["campaign", "coverage", "进博会“三合一”场所夜查整治"]);
    assert!(cov["targets"].as_u64().unwrap() > 20, "{}", pretty(&cov));
    assert_eq!(cov["inspected"], 0);
}
