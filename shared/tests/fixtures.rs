//! The seed data in `fixtures/` loads, cross-checks, turns into valid ops and folds into the
//! state the demo and the README rely on.

use std::collections::{BTreeMap, BTreeSet};

use firecheck_shared::fixtures::ids::*;
use firecheck_shared::fixtures::{self, FixtureError, Fixtures, FILES};
use firecheck_shared::query::{self, VenueFilter};
use firecheck_shared::*;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/");

const STREETS: [&str; 7] = [
    "小木桥路",
    "清真路",
    "斜土路",
    "中山南二路",
    "大木桥路",
    "日晖六村",
    "恒益居民区",
];

fn read(file: &str) -> Option<String> {
    std::fs::read_to_string(format!("{DIR}{file}")).ok()
}

fn texts() -> BTreeMap<&'static str, String> {
    FILES
        .iter()
        .map(|f| {
            (
                *f,
                read(f).unwrap_or_else(|| panic!("fixtures/{f} is missing")),
            )
        })
        .collect()
}

fn load() -> Fixtures {
    Fixtures::load(read).unwrap_or_else(|e| panic!("fixtures do not load: {e}"))
}

/// Load with one file's text replaced.
fn load_with(file: &str, text: String) -> Result<Fixtures, FixtureError> {
    let mut files = texts();
    *files.get_mut(file).expect("a fixture file") = text;
    Fixtures::load(|f| files.get(f).cloned())
}

/// The house number in an address like "小木桥路 251号".
fn house_number(address: &str) -> u64 {
    let digits: String = address
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no house number in {address:?}"))
}

