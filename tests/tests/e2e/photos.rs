//! Photo evidence: content-addressed attachments that sync apart from ops.
//!
//! A small relay between device and server records the order of requests (records must go
//! before photos) and can cut one upload off mid-body, as a flaky mobile network would.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use firecheck_shared::BlobHash;
use serde_json::Value;

use crate::util::*;

/// A JPEG-looking file of `len` bytes whose content depends on `seed`.
fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..len.saturating_sub(4)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b
}

fn png(len: usize, seed: u8) -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
    b.extend((0..len.saturating_sub(8)).map(|i| (i as u8).wrapping_add(seed)));
    b
}

/// Requests seen by the relay: "METHOD /path".
#[derive(Debug, Default)]
struct Log {
    requests: Vec<String>,
    /// Cut the body of the n-th PUT (1-based) after half its bytes, once.
    cut_put: Option<usize>,
    puts: usize,
    /// Answer every PUT with 507 (the upstream path is "full") instead of forwarding it.
    refuse_puts: bool,
}

/// A relay to `upstream` that logs each request and refuses or cuts uploads as `log` says.
fn logging_relay(upstream: SocketAddr, log: Arc<Mutex<Log>>) -> String {
    relay(upstream, move |r| {
        let mut l = log.lock().unwrap();
        let put = r.method_path.starts_with("PUT ");
        if put && l.refuse_puts {
            let body =
                r#"{"error":{"code":"insufficient_storage","message":"relay refuses uploads"}}"#;
            return Verdict::Answer(
                format!("HTTP/1.1 507 Insufficient Storage\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())
                    .into_bytes(),
            );
        }
        l.requests.push(r.method_path.clone());
        if put {
            l.puts += 1;
            if l.cut_put == Some(l.puts) {
                l.cut_put = None;
                // Half the body reaches the server, then the network drops.
                return Verdict::CutAfter(r.body.len() / 2);
            }
        }
        Verdict::Forward
    })
}

/// `GET /v1/blobs/{hash}` as `token`: status and body.
fn fetch(url: &str, token: &str, hash: &str) -> (u16, Vec<u8>) {
    rt().block_on(async {
        let r = reqwest::Client::new()
            .get(format!("{url}/v1/blobs/{hash}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
    })
}

/// `PUT /v1/blobs/{hash}` with optional Content-Range: status and JSON body.
fn put(
    url: &str,
    token: &str,
    hash: &str,
    ct: &str,
    body: Vec<u8>,
    range: Option<String>,
) -> (u16, Value) {
    rt().block_on(async {
        let mut req = reqwest::Client::new()
            .put(format!("{url}/v1/blobs/{hash}"))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body);
        if let Some(r) = range {
            req = req.header("content-range", r);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    })
}

fn head_offset(url: &str, token: &str, hash: &str) -> Option<u64> {
    rt().block_on(async {
        let r = reqwest::Client::new()
            .head(format!("{url}/v1/blobs/{hash}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        (r.status().as_u16() == 200).then(|| {
            r.headers()["upload-offset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap()
        })
    })
}

fn admin_stats(url: &str) -> Value {
    get_json(url, "/v1/admin/stats", &token(url, "admin"))
}

#[test]
fn an_inspection_with_two_photos_syncs_records_first_then_photos_and_a_cut_upload_resumes() {
    let world = World::demo();
    let log = Arc::new(Mutex::new(Log::default()));
    let url = logging_relay(world.server.addr, log.clone());
    let zhang = Phone::new(world.dir.path(), "zhangwei", &url);
    zhang.login("zhangwei");
    zhang.run(&["sync"]);

    // Offline: two photos, one of them large enough to go up in three chunks.
    let dir = world.dir.path().join("camera");
    std::fs::create_dir_all(&dir).unwrap();
    let charging = jpeg(2 * 1024 * 1024 + 300_000, 7);
    let exit = png(40_000, 3);
    std::fs::write(dir.join("charging.jpg"), &charging).unwrap();
    std::fs::write(dir.join("exit.png"), &exit).unwrap();
    let out = zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内充电",
        "--fail",
        "EB-EXIT:后门被堵",
        "--photo",
        &format!("EB-CHARGE={}", dir.join("charging.jpg").display()),
        "--photo",
        &format!("EB-EXIT={}", dir.join("exit.png").display()),
        "--pass-all",
    ]);
    assert!(out.contains("saved offline"), "{out}");
    let status = zhang.status();
    assert_eq!(status["photos_waiting"], 2, "{}", pretty(&status));
    assert_eq!(
        status["photo_bytes_waiting"],
        (charging.len() + exit.len()) as u64,
        "{}",
        pretty(&status)
    );
    // The originals may be deleted: the device keeps its own copies.
    std::fs::remove_dir_all(&dir).unwrap();

    log.lock().unwrap().requests.clear();
    // The second upload request is cut off after half its body.
    log.lock().unwrap().cut_put = Some(2);
    let out = zhang.run(&["sync"]);
    assert!(out.contains("photos: sent 2"), "{out}");
    let requests = log.lock().unwrap().requests.clone();
    let first_sync = requests
        .iter()
        .position(|r| r == "POST /v1/sync")
        .expect("a sync request");
    let first_blob = requests
        .iter()
        .position(|r| r.contains("/v1/blobs/"))
        .expect("a blob request");
    assert!(
        first_sync < first_blob,
        "records must go before photos: {requests:#?}"
    );
    assert!(
        requests.iter().filter(|r| r.starts_with("HEAD ")).count() >= 2,
        "{requests:#?}"
    );
    assert_eq!(zhang.status()["photos_waiting"], 0);

    // The office fetches both, byte for byte.
    let office = token(&world.server.url, "wangfang");
    for bytes in [&charging, &exit] {
        let hash = BlobHash::of(bytes).to_hex();
        let (status, got) = fetch(&world.server.url, &office, &hash);
        assert_eq!(status, 200, "GET blob {hash}");
        assert!(
            got == *bytes,
            "blob {hash} came back different ({} bytes)",
            got.len()
        );
    }
    let stats = admin_stats(&world.server.url);
    assert_eq!(stats["blobs"], 2, "{}", pretty(&stats));
}

#[test]
fn uploads_resume_verify_deduplicate_and_stay_within_the_organisation() {
    let world = World::demo();
    let url = world.server.url.clone();
    let zhang = token(&url, "zhangwei");
    let photo = jpeg(300_000, 11);
    let hash = BlobHash::of(&photo).to_hex();

    // Cut in half: the first half is kept, HEAD says where to continue, the rest completes.
    let half = photo.len() / 2;
    let (s, v) = put(
        &url,
        &zhang,
        &hash,
        "image/jpeg",
        photo[..half].to_vec(),
        Some(format!("bytes 0-{}/{}", half - 1, photo.len())),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["complete"], false);
    assert_eq!(head_offset(&url, &zhang, &hash), Some(half as u64));
    // A chunk that does not continue the upload is refused with where it stands.
    let (s, v) = put(
        &url,
        &zhang,
        &hash,
        "image/jpeg",
        photo[half + 10..].to_vec(),
        Some(format!(
            "bytes {}-{}/{}",
            half + 10,
            photo.len() - 1,
            photo.len()
        )),
    );
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "conflict");
    let (s, v) = put(
        &url,
        &zhang,
        &hash,
        "image/jpeg",
        photo[half..].to_vec(),
        Some(format!("bytes {half}-{}/{}", photo.len() - 1, photo.len())),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["complete"], true);

    // Corrupted in transit: refused, nothing kept; sent again correctly, accepted.
    let other = jpeg(50_000, 99);
    let other_hash = BlobHash::of(&other).to_hex();
    let mut corrupted = other.clone();
    corrupted[40_000] ^= 0xFF;
    let before = admin_stats(&url);
    let (s, v) = put(&url, &zhang, &other_hash, "image/jpeg", corrupted, None);
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["error"]["code"], "invalid");
    assert_eq!(
        head_offset(&url, &zhang, &other_hash),
        None,
        "a refused upload leaves nothing"
    );
    assert_eq!(admin_stats(&url)["blobs"], before["blobs"]);
    let (s, v) = put(&url, &zhang, &other_hash, "image/jpeg", other.clone(), None);
    assert_eq!(s, 201, "{v}");

    // The same photo from a second device (another inspector) is stored once.
    let lina = token(&url, "lina");
    let blobs_before = admin_stats(&url)["blobs"].clone();
    let (s, v) = put(&url, &lina, &hash, "image/jpeg", photo.clone(), None);
    assert!(s == 200 || s == 201, "{s} {v}");
    assert_eq!(v["complete"], true);
    assert_eq!(admin_stats(&url)["blobs"], blobs_before, "stored once");

    // Oversized (413) and wrong type (415): refused, stored data unchanged.
    let before = admin_stats(&url);
    let big = jpeg(21 * 1024 * 1024, 1);
    let big_hash = BlobHash::of(&big).to_hex();
    let (s, v) = put(&url, &zhang, &big_hash, "image/jpeg", big, None);
    assert_eq!(s, 413, "{v}");
    assert_eq!(v["error"]["code"], "payload_too_large");
    let exe = b"MZ\x90\x00not a photo".to_vec();
    let exe_hash = BlobHash::of(&exe).to_hex();
    let (s, v) = put(
        &url,
        &zhang,
        &exe_hash,
        "application/octet-stream",
        exe.clone(),
        None,
    );
    assert_eq!(s, 415, "{v}");
    let (s, v) = put(&url, &zhang, &exe_hash, "image/jpeg", exe, None);
    assert_eq!(
        s, 415,
        "bytes that are not a photo, whatever the header says: {v}"
    );
    let after = admin_stats(&url);
    assert_eq!(after["blobs"], before["blobs"]);
    assert_eq!(after["blob_bytes"], before["blob_bytes"]);
    // A name that is not a hash (path traversal) is a 400, not a file access.
    let (s, _) = put(
        &url,
        &zhang,
        "..%2F..%2Fjwt-secret",
        "image/jpeg",
        jpeg(10, 1),
        None,
    );
    assert_eq!(s, 400);

    // Nobody can fetch a photo no record of theirs refers to — not even its uploader.
    let (s, v) = fetch(&url, &zhang, &hash);
    assert_eq!(s, 404, "{}", String::from_utf8_lossy(&v));
}

