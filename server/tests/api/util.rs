//! Helpers shared by every test module: HTTP calls that print their context when they fail,
//! a `Device` that stamps ops like a field client (HLC clock, increasing `device_seq`), and
//! digests of stored data (through the API, or straight from the store of a stopped server).

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use firecheck_server::auth::Claims;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::op::{CampaignDefinition, InspectionRecord, VenueFields};
use firecheck_shared::sync::{
    Ack, AckResult, ErrorBody, LoginRequest, RefreshRequest, RejectCode, SyncRequest, SyncResponse,
    TokenResponse,
};
use firecheck_shared::*;
use reqwest::header::{HeaderMap, ACCEPT, AUTHORIZATION, CONTENT_TYPE};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};

pub use firecheck_server::testing::{password, ADMIN_PASSWORD, JWT_SECRET};
pub use firecheck_shared::fixtures::ids::{CIIE_CAMPAIGN, EBIKE_TEMPLATE, LAOWANG_EBIKE};

/// What `TestServer` tokens carry.
pub const ISSUER: &str = "firecheck";
pub const AUDIENCE: &str = "firecheck-sync";

/// base64url without padding, as JWTs encode their parts.
pub fn b64url(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token that says `alg: none` and carries no signature: what a forger sends.
pub fn unsigned_token(claims: &Claims) -> String {
    let header = b64url(br#"{"alg":"none","typ":"JWT"}"#);
    let payload = b64url(&serde_json::to_vec(claims).unwrap());
    format!("{header}.{payload}.")
}

pub fn now_ms() -> u64 {
    Timestamp::now().0 as u64
}

/// A client without a connection pool, so a restarted server never meets a stale socket.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(120))
        .build()
        .expect("http client")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        s.chars().take(max).chain("…".chars()).collect()
    }
}

/// An HTTP answer, kept whole so a failing assertion can show it.
#[derive(Debug)]
pub struct Raw {
    pub what: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Raw {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn content_type(&self) -> String {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    }

    /// What a failure message shows.
    pub fn context(&self) -> String {
        format!(
            "{}: status {}, content-type {:?}, body: {}",
            self.what,
            self.status,
            self.content_type(),
            clip(&self.text(), 3000)
        )
    }

    pub fn expect_status(self, status: StatusCode) -> Self {
        assert_eq!(
            self.status,
            status,
            "unexpected status — {}",
            self.context()
        );
        self
    }

    pub fn expect_ok(self) -> Self {
        self.expect_status(StatusCode::OK)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body is not JSON ({e}) — {}", self.context()))
    }

    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> T {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("body does not parse ({e}) — {}", self.context()))
    }

    /// The error must have this status and the one JSON shape `{"error": {"code", "message"}}`
    /// with this code and a message a person can read.
    pub fn expect_error(&self, status: StatusCode, code: &str) -> ErrorBody {
        assert_eq!(
            self.status,
            status,
            "unexpected status — {}",
            self.context()
        );
        assert!(
            self.content_type().starts_with("application/json"),
            "an error must be JSON — {}",
            self.context()
        );
        let v = self.json();
        let keys: Vec<&String> = v
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        assert_eq!(keys, ["error"], "error body shape — {}", self.context());
        // The code as sent on the wire, and as the client's enum reads it.
        assert_eq!(v["error"]["code"], code, "error code — {}", self.context());
        let body: ErrorBody = self.parse();
        assert_eq!(
            body.error.code.as_str(),
            code,
            "error code — {}",
            self.context()
        );
        assert!(
            !body.error.message.trim().is_empty(),
            "error message is empty — {}",
            self.context()
        );
        body
    }
}

pub async fn send(what: impl Into<String>, rb: reqwest::RequestBuilder) -> Raw {
    let what = what.into();
    let resp = rb
        .send()
        .await
        .unwrap_or_else(|e| panic!("{what}: request failed: {e}"));
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .bytes()
        .await
        .unwrap_or_else(|e| panic!("{what}: reading the body failed: {e}"))
        .to_vec();
    Raw {
        what,
        status,
        headers,
        body,
    }
}

fn bearer(rb: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => rb.header(AUTHORIZATION, format!("Bearer {t}")),
        None => rb,
    }
}

pub async fn get(http: &reqwest::Client, url: &str, path: &str, token: Option<&str>) -> Raw {
    send(
        format!("GET {path}"),
        bearer(http.get(format!("{url}{path}")), token),
    )
    .await
}

/// GET that must answer 200 with JSON.
pub async fn get_json(
    http: &reqwest::Client,
    url: &str,
    path: &str,
    token: &str,
) -> serde_json::Value {
    get(http, url, path, Some(token)).await.expect_ok().json()
}

