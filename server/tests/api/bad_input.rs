//! What bad input gets: a clear status with the JSON body `{"error": {"code", "message"}}`
//! (or, for a bad op inside a good request, a rejection with a reason in its ack), never a
//! panic, and nothing already stored is harmed — checked with a digest of the pulled log and
//! with `Store::log_digest` of the stopped server, before and after.

use std::net::SocketAddr;
use std::time::Duration;

use firecheck_server::testing::TestServer;
use firecheck_server::Config;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::op::InspectionAmendment;
use firecheck_shared::sync::{AckResult, RejectCode, SyncRequest};
use firecheck_shared::validate::{MAX_OPS_PER_SYNC, MAX_SYNC_BYTES, MAX_TEXT_CHARS};
use firecheck_shared::*;
use reqwest::StatusCode;
use serde_json::json;

use crate::util::*;

/// A demo server with some ops of a device, and the digests of what is stored.
struct Bench {
    server: TestServer,
    dev: Device,
    api_digest: String,
    store_digest: String,
}

impl Bench {
    async fn new() -> Bench {
        let mut server = TestServer::demo();
        let mut dev = Device::login(&server.url, "zhangwei").await;
        let (insp, _) = dev.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
        let c = dev.comment(LAOWANG_EBIKE, HazardId::new(), "基线");
        all_accepted(&dev.push(vec![insp, c]).await);
        let api_digest = dev.pull_all().await.digest();
        server.stop();
        let store_digest = store_digest(&server.data_dir);
        server.restart();
        Bench {
            server,
            dev,
            api_digest,
            store_digest,
        }
    }

    /// Nothing stored changed: the same pulled log, and byte for byte the same op log.
    /// Leaves the server stopped.
    async fn assert_unchanged(&mut self) {
        let now = self.dev.pull_all().await.digest();
        assert_eq!(now, self.api_digest, "the pulled log changed");
        self.server.stop();
        assert_eq!(
            store_digest(&self.server.data_dir),
            self.store_digest,
            "the stored op log changed"
        );
    }
}

/// A transport-level case: name, Content-Type, body, expected (status, code), a word the
/// message must contain.
type Case<'a> = (
    &'a str,
    Option<&'a str>,
    Vec<u8>,
    (StatusCode, &'a str),
    &'a str,
);

fn op_json(op: &Op) -> serde_json::Value {
    serde_json::to_value(op).unwrap()
}

fn request_json(ops: Vec<serde_json::Value>) -> serde_json::Value {
    json!({ "cursor": 0, "ops": ops, "limit": 10 })
}

