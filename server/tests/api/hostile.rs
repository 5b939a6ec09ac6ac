//! Hostile input over HTTP: one table of malformed and malicious requests, each with the
//! answer it must get, sent to one demo server with two organisations in it.
//!
//! Beyond `bad_input` (malformed bodies, invalid ops, other endpoints' bad input) and `auth`
//! (forged tokens on `/v1/sync`, roles per op kind, admin-only endpoints, refresh rotation):
//! truncated and lying bincode (string and list lengths of 2^60 or 4 GiB, lengths past the
//! end, unknown enum tags, invalid UTF-8), deeply nested, enormous, chunked and mis-encoded
//! JSON, forged admin tokens on the admin API (alg none, wrong key, expired, wrong audience,
//! a `kid` pointing at a file), tokens in the wrong place, replayed refresh tokens, revoked
//! devices and another organisation's device id, role escalation, forged authors and
//! devices, absurd timestamps, path traversal in ids, oversized and unknown query
//! parameters, wrong methods, missing bodies — and ops about another organisation's venue,
//! which are stored in the pusher's organisation only.
//!
//! Every row: the expected status; the JSON error `{"error": {"code", "message"}}` with the
//! expected code and a message that names the problem (or, for a bad op in a well-formed
//! push, a 200 whose ack rejects it with a code and a reason — the design's contract for
//! ops); never a 5xx; and nothing stored changes — both organisations' pulled logs are
//! compared after every row, and after the rows that must change nothing `Store::log_digest`,
//! the accounts and the attachment directory of the stopped server are compared too.
//!
//! Three requests are answered by hyper itself, before any application code runs, with a
//! bare status and no body (a URI over 64 KiB: 414; 1 MiB of headers: 431; a NUL in the
//! request line: 400): `answered_before_the_app` checks their status and that nothing changed.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;

use firecheck_server::auth::Claims;
use firecheck_server::testing::TestServer;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::op::{DrillRecord, TemplateDefinition, VenueFields};
use firecheck_shared::sync::{AckResult, RejectCode, SyncResponse, TokenResponse};
use firecheck_shared::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::util::*;

const JSON: &str = "application/json";
const BIN: &str = "application/x-firecheck-bincode";
/// A text marker to find an op's string in its encoding.
const MARKER: &str = "HOSTILE-MARKER-0123";

/// What a row must get.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// An HTTP error: status, code, a word the message must contain.
    Error(StatusCode, &'static str, &'static str),
    /// A 200 in which every pushed op is rejected with this code and a reason containing
    /// the word.
    Rejected(RejectCode, &'static str),
    /// Accepted, into the pusher's organisation only; the other organisation is unchanged.
    OwnOrgOnly,
}

enum Request {
    Http(Box<reqwest::RequestBuilder>),
    /// Bytes written as they are to the server's socket (paths reqwest would normalise,
    /// chunked and lying bodies).
    Raw(Vec<u8>),
}

struct Row {
    name: String,
    request: Request,
    expect: Expect,
}

fn row(name: impl Into<String>, rb: reqwest::RequestBuilder, expect: Expect) -> Row {
    Row {
        name: name.into(),
        request: Request::Http(Box::new(rb)),
        expect,
    }
}

fn raw_row(name: impl Into<String>, bytes: Vec<u8>, expect: Expect) -> Row {
    Row {
        name: name.into(),
        request: Request::Raw(bytes),
        expect,
    }
}

fn err(status: StatusCode, code: &'static str, hint: &'static str) -> Expect {
    Expect::Error(status, code, hint)
}

fn bad(hint: &'static str) -> Expect {
    err(StatusCode::BAD_REQUEST, "bad_request", hint)
}

fn unauthorized(hint: &'static str) -> Expect {
    err(StatusCode::UNAUTHORIZED, "unauthorized", hint)
}

fn forbidden(hint: &'static str) -> Expect {
    err(StatusCode::FORBIDDEN, "forbidden", hint)
}

fn not_found(hint: &'static str) -> Expect {
    err(StatusCode::NOT_FOUND, "not_found", hint)
}

fn too_large(hint: &'static str) -> Expect {
    err(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", hint)
}

fn wrong_method() -> Expect {
    err(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method",
    )
}

/// Send bytes over a fresh connection and read the answer to the end; the server may stop
/// reading a body it refuses, so writing goes on in its own task and may fail.
pub(crate) async fn send_raw(addr: SocketAddr, what: &str, bytes: Vec<u8>) -> Raw {
    let stream = tokio::net::TcpStream::connect(addr)
        .await
        .unwrap_or_else(|e| panic!("{what}: connect: {e}"));
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        let _ = wr.write_all(&bytes).await;
        let _ = wr.flush().await;
        // Keep the write half open until the answer is read.
        wr
    });
    let mut out = Vec::new();
    let _ = rd.read_to_end(&mut out).await;
    drop(writer.await);
    parse_http(what, &out)
}

fn parse_http(what: &str, out: &[u8]) -> Raw {
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| {
            panic!(
                "{what}: no complete answer: {:?}",
                String::from_utf8_lossy(&out[..out.len().min(500)])
            )
        });
    let head = String::from_utf8_lossy(&out[..split]).to_string();
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("{what}: bad status line {status_line:?}"));
    let mut headers = HeaderMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            if let (Ok(k), Ok(v)) = (
                HeaderName::from_bytes(k.trim().as_bytes()),
                HeaderValue::from_str(v.trim()),
            ) {
                headers.append(k, v);
            }
        }
    }
    let mut body = out[split + 4..].to_vec();
    let chunked = headers
        .get("transfer-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"));
    if chunked {
        body = dechunk(&body);
    }
    Raw {
        what: what.to_string(),
        status: StatusCode::from_u16(code).unwrap(),
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = b.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next()?.trim(), 16).ok())
            .unwrap_or(0);
        if size == 0 || b.len() < eol + 2 + size {
            break;
        }
        out.extend_from_slice(&b[eol + 2..eol + 2 + size]);
        b = &b[(eol + 4 + size).min(b.len())..];
    }
    out
}

/// A raw HTTP/1.1 request with `Connection: close`.
fn http1(method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut r =
        format!("{method} {path} HTTP/1.1\r\nHost: firecheck.test\r\nConnection: close\r\n");
    for (k, v) in headers {
        r.push_str(&format!("{k}: {v}\r\n"));
    }
    r.push_str("\r\n");
    let mut r = r.into_bytes();
    r.extend_from_slice(body);
    r
}

