//! Attachments stay inside their organisation: every cross-organisation attempt on a photo
//! (HEAD, GET, PUT of another organisation's photo, naming its hash in an op, touching its
//! upload in progress) finds nothing — as if the photo did not exist. Uploads no record
//! refers to are bounded per organisation and expire.
//!
//! Every scenario runs twice: attachments in files (`blobs::on_files::…`, the default) and
//! in a bucket on a real S3-compatible server (`blobs::on_s3::…`: moto's server, started by
//! `testing::s3_server`; skipped with the reason printed where it is not installed, failed
//! under `CI=true`). Which organisations hold a photo is the store's either way, so the
//! tenancy checks are the same; what differs is where the bytes and the uploads in progress
//! are, and a bucket's uploads resume chunk by chunk.

use std::time::Duration;

use firecheck_server::store::UploadLimits;
use firecheck_server::testing::TestServer;
use firecheck_server::BlobsAt;
use firecheck_shared::op::InspectionRecord;
use firecheck_shared::*;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE};
use reqwest::StatusCode;

use crate::util::*;

/// A JPEG-looking file of `len` bytes whose content depends on `seed`.
fn jpeg(len: usize, seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..len.saturating_sub(4)).map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed)));
    b
}

async fn head(dev: &Device, hash: &BlobHash) -> Raw {
    send(
        format!(
            "HEAD blob {} as {}",
            hash.to_hex(),
            dev.tokens.user.username
        ),
        dev.http
            .head(format!("{}/v1/blobs/{}", dev.url, hash.to_hex()))
            .bearer_auth(dev.token()),
    )
    .await
}

/// The `Upload-Offset` a HEAD answers, `None` for 404.
async fn offset(dev: &Device, hash: &BlobHash) -> Option<(u64, bool)> {
    let raw = head(dev, hash).await;
    match raw.status {
        StatusCode::NOT_FOUND => None,
        StatusCode::OK => Some((
            raw.headers["upload-offset"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap(),
            raw.headers["x-firecheck-complete"] == "true",
        )),
        _ => panic!("HEAD answered {}", raw.context()),
    }
}

async fn fetch(dev: &Device, hash: &BlobHash) -> Raw {
    dev.get(&format!("/v1/blobs/{}", hash.to_hex())).await
}

/// PUT `bytes[from..to]` of `photo` (the whole when `from..to` covers it).
async fn put_range(dev: &Device, photo: &[u8], from: usize, to: usize) -> Raw {
    let hash = BlobHash::of(photo);
    let mut rb = dev
        .http
        .put(format!("{}/v1/blobs/{}", dev.url, hash.to_hex()))
        .bearer_auth(dev.token())
        .header(CONTENT_TYPE, "image/jpeg")
        .body(photo[from..to].to_vec());
    if (from, to) != (0, photo.len()) {
        rb = rb.header(
            CONTENT_RANGE,
            format!("bytes {from}-{}/{}", to - 1, photo.len()),
        );
    }
    send(
        format!(
            "PUT blob {} bytes {from}..{to} as {}",
            hash.to_hex(),
            dev.tokens.user.username
        ),
        rb,
    )
    .await
}

async fn put(dev: &Device, photo: &[u8]) -> Raw {
    put_range(dev, photo, 0, photo.len()).await
}

/// An inspection of `venue` whose failed exit item carries `photo` as evidence.
fn inspection_with(dev: &mut Device, venue: VenueId, photo: &BlobHash) -> Op {
    let now = Timestamp(now_ms() as i64);
    dev.op(
        EntityRef::Inspection {
            venue,
            inspection: InspectionId::new(),
        },
        OpBody::InspectionSubmitted(InspectionRecord {
            template: EBIKE_TEMPLATE,
            template_version: 1,
            started_at: now,
            finished_at: now,
            items: vec![ItemResult {
                code: "EB-EXIT".into(),
                outcome: Outcome::Fail,
                severity: item_severity("EB-EXIT"),
                note: "后门被电瓶堵住".into(),
                evidence: vec![*photo],
            }],
            note: String::new(),
            campaign: None,
        }),
    )
}

/// Push an op referring to `photo` and wait until the views cover it.
async fn refer(dev: &mut Device, venue: VenueId, photo: &BlobHash) -> Vec<BlobHash> {
    let op = inspection_with(dev, venue, photo);
    let resp = dev.push(vec![op]).await;
    let seq = all_accepted(&resp)[0];
    dev.get(&format!("/v1/venues?min_seq={seq}&limit=1"))
        .await
        .expect_ok();
    resp.missing_blobs
}

async fn blob_count(admin: &Device) -> u64 {
    admin.get_json("/v1/admin/stats").await["blobs"]
        .as_u64()
        .unwrap()
}

/// Each scenario on both backends: `on_files::NAME` and `on_s3::NAME`.
macro_rules! on_both_backends {
    ($($scenario:ident),* $(,)?) => {
        mod on_files {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $scenario() {
                    super::$scenario(firecheck_server::BlobsAt::DataDir).await
                }
            )*
        }
        mod on_s3 {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $scenario() {
                    let test = concat!("blobs::on_s3::", stringify!($scenario));
                    if let Some(s3) = firecheck_server::testing::s3_server(test) {
                        super::$scenario(s3.bucket(stringify!($scenario))).await
                    }
                }
            )*
        }
    };
}

