//! The review API driven without a socket: `firecheck_server::api::app(state)` (the router of
//! a `Server` opened on a temp dir) called with `tower::ServiceExt::oneshot`, one request at a
//! time. For each review route: the status and the JSON shape of its answer, 404 for another
//! organisation's ids (and empty lists), 401 without a token, and 400 / 422 for bad query
//! parameters — each in the one error shape with its code.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use firecheck_server::testing::{password, ADMIN_PASSWORD, JWT_SECRET, OPERATOR_TOKEN};
use firecheck_server::{Config, Server};
use firecheck_shared::codec::Format;
use firecheck_shared::fixtures::ids::{CIIE_CAMPAIGN, LAOWANG_EBIKE};
use firecheck_shared::sync::{ErrorBody, ErrorCode, LoginRequest, SyncResponse, TokenResponse};
use firecheck_shared::*;
use serde_json::{json, Value};
use tower::ServiceExt;

use crate::util::{http, push_request, Device};

/// A demo server opened on a temp dir, not listening: requests go straight to its router.
pub(crate) struct App {
    pub(crate) server: Option<Server>,
    pub(crate) router: axum::Router,
    _dir: tempfile::TempDir,
}

/// One answer: status, content type, body as JSON (`Null` when it is not JSON).
#[derive(Debug)]
struct Answer {
    what: String,
    status: StatusCode,
    content_type: String,
    json: Value,
}

impl Answer {
    fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{self:#?}");
        assert!(
            self.content_type.starts_with("application/json"),
            "{self:#?}"
        );
        &self.json
    }

    /// The one error shape, with this status and code, and a message for a person.
    fn error(&self, status: StatusCode, code: ErrorCode) -> ErrorBody {
        assert_eq!(self.status, status, "{self:#?}");
        assert!(
            self.content_type.starts_with("application/json"),
            "{self:#?}"
        );
        let body: ErrorBody = serde_json::from_value(self.json.clone())
            .unwrap_or_else(|e| panic!("not the error shape ({e}): {self:#?}"));
        assert_eq!(body.error.code, code, "{self:#?}");
        assert!(!body.error.message.trim().is_empty(), "{self:#?}");
        body
    }
}