fn bearer(token: &str) -> (&'static str, String) {
    ("Authorization", format!("Bearer {token}"))
}

// ---- tokens ---------------------------------------------------------------------------

fn claims_of(tokens: &TokenResponse) -> Claims {
    let now = now_ms() / 1000;
    Claims {
        sub: tokens.user.id,
        usr: tokens.user.username.clone(),
        dev: tokens.device_id,
        org: tokens.org.id,
        role: tokens.user.role,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        iat: now,
        exp: now + 600,
        gen: 0,
    }
}

fn sign_with(header: Header, claims: &Claims, secret: &[u8]) -> String {
    jsonwebtoken::encode(&header, claims, &EncodingKey::from_secret(secret)).expect("sign")
}

fn sign(claims: &Claims, secret: &str) -> String {
    sign_with(Header::new(Algorithm::HS256), claims, secret.as_bytes())
}

// ---- bodies -----------------------------------------------------------------------------

fn to_json(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap()
}

fn push_json(ops: &[Op]) -> Vec<u8> {
    codec::encode(Format::Json, &push_request(ops.to_vec()))
}

fn push_bin(ops: &[Op]) -> Vec<u8> {
    codec::encode(Format::Bincode, &push_request(ops.to_vec()))
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .expect("marker in the encoding")
}

/// Replace `needle` (once) in `hay` by `with`.
fn splice(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let at = find(hay, needle);
    let mut out = hay[..at].to_vec();
    out.extend_from_slice(with);
    out.extend_from_slice(&hay[at + needle.len()..]);
    out
}

/// A bincode push of one comment whose text is [`MARKER`], and where the marker starts.
/// Just before it: the text's length (one byte, 19) and the body's enum tag
/// (`HazardCommented`, one byte).
fn marked_bincode(dev: &mut Device) -> (Vec<u8>, usize) {
    let op = dev.comment(LAOWANG_EBIKE, HazardId::new(), MARKER);
    let bytes = push_bin(&[op]);
    let at = find(&bytes, MARKER.as_bytes());
    assert_eq!(bytes[at - 1] as usize, MARKER.len(), "length prefix");
    (bytes, at)
}

/// `bytes` with the marker's length prefix replaced by `len`.
fn with_length(bytes: &[u8], at: usize, len: &[u8]) -> Vec<u8> {
    let mut out = bytes[..at - 1].to_vec();
    out.extend_from_slice(len);
    out.extend_from_slice(&bytes[at..]);
    out
}

fn year_2999_ms() -> i64 {
    chrono::NaiveDate::from_ymd_opt(2999, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
}

fn nested(open: &str, close: &str, depth: usize) -> String {
    format!("{}{}", open.repeat(depth), close.repeat(depth))
}

/// A JPEG-looking attachment.
fn jpeg() -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend(std::iter::repeat_n(0x33u8, 1024));
    b
}

// ---- the world --------------------------------------------------------------------------

/// Log in a user created through the admin API (not a demo account).
async fn login_user(url: &str, user: &str, pw: &str) -> Device {
    let http = http();
    let device = DeviceId::new();
    let tokens = login(&http, url, user, pw, device).await;
    Device {
        http,
        url: url.to_string(),
        clock: HlcClock::new(hlc::node_of(&device)),
        tokens,
        next_seq: 1,
        format: Format::Bincode,
    }
}

/// What must not change, read while the server runs.
#[derive(Debug, Clone)]
struct Seen {
    a: Pulled,
    b: Pulled,
}

/// What must not change, read from the stopped server's store.
#[derive(Debug, PartialEq)]
struct Stored {
    log: String,
    users: BTreeSet<String>,
    devices: Vec<(DeviceId, bool)>,
    orgs: usize,
    files: BTreeSet<String>,
}

fn list_files(dir: &Path, base: &Path, out: &mut BTreeSet<String>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        let rel = p.strip_prefix(base).unwrap().display().to_string();
        if rel == "db" || rel == "views" {
            continue; // sled's own files (snapshots, segments) change as it pleases
        }
        if e.file_type().unwrap().is_dir() {
            list_files(&p, base, out);
        }
        out.insert(rel);
    }
}

fn stored(data_dir: &Path) -> Stored {
    let store = firecheck_server::testing::open_store(data_dir);
    let mut files = BTreeSet::new();
    list_files(data_dir, data_dir, &mut files);
    let mut devices: Vec<(DeviceId, bool)> = store
        .devices()
        .unwrap()
        .into_iter()
        .map(|d| (d.id, d.revoked))
        .collect();
    devices.sort();
    Stored {
        log: store.log_digest().unwrap(),
        users: store
            .users()
            .unwrap()
            .into_iter()
            .map(|u| u.user.username)
            .collect(),
        devices,
        orgs: store.orgs().unwrap().len(),
        files,
    }
}

async fn seen(a: &Device, b: &Device) -> Seen {
    Seen {
        a: a.pull_all().await,
        b: b.pull_all().await,
    }
}

fn ack_results(raw: &Raw) -> SyncResponse {
    let format = if raw.content_type().starts_with(BIN) {
        Format::Bincode
    } else {
        Format::Json
    };
    codec::decode(format, &raw.body)
        .unwrap_or_else(|e| panic!("the answer does not decode ({e}) — {}", raw.context()))
}