pub async fn post_json(
    http: &reqwest::Client,
    url: &str,
    path: &str,
    token: Option<&str>,
    body: &serde_json::Value,
) -> Raw {
    send(
        format!("POST {path}"),
        bearer(http.post(format!("{url}{path}")), token).json(body),
    )
    .await
}

pub async fn login_raw(
    http: &reqwest::Client,
    url: &str,
    user: &str,
    password: &str,
    device: DeviceId,
) -> Raw {
    let req = LoginRequest {
        username: user.into(),
        password: password.into(),
        device_id: device,
        device_name: format!("{user}'s test device"),
    };
    send(
        format!("login {user}"),
        http.post(format!("{url}/v1/auth/login")).json(&req),
    )
    .await
}

pub async fn login(
    http: &reqwest::Client,
    url: &str,
    user: &str,
    password: &str,
    device: DeviceId,
) -> TokenResponse {
    login_raw(http, url, user, password, device)
        .await
        .expect_ok()
        .parse()
}

pub async fn refresh_raw(http: &reqwest::Client, url: &str, refresh_token: &str) -> Raw {
    send(
        "refresh",
        http.post(format!("{url}/v1/auth/refresh"))
            .json(&RefreshRequest {
                refresh_token: refresh_token.into(),
            }),
    )
    .await
}

/// POST /v1/sync with any body and headers.
pub async fn sync_raw(
    http: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> Raw {
    let mut rb = bearer(http.post(format!("{url}/v1/sync")), token).body(body);
    if let Some(ct) = content_type {
        rb = rb.header(CONTENT_TYPE, ct);
    }
    send(format!("sync ({content_type:?})"), rb).await
}

/// One sync round trip in `format`; must answer 200.
pub async fn sync(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    req: &SyncRequest,
    format: Format,
) -> SyncResponse {
    let raw = send(
        format!(
            "sync ({format:?}, {} ops, cursor {})",
            req.ops.len(),
            req.cursor
        ),
        http.post(format!("{url}/v1/sync"))
            .header(AUTHORIZATION, format!("Bearer {token}"))
            .header(CONTENT_TYPE, format.media_type())
            .header(ACCEPT, format.media_type())
            .body(codec::encode(format, req)),
    )
    .await
    .expect_ok();
    assert!(
        raw.content_type().starts_with(format.media_type()),
        "answer in the wrong form — {}",
        raw.context()
    );
    let resp: SyncResponse = codec::decode(format, &raw.body)
        .unwrap_or_else(|e| panic!("sync answer does not decode ({e}) — {}", raw.context()));
    assert_eq!(
        resp.acks.len(),
        req.ops.len(),
        "one ack per pushed op — {resp:?}"
    );
    for (ack, op) in resp.acks.iter().zip(&req.ops) {
        assert_eq!(
            (ack.op_id, ack.device_seq),
            (op.op_id, op.device_seq),
            "acks come in push order — {resp:?}"
        );
    }
    resp
}

pub fn push_request(ops: Vec<Op>) -> SyncRequest {
    SyncRequest {
        cursor: 0,
        ops,
        limit: 0,
        device_time_ms: 0,
    }
}

pub fn pull_request(cursor: u64, limit: u32) -> SyncRequest {
    SyncRequest {
        cursor,
        ops: Vec::new(),
        limit,
        device_time_ms: 0,
    }
}

/// Everything a user may pull, from cursor 0.
#[derive(Debug, Clone)]
pub struct Pulled {
    pub ops: Vec<Op>,
    pub cursor: u64,
}

impl Pulled {
    pub fn count_of(&self, id: OpId) -> usize {
        self.ops.iter().filter(|o| o.op_id == id).count()
    }

    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(&self.ops).expect("ops to JSON"));
        h.update(self.cursor.to_be_bytes());
        hex::encode(h.finalize())
    }
}

pub async fn pull_all(http: &reqwest::Client, url: &str, token: &str) -> Pulled {
    let mut ops = Vec::new();
    let mut cursor = 0;
    loop {
        let resp = sync(http, url, token, &pull_request(cursor, 5000), Format::Json).await;
        ops.extend(resp.ops);
        cursor = resp.cursor;
        if !resp.has_more {
            return Pulled { ops, cursor };
        }
    }
}

/// The digest of the whole op log of a stopped server (`Store::log_digest`).
pub fn store_digest(data_dir: &Path) -> String {
    let store = firecheck_server::testing::open_store(data_dir);
    store.log_digest().expect("log digest")
}

pub fn accepted(ack: &Ack) -> u64 {
    match ack.result {
        AckResult::Accepted { seq } => seq,
        _ => panic!("expected the op to be accepted: {ack:?}"),
    }
}