#[test]
fn fixtures_load_and_cover_the_domain() {
    let fx = load();

    assert!(fx.venues.len() >= 40, "only {} venues", fx.venues.len());
    for kind in VenueKind::ALL {
        assert!(
            fx.venues.iter().any(|v| v.kind == kind),
            "no venue of kind {kind}"
        );
    }
    for kind in [VenueKind::EbikePoint, VenueKind::ThreeInOne] {
        let n = fx.venues.iter().filter(|v| v.kind == kind).count();
        assert!(n >= 8, "only {n} venues of kind {kind}");
    }
    for street in STREETS {
        assert!(
            fx.venues.iter().any(|v| v.street == street),
            "no venue on {street}"
        );
    }
    for v in &fx.venues {
        assert!(
            v.address.starts_with(&format!("{} ", v.street)) && v.address.ends_with('号'),
            "address {:?} is not \"{} N号\"",
            v.address,
            v.street
        );
        house_number(&v.address);
    }
    // The key venues the tests and the README name.
    let by_id: BTreeMap<VenueId, _> = fx.venues.iter().map(|v| (v.id, v)).collect();
    for (id, name, kind) in [
        (LAOWANG_EBIKE, "老王电动车维修", VenueKind::EbikePoint),
        (XIAOMUQIAO_SHOP, "小木桥路便利店", VenueKind::StreetShop),
        (AFANG_THREE_IN_ONE, "阿芳服装加工", VenueKind::ThreeInOne),
        (LONGHUA_METRO, "龙华中路站", VenueKind::MetroStation),
        (HUWEI_BREAKFAST, "沪味早餐店", VenueKind::StreetShop),
        (HENGYI_RESIDENTIAL, "恒益居民区", VenueKind::Residential),
    ] {
        let v = by_id
            .get(&id)
            .unwrap_or_else(|| panic!("no fixture venue {id} ({name})"));
        assert_eq!((v.name.as_str(), v.kind), (name, kind));
    }
    // `ids::venue(n)` names the n-th venue of the file.
    for (n, v) in fx.venues.iter().enumerate() {
        assert_eq!(venue(n as u32 + 1), v.id, "venue #{}: {}", n + 1, v.name);
    }

    assert_eq!(fx.templates.len(), 3);
    let codes: BTreeMap<TemplateId, &str> = fx
        .templates
        .iter()
        .map(|t| (t.id, t.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        BTreeMap::from([
            (THREE_IN_ONE_TEMPLATE, "three-in-one"),
            (EBIKE_TEMPLATE, "ebike-point"),
            (NIGHT_SHOP_TEMPLATE, "night-shop"),
        ])
    );
    for t in &fx.templates {
        assert!(
            (8..=12).contains(&t.items.len()),
            "template {} has {} items",
            t.code,
            t.items.len()
        );
        assert_eq!(t.version, 1);
    }
    for (template, item) in [
        ("three-in-one", "3IN1-EXIT"),
        ("ebike-point", "EB-EXIT"),
        ("ebike-point", "EB-CHARGE"),
        ("night-shop", "SHOP-EXIT"),
    ] {
        let t = fx.templates.iter().find(|t| t.code == template).unwrap();
        let i = t.items.iter().find(|i| i.code == item);
        assert_eq!(
            i.map(|i| i.severity),
            Some(Severity::Critical),
            "{template} lacks a critical {item}"
        );
    }

    assert_eq!(fx.accounts.org, "斜土街道社区平安办");
    let roles: BTreeMap<&str, Role> = fx
        .accounts
        .accounts
        .iter()
        .map(|a| (a.username.as_str(), a.role))
        .collect();
    assert_eq!(
        roles,
        BTreeMap::from([
            ("zhangwei", Role::Inspector),
            ("lina", Role::Inspector),
            ("wangfang", Role::Officer),
            ("admin", Role::Admin),
        ])
    );
    for a in &fx.accounts.accounts {
        assert_eq!(
            fixtures::demo_password(&a.username).as_deref(),
            Some(a.password.as_str()),
            "{}",
            a.username
        );
    }
    assert_eq!(fixtures::demo_password("nobody"), None);
}

#[test]
fn the_compiled_in_fixtures_are_the_files() {
    for f in FILES {
        assert_eq!(
            fixtures::file(f),
            read(f).as_deref(),
            "fixtures/{f} differs from the compiled-in copy"
        );
    }
    assert_eq!(fixtures::file("secrets.json"), None);
    let demo = Fixtures::demo().unwrap_or_else(|e| panic!("compiled-in fixtures: {e}"));
    assert_eq!(demo.venues.len(), load().venues.len());
}

#[test]
fn fixtures_fold_into_the_seeded_state() {
    let fx = load();
    let now = chrono::Utc::now().timestamp_millis();
    let ops = fx
        .ops(UserId::new(), DeviceId::new(), &mut HlcClock::new(1), now)
        .unwrap_or_else(|e| panic!("fixture ops are invalid: {e}"));
    assert_eq!(
        ops.len(),
        fx.templates.len() + fx.campaigns.len() + fx.venues.len() + fx.drills.len()
    );
    let mut replica = Replica::new();
    replica.apply_all(ops);
    let states: Vec<&PartitionState> = replica.states().collect();
    let today = Timestamp(now).local_date();

    // Venues on the first campaign street, in house-number order.
    let street = query::venues(
        &states,
        &VenueFilter {
            street: Some("小木桥路".into()),
            ..Default::default()
        },
    );
    let want = fx.venues.iter().filter(|v| v.street == "小木桥路").count();
    assert!(want >= 10, "only {want} venues on 小木桥路");
    assert_eq!(street.len(), want);
    let numbers: Vec<u64> = street.iter().map(|v| house_number(&v.address)).collect();
    assert!(
        numbers.windows(2).all(|w| w[0] < w[1]),
        "小木桥路 not sorted by house number: {numbers:?}"
    );
    assert_eq!(
        query::venues(&states, &VenueFilter::default()).len(),
        fx.venues.len()
    );

    let templates = query::templates(&states);
    assert_eq!(templates.len(), 3);
    assert!(query::template(&states, "night-shop").is_some());

    // The campaign: every target listed, none inspected yet.
    let campaign = CIIE_CAMPAIGN;
    let c = fx.campaigns.iter().find(|c| c.id == campaign).unwrap();
    assert!(c.starts <= c.ends);
    let parts: Vec<&Folded> = replica.partitions().collect();
    let cov = query::coverage_of(&parts, campaign, today).expect("the campaign is folded");
    let targets: BTreeSet<VenueId> = fx
        .venues
        .iter()
        .filter(|v| c.streets.contains(&v.street) && c.kinds.contains(&v.kind))
        .map(|v| v.id)
        .collect();
    assert!(targets.len() >= 20, "only {} targets", targets.len());
    let listed: BTreeSet<VenueId> = cov.rows.iter().map(|r| r.venue.id).collect();
    assert_eq!(listed, targets);
    assert_eq!(cov.targets, targets.len());
    assert_eq!(cov.inspected, 0);
    assert!(cov.rows.iter().all(|r| r.inspections == 0));
    assert_eq!(cov.hazards_found, 0);
    assert_eq!(cov.rectification_rate, 1.0);
    assert_eq!(cov.campaign.name, "进博会“三合一”场所夜查整治");

    // The 四长联动 drill at 龙华中路站.
    let drills = query::drills(&states);
    assert_eq!(drills.len(), 1);
    let d = drills[0];
    assert_eq!(d.id, LONGHUA_DRILL);
    assert_eq!(d.venue, Some(LONGHUA_METRO));
    assert_eq!(d.held_at.to_string(), "2026-10-28 14:30");
    assert!(d.units.iter().any(|u| u == "龙华中路站"));
    assert!(d.scenario.contains("四长联动"));
}

#[test]
fn broken_fixtures_say_what_is_wrong() {
    let files = texts();

    // Two venues with one id.
    let mut venues: Vec<serde_json::Value> = serde_json::from_str(&files["venues.json"]).unwrap();
    let mut copy = venues[1].clone();
    copy["id"] = venues[0]["id"].clone();
    venues.push(copy);
    let err = load_with("venues.json", serde_json::to_string(&venues).unwrap())
        .expect_err("a duplicate venue id must be refused");
    assert!(matches!(err, FixtureError::Invalid(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&LAOWANG_EBIKE.to_string()) && msg.contains("twice"),
        "{msg}"
    );

    // A drill time that is not YYYY-MM-DD HH:MM.
    let mut drills: Vec<serde_json::Value> = serde_json::from_str(&files["drills.json"]).unwrap();
    drills[0]["held_at"] = "yesterday".into();
    let err = load_with("drills.json", serde_json::to_string(&drills).unwrap())
        .expect_err("a bad held_at must be refused");
    let msg = err.to_string();
    assert!(
        msg.contains("yesterday") && msg.contains("YYYY-MM-DD HH:MM"),
        "{msg}"
    );

    // An unknown venue kind names the file.
    let bad = files["venues.json"].replacen("\"ebike-point\"", "\"bike-shop\"", 1);
    let err = load_with("venues.json", bad).expect_err("an unknown kind must be refused");
    let msg = err.to_string();
    assert!(
        msg.starts_with("fixtures/venues.json:") && msg.contains("bike-shop"),
        "{msg}"
    );

    // A missing file.
    let err = Fixtures::load(|f| (f != "drills.json").then(|| files[f].clone()))
        .expect_err("a missing file must be refused");
    assert_eq!(err.to_string(), "fixtures/drills.json: file is missing");
}