on_both_backends!(
    another_organisation_can_neither_learn_of_nor_read_a_photo_even_knowing_its_hash,
    an_upload_in_progress_is_invisible_to_another_organisation,
    uploads_no_record_refers_to_are_bounded_per_organisation,
    unreferenced_uploads_expire_and_referenced_photos_stay,
    a_photo_resumes_chunk_by_chunk_and_a_wrong_hash_keeps_nothing,
);

async fn another_organisation_can_neither_learn_of_nor_read_a_photo_even_knowing_its_hash(
    blobs: BlobsAt,
) {
    let server = TestServer::demo_with(|c| c.blobs = blobs);
    let url = &server.url;
    let mut zhang = Device::login(url, "zhangwei").await;
    let office = Device::login(url, "wangfang").await;
    let admin_a = admin(url).await;
    let (_, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    let mut b = new_user(&admin_b, "fenglin-inspector", Role::Inspector).await;

    // A: the record first, then the photo; A's office reads it.
    let photo = jpeg(120_000, 5);
    let hash = BlobHash::of(&photo);
    assert_eq!(refer(&mut zhang, LAOWANG_EBIKE, &hash).await, [hash]);
    put(&zhang, &photo).await.expect_status(StatusCode::CREATED);
    assert_eq!(fetch(&office, &hash).await.expect_ok().body, photo);
    let files = blob_count(&admin_a).await;

    // B knows the hash. HEAD and GET: nothing here.
    assert_eq!(
        offset(&b, &hash).await,
        None,
        "HEAD must not reveal A's photo"
    );
    fetch(&b, &hash)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");

    // B names the hash in an op of its own: still missing for B, and B's GET says its own
    // device has not sent it — never A's bytes.
    let missing = refer(&mut b, VenueId::new(), &hash).await;
    assert_eq!(missing, [hash], "the sync answer must not reveal A's photo");
    let err = fetch(&b, &hash)
        .await
        .expect_error(StatusCode::NOT_FOUND, "pending_upload");
    assert!(!err.error.message.is_empty());
    assert_eq!(offset(&b, &hash).await, None);

    // B starts uploading the same bytes: B sees its own progress only, A is unaffected.
    let half = photo.len() / 2;
    let raw = put_range(&b, &photo, 0, half).await.expect_ok();
    assert_eq!(raw.json()["complete"], false, "{}", raw.context());
    assert_eq!(offset(&b, &hash).await, Some((half as u64, false)));
    assert_eq!(
        offset(&zhang, &hash).await,
        Some((photo.len() as u64, true))
    );
    // B proves it has the bytes by sending them all: now B holds it too (stored once).
    put_range(&b, &photo, half, photo.len())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(fetch(&b, &hash).await.expect_ok().body, photo);
    assert_eq!(
        blob_count(&admin_a).await,
        files,
        "the same bytes are stored once"
    );
    let again = inspection_with(&mut b, VenueId::new(), &hash);
    let b_missing = b.push(vec![again]).await.missing_blobs;
    assert!(b_missing.is_empty(), "B holds it now: {b_missing:?}");
}

async fn an_upload_in_progress_is_invisible_to_another_organisation(blobs: BlobsAt) {
    let server = TestServer::demo_with(|c| c.blobs = blobs);
    let url = &server.url;
    let zhang = Device::login(url, "zhangwei").await;
    let lina = Device::login(url, "lina").await;
    let (_, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    let b = new_user(&admin_b, "fenglin-inspector", Role::Inspector).await;

    let photo = jpeg(200_000, 9);
    let hash = BlobHash::of(&photo);
    let half = photo.len() / 2;
    put_range(&zhang, &photo, 0, half).await.expect_ok();
    // Within A, a colleague's device sees where the upload stands.
    assert_eq!(offset(&lina, &hash).await, Some((half as u64, false)));

    // B: HEAD finds nothing; continuing A's upload is refused as if nothing had been sent
    // (offset 0), and GET finds nothing either.
    assert_eq!(offset(&b, &hash).await, None);
    let raw = put_range(&b, &photo, half, photo.len()).await;
    raw.expect_error(StatusCode::CONFLICT, "conflict");
    assert_eq!(raw.headers["upload-offset"], "0", "{}", raw.context());
    fetch(&b, &hash)
        .await
        .expect_error(StatusCode::NOT_FOUND, "not_found");
    // B's own upload from the start neither reads nor disturbs A's.
    put_range(&b, &photo, 0, 1000).await.expect_ok();
    assert_eq!(offset(&b, &hash).await, Some((1000, false)));
    assert_eq!(offset(&zhang, &hash).await, Some((half as u64, false)));
    // A finishes where it was; B is still at its own 1000 bytes.
    put_range(&zhang, &photo, half, photo.len())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(offset(&b, &hash).await, Some((1000, false)));
    assert_eq!(
        offset(&zhang, &hash).await,
        Some((photo.len() as u64, true))
    );
}

async fn uploads_no_record_refers_to_are_bounded_per_organisation(blobs: BlobsAt) {
    let server = TestServer::demo_with(|c| {
        c.blobs = blobs;
        c.upload_limits = UploadLimits {
            max_count: 2,
            max_bytes: 100_000,
        }
    });
    let url = &server.url;
    let mut zhang = Device::login(url, "zhangwei").await;
    let (_, admin_b) = new_org(url, "枫林街道社区平安办", "fenglin-admin").await;
    let b = new_user(&admin_b, "fenglin-inspector", Role::Inspector).await;

    let (p1, p2, p3) = (jpeg(10_000, 1), jpeg(10_000, 2), jpeg(10_000, 3));
    put(&zhang, &p1).await.expect_status(StatusCode::CREATED);
    put(&zhang, &p2).await.expect_status(StatusCode::CREATED);
    let err = put(&zhang, &p3)
        .await
        .expect_error(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded");
    assert!(err.error.message.contains("2 uploads"), "{err:?}");
    assert_eq!(
        offset(&zhang, &BlobHash::of(&p3)).await,
        None,
        "nothing kept"
    );

    // A photo a record refers to is not pending: it never counts.
    let referred = jpeg(10_000, 4);
    refer(&mut zhang, LAOWANG_EBIKE, &BlobHash::of(&referred)).await;
    put(&zhang, &referred)
        .await
        .expect_status(StatusCode::CREATED);
    // Another organisation has limits of its own.
    put(&b, &p3).await.expect_status(StatusCode::CREATED);

    // A record comes to refer to p1: it is released and p3 fits.
    refer(&mut zhang, LAOWANG_EBIKE, &BlobHash::of(&p1)).await;
    put(&zhang, &p3).await.expect_status(StatusCode::CREATED);
    // Bytes are bounded too: with p2 released, one more upload fits by count, but not
    // 95 kB on top of p3's 10 kB; 80 kB does.
    refer(&mut zhang, LAOWANG_EBIKE, &BlobHash::of(&p2)).await;
    let big = jpeg(95_000, 6);
    put(&zhang, &big)
        .await
        .expect_error(StatusCode::INSUFFICIENT_STORAGE, "quota_exceeded");
    put(&zhang, &jpeg(80_000, 7))
        .await
        .expect_status(StatusCode::CREATED);
}

async fn unreferenced_uploads_expire_and_referenced_photos_stay(blobs: BlobsAt) {
    let mut server = TestServer::demo_with(|c| c.blobs = blobs);
    let url = server.url.clone();
    let mut zhang = Device::login(&url, "zhangwei").await;
    let office = Device::login(&url, "wangfang").await;
    let admin_a = admin(&url).await;

    let kept = jpeg(30_000, 1);
    let unreferenced = jpeg(30_000, 2);
    let unfinished = jpeg(30_000, 3);
    refer(&mut zhang, LAOWANG_EBIKE, &BlobHash::of(&kept)).await;
    put(&zhang, &kept).await.expect_status(StatusCode::CREATED);
    put(&zhang, &unreferenced)
        .await
        .expect_status(StatusCode::CREATED);
    put_range(&zhang, &unfinished, 0, 10_000).await.expect_ok();
    let files = blob_count(&admin_a).await;

    // The clock is the sweep's argument: a day later nothing goes, eight days later the
    // two uploads nothing refers to go, with their bytes.
    let day = 24 * 3600 * 1000;
    let state = server.state();
    let now = Timestamp::now().0;
    let report = state.store.sweep_uploads(now + day, 7 * day).unwrap();
    assert_eq!(report.expired, 0, "{report:?}");
    let report = state.store.sweep_uploads(now + 8 * day, 7 * day).unwrap();
    assert_eq!(report.expired, 2, "{report:?}");
    assert_eq!(report.files_removed, 1, "{report:?}");
    drop(state);
    assert_eq!(offset(&zhang, &BlobHash::of(&unreferenced)).await, None);
    assert_eq!(offset(&zhang, &BlobHash::of(&unfinished)).await, None);
    assert_eq!(blob_count(&admin_a).await, files - 1);
    assert_eq!(
        fetch(&office, &BlobHash::of(&kept)).await.expect_ok().body,
        kept
    );
    assert_eq!(
        offset(&zhang, &BlobHash::of(&kept)).await,
        Some((kept.len() as u64, true))
    );

    // The server sweeps by itself at start-up, with the time from its configuration.
    let late = jpeg(30_000, 4);
    put(&zhang, &late).await.expect_status(StatusCode::CREATED);
    server.restart_with(|c| c.pending_upload_ttl = Duration::ZERO);
    let zhang = Device::login(&url, "zhangwei").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while offset(&zhang, &BlobHash::of(&late)).await.is_some() {
        assert!(
            std::time::Instant::now() < deadline,
            "the start-up sweep did not remove the upload"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        offset(&zhang, &BlobHash::of(&kept)).await,
        Some((kept.len() as u64, true)),
        "a referenced photo is never swept"
    );
}

/// An upload sent in pieces resumes where the server says, across a restart of the server
/// too; a piece at the wrong offset is refused naming where to go on; sending from the start
/// again starts over; bytes that do not match their name are refused and leave nothing.
async fn a_photo_resumes_chunk_by_chunk_and_a_wrong_hash_keeps_nothing(blobs: BlobsAt) {
    let mut server = TestServer::demo_with(|c| c.blobs = blobs.clone());
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    let photo = jpeg(300_000, 11);
    let hash = BlobHash::of(&photo);
    refer(&mut zhang, LAOWANG_EBIKE, &hash).await;

    put_range(&zhang, &photo, 0, 100_000).await.expect_ok();
    assert_eq!(offset(&zhang, &hash).await, Some((100_000, false)));
    // Past the end, or before it: 409, and where to go on.
    for from in [150_000, 50_000] {
        let raw = put_range(&zhang, &photo, from, 200_000).await;
        raw.expect_error(StatusCode::CONFLICT, "conflict");
        assert_eq!(raw.headers["upload-offset"], "100000", "{}", raw.context());
    }
    put_range(&zhang, &photo, 100_000, 200_000)
        .await
        .expect_ok();

    let chunk_key =
        |org: OrgId, at: u64| format!("partial/{}/{}/{at:020}", org.0.simple(), hash.to_hex());
    if let BlobsAt::S3(_) = &blobs {
        // On a bucket each piece is an object of its own, under the organisation.
        let s3 = firecheck_server::testing::s3_server("blobs::on_s3").unwrap();
        for (at, size) in [(0, 100_000), (100_000, 100_000)] {
            assert_eq!(
                s3.object_size(&blobs, &chunk_key(zhang.org(), at)),
                Some(size)
            );
        }
    }

    // The server goes away mid-upload; the device resumes where the new one says.
    server.restart();
    let mut zhang = Device::login(&server.url, "zhangwei").await;
    assert_eq!(offset(&zhang, &hash).await, Some((200_000, false)));
    put_range(&zhang, &photo, 200_000, photo.len())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(
        offset(&zhang, &hash).await,
        Some((photo.len() as u64, true))
    );
    assert_eq!(fetch(&zhang, &hash).await.expect_ok().body, photo);
    if let BlobsAt::S3(_) = &blobs {
        // The bytes are in the bucket, under the prefix, and not in the data dir; the
        // upload's chunks are gone.
        let s3 = firecheck_server::testing::s3_server("blobs::on_s3").unwrap();
        assert_eq!(
            s3.object_size(&blobs, &hash.to_hex()),
            Some(photo.len() as u64)
        );
        for at in [0, 100_000, 200_000] {
            let key = chunk_key(zhang.org(), at);
            assert_eq!(s3.object_size(&blobs, &key), None, "{key} removed");
        }
        assert!(
            !server.data_dir.join("blobs").exists(),
            "nothing in the data dir"
        );
    }

    // Starting over from byte 0 drops what was sent before.
    let other = jpeg(50_000, 12);
    let other_hash = BlobHash::of(&other);
    refer(&mut zhang, LAOWANG_EBIKE, &other_hash).await;
    put_range(&zhang, &other, 0, 40_000).await.expect_ok();
    put_range(&zhang, &other, 0, 10_000).await.expect_ok();
    assert_eq!(offset(&zhang, &other_hash).await, Some((10_000, false)));
    put_range(&zhang, &other, 10_000, other.len())
        .await
        .expect_status(StatusCode::CREATED);
    assert_eq!(fetch(&zhang, &other_hash).await.expect_ok().body, other);

    // Bytes under another photo's name: refused, and nothing of them is kept.
    let named = BlobHash::of(&jpeg(20_000, 13));
    let raw = send(
        "PUT bytes under another hash",
        zhang
            .http
            .put(format!("{}/v1/blobs/{}", zhang.url, named.to_hex()))
            .bearer_auth(zhang.token())
            .header(CONTENT_TYPE, "image/jpeg")
            .body(jpeg(20_000, 14)),
    )
    .await;
    let err = raw.expect_error(StatusCode::UNPROCESSABLE_ENTITY, "invalid");
    assert!(err.error.message.contains("send it again"), "{err:?}");
    assert_eq!(offset(&zhang, &named).await, None, "nothing kept");
}