impl App {
    pub(crate) async fn open() -> App {
        let dir = tempfile::tempdir().unwrap();
        let mut config = Config::new(dir.path());
        config.demo = true;
        config.admin_password = Some(ADMIN_PASSWORD.into());
        config.jwt_secret = Some(JWT_SECRET.into());
        config.operator_token = Some(OPERATOR_TOKEN.into());
        config.cache_bytes = 16 * 1024 * 1024;
        let (server, _) = Server::open(&config).await.expect("open the server");
        let router = server.router();
        App {
            server: Some(server),
            router,
            _dir: dir,
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut req = Request::builder().method(method.clone()).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let content_type = resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            what: format!("{method} {path}"),
            status,
            content_type,
            json: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    /// Log in from a fresh device; the device, ready to stamp ops.
    pub(crate) async fn login(&self, username: &str, password: &str) -> Device {
        let device = DeviceId::new();
        let req = LoginRequest {
            username: username.into(),
            password: password.into(),
            device_id: device,
            device_name: "handler test".into(),
        };
        let answer = self
            .call(
                Method::POST,
                "/v1/auth/login",
                None,
                Some(serde_json::to_value(&req).unwrap()),
            )
            .await;
        let tokens: TokenResponse = serde_json::from_value(answer.ok().clone()).unwrap();
        Device {
            http: http(),
            url: String::new(),
            clock: HlcClock::new(hlc::node_of(&device)),
            tokens,
            next_seq: 1,
            format: Format::Json,
        }
    }

    /// Push ops through `/v1/sync` (JSON); the highest sequence number they got.
    pub(crate) async fn push(&self, dev: &Device, ops: Vec<Op>) -> u64 {
        let req = serde_json::to_value(push_request(ops)).unwrap();
        let answer = self
            .call(Method::POST, "/v1/sync", Some(dev.token()), Some(req))
            .await;
        let resp: SyncResponse = serde_json::from_value(answer.ok().clone()).unwrap();
        resp.acks
            .iter()
            .map(|a| a.result.seq().expect("accepted"))
            .max()
            .expect("an ack")
    }

    /// A second organisation with its own admin, created with the operator key.
    pub(crate) async fn other_org(&self) -> Device {
        let created = self
            .call(
                Method::POST,
                "/v1/operator/orgs",
                Some(OPERATOR_TOKEN),
                Some(json!({
                    "name": "枫林街道社区平安办",
                    "admin": {"username": "fenglin-admin", "display_name": "枫林管理员", "password": "fenglin-admin-password"}
                })),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{created:#?}");
        self.login("fenglin-admin", "fenglin-admin-password").await
    }

    pub(crate) async fn close(mut self) {
        if let Some(server) = self.server.take() {
            server.close().await.expect("close the server");
        }
    }
}

/// The demo server with one finding of 老王电动车维修's charging: the hazard it opens, and
/// the sequence number the views must cover.
pub(crate) async fn with_a_hazard(app: &App) -> (Device, HazardId, u64) {
    let mut zhang = app.login("zhangwei", &password("zhangwei")).await;
    let (insp, inspection) = zhang.inspection(LAOWANG_EBIKE, &["EB-CHARGE"], &[]);
    let seq = app.push(&zhang, vec![insp]).await;
    (zhang, HazardId::for_finding(inspection, "EB-CHARGE"), seq)
}

/// Every review route, with `min_seq` so the answer covers the pushes before it.
fn routes(hazard: HazardId, seq: u64) -> Vec<String> {
    vec![
        format!("/v1/venues?min_seq={seq}"),
        format!("/v1/venues/{LAOWANG_EBIKE}/inspections?min_seq={seq}"),
        format!("/v1/hazards?min_seq={seq}"),
        format!("/v1/hazards/{hazard}?min_seq={seq}"),
        format!("/v1/drills?min_seq={seq}"),
        format!("/v1/campaigns?min_seq={seq}"),
        format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage?min_seq={seq}"),
        format!("/v1/templates?min_seq={seq}"),
    ]
}

/// A page of a list: `items`, `total`, `offset`, `limit`, each item with the given keys.
fn assert_page(what: &str, v: &Value, item_keys: &[&str]) -> usize {
    let items = v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: {v}"));
    for k in ["total", "offset", "limit"] {
        assert!(v[k].is_u64(), "{what}: `{k}` in {v}");
    }
    assert!(
        v["total"].as_u64().unwrap() as usize >= items.len(),
        "{what}: {v}"
    );
    for item in items {
        for k in item_keys {
            assert!(!item[k].is_null(), "{what}: `{k}` in {item}");
        }
    }
    items.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_review_route_answers_200_with_its_json_shape() {
    let app = App::open().await;
    let (zhang, hazard, seq) = with_a_hazard(&app).await;
    let office = app.login("wangfang", &password("wangfang")).await;
    let t = Some(office.token());
    for path in routes(hazard, seq) {
        app.get(&path, t).await.ok();
    }
    let [venues, inspections, hazards, detail, drills, campaigns, coverage, templates] =
        <[String; 8]>::try_from(routes(hazard, seq)).unwrap();

    let v = app.get(&venues, t).await;
    assert!(
        assert_page(
            &v.what,
            v.ok(),
            &["id", "name", "kind", "street", "address"]
        ) > 40
    );

    let v = app.get(&inspections, t).await;
    assert_eq!(
        assert_page(&v.what, v.ok(), &["id", "items", "inspector"]),
        1,
        "{v:#?}"
    );

    let v = app.get(&hazards, t).await;
    assert!(assert_page(&v.what, v.ok(), &["hazard", "venue_name", "street"]) >= 1);
    assert!(
        v.json["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|row| row["hazard"]["id"] == json!(hazard)),
        "{v:#?}"
    );

    let v = app.get(&detail, t).await;
    let d = v.ok();
    assert_eq!(d["hazard"]["id"], json!(hazard), "{v:#?}");
    assert_eq!(d["hazard"]["status"], "open", "{v:#?}");
    assert!(
        d["history"].as_array().is_some_and(|h| !h.is_empty()),
        "{v:#?}"
    );
    for k in ["history_offset", "history_total"] {
        assert!(d[k].is_u64(), "`{k}`: {v:#?}");
    }
    assert!(d["merged"].is_array(), "{v:#?}");

    let v = app.get(&drills, t).await;
    assert!(assert_page(&v.what, v.ok(), &["id", "place", "held_at"]) >= 1);

    let v = app.get(&campaigns, t).await;
    assert!(assert_page(&v.what, v.ok(), &["id", "name", "starts", "ends"]) >= 1);

    let v = app.get(&coverage, t).await;
    let c = v.ok();
    assert_eq!(c["campaign"]["id"], json!(CIIE_CAMPAIGN), "{v:#?}");
    for k in [
        "targets",
        "inspected",
        "hazards_found",
        "hazards_rectified",
        "hazards_overdue",
    ] {
        assert!(c[k].is_u64(), "`{k}`: {v:#?}");
    }
    assert!(c["rectification_rate"].is_number(), "{v:#?}");
    assert!(
        c["rows"].as_array().is_some_and(|r| !r.is_empty()),
        "{v:#?}"
    );

    let v = app.get(&templates, t).await;
    let list = v.ok().as_array().unwrap_or_else(|| panic!("{v:#?}"));
    assert!(!list.is_empty(), "{v:#?}");
    for tpl in list {
        for k in ["id", "code", "version", "items"] {
            assert!(!tpl[k].is_null(), "`{k}` in {tpl}");
        }
    }

    // Paging parameters are taken as given (and clamped).
    let v = app
        .get(&format!("/v1/venues?offset=5&limit=3&min_seq={seq}"), t)
        .await;
    assert_eq!(assert_page(&v.what, v.ok(), &["id"]), 3);
    assert_eq!(
        (v.json["offset"].as_u64(), v.json["limit"].as_u64()),
        (Some(5), Some(3))
    );
    drop(zhang);
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_organisations_ids_are_not_found_and_its_lists_are_empty() {
    let app = App::open().await;
    let (_, hazard, seq) = with_a_hazard(&app).await;
    // The first organisation's views cover the finding before the other one looks.
    let office = app.login("wangfang", &password("wangfang")).await;
    app.get(
        &format!("/v1/hazards/{hazard}?min_seq={seq}"),
        Some(office.token()),
    )
    .await
    .ok();

    let other = app.other_org().await;
    let t = Some(other.token());
    for path in [
        format!("/v1/venues/{LAOWANG_EBIKE}/inspections"),
        format!("/v1/hazards/{hazard}"),
        format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage"),
    ] {
        app.get(&path, t)
            .await
            .error(StatusCode::NOT_FOUND, ErrorCode::NotFound);
    }
    for path in ["/v1/venues", "/v1/hazards", "/v1/drills", "/v1/campaigns"] {
        let v = app.get(path, t).await;
        assert_eq!(assert_page(&v.what, v.ok(), &[]), 0, "{v:#?}");
        assert_eq!(v.json["total"], 0, "{v:#?}");
    }
    let v = app.get("/v1/templates", t).await;
    assert_eq!(v.ok(), &json!([]), "{v:#?}");
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn review_routes_refuse_requests_without_a_valid_token() {
    let app = App::open().await;
    let hazard = HazardId::for_finding(InspectionId::new(), "EB-CHARGE");
    for path in routes(hazard, 0) {
        app.get(&path, None)
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        app.get(&path, Some("not-a-token"))
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
        // The operator key opens no organisation.
        app.get(&path, Some(OPERATOR_TOKEN))
            .await
            .error(StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized);
    }
    app.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_query_parameters_and_ids_get_the_error_shape_and_a_code() {
    let app = App::open().await;
    let office = app.login("wangfang", &password("wangfang")).await;
    let t = Some(office.token());
    let hazard = HazardId::for_finding(InspectionId::new(), "EB-CHARGE");
    // An unknown parameter on every route: 400.
    for path in routes(hazard, 0) {
        app.get(&format!("{path}&colour=red"), t)
            .await
            .error(StatusCode::BAD_REQUEST, ErrorCode::BadRequest);
    }
    let table: &[(&str, StatusCode, ErrorCode)] = &[
        // Not the parameter's type: 400.
        (
            "/v1/venues?limit=many",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            "/v1/venues?offset=-1",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            "/v1/hazards?active=perhaps",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            "/v1/drills?min_seq=soon",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            "/v1/templates?min_seq=-5",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        (
            "/v1/campaigns?limit=99999999999999999999999",
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        ),
        // The right type, not a value the domain knows: 422.
        (
            "/v1/venues?kind=spaceship",
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
        ),
        (
            "/v1/hazards?status=bogus",
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
        ),
        (
            "/v1/hazards?status=open,bogus",
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
        ),
        (
            "/v1/hazards?venue=not-an-id",
            StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::Invalid,
        ),
        // An id that is no id at all names nothing: 404.
        (
            "/v1/hazards/not-an-id",
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        (
            "/v1/venues/42/inspections",
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        (
            "/v1/campaigns/x/coverage",
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
        // A well-formed id nobody has: 404.
        (
            "/v1/hazards/0193a000-0000-7000-8000-000000000000",
            StatusCode::NOT_FOUND,
            ErrorCode::NotFound,
        ),
    ];
    for (path, status, code) in table {
        app.get(path, t).await.error(*status, *code);
    }
    // A wrong method is the error shape too.
    app.call(Method::DELETE, "/v1/hazards", t, None)
        .await
        .error(StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed);
    app.close().await;
}

/// The OpenAPI document lists the error codes as an enum, every one of them.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_lists_every_error_code() {
    let app = App::open().await;
    let doc = app.get("/v1/openapi.json", None).await;
    let schema = &doc.ok()["components"]["schemas"]["ErrorCode"];
    let listed: Vec<&str> = schema["enum"]
        .as_array()
        .unwrap_or_else(|| panic!("ErrorCode is an enum: {schema}"))
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for code in ErrorCode::ALL {
        if code != ErrorCode::Unknown {
            assert!(listed.contains(&code.as_str()), "{code} in {listed:?}");
        }
    }
    assert_eq!(
        doc.json["components"]["schemas"]["ErrorDetail"]["properties"]["code"]["$ref"],
        "#/components/schemas/ErrorCode",
        "{}",
        doc.json["components"]["schemas"]["ErrorDetail"]
    );
    app.close().await;
}