/// Whether an answer is what the row expects: the status, the one JSON error shape with the
/// code and a message mentioning the hint — or a 200 whose acks all reject with the code.
fn check_answer(raw: &Raw, expect: Expect) -> Result<(), String> {
    let ctx = || raw.context();
    match expect {
        Expect::Error(status, code, hint) => {
            if raw.status != status {
                return Err(format!("expected {status} — {}", ctx()));
            }
            if !raw.content_type().starts_with(JSON) {
                return Err(format!("the error is not JSON — {}", ctx()));
            }
            let v: Value = serde_json::from_slice(&raw.body)
                .map_err(|e| format!("the error body is not JSON ({e}) — {}", ctx()))?;
            let keys: Vec<&String> = v
                .as_object()
                .map(|o| o.keys().collect())
                .unwrap_or_default();
            let message = v["error"]["message"].as_str().unwrap_or_default();
            if keys != ["error"]
                || v["error"].as_object().map(|o| o.len()) != Some(2)
                || v["error"]["code"] != code
                || message.trim().is_empty()
            {
                return Err(format!(
                    "expected {{\"error\": {{\"code\": {code:?}, \"message\"}}}} — {}",
                    ctx()
                ));
            }
            if !message.to_lowercase().contains(&hint.to_lowercase()) {
                return Err(format!("the message should mention {hint:?}: {message:?}"));
            }
            Ok(())
        }
        Expect::Rejected(code, hint) => {
            if raw.status != StatusCode::OK {
                return Err(format!("expected 200 with rejections — {}", ctx()));
            }
            let resp = ack_results(raw);
            if resp.acks.is_empty() {
                return Err("no acks".into());
            }
            for ack in &resp.acks {
                match &ack.result {
                    AckResult::Rejected { code: c, reason } => {
                        if *c != code || !reason.to_lowercase().contains(&hint.to_lowercase()) {
                            return Err(format!(
                                "expected {code:?} mentioning {hint:?}, got {c:?}: {reason}"
                            ));
                        }
                    }
                    other => return Err(format!("expected a rejection, got {other:?}")),
                }
            }
            Ok(())
        }
        Expect::OwnOrgOnly => unreachable!("checked in place"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_requests_get_clear_errors_and_change_nothing() {
    let mut server = TestServer::demo();
    let url = server.url.clone();
    let addr = server.addr;
    let h = http();

    // Organisation A (the demo): an inspector, an officer, the admin.
    let mut zhang = Device::login(&url, "zhangwei").await;
    let mut wang = Device::login(&url, "wangfang").await;
    let mut admin = admin(&url).await;
    let lina = Device::login(&url, "lina").await;
    // Organisation B, made by the operator, with an admin and an inspector of its own.
    let (org_b, admin_b) = new_org(&url, "徐家汇街道平安办", "xujiahui-admin").await;
    post_json(
        &h,
        &url,
        "/v1/admin/users",
        Some(admin_b.token()),
        &json!({"username": "zhaolei", "display_name": "赵磊", "password": "zhaolei-password-2026",
                "role": "inspector"}),
    )
    .await
    .expect_status(StatusCode::CREATED);
    let mut zhao = login_user(&url, "zhaolei", "zhaolei-password-2026").await;
    assert_eq!(zhao.org(), org_b.id);

    // Something stored in each: a finding (a hazard) in A, a venue in B.
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &["EB-EXIT"]);
    let hazard_a = HazardId::for_finding(inspection, "EB-CHARGE");
    all_accepted(&zhang.push(vec![insp.clone()]).await);
    let venue_b = VenueId::new();
    let b_venue = zhao.venue_upsert(venue_b, "徐家汇书院", "漕溪北路", "漕溪北路 1号");
    all_accepted(&zhao.push(vec![b_venue]).await);
    wang.observe(&[&insp]);

    // A lost phone, revoked by the admin (its tokens are kept by the thief).
    let stolen = Device::login(&url, "zhangwei").await;
    post_json(
        &h,
        &url,
        &format!("/v1/admin/devices/{}/revoke", stolen.id()),
        Some(admin.token()),
        &json!({}),
    )
    .await
    .expect_ok();
    // A refresh token exchanged once; its replay is a row below.
    let refresh_dev = Device::login(&url, "lina").await;
    let used_refresh = refresh_dev.tokens.refresh_token.clone();
    let rotated: TokenResponse = refresh_raw(&h, &url, &used_refresh)
        .await
        .expect_ok()
        .parse();

    // Baselines: through the API, and from the stopped server's store.
    let baseline = seen(&wang, &zhao).await;
    let hazard_a_before = wang.get_json(&format!("/v1/hazards/{hazard_a}")).await;
    let venues_a_before = wang.get_json("/v1/venues").await;
    let inspections_a_before = wang
        .get_json(&format!("/v1/venues/{LAOWANG_EBIKE}/inspections"))
        .await;
    server.stop();
    let stored_before = stored(&server.data_dir);
    server.restart();

    let zt = zhang.token().to_string();
    let at = admin.token().to_string();
    let wt = wang.token().to_string();
    let st = stolen.token().to_string();
    let u = |p: &str| format!("{url}{p}");
    let sync_with = |token: &str, ct: &str, body: Vec<u8>| {
        h.post(u("/v1/sync"))
            .bearer_auth(token)
            .header(CONTENT_TYPE, ct)
            .body(body)
    };
    let admin_claims = claims_of(&admin.tokens);
    let now = now_ms() / 1000;
    let some_hash = BlobHash::of(b"hostile").to_hex();

    let mut rows: Vec<Row> = Vec::new();

    // -- truncated and lying bincode ---------------------------------------------------------
    let (marked, at_marker) = marked_bincode(&mut zhang);
    rows.push(row(
        "bincode: the frame header and nothing else",
        sync_with(&zt, BIN, b"FC\x01\x00".to_vec()),
        bad("bincode"),
    ));
    rows.push(row(
        "bincode: cut inside the frame header",
        sync_with(&zt, BIN, b"FC\x01".to_vec()),
        bad("frame"),
    ));
    rows.push(row(
        "bincode: one byte short",
        sync_with(&zt, BIN, marked[..marked.len() - 1].to_vec()),
        bad("bincode"),
    ));
    rows.push(row(
        "bincode: cut in the middle of a string",
        sync_with(&zt, BIN, marked[..at_marker + 5].to_vec()),
        bad("bincode"),
    ));
    let mut len = vec![253u8];
    len.extend_from_slice(&(1u64 << 60).to_le_bytes());
    rows.push(row(
        "bincode: a string claiming 2^60 bytes",
        sync_with(&zt, BIN, with_length(&marked, at_marker, &len)),
        bad("bincode"),
    ));
    let mut len = vec![252u8];
    len.extend_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
    rows.push(row(
        "bincode: a string claiming 4 GiB",
        sync_with(&zt, BIN, with_length(&marked, at_marker, &len)),
        bad("bincode"),
    ));
    rows.push(row(
        "bincode: a string longer than what is left of the body",
        sync_with(&zt, BIN, with_length(&marked, at_marker, &[200])),
        bad("bincode"),
    ));
    {
        // Frame (4 bytes), cursor 0 (1 byte), then the op count: one byte, 1.
        assert_eq!(marked[4..6], [0, 1], "cursor 0, one op");
        let mut b = marked[..5].to_vec();
        b.push(252);
        b.extend_from_slice(&(u32::MAX - 1).to_le_bytes());
        b.extend_from_slice(&marked[6..]);
        rows.push(row(
            "bincode: an op list claiming 4 billion ops",
            sync_with(&zt, BIN, b),
            bad("bincode"),
        ));
        let mut b = marked[..4].to_vec();
        b.push(254); // a u128 where the cursor (u64) goes
        b.extend_from_slice(&[0xFF; 16]);
        b.extend_from_slice(&marked[5..]);
        rows.push(row(
            "bincode: a 128-bit cursor",
            sync_with(&zt, BIN, b),
            bad("bincode"),
        ));
    }
    {
        let mut b = marked.clone();
        b[at_marker - 2] = 200; // the op body's enum tag
        rows.push(row(
            "bincode: an op kind that does not exist (tag 200)",
            sync_with(&zt, BIN, b),
            bad("bincode"),
        ));
        let mut b = marked.clone();
        b[at_marker..at_marker + 4].copy_from_slice(&[0xFF, 0xFE, 0xC0, 0xAF]);
        rows.push(row(
            "bincode: invalid UTF-8 in a string",
            sync_with(&zt, BIN, b),
            bad("bincode"),
        ));
    }
    rows.push(row(
        "bincode: an empty body",
        sync_with(&zt, BIN, Vec::new()),
        bad("empty"),
    ));

    // -- deeply nested, enormous and mis-encoded JSON -------------------------------------
    rows.push(row(
        "JSON: 10 000 nested arrays",
        sync_with(&zt, JSON, nested("[", "]", 10_000).into_bytes()),
        bad("JSON"),
    ));
    rows.push(row(
        "JSON: 10 000 nested arrays where the ops go",
        sync_with(
            &zt,
            JSON,
            format!(r#"{{"cursor":0,"ops":{}}}"#, nested("[", "]", 10_000)).into_bytes(),
        ),
        bad("JSON"),
    ));
    {
        let op = zhang.comment(LAOWANG_EBIKE, HazardId::new(), MARKER);
        let text = String::from_utf8(push_json(&[op])).unwrap();
        let deep = text.replace(
            &format!("\"{MARKER}\""),
            &nested("{\"a\":", "}", 10_000).replacen("{\"a\":}", "{}", 1),
        );
        rows.push(row(
            "JSON: 10 000 nested objects as a comment's text",
            sync_with(&zt, JSON, deep.into_bytes()),
            bad("JSON"),
        ));
    }
    {
        let mut spaces = br#"{"cursor":0,"ops":[],"limit":1"#.to_vec();
        spaces.extend(std::iter::repeat_n(b' ', 9 << 20));
        spaces.push(b'}');
        rows.push(row(
            "JSON: 9 MiB of whitespace",
            sync_with(&zt, JSON, spaces),
            too_large("too large"),
        ));
        let huge = to_json(&json!({"cursor": 0, "ops": [], "limit": "x".repeat(9 << 20)}));
        rows.push(row(
            "JSON: one 9 MiB string",
            sync_with(&zt, JSON, huge),
            too_large("too large"),
        ));
        // The same, chunked (no Content-Length), and with a Content-Length of 1 TB.
        let mut chunked = http1(
            "POST",
            "/v1/sync",
            &[
                bearer(&zt),
                ("Content-Type", JSON.into()),
                ("Transfer-Encoding", "chunked".into()),
            ],
            b"",
        );
        let chunk = vec![b' '; 1 << 20];
        for _ in 0..9 {
            chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
            chunked.extend_from_slice(&chunk);
            chunked.extend_from_slice(b"\r\n");
        }
        chunked.extend_from_slice(b"0\r\n\r\n");
        rows.push(raw_row(
            "JSON: 9 MiB chunked, no Content-Length",
            chunked,
            too_large("too large"),
        ));
        let mut lying = http1(
            "POST",
            "/v1/sync",
            &[
                bearer(&zt),
                ("Content-Type", JSON.into()),
                ("Content-Length", "1099511627776".into()),
            ],
            b"",
        );
        lying.extend(std::iter::repeat_n(b' ', 9 << 20));
        rows.push(raw_row(
            "JSON: Content-Length of 1 TB (9 MiB sent)",
            lying,
            too_large("too large"),
        ));
    }
    {
        let op = zhang.comment(LAOWANG_EBIKE, HazardId::new(), MARKER);
        let body = push_json(&[op]);
        rows.push(row(
            "JSON: invalid UTF-8 in a string",
            sync_with(&zt, JSON, splice(&body, MARKER.as_bytes(), b"\xFF\xFE\xFD")),
            bad("JSON"),
        ));
        rows.push(row(
            "JSON: overlong UTF-8 (C0 AF, a disguised '/')",
            sync_with(&zt, JSON, splice(&body, MARKER.as_bytes(), b"..\xC0\xAF..")),
            bad("JSON"),
        ));
        rows.push(row(
            "JSON: a lone surrogate escape",
            sync_with(&zt, JSON, splice(&body, MARKER.as_bytes(), br"\ud800")),
            bad("JSON"),
        ));
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(&body);
        rows.push(row(
            "JSON: a byte-order mark before the body",
            sync_with(&zt, JSON, bom),
            bad("JSON"),
        ));
    }
    rows.push(row(
        "JSON: a key given twice",
        sync_with(
            &zt,
            JSON,
            br#"{"cursor":0,"cursor":7,"ops":[],"limit":1}"#.to_vec(),
        ),
        bad("duplicate"),
    ));
    rows.push(row(
        "JSON: a null op",
        sync_with(
            &zt,
            JSON,
            br#"{"cursor":0,"ops":[null],"limit":1}"#.to_vec(),
        ),
        bad("JSON"),
    ));
    {
        let mut op =
            serde_json::to_value(zhang.comment(LAOWANG_EBIKE, HazardId::new(), "溢出")).unwrap();
        op["hlc"]["wall_ms"] = json!(4_242_424_242_424u64);
        let text = String::from_utf8(to_json(&json!({"cursor": 0, "ops": [op]}))).unwrap();
        rows.push(row(
            "JSON: an HLC of 2^64 ms (overflows u64)",
            sync_with(
                &zt,
                JSON,
                text.replace("4242424242424", "18446744073709551616")
                    .into_bytes(),
            ),
            bad("JSON"),
        ));
        rows.push(row(
            "JSON: an HLC of 1e400 ms",
            sync_with(
                &zt,
                JSON,
                text.replace("4242424242424", "1e400").into_bytes(),
            ),
            bad("JSON"),
        ));
    }
    rows.push(row(
        "login: invalid UTF-8 in the username",
        h.post(u("/v1/auth/login"))
            .header(CONTENT_TYPE, JSON)
            .body(
                b"{\"username\":\"zhang\xFF\xFEwei\",\"password\":\"x\",\"device_id\":\"5e1f0000-0000-7000-8000-0000000000d1\",\"device_name\":\"p\"}"
                    .to_vec(),
            ),
        bad("unicode"),
    ));
    rows.push(row(
        "login: 10 000 nested objects",
        h.post(u("/v1/auth/login"))
            .header(CONTENT_TYPE, JSON)
            .body(nested("{\"a\":", "}", 10_000).replacen("{\"a\":}", "{}", 1)),
        err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "unknown field"),
    ));

    // -- forged, misplaced, replayed and revoked credentials --------------------------------
    rows.push(row(
        "alg none token claiming the admin: create a user",
        h.post(u("/v1/admin/users"))
            .bearer_auth(unsigned_token(&admin_claims))
            .json(&json!({"username": "mallory", "display_name": "M", "password": "mallory-password", "role": "admin"})),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "admin claims signed with a wrong key: create a user",
        h.post(u("/v1/admin/users"))
            .bearer_auth(sign(&admin_claims, "guessed-secret-guessed-secret-xx"))
            .json(&json!({"username": "mallory2", "display_name": "M", "password": "mallory-password", "role": "admin"})),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "a guessed operator key: create an organisation",
        h.post(u("/v1/operator/orgs"))
            .bearer_auth("operator-test-token-operator-test-tokem")
            .json(&json!({"name": "冒牌街道", "admin": {"username": "mallory3", "display_name": "M", "password": "mallory-password"}})),
        unauthorized("not the operator key"),
    ));
    rows.push(row(
        "an expired admin token: list users",
        h.get(u("/v1/admin/users")).bearer_auth(sign(
            &Claims {
                iat: now - 7200,
                exp: now - 3600,
                ..admin_claims.clone()
            },
            JWT_SECRET,
        )),
        unauthorized("expired"),
    ));
    rows.push(row(
        "an admin token for another audience: revoke a device",
        h.post(u(&format!("/v1/admin/devices/{}/revoke", zhang.id())))
            .bearer_auth(sign(
                &Claims {
                    aud: "firecheck-admin-console".into(),
                    ..admin_claims.clone()
                },
                JWT_SECRET,
            ))
            .json(&json!({})),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "a `kid` pointing at ../../jwt-secret, signed with an empty key",
        h.get(u("/v1/admin/devices")).bearer_auth(sign_with(
            Header {
                kid: Some("../../jwt-secret".into()),
                ..Header::new(Algorithm::HS256)
            },
            &admin_claims,
            b"",
        )),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "a valid signature for a device of another user",
        h.get(u("/v1/hazards")).bearer_auth(sign(
            &Claims {
                dev: wang.id(),
                ..claims_of(&zhang.tokens)
            },
            JWT_SECRET,
        )),
        unauthorized("not registered"),
    ));
    rows.push(row(
        "a refresh token used as a bearer token",
        sync_with(
            &zhang.tokens.refresh_token.clone(),
            JSON,
            to_json(&json!({"cursor": 0, "ops": [], "limit": 1})),
        ),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "an access token presented as a refresh token",
        h.post(u("/v1/auth/refresh"))
            .json(&json!({"refresh_token": zt.clone()})),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "a replayed refresh token",
        h.post(u("/v1/auth/refresh"))
            .json(&json!({"refresh_token": used_refresh.clone()})),
        unauthorized("already used"),
    ));
    rows.push(row(
        "a revoked device uploads a photo",
        h.put(u(&format!("/v1/blobs/{}", BlobHash::of(&jpeg()).to_hex())))
            .bearer_auth(&st)
            .header(CONTENT_TYPE, "image/jpeg")
            .body(jpeg()),
        unauthorized("revoked"),
    ));
    rows.push(row(
        "a revoked device pulls",
        sync_with(
            &st,
            JSON,
            to_json(&json!({"cursor": 0, "ops": [], "limit": 100})),
        ),
        unauthorized("revoked"),
    ));
    rows.push(row(
        "a revoked device logs in as another user",
        h.post(u("/v1/auth/login")).json(&json!({
            "username": "lina", "password": password("lina"),
            "device_id": stolen.id(), "device_name": "stolen phone"})),
        forbidden("revoked"),
    ));
    rows.push(row(
        "another organisation's device id at login",
        h.post(u("/v1/auth/login")).json(&json!({
            "username": "zhaolei", "password": "zhaolei-password-2026",
            "device_id": zhang.id(), "device_name": "borrowed phone"})),
        forbidden("another organisation"),
    ));

    // -- role escalation ----------------------------------------------------------------------
    let template = |dev: &mut Device| {
        dev.op(
            EntityRef::Template(TemplateId::new()),
            OpBody::TemplateDefined(TemplateDefinition {
                code: "EB-LAX".into(),
                name: "宽松版电动车检查表".into(),
                version: 1,
                kinds: vec![VenueKind::EbikePoint],
                items: vec![ChecklistItem {
                    code: "EB-LAX-01".into(),
                    text: "一切正常".into(),
                    severity: Severity::Minor,
                }],
            }),
        )
    };
    rows.push(row(
        "an inspector defines a checklist template",
        sync_with(&zt, BIN, push_bin(&[template(&mut zhang)])),
        Expect::Rejected(RejectCode::Forbidden, "inspector"),
    ));
    rows.push(row(
        "the admin defines a checklist template",
        sync_with(&at, BIN, push_bin(&[template(&mut admin)])),
        Expect::Rejected(RejectCode::Forbidden, "admin"),
    ));
    {
        let verify = zhang.hazard_op(
            LAOWANG_EBIKE,
            hazard_a,
            OpBody::HazardVerified {
                note: "我自己验收".into(),
            },
        );
        let reopen = zhang.hazard_op(
            LAOWANG_EBIKE,
            hazard_a,
            OpBody::HazardReopened {
                reason: "重开".into(),
            },
        );
        rows.push(row(
            "an inspector verifies and reopens a hazard",
            sync_with(&zt, BIN, push_bin(&[verify, reopen])),
            Expect::Rejected(RejectCode::Forbidden, "inspector"),
        ));
    }
    rows.push(row(
        "an inspector creates an officer in another organisation",
        h.post(u("/v1/admin/users")).bearer_auth(&zt).json(&json!({
            "username": "zhang-officer", "display_name": "张伟", "password": "promoted-password",
            "role": "officer", "org": org_b.id})),
        forbidden("inspector"),
    ));
    rows.push(row(
        "an officer creates an organisation with their access token",
        h.post(u("/v1/operator/orgs"))
            .bearer_auth(&wt)
            .json(&json!({"name": "王芳的新街道", "admin": {"username": "wang-org", "display_name": "王芳", "password": "promoted-password"}})),
        unauthorized("operator key"),
    ));
    rows.push(row(
        "an admin creates an organisation with their access token",
        h.post(u("/v1/operator/orgs"))
            .bearer_auth(&at)
            .json(&json!({"name": "管理员的新街道", "admin": {"username": "admin-org", "display_name": "管理员", "password": "promoted-password"}})),
        unauthorized("operator key"),
    ));
    rows.push(row(
        "organisation B's admin creates an admin inside organisation A",
        h.post(u("/v1/admin/users"))
            .bearer_auth(admin_b.token())
            .json(&json!({
            "username": "b-in-a", "display_name": "越权", "password": "promoted-password",
            "role": "admin", "org": admin.org()})),
        forbidden("own organisation"),
    ));
    rows.push(row(
        "organisation B's admin revokes organisation A's device",
        h.post(u(&format!("/v1/admin/devices/{}/revoke", zhang.id())))
            .bearer_auth(admin_b.token())
            .json(&json!({})),
        err(StatusCode::NOT_FOUND, "not_found", "this organisation"),
    ));
    rows.push(row(
        "the operator key used as an access token: read hazards",
        h.get(u("/v1/hazards"))
            .bearer_auth(firecheck_server::testing::OPERATOR_TOKEN),
        unauthorized("not valid"),
    ));
    rows.push(row(
        "an officer creates an admin",
        h.post(u("/v1/admin/users")).bearer_auth(&wt).json(&json!({
            "username": "wang-admin", "display_name": "王芳", "password": "promoted-password",
            "role": "admin"})),
        forbidden("officer"),
    ));
    rows.push(row(
        "an inspector revokes the admin's device",
        h.post(u(&format!("/v1/admin/devices/{}/revoke", admin.id())))
            .bearer_auth(&zt)
            .json(&json!({})),
        forbidden("inspector"),
    ));

    // -- forged authors and devices ---------------------------------------------------------
    {
        let mut other_org_author = zhang.comment(LAOWANG_EBIKE, hazard_a, "冒用外单位用户");
        other_org_author.author = zhao.user();
        let mut other_org_device = zhang.comment(LAOWANG_EBIKE, hazard_a, "冒用外单位设备");
        other_org_device.device = zhao.id();
        let mut nil_author = zhang.comment(LAOWANG_EBIKE, hazard_a, "无名氏");
        nil_author.author = UserId(uuid::Uuid::nil());
        rows.push(row(
            "authors and devices of another organisation, and a nil author",
            sync_with(
                &zt,
                BIN,
                push_bin(&[other_org_author, other_org_device, nil_author]),
            ),
            Expect::Rejected(RejectCode::WrongIdentity, "not"),
        ));
        let mut as_officer = zhao.comment(venue_b, HazardId::new(), "以对方科长名义");
        as_officer.author = wang.user();
        rows.push(row(
            "another organisation's inspector writes as our officer",
            sync_with(zhao.token(), JSON, push_json(&[as_officer])),
            Expect::Rejected(RejectCode::WrongIdentity, "not"),
        ));
    }

    // -- absurd timestamps --------------------------------------------------------------------
    {
        let node = zhang.clock.node();
        let hz = hazard_entity(LAOWANG_EBIKE, hazard_a);
        let text = |t: &str| OpBody::HazardCommented { text: t.into() };
        let ops = [
            ("an HLC in 1970", Hlc::new(0, 0, node), "plausible"),
            (
                "an HLC in 2999",
                Hlc::new(year_2999_ms() as u64, 0, node),
                "future",
            ),
            (
                "an HLC of u64::MAX",
                Hlc::new(u64::MAX, u32::MAX, node),
                "future",
            ),
        ];
        for (name, hlc, hint) in ops {
            let op = zhang.op_with_hlc(hz, text(name), hlc);
            rows.push(row(
                format!("JSON: {name}"),
                sync_with(&zt, JSON, push_json(&[op])),
                Expect::Rejected(RejectCode::BadClock, hint),
            ));
        }
        let (mut early, _) = zhang.inspection(LAOWANG_EBIKE, &["EB-EXIT"], &[]);
        if let OpBody::InspectionSubmitted(r) = &mut early.body {
            r.started_at = Timestamp(i64::MIN);
        }
        rows.push(row(
            "an inspection started at i64::MIN",
            sync_with(&zt, BIN, push_bin(&[early])),
            Expect::Rejected(RejectCode::BadClock, "started_at"),
        ));
        let drill = zhang.op(
            EntityRef::Drill {
                venue: Some(LAOWANG_EBIKE),
                drill: DrillId::new(),
            },
            OpBody::DrillRecorded(DrillRecord {
                held_at: Timestamp(year_2999_ms()),
                place: "龙华中路站".into(),
                organiser: "斜土街道社区平安办".into(),
                units: vec!["龙华中路站".into()],
                scenario: "疏散".into(),
                participants: 10,
                evacuation_secs: 100,
                went_well: String::new(),
                to_improve: String::new(),
                evidence: Vec::new(),
            }),
        );
        rows.push(row(
            "a drill held in 2999",
            sync_with(&zt, BIN, push_bin(&[drill])),
            Expect::Rejected(RejectCode::BadClock, "held_at"),
        ));
    }

    // -- path traversal in ids ----------------------------------------------------------------
    rows.push(row(
        "GET /v1/hazards/..%2F..%2Fetc%2Fpasswd",
        h.get(u("/v1/hazards/..%2F..%2Fetc%2Fpasswd"))
            .bearer_auth(&zt),
        not_found("not a valid"),
    ));
    rows.push(raw_row(
        "GET /v1/blobs/../jwt-secret (not normalised)",
        http1("GET", "/v1/blobs/../jwt-secret", &[bearer(&zt)], b""),
        not_found("no such endpoint"),
    ));
    rows.push(row(
        "GET /v1/blobs/..%2Fjwt-secret",
        h.get(u("/v1/blobs/..%2Fjwt-secret")).bearer_auth(&zt),
        bad("SHA-256"),
    ));
    rows.push(row(
        "PUT /v1/blobs/..%2F..%2F..%2Fetc%2Fcron.d%2Fx",
        h.put(u("/v1/blobs/..%2F..%2F..%2Fetc%2Fcron.d%2Fx"))
            .bearer_auth(&zt)
            .header(CONTENT_TYPE, "image/jpeg")
            .body(jpeg()),
        bad("SHA-256"),
    ));
    rows.push(raw_row(
        "PUT /v1/blobs/../../db/conf (not normalised)",
        http1(
            "PUT",
            "/v1/blobs/../../db/conf",
            &[
                bearer(&zt),
                ("Content-Type", "image/jpeg".into()),
                ("Content-Length", jpeg().len().to_string()),
            ],
            &jpeg(),
        ),
        not_found("no such endpoint"),
    ));
    rows.push(row(
        "GET /v1/venues/%00/inspections",
        h.get(u("/v1/venues/%00/inspections")).bearer_auth(&zt),
        not_found("not a valid"),
    ));
    rows.push(row(
        "GET /v1/venues/%FF%FE/inspections (invalid UTF-8)",
        h.get(u("/v1/venues/%FF%FE/inspections")).bearer_auth(&zt),
        bad("UTF-8"),
    ));
    rows.push(row(
        "GET /v1/campaigns/..%2F..%2Fadmin%2Fstats/coverage",
        h.get(u("/v1/campaigns/..%2F..%2Fadmin%2Fstats/coverage"))
            .bearer_auth(&zt),
        not_found(""),
    ));
    rows.push(row(
        "POST /v1/admin/devices/..%2F..%2Fadmin%2Fusers/revoke",
        h.post(u("/v1/admin/devices/..%2F..%2Fadmin%2Fusers/revoke"))
            .bearer_auth(&at)
            .json(&json!({})),
        not_found(""),
    ));

    // -- query parameters ---------------------------------------------------------------------
    rows.push(row(
        "a 30 000-digit limit",
        h.get(u(&format!("/v1/hazards?limit={}", "9".repeat(30_000))))
            .bearer_auth(&zt),
        bad("query"),
    ));
    rows.push(row(
        "min_seq of 2^64",
        h.get(u("/v1/hazards?min_seq=18446744073709551616"))
            .bearer_auth(&zt),
        bad("query"),
    ));
    rows.push(row(
        "a 30 KiB street next to an unknown parameter",
        h.get(u(&format!(
            "/v1/venues?street={}&admin=true",
            "街".repeat(3_000)
        )))
        .bearer_auth(&zt),
        bad("unknown field"),
    ));
    rows.push(row(
        "an unknown parameter on /v1/templates",
        h.get(u("/v1/templates?debug=1")).bearer_auth(&zt),
        bad("unknown field"),
    ));
    rows.push(row(
        "an unknown parameter on /v1/drills",
        h.get(u("/v1/drills?include_deleted=true")).bearer_auth(&zt),
        bad("unknown field"),
    ));
    rows.push(row(
        "a parameter given twice",
        h.get(u("/v1/hazards?status=open&status=closed"))
            .bearer_auth(&zt),
        bad("duplicate"),
    ));
    rows.push(row(
        "a negative offset",
        h.get(u("/v1/venues?offset=-1")).bearer_auth(&zt),
        bad("query"),
    ));

    // -- wrong methods --------------------------------------------------------------------------
    for (method, path) in [
        ("DELETE", "/v1/sync".to_string()),
        ("PUT", "/v1/venues".to_string()),
        ("GET", "/v1/auth/login".to_string()),
        ("PATCH", "/v1/admin/users".to_string()),
        ("DELETE", format!("/v1/blobs/{some_hash}")),
        ("TRACE", format!("/v1/hazards/{hazard_a}")),
    ] {
        rows.push(row(
            format!("{method} {path}"),
            h.request(Method::from_bytes(method.as_bytes()).unwrap(), u(&path))
                .bearer_auth(&zt),
            wrong_method(),
        ));
    }

    // -- missing bodies -----------------------------------------------------------------------
    rows.push(row(
        "login without a body",
        h.post(u("/v1/auth/login")).header(CONTENT_TYPE, JSON),
        bad("EOF"),
    ));
    rows.push(row(
        "refresh without a body or a content type",
        h.post(u("/v1/auth/refresh")),
        err(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Content-Type",
        ),
    ));
    rows.push(row(
        "create a user without a body",
        h.post(u("/v1/admin/users"))
            .bearer_auth(&at)
            .header(CONTENT_TYPE, JSON),
        bad("EOF"),
    ));
    rows.push(row(
        "create an organisation from {}",
        h.post(u("/v1/operator/orgs"))
            .bearer_auth(firecheck_server::testing::OPERATOR_TOKEN)
            .json(&json!({})),
        err(StatusCode::UNPROCESSABLE_ENTITY, "invalid", "name"),
    ));
    rows.push(row(
        "upload an empty photo",
        h.put(u(&format!("/v1/blobs/{some_hash}")))
            .bearer_auth(&zt)
            .header(CONTENT_TYPE, "image/jpeg"),
        bad("empty"),
    ));
    rows.push(row(
        "a photo chunk whose Content-Range overflows u64",
        h.put(u(&format!("/v1/blobs/{some_hash}")))
            .bearer_auth(&zt)
            .header(CONTENT_TYPE, "image/jpeg")
            .header(
                "content-range",
                "bytes 0-18446744073709551615/18446744073709551616",
            )
            .body(jpeg()),
        bad("Content-Range"),
    ));
    rows.push(row(
        "a photo claiming 1 TB in its Content-Range",
        h.put(u(&format!("/v1/blobs/{some_hash}")))
            .bearer_auth(&zt)
            .header(CONTENT_TYPE, "image/jpeg")
            .header(
                "content-range",
                format!("bytes 0-{}/1099511627776", jpeg().len() - 1),
            )
            .body(jpeg()),
        too_large("over the limit"),
    ));

    // -- ops about another organisation's venue: stored in the pusher's organisation only ----
    {
        let (b_inspects_a, _) = zhao.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
        let b_renames_a = zhao.op(
            EntityRef::Venue(LAOWANG_EBIKE),
            OpBody::VenueUpserted(VenueFields {
                name: Some("被外单位改名".into()),
                ..Default::default()
            }),
        );
        let b_comments_a = zhao.comment(LAOWANG_EBIKE, hazard_a, "外单位的评论");
        let zt_b = zhao.token().to_string();
        rows.push(row(
            "another organisation inspects our venue",
            sync_with(&zt_b, BIN, push_bin(&[b_inspects_a])),
            Expect::OwnOrgOnly,
        ));
        rows.push(row(
            "another organisation renames our venue",
            sync_with(&zt_b, JSON, push_json(&[b_renames_a])),
            Expect::OwnOrgOnly,
        ));
        rows.push(row(
            "another organisation comments on our hazard",
            sync_with(&zt_b, BIN, push_bin(&[b_comments_a])),
            Expect::OwnOrgOnly,
        ));
    }

    let unchanged_rows = rows
        .iter()
        .filter(|r| !matches!(r.expect, Expect::OwnOrgOnly))
        .count();
    assert!(
        rows.len() >= 40,
        "the table has {} rows; the issue asks for at least 40",
        rows.len()
    );
    eprintln!(
        "hostile: {} rows ({} must change nothing, {} store into the pusher's organisation only)",
        rows.len(),
        unchanged_rows,
        rows.len() - unchanged_rows
    );

    let mut expected = baseline.clone();
    let mut checked_store = false;
    let mut failures: Vec<String> = Vec::new();
    for Row {
        name,
        request,
        expect,
    } in rows
    {
        if matches!(expect, Expect::OwnOrgOnly) && !checked_store {
            // Every row so far had to change nothing: compare the stopped server's store.
            server.stop();
            assert_eq!(
                stored(&server.data_dir),
                stored_before,
                "after the rows that must change nothing, the store changed"
            );
            server.restart();
            checked_store = true;
        }
        let mut raw = match request {
            Request::Http(rb) => send(name.clone(), *rb).await,
            Request::Raw(bytes) => send_raw(addr, &name, bytes).await,
        };
        raw.what = format!("row {name:?}: {}", raw.what);
        assert!(
            !raw.status.is_server_error(),
            "a 5xx for hostile input — {}",
            raw.context()
        );
        match expect {
            Expect::Error(..) | Expect::Rejected(..) => {
                if let Err(why) = check_answer(&raw, expect) {
                    failures.push(format!("row {name:?}: {why}"));
                }
            }
            Expect::OwnOrgOnly => {
                let raw = raw.expect_ok();
                let resp = ack_results(&raw);
                let seqs = all_accepted(&resp);
                // Into organisation B's log, at its next sequence numbers…
                let b = zhao.pull_all().await;
                assert_eq!(b.ops[..expected.b.ops.len()], expected.b.ops[..]);
                let new: Vec<OpId> = b.ops[expected.b.ops.len()..]
                    .iter()
                    .map(|o| o.op_id)
                    .collect();
                let acked: Vec<OpId> = resp.acks.iter().map(|a| a.op_id).collect();
                assert_eq!(
                    new, acked,
                    "row {name:?}: B's log grew by exactly these ops"
                );
                assert_eq!(seqs[0], expected.b.cursor + 1);
                expected.b = b;
            }
        }
        // Nothing else changed, in either organisation.
        let now = seen(&wang, &zhao).await;
        assert_eq!(
            now.a.digest(),
            expected.a.digest(),
            "row {name:?} changed organisation A's log"
        );
        assert_eq!(
            now.b.digest(),
            expected.b.digest(),
            "row {name:?} changed organisation B's log"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of the rows got another answer than expected:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked_store);

    // Organisation A's views are untouched by B's ops about its venue and hazard.
    assert_eq!(
        wang.get_json(&format!("/v1/hazards/{hazard_a}")).await,
        hazard_a_before
    );
    assert_eq!(wang.get_json("/v1/venues").await, venues_a_before);
    assert_eq!(
        wang.get_json(&format!("/v1/venues/{LAOWANG_EBIKE}/inspections"))
            .await,
        inspections_a_before
    );
    // The replayed refresh token took the rotated one with it; other sessions still work.
    refresh_raw(&h, &url, &rotated.refresh_token)
        .await
        .expect_error(StatusCode::UNAUTHORIZED, "unauthorized");
    lina.pull_all().await;
    zhang.pull_all().await;
}

/// Requests hyper answers before any application code runs: a bare status, no JSON body
/// (nothing in axum can see them). Still a 4xx, and nothing changes.
#[tokio::test(flavor = "multi_thread")]
async fn answered_before_the_app() {
    let server = TestServer::demo();
    let dev = Device::login(&server.url, "zhangwei").await;
    let before = dev.pull_all().await;
    let t = dev.token().to_string();
    let cases: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "a 100 KiB URI",
            http1(
                "GET",
                &format!("/v1/hazards?street={}", "x".repeat(100 * 1024)),
                &[bearer(&t)],
                b"",
            ),
            StatusCode::URI_TOO_LONG,
        ),
        (
            "1 MiB of headers",
            http1(
                "GET",
                "/v1/hazards",
                &[("Authorization", format!("Bearer {}", "a".repeat(1 << 20)))],
                b"",
            ),
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        ),
        (
            "a NUL in the request line",
            http1("GET", "/v1/hazards\0", &[bearer(&t)], b""),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (name, bytes, status) in cases {
        let raw = send_raw(server.addr, name, bytes).await;
        assert_eq!(raw.status, status, "{}", raw.context());
    }
    assert_eq!(dev.pull_all().await.digest(), before.digest());
}