pub fn all_accepted(resp: &SyncResponse) -> Vec<u64> {
    resp.acks.iter().map(accepted).collect()
}

pub fn rejected(ack: &Ack) -> (RejectCode, String) {
    match &ack.result {
        AckResult::Rejected { code, reason } => (*code, reason.clone()),
        _ => panic!("expected the op to be rejected: {ack:?}"),
    }
}

/// The severity the fixture template gives a checklist item.
pub fn item_severity(code: &str) -> Severity {
    firecheck_shared::fixtures::Fixtures::demo()
        .expect("fixtures")
        .templates
        .iter()
        .flat_map(|t| t.items.iter())
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("no checklist item {code} in the fixtures"))
        .severity
}

/// A logged-in device that stamps ops the way the field client does.
#[derive(Debug)]
pub struct Device {
    pub http: reqwest::Client,
    pub url: String,
    pub tokens: TokenResponse,
    pub clock: HlcClock,
    pub next_seq: u64,
    pub format: Format,
}

impl Device {
    /// Log in from a fresh device.
    pub async fn login(url: &str, user: &str) -> Device {
        Self::login_with(url, user, DeviceId::new()).await
    }

    pub async fn login_with(url: &str, user: &str, device: DeviceId) -> Device {
        Self::login_as(url, user, &password(user), device).await
    }

    /// Log in with a given password (an account a test made), from `device`.
    pub async fn login_as(url: &str, user: &str, password: &str, device: DeviceId) -> Device {
        let http = http();
        let tokens = login(&http, url, user, password, device).await;
        assert_eq!(tokens.device_id, device);
        Device {
            http,
            url: url.to_string(),
            clock: HlcClock::new(hlc::node_of(&device)),
            tokens,
            next_seq: 1,
            format: Format::Bincode,
        }
    }

    pub fn token(&self) -> &str {
        &self.tokens.access_token
    }

    pub fn id(&self) -> DeviceId {
        self.tokens.device_id
    }

    pub fn user(&self) -> UserId {
        self.tokens.user.id
    }

    pub fn org(&self) -> OrgId {
        self.tokens.org.id
    }

    /// Move this device's clock past ops it has seen (as the client does after a pull), so
    /// what it does next orders after them whatever the wall clocks say.
    pub fn observe(&mut self, ops: &[&Op]) {
        for op in ops {
            self.clock
                .receive(op.hlc, now_ms())
                .expect("a stamp from a test device is never far ahead");
        }
    }

    /// An op stamped now, at the next outbox position.
    pub fn op(&mut self, entity: EntityRef, body: OpBody) -> Op {
        let hlc = self.clock.send(now_ms());
        self.op_with_hlc(entity, body, hlc)
    }

    /// An op with a given HLC (e.g. made earlier offline), at the next outbox position.
    pub fn op_with_hlc(&mut self, entity: EntityRef, body: OpBody, hlc: Hlc) -> Op {
        let device_seq = self.next_seq;
        self.next_seq += 1;
        Op {
            op_id: OpId::new(),
            device: self.id(),
            device_seq,
            entity,
            hlc,
            author: self.user(),
            body,
        }
    }

    /// An `ebike-point` inspection of `venue` in the campaign, failing and passing the given
    /// items (severities from the template).
    pub fn inspection(
        &mut self,
        venue: VenueId,
        failed: &[&str],
        passed: &[&str],
    ) -> (Op, InspectionId) {
        let inspection = InspectionId::new();
        let now = now_ms() as i64;
        let items = failed
            .iter()
            .map(|c| (c, Outcome::Fail))
            .chain(passed.iter().map(|c| (c, Outcome::Pass)))
            .map(|(code, outcome)| ItemResult {
                code: code.to_string(),
                outcome,
                severity: item_severity(code),
                note: if outcome == Outcome::Fail {
                    format!("{code}: 店内飞线充电，电瓶堆放在门口")
                } else {
                    String::new()
                },
                evidence: Vec::new(),
            })
            .collect();
        let op = self.op(
            EntityRef::Inspection { venue, inspection },
            OpBody::InspectionSubmitted(InspectionRecord {
                template: EBIKE_TEMPLATE,
                template_version: 1,
                started_at: Timestamp(now - 10 * 60 * 1000),
                finished_at: Timestamp(now),
                items,
                note: "夜查".into(),
                campaign: Some(CIIE_CAMPAIGN),
            }),
        );
        (op, inspection)
    }

    pub fn hazard_op(&mut self, venue: VenueId, hazard: HazardId, body: OpBody) -> Op {
        self.op(hazard_entity(venue, hazard), body)
    }

    pub fn comment(&mut self, venue: VenueId, hazard: HazardId, text: &str) -> Op {
        self.hazard_op(venue, hazard, OpBody::HazardCommented { text: text.into() })
    }

