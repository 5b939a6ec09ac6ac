//! Recorded formats: a data dir written by a newer firecheck-server is refused with a message
//! naming both formats, and views of another format are dropped and folded again from the
//! log, answering as before.

use firecheck_server::store::{kv, DATA_FORMAT, VIEWS_FORMAT};
use firecheck_server::testing::{open_store, raw_databases, TestServer};
use firecheck_server::Server;
use firecheck_shared::*;

use crate::util::*;

/// Record `format` in a database's `meta` tree (`None`: record none).
fn set_format(db: &kv::Db, format: Option<u32>) {
    let meta = db.open_tree("meta").unwrap();
    match format {
        Some(f) => meta.insert("format", f.to_le_bytes()).unwrap(),
        None => meta.remove("format").unwrap(),
    };
    db.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_data_dir_of_a_newer_format_is_refused_naming_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = TestServer::start(dir.path(), "127.0.0.1:0".parse().unwrap(), true);
    server.stop();
    let before = store_digest(dir.path());
    let newer = DATA_FORMAT + 1;
    set_format(&raw_databases(dir.path()).db, Some(newer));
    let err = match Server::open(&TestServer::config(dir.path(), false)).await {
        Ok(_) => panic!("a data dir of format {newer} was opened"),
        Err(e) => e.to_string(),
    };
    for needle in [
        format!("format {newer}"),
        format!("({DATA_FORMAT})"),
        "run the newer firecheck-server".to_string(),
    ] {
        assert!(err.contains(&needle), "{err:?} should name {needle:?}");
    }
    // Refused before anything was touched: the log and accounts are as they were.
    {
        let raw = raw_databases(dir.path());
        let meta = raw.db.open_tree("meta").unwrap();
        assert_eq!(
            meta.get("format").unwrap().as_deref(),
            Some(&newer.to_le_bytes()[..])
        );
        set_format(&raw.db, Some(DATA_FORMAT));
    }
    assert_eq!(store_digest(dir.path()), before);
}

/// What the office reads, every review answer at once, once the views cover `seq`.
async fn answers(dev: &Device, seq: u64) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for path in [
        "/v1/venues?limit=1000".to_string(),
        "/v1/hazards?limit=1000".to_string(),
        "/v1/drills?limit=1000".to_string(),
        "/v1/campaigns?limit=1000".to_string(),
        format!("/v1/campaigns/{}/coverage?", fixtures::ids::CIIE_CAMPAIGN),
        "/v1/templates?".to_string(),
        format!(
            "/v1/venues/{}/inspections?limit=1000",
            fixtures::ids::LAOWANG_EBIKE
        ),
    ] {
        out.push(dev.get_json(&format!("{path}&min_seq={seq}")).await);
    }
    let hazards = out[1]["items"].as_array().cloned().unwrap_or_default();
    for h in hazards {
        let id = h["hazard"]["id"].as_str().unwrap().to_string();
        out.push(
            dev.get_json(&format!("/v1/hazards/{id}?min_seq={seq}"))
                .await,
        );
    }
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn views_of_another_format_are_dropped_and_folded_again_with_the_same_answers() {
    let dir = tempfile::tempdir().unwrap();
    let addr = "127.0.0.1:0".parse().unwrap();
    let mut server = TestServer::start(dir.path(), addr, true);
    // Some field work on top of the demo seed: a finding (a hazard) and a comment on it.
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let (insp, inspection) = zhang.inspection(fixtures::ids::LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let hazard = HazardId::for_finding(inspection, "EB-CHARGE");
    let comment = zhang.comment(fixtures::ids::LAOWANG_EBIKE, hazard, "电池仍在楼梯下充电");
    let seq = all_accepted(&zhang.push(vec![insp, comment]).await)
        .into_iter()
        .max()
        .unwrap();
    let office = Device::login(&server.url, "wangfang").await;
    let before = answers(&office, seq).await;
    assert!(
        before[1]["items"].as_array().is_some_and(|h| !h.is_empty()),
        "there are hazards to compare: {}",
        before[1]
    );
    server.stop();
    let org = zhang.org();
    let digest = {
        let store = open_store(dir.path());
        store.views_digest(org).unwrap()
    };

    // Format 1 recorded; then no format recorded at all, with views present (a data dir from
    // before formats were recorded).
    for (what, format) in [("format 1", Some(1)), ("no recorded format", None)] {
        assert_ne!(format, Some(VIEWS_FORMAT));
        {
            let db = raw_databases(dir.path()).views;
            set_format(&db, format);
            // A record no fold writes: it must be gone once the views are dropped.
            let views = db.open_tree("views").unwrap();
            views
                .insert(b"~stale", &b"from an older layout"[..])
                .unwrap();
            db.flush().unwrap();
        }
        let mut again = TestServer::start(dir.path(), addr, false);
        let office = Device::login(&again.url, "wangfang").await;
        let after = answers(&office, seq).await;
        assert_eq!(after.len(), before.len(), "{what}");
        for (a, b) in after.iter().zip(&before) {
            assert_eq!(a, b, "{what}: an answer changed");
        }
        again.stop();
        let db = raw_databases(dir.path()).views;
        let views = db.open_tree("views").unwrap();
        assert!(
            !views.contains_key(b"~stale").unwrap(),
            "{what}: the old views were dropped"
        );
        let meta = db.open_tree("meta").unwrap();
        assert_eq!(
            meta.get("format").unwrap().as_deref(),
            Some(&VIEWS_FORMAT.to_le_bytes()[..]),
            "{what}: the current format is recorded"
        );
        drop((views, meta, db));
        let store = open_store(dir.path());
        assert_eq!(
            store.views_digest(org).unwrap(),
            digest,
            "{what}: the views folded again equal the views before"
        );
    }
}