#[test]
fn a_fixed_hazard_carries_its_photo_and_another_organisation_gets_404() {
    let world = World::demo();
    let office = world.phone("wangfang", "wangfang");
    let log = Arc::new(Mutex::new(Log::default()));
    let url = logging_relay(world.server.addr, log.clone());
    let zhang = Phone::new(world.dir.path(), "zhangwei", &url);
    zhang.login("zhangwei");
    zhang.run(&["sync"]);
    zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-CHARGE:电池在店内充电",
        "--pass-all",
    ]);
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    let id = only_hazard(&office.hazards(), "EB-CHARGE", "after the finding")["hazard"]["id"]
        .as_str()
        .unwrap()
        .to_string();
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

    let cabinet = jpeg(80_000, 42);
    let path = world.dir.path().join("cabinet.jpg");
    std::fs::write(&path, &cabinet).unwrap();
    let out = zhang.run(&[
        "hazard",
        "fixed",
        &id,
        "--note",
        "电池已移至室外充电柜",
        "--photo",
        &path.display().to_string(),
    ]);
    assert!(out.contains("reported-fixed"), "{out}");
    let hash = BlobHash::of(&cabinet).to_hex();

    // The record gets through, the photo does not (uploads refused on the way).
    log.lock().unwrap().refuse_puts = true;
    let err = zhang.fail(&["sync"], 1);
    assert!(err.to_string().contains("507"), "{err}");
    let status = zhang.status();
    assert_eq!(
        status["queued"],
        0,
        "the record itself was acked: {}",
        pretty(&status)
    );
    assert_eq!(status["photos_waiting"], 1, "{}", pretty(&status));

    // The office sees the record with "photo pending upload", not a broken link.
    let office_token = token(&world.server.url, "wangfang");
    let (status, body) = fetch(&world.server.url, &office_token, &hash);
    assert_eq!(status, 404);
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["error"]["code"], "pending_upload", "{err}");
    office.run(&["sync"]);
    let hazard = only_hazard(&office.hazards(), "EB-CHARGE", "after the fix").clone();
    assert_eq!(
        hazard["hazard"]["status"],
        "reported_fixed",
        "{}",
        pretty(&hazard)
    );
    let fixed = office.hazard(&hazard)["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"].get("reported_fixed").is_some())
        .unwrap_or_else(|| panic!("no fix report in {}", pretty(&hazard)))
        .clone();
    assert_eq!(
        fixed["action"]["reported_fixed"]["evidence"][0],
        hash,
        "{}",
        pretty(&fixed)
    );

    // Uploads work again: the next sync sends the photo and the office can open it.
    log.lock().unwrap().refuse_puts = false;
    let out = zhang.run(&["sync"]);
    assert!(out.contains("photos: sent 1"), "{out}");
    let (status, got) = fetch(&world.server.url, &office_token, &hash);
    assert_eq!(status, 200);
    assert!(got == cabinet);
    // The office's device fetches it too, through the client.
    let saved = world.dir.path().join("from-server.jpg");
    office.run(&["blob", "get", &hash, "-o", &saved.display().to_string()]);
    assert!(std::fs::read(&saved).unwrap() == cabinet);

    // Another organisation: the photo does not exist for its users.
    let other = other_org_token(&world.server.url);
    let (status, body) = fetch(&world.server.url, &other, &hash);
    assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["error"]["code"], "not_found", "{err}");
}