fn bytes(v: &serde_json::Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_unknown_oversized_and_mistyped_bodies_get_clear_errors_and_change_nothing() {
    let mut bench = Bench::new().await;
    let dev = &mut bench.dev;
    let (http, url) = (dev.http.clone(), dev.url.clone());
    let token = dev.token().to_string();
    const JSON: &str = "application/json";
    const BIN: &str = "application/x-firecheck-bincode";

    // Every body below carries valid ops, so a server that read past the defect would store them.
    let mut valid = |n: usize| -> Vec<Op> {
        (0..n)
            .map(|i| {
                dev.comment(
                    LAOWANG_EBIKE,
                    HazardId::new(),
                    &format!("不应存下的第{i}条"),
                )
            })
            .collect()
    };
    let good_bin = codec::encode(Format::Bincode, &push_request(valid(3)));

    let mut unknown_field = request_json(valid(1).iter().map(op_json).collect());
    unknown_field["extra"] = json!(1);
    let mut unknown_op_field = op_json(&valid(1)[0]);
    unknown_op_field["sneaky"] = json!(true);
    let mut unknown_body_field = op_json(&valid(1)[0]);
    unknown_body_field["body"]["hazard_commented"]["mood"] = json!("angry");
    let mut unknown_kind = op_json(&valid(1)[0]);
    unknown_kind["body"] = json!({ "hazard_exploded": { "text": "嘭" } });
    let mut bad_uuid = op_json(&valid(1)[0]);
    bad_uuid["op_id"] = json!("not-a-uuid");
    let mut negative_seq = op_json(&valid(1)[0]);
    negative_seq["device_seq"] = json!(-1);

    let mut wrong_version = good_bin.clone();
    wrong_version[2] = 9;
    let mut trailing = good_bin.clone();
    trailing.extend_from_slice(b"junk");
    // Frame, cursor 0, then an op count that claims 2^63 ops.
    let mut huge_count = b"FC".to_vec();
    huge_count.extend_from_slice(&1u16.to_le_bytes());
    huge_count.push(0);
    huge_count.push(253);
    huge_count.extend_from_slice(&(1u64 << 63).to_le_bytes());
    let mut garbage = b"FC\x01\x00".to_vec();
    garbage.extend((0..200u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));

    let too_many = push_request(valid(MAX_OPS_PER_SYNC + 1));
    // Big but within the op bounds: many ops with long comments.
    let long = "长".repeat(MAX_TEXT_CHARS);
    let mut big_ops = valid(1);
    let template = big_ops.pop().unwrap();
    let big: Vec<serde_json::Value> = (0..800)
        .map(|i| {
            let mut v = op_json(&template);
            v["device_seq"] = json!(10_000 + i);
            v["body"]["hazard_commented"]["text"] = json!(long);
            v
        })
        .collect();
    let oversized = bytes(&request_json(big));
    assert!(
        oversized.len() > MAX_SYNC_BYTES,
        "{} bytes",
        oversized.len()
    );

    let bad_request = (StatusCode::BAD_REQUEST, "bad_request");
    let too_large = (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let media = (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let cases: Vec<Case> = vec![
        (
            "truncated JSON",
            Some(JSON),
            br#"{"cursor": 0, "ops": ["#.to_vec(),
            bad_request,
            "JSON",
        ),
        (
            "JSON that is not an object",
            Some(JSON),
            b"[1, 2, 3]".to_vec(),
            bad_request,
            "JSON",
        ),
        (
            "JSON of the wrong type",
            Some(JSON),
            br#"{"cursor": "zero", "limit": 0}"#.to_vec(),
            bad_request,
            "JSON",
        ),
        (
            "not JSON at all",
            Some(JSON),
            "同步请求".as_bytes().to_vec(),
            bad_request,
            "JSON",
        ),
        (
            "empty JSON body",
            Some(JSON),
            Vec::new(),
            bad_request,
            "empty",
        ),
        (
            "unknown top-level field",
            Some(JSON),
            bytes(&unknown_field),
            bad_request,
            "extra",
        ),
        (
            "unknown op field",
            Some(JSON),
            bytes(&request_json(vec![unknown_op_field])),
            bad_request,
            "sneaky",
        ),
        (
            "unknown op body field",
            Some(JSON),
            bytes(&request_json(vec![unknown_body_field])),
            bad_request,
            "mood",
        ),
        (
            "unknown op kind",
            Some(JSON),
            bytes(&request_json(vec![unknown_kind])),
            bad_request,
            "hazard_exploded",
        ),
        (
            "malformed id",
            Some(JSON),
            bytes(&request_json(vec![bad_uuid])),
            bad_request,
            "JSON",
        ),
        (
            "negative device_seq",
            Some(JSON),
            bytes(&request_json(vec![negative_seq])),
            bad_request,
            "JSON",
        ),
        (
            "bincode garbage",
            Some(BIN),
            garbage,
            bad_request,
            "bincode",
        ),
        (
            "bincode without the frame",
            Some(BIN),
            good_bin[4..].to_vec(),
            bad_request,
            "frame",
        ),
        (
            "bincode of another wire version",
            Some(BIN),
            wrong_version,
            bad_request,
            "version",
        ),
        (
            "truncated bincode",
            Some(BIN),
            good_bin[..good_bin.len() / 2].to_vec(),
            bad_request,
            "bincode",
        ),
        (
            "bincode with trailing bytes",
            Some(BIN),
            trailing,
            bad_request,
            "unexpected bytes",
        ),
        (
            "bincode claiming 2^63 ops",
            Some(BIN),
            huge_count,
            bad_request,
            "bincode",
        ),
        (
            "JSON sent as bincode",
            Some(BIN),
            bytes(&request_json(vec![])),
            bad_request,
            "frame",
        ),
        (
            "bincode sent as JSON",
            Some(JSON),
            good_bin.clone(),
            bad_request,
            "JSON",
        ),
        (
            "text/plain",
            Some("text/plain"),
            bytes(&request_json(vec![])),
            media,
            "Content-Type",
        ),
        (
            "application/xml",
            Some("application/xml"),
            b"<sync/>".to_vec(),
            media,
            "Content-Type",
        ),
        (
            "no content type",
            None,
            good_bin.clone(),
            media,
            "Content-Type",
        ),
        (
            "too many ops (JSON)",
            Some(JSON),
            codec::encode(Format::Json, &too_many),
            too_large,
            "1001",
        ),
        (
            "too many ops (bincode)",
            Some(BIN),
            codec::encode(Format::Bincode, &too_many),
            too_large,
            "1001",
        ),
        (
            "body over 8 MiB",
            Some(JSON),
            oversized,
            too_large,
            "too large",
        ),
    ];
    for (name, ct, body, (status, code), hint) in cases {
        let mut raw = sync_raw(&http, &url, Some(&token), ct, body).await;
        raw.what = format!("case {name:?}: {}", raw.what);
        let err = raw.expect_error(status, code);
        assert!(
            err.error
                .message
                .to_lowercase()
                .contains(&hint.to_lowercase()),
            "case {name:?}: the message should mention {hint:?}: {:?}",
            err.error.message
        );
    }
    // The server is still healthy and answers the same device normally.
    let ok = sync_raw(
        &http,
        &url,
        Some(&token),
        Some("application/json; charset=utf-8"),
        bytes(&request_json(vec![])),
    )
    .await;
    ok.expect_ok();
    bench.assert_unchanged().await;
}

fn year_2999_ms() -> i64 {
    chrono::NaiveDate::from_ymd_opt(2999, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_ops_and_absurd_timestamps_are_rejected_in_the_ack_and_change_nothing() {
    let mut bench = Bench::new().await;
    let dev = &mut bench.dev;
    let node = dev.clock.node();
    let hazard = HazardId::new();
    let first_seq = dev.next_seq;

    let empty_reason = dev.op(
        EntityRef::Inspection {
            venue: LAOWANG_EBIKE,
            inspection: InspectionId::new(),
        },
        OpBody::InspectionAmended(InspectionAmendment {
            reason: "  ".into(),
            items: Vec::new(),
            note: Some("补充说明".into()),
        }),
    );
    let empty_comment = dev.comment(LAOWANG_EBIKE, hazard, "");
    let empty_fix = dev.hazard_op(
        LAOWANG_EBIKE,
        hazard,
        OpBody::HazardReportedFixed {
            note: String::new(),
            evidence: Vec::new(),
        },
    );
    let too_long = dev.comment(LAOWANG_EBIKE, hazard, &"长".repeat(MAX_TEXT_CHARS + 1));
    let control = dev.comment(LAOWANG_EBIKE, hazard, "响铃\u{7}");
    let empty_upsert = dev.op(
        EntityRef::Venue(LAOWANG_EBIKE),
        OpBody::VenueUpserted(Default::default()),
    );
    let mismatch = dev.op(
        EntityRef::Venue(LAOWANG_EBIKE),
        OpBody::HazardCommented {
            text: "挂错了实体".into(),
        },
    );
    let mut zero_seq = dev.comment(LAOWANG_EBIKE, hazard, "位置为零");
    zero_seq.device_seq = 0;
    let (dup_items, _) = dev.inspection(LAOWANG_EBIKE, &["EB-CHARGE", "EB-CHARGE"], &[]);
    let (no_items, _) = dev.inspection(LAOWANG_EBIKE, &[], &[]);
    let far = year_2999_ms() as u64;
    let hlc_2999 = dev.op_with_hlc(
        hazard_entity(LAOWANG_EBIKE, hazard),
        OpBody::HazardCommented {
            text: "来自未来".into(),
        },
        Hlc::new(far, 0, node),
    );
    let hlc_1970 = dev.op_with_hlc(
        hazard_entity(LAOWANG_EBIKE, hazard),
        OpBody::HazardCommented {
            text: "来自1970年".into(),
        },
        Hlc::new(0, 0, node),
    );
    let hlc_max = dev.op_with_hlc(
        hazard_entity(LAOWANG_EBIKE, hazard),
        OpBody::HazardCommented {
            text: "时间溢出".into(),
        },
        Hlc::new(u64::MAX, u32::MAX, node),
    );
    let (mut finished_2999, _) = dev.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &[]);
    if let OpBody::InspectionSubmitted(r) = &mut finished_2999.body {
        r.finished_at = Timestamp(year_2999_ms());
    }

    let cases: Vec<(&str, Op, RejectCode, &str)> = vec![
        (
            "amendment without a reason",
            empty_reason,
            RejectCode::Invalid,
            "reason",
        ),
        (
            "empty comment",
            empty_comment,
            RejectCode::Invalid,
            "comment",
        ),
        (
            "fix reported without a note",
            empty_fix,
            RejectCode::Invalid,
            "note",
        ),
        (
            "comment over the length bound",
            too_long,
            RejectCode::Invalid,
            "at most",
        ),
        (
            "control characters",
            control,
            RejectCode::Invalid,
            "control",
        ),
        (
            "venue upsert changing nothing",
            empty_upsert,
            RejectCode::Invalid,
            "at least one",
        ),
        (
            "hazard op on a venue entity",
            mismatch,
            RejectCode::Invalid,
            "hazard",
        ),
        ("device_seq 0", zero_seq, RejectCode::Invalid, "device_seq"),
        ("item twice", dup_items, RejectCode::Invalid, "EB-CHARGE"),
        ("no items", no_items, RejectCode::Invalid, "items"),
        ("HLC in 2999", hlc_2999, RejectCode::BadClock, "future"),
        ("HLC at 1970", hlc_1970, RejectCode::BadClock, "plausible"),
        ("HLC at u64::MAX", hlc_max, RejectCode::BadClock, "future"),
        (
            "inspection finished in 2999",
            finished_2999,
            RejectCode::BadClock,
            "finished_at",
        ),
    ];
    let ops: Vec<Op> = cases.iter().map(|c| c.1.clone()).collect();
    for format in [Format::Bincode, Format::Json] {
        let resp = sync(
            &dev.http,
            &dev.url,
            dev.token(),
            &push_request(ops.clone()),
            format,
        )
        .await;
        for ((name, _, code, hint), ack) in cases.iter().zip(&resp.acks) {
            let (got, reason) = match &ack.result {
                AckResult::Rejected { code, reason } => (*code, reason.clone()),
                other => panic!("case {name:?} ({format:?}): expected a rejection, got {other:?}"),
            };
            assert_eq!(got, *code, "case {name:?} ({format:?}): {reason}");
            assert!(
                reason.to_lowercase().contains(&hint.to_lowercase()),
                "case {name:?}: the reason should mention {hint:?}: {reason}"
            );
        }
    }
    // The device's clock is far off: it hears about it.
    let mut req = SyncRequest {
        device_time_ms: year_2999_ms(),
        ..pull_request(0, 0)
    };
    let resp = dev.sync(&req).await;
    assert!(resp.clock_warning.is_some(), "{resp:?}");
    req.device_time_ms = now_ms() as i64;
    assert!(dev.sync(&req).await.clock_warning.is_none());

    // Rejected ops reserved nothing: after the digests, a good op at the first rejected op's
    // position is accepted.
    bench.assert_unchanged().await;
    bench.server.restart();
    bench.dev.next_seq = first_seq;
    let op = bench
        .dev
        .comment(LAOWANG_EBIKE, HazardId::new(), "更正后的记录");
    assert_eq!(op.device_seq, first_seq);
    accepted(&bench.dev.push(vec![op]).await.acks[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn other_endpoints_answer_bad_input_with_the_json_error_shape() {
    let server = TestServer::demo();
    let dev = Device::login(&server.url, "zhangwei").await;
    let admin = admin(&server.url).await;
    let http = http();
    let url = &server.url;
    let t = Some(dev.token());
    let login_url = format!("{url}/v1/auth/login");

    let cases: Vec<(Raw, StatusCode, &str)> = vec![
        (
            send("login: malformed JSON", http.post(&login_url).header("content-type", "application/json").body("{\"username\":")).await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (
            send(
                "login: unknown field",
                http.post(&login_url).json(&json!({
                    "username": "zhangwei", "password": "x", "device_id": DeviceId::new(),
                    "device_name": "p", "remember_me": true
                })),
            )
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            send("login: no content type", http.post(&login_url).body("{}")).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        ),
        (
            send(
                "login: absurdly long username",
                http.post(&login_url).json(&json!({
                    "username": "x".repeat(10_000), "password": "x", "device_id": DeviceId::new(), "device_name": "p"
                })),
            )
            .await,
            StatusCode::BAD_REQUEST,
            "bad_request",
        ),
        (get(&http, url, "/v1/hazards?colour=red", t).await, StatusCode::BAD_REQUEST, "bad_request"),
        (get(&http, url, "/v1/hazards?status=exploded", t).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (get(&http, url, "/v1/hazards?min_seq=-3", t).await, StatusCode::BAD_REQUEST, "bad_request"),
        (get(&http, url, "/v1/venues?kind=castle", t).await, StatusCode::UNPROCESSABLE_ENTITY, "invalid"),
        (get(&http, url, "/v1/hazards/not-a-uuid", t).await, StatusCode::NOT_FOUND, "not_found"),
        (get(&http, url, &format!("/v1/hazards/{}", HazardId::new()), t).await, StatusCode::NOT_FOUND, "not_found"),
        (get(&http, url, &format!("/v1/campaigns/{}/coverage", CampaignId::new()), t).await, StatusCode::NOT_FOUND, "not_found"),
        (get(&http, url, &format!("/v1/venues/{}/inspections", VenueId::new()), t).await, StatusCode::NOT_FOUND, "not_found"),
        (get(&http, url, "/v1/nothing-here", t).await, StatusCode::NOT_FOUND, "not_found"),
        (get(&http, url, "/v1/sync", t).await, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
        (
            post_json(&http, url, "/v1/admin/users", Some(admin.token()), &json!({
                "username": "short", "display_name": "短", "password": "short", "role": "inspector"
            }))
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post_json(&http, url, "/v1/admin/users", Some(admin.token()), &json!({
                "username": "lina", "display_name": "又一个李娜", "password": "long-enough-password", "role": "inspector"
            }))
            .await,
            StatusCode::CONFLICT,
            "conflict",
        ),
        (
            post_json(&http, url, "/v1/admin/users", Some(admin.token()), &json!({
                "username": "bad name!", "display_name": "x", "password": "long-enough-password", "role": "inspector"
            }))
            .await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post_json(&http, url, "/v1/admin/users", Some(admin.token()), &json!({
                "username": "neworg", "display_name": "x", "password": "long-enough-password", "role": "inspector",
                "org": OrgId::new()
            }))
            .await,
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            post_json(&http, url, "/v1/operator/orgs", Some(firecheck_server::testing::OPERATOR_TOKEN), &json!({
                "name": "  ",
                "admin": {"username": "blank-org-admin", "display_name": "x", "password": "long-enough-password"}
            })).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            post_json(&http, url, "/v1/admin/devices/not-a-device/revoke", Some(admin.token()), &json!({})).await,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (raw, status, code) in cases {
        raw.expect_error(status, code);
    }
    // A wrong password does not tell whether the user exists.
    let a = login_raw(&http, url, "lina", "wrong-password", DeviceId::new()).await;
    let b = login_raw(
        &http,
        url,
        "no-such-user",
        "wrong-password",
        DeviceId::new(),
    )
    .await;
    assert_eq!(
        a.expect_error(StatusCode::UNAUTHORIZED, "unauthorized"),
        b.expect_error(StatusCode::UNAUTHORIZED, "unauthorized")
    );
}

/// A request that outlives the server's timeout gets the JSON error shape too.
#[tokio::test(flavor = "multi_thread")]
async fn a_timed_out_request_gets_a_json_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    config.demo = true;
    config.admin_password = Some(ADMIN_PASSWORD.into());
    config.jwt_secret = Some(JWT_SECRET.into());
    config.request_timeout = Duration::from_millis(1000);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let server = TestServer::with_config(config, addr);
    let dev = Device::login(&server.url, "zhangwei").await;
    // A device on a bad line: the push's headers arrive, then only a few bytes of its body.
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let started = std::time::Instant::now();
    let mut tcp = tokio::net::TcpStream::connect(server.url.trim_start_matches("http://"))
        .await
        .unwrap();
    let head = format!(
        "POST /v1/sync HTTP/1.1\r\nhost: firecheck\r\nauthorization: Bearer {}\r\ncontent-type: application/json\r\ncontent-length: 4096\r\n\r\n{{\"ops\": [",
        dev.token()
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), tcp.read_to_end(&mut answer))
        .await
        .expect("the server answers the stalled push and closes")
        .ok();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"timeout""#), "{answer}");
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the timeout applies"
    );
}