    pub fn venue_upsert(&mut self, venue: VenueId, name: &str, street: &str, address: &str) -> Op {
        self.op(
            EntityRef::Venue(venue),
            OpBody::VenueUpserted(VenueFields {
                name: Some(name.into()),
                kind: Some(VenueKind::EbikePoint),
                address: Some(address.into()),
                street: Some(street.into()),
                location: None,
            }),
        )
    }

    pub fn campaign(&mut self, name: &str) -> Op {
        self.op(
            EntityRef::Campaign(CampaignId::new()),
            OpBody::CampaignDefined(CampaignDefinition {
                name: name.into(),
                starts: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
                ends: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                streets: vec!["小木桥路".into()],
                kinds: Vec::new(),
                goal: String::new(),
            }),
        )
    }

    /// Push ops (no pull) in this device's format.
    pub async fn push(&self, ops: Vec<Op>) -> SyncResponse {
        self.sync(&push_request(ops)).await
    }

    pub async fn sync(&self, req: &SyncRequest) -> SyncResponse {
        sync(&self.http, &self.url, self.token(), req, self.format).await
    }

    pub async fn pull_all(&self) -> Pulled {
        pull_all(&self.http, &self.url, self.token()).await
    }

    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        get_json(&self.http, &self.url, path, self.token()).await
    }

    pub async fn get(&self, path: &str) -> Raw {
        get(&self.http, &self.url, path, Some(self.token())).await
    }

    /// POST a JSON body with this device's token.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> Raw {
        post_json(&self.http, &self.url, path, Some(self.token()), body).await
    }
}

/// An account made by `admin` in its organisation, logged in from a fresh device.
pub async fn new_user(admin: &Device, username: &str, role: Role) -> Device {
    admin
        .post(
            "/v1/admin/users",
            &serde_json::json!({"username": username, "display_name": username,
                "password": format!("{username}-password"), "role": role}),
        )
        .await
        .expect_status(StatusCode::CREATED);
    Device::login_as(
        &admin.url,
        username,
        &format!("{username}-password"),
        DeviceId::new(),
    )
    .await
}

pub fn hazard_entity(venue: VenueId, hazard: HazardId) -> EntityRef {
    EntityRef::Hazard {
        partition: Partition::Venue(venue),
        hazard,
    }
}

/// Log in as the admin (from a fresh device).
pub async fn admin(url: &str) -> Device {
    Device::login(url, "admin").await
}

/// The password [`new_org`] gives an organisation's first admin.
pub fn org_admin_password(username: &str) -> String {
    format!("{username}-admin-password")
}

/// The operator creates an organisation with its first admin (`username`), who then logs in
/// from a fresh device: the organisation and that admin's device.
pub async fn new_org(url: &str, name: &str, username: &str) -> (Org, Device) {
    let http = http();
    let created = post_json(
        &http,
        url,
        "/v1/operator/orgs",
        Some(firecheck_server::testing::OPERATOR_TOKEN),
        &serde_json::json!({
            "name": name,
            "admin": {"username": username, "display_name": "外单位管理员", "password": org_admin_password(username)},
        }),
    )
    .await
    .expect_status(StatusCode::CREATED)
    .json();
    let org: Org = serde_json::from_value(created["org"].clone()).expect("org in the answer");
    let device = DeviceId::new();
    let tokens = login(&http, url, username, &org_admin_password(username), device).await;
    assert_eq!(tokens.org.id, org.id);
    let admin = Device {
        http,
        url: url.to_string(),
        clock: HlcClock::new(hlc::node_of(&device)),
        tokens,
        next_seq: 1,
        format: Format::Bincode,
    };
    (org, admin)
}

/// `firecheck-server` with only the given flags and TLS variables (none inherited), on
/// sled in `data` unless the flags say otherwise.
pub fn server_command(data: &Path, args: &[&str], env: &[(&str, &Path)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_firecheck-server"));
    cmd.arg("--data")
        .arg(data)
        .args(["--listen", "127.0.0.1:0", "--cache-mb", "16"])
        .args(args)
        .env_remove("FIRECHECK_TLS_CERT")
        .env_remove("FIRECHECK_TLS_KEY")
        .env_remove("FIRECHECK_STORE")
        .env_remove("FIRECHECK_BLOBS")
        .env("FIRECHECK_ADMIN_PASSWORD", "admin-test-password")
        .env("FIRECHECK_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Run a server that must refuse to start; its stderr.
pub fn refused(mut cmd: Command) -> String {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start firecheck-server");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{cmd:?} should have refused to start, but it is still running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !out.status.success(),
        "{cmd:?} should have failed; stdout:\n{}\nstderr:\n{stderr}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr
}