/// A user of a second organisation (made by the operator and that organisation's admin).
fn other_org_token(url: &str) -> String {
    rt().block_on(async {
        let http = reqwest::Client::new();
        let login = |user: &str, password: &str| {
            let http = http.clone();
            let body = serde_json::json!({"username": user, "password": password, "device_id": firecheck_shared::DeviceId::new(), "device_name": "test"});
            async move {
                let v: Value = http.post(format!("{url}/v1/auth/login")).json(&body).send().await.unwrap().json().await.unwrap();
                v["access_token"].as_str().unwrap().to_string()
            }
        };
        let created = http
            .post(format!("{url}/v1/operator/orgs"))
            .bearer_auth(firecheck_server::testing::OPERATOR_TOKEN)
            .json(&serde_json::json!({"name": "龙华街道社区平安办",
                "admin": {"username": "longhua-admin", "display_name": "龙华管理员", "password": "longhua-admin-2026"}}))
            .send()
            .await
            .unwrap();
        assert_eq!(created.status().as_u16(), 201);
        let admin = login("longhua-admin", "longhua-admin-2026").await;
        let r = http
            .post(format!("{url}/v1/admin/users"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({"username": "longhua", "display_name": "龙华巡查员", "password": "longhua-2026", "role": "officer"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 201);
        login("longhua", "longhua-2026").await
    })
}
