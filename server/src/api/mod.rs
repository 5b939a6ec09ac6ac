//! The HTTP API: `fn app(state) -> Router`, so tests can drive it without a socket.
//!
//! - `POST /v1/sync` — push and pull in one round trip ([`sync`]).
//! - `POST /v1/auth/login`, `POST /v1/auth/refresh` ([`auth`]).
//! - `GET /v1/venues`, `/v1/hazards`, `/v1/hazards/{id}`, `/v1/venues/{id}/inspections`,
//!   `/v1/drills`, `/v1/campaigns`, `/v1/campaigns/{id}/coverage`, `/v1/templates` — the
//!   safety office's read-only review API ([`review`]).
//! - `/v1/admin/…` — the caller's organisation's users, devices, stats ([`admin`]); changing
//!   a user's role, disabling, enabling, one-time passwords ([`users`]); its units
//!   ([`units`], read by every role at `GET /v1/units`); its audit log and op log
//!   ([`audit`]). `POST /v1/auth/password` changes one's own password ([`auth`]).
//! - `GET /v1/drills/{id}`, `/v1/visits`, `/v1/visits/report`, `/v1/citizen-reports/{id}` —
//!   the other channels' review reads ([`channels`]).
//! - `/v1/intake/citizen-reports…` — the city platform's deliveries and read-back, with an
//!   intake key ([`intake`]); `/v1/admin/intake-keys…` — the keys ([`intake_keys`]).
//! - `/v1/operator/orgs` — organisations and their first admin, with the operator key
//!   ([`operator`]).
//! - `GET /healthz`, `GET /readyz`, `GET /metrics` ([`monitoring`]), `GET /v1/openapi.json`.
//! - `GET /v1/exports/{hazards|inspections|coverage}.{csv|xlsx}` — the office's lists as
//!   spreadsheets ([`exports`]).
//! - Everything else (`/`, `/login`, `/hazards/{id}`, …) is the office console
//!   ([`crate::console`]), merged in here.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::Router;
use firecheck_shared::validate::MAX_SYNC_BYTES;
use firecheck_shared::*;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::auth::{Claims, JwtKeys, LoginLimiter, MetricsKey, OperatorKey, TokenError};
use crate::metrics::Metrics;
use crate::sequencer::Sequencer;
use crate::store::{AuditStamp, Store, UploadLimits};
use crate::views::Views;

pub mod admin;
pub mod audit;
pub mod auth;
pub mod blobs;
pub mod channels;
pub mod error;
pub mod exports;
pub mod intake;
pub mod intake_keys;
pub mod monitoring;
pub mod operator;
pub mod review;
pub mod sync;
pub mod units;
pub mod users;

pub use error::AppError;

/// Everything a handler may use.
#[derive(Debug)]
pub struct AppState {
    pub store: Store,
    pub sequencer: Sequencer,
    pub views: Arc<Views>,
    pub keys: JwtKeys,
    pub operator: OperatorKey,
    /// Reads `/metrics` besides the operator key, when configured.
    pub metrics_key: Option<MetricsKey>,
    pub metrics: Arc<Metrics>,
    pub limiter: LoginLimiter,
    pub request_timeout: Duration,
    /// Largest attachment accepted, bytes.
    pub max_blob_bytes: u64,
    /// Uploads no record refers to, per organisation.
    pub upload_limits: UploadLimits,
    /// The office console's device locks and clocks.
    pub console: crate::console::ConsoleState,
    /// The city platform's deliveries, one at a time.
    pub intake: intake::Intake,
}

pub type State = Arc<AppState>;

/// The router with every layer: body limit, timeout, tracing, one error shape.
pub fn app(state: State) -> Router {
    let timeout = state.request_timeout;
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(monitoring::readyz))
        .route("/metrics", get(monitoring::metrics))
        .route("/v1/openapi.json", get(openapi_json))
        .route("/v1/sync", post(sync::sync))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(auth::refresh))
        .route("/v1/auth/password", post(auth::change_password))
        .route("/v1/venues", get(review::venues))
        .route("/v1/venues/{id}", get(review::venue))
        .route("/v1/venues/{id}/inspections", get(review::inspections))
        .route("/v1/hazards", get(review::hazards))
        .route("/v1/hazards/{id}", get(review::hazard))
        .route("/v1/board", get(review::board))
        .route("/v1/drills", get(review::drills))
        .route("/v1/campaigns", get(review::campaigns))
        .route("/v1/campaigns/{id}/coverage", get(review::coverage))
        .route("/v1/templates", get(review::templates))
        .route("/v1/exports/{file}", get(exports::export))
        .route("/v1/drills/{id}", get(channels::drill))
        .route("/v1/visits", get(channels::visits))
        .route("/v1/visits/report", get(channels::visit_report))
        .route("/v1/citizen-reports/{id}", get(channels::citizen_report))
        .route(
            "/v1/intake/citizen-reports",
            post(intake::deliver).layer(DefaultBodyLimit::max(
                firecheck_shared::intake::MAX_INTAKE_BODY_BYTES,
            )),
        )
        .route("/v1/intake/citizen-reports/{case}", get(intake::read_back))
        .route(
            "/v1/admin/intake-keys",
            get(intake_keys::list).post(intake_keys::create),
        )
        .route(
            "/v1/admin/intake-keys/{id}/revoke",
            post(intake_keys::revoke),
        )
        .route(
            "/v1/operator/orgs",
            get(operator::list_orgs).post(operator::create_org),
        )
        .route(
            "/v1/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route("/v1/admin/users/{username}/role", post(users::change_role))
        .route("/v1/admin/users/{username}/disable", post(users::disable))
        .route("/v1/admin/users/{username}/enable", post(users::enable))
        .route(
            "/v1/admin/users/{username}/reset-password",
            post(users::reset_password),
        )
        .route("/v1/admin/devices", get(admin::list_devices))
        .route("/v1/admin/devices/{id}/revoke", post(admin::revoke_device))
        .route("/v1/admin/stats", get(admin::stats))
        .route("/v1/units", get(units::list))
        .route("/v1/admin/units", post(units::add))
        .route("/v1/admin/units/{id}/rename", post(units::rename))
        .route("/v1/admin/units/{id}/retire", post(units::retire))
        .route("/v1/admin/audit", get(audit::audit))
        .route("/v1/admin/log", get(audit::log))
        .route(
            "/v1/blobs/{hash}",
            get(blobs::get)
                .head(blobs::head)
                .put(blobs::put)
                .layer(DefaultBodyLimit::max(
                    state.max_blob_bytes as usize + 64 * 1024,
                )),
        )
        .merge(crate::console::routes())
        .layer(DefaultBodyLimit::max(MAX_SYNC_BYTES))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        // Outside the timeout, so a sync that timed out is counted too.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            monitoring::record,
        ))
        // Outside the timeout, so a timed-out request gets the JSON error shape too.
        .layer(axum::middleware::from_fn(error::normalize_errors))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
                let route = req
                    .extensions()
                    .get::<axum::extract::MatchedPath>()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_else(|| req.uri().path().to_string());
                tracing::info_span!("http", method = %req.method(), route)
            }),
        )
        .with_state(state)
}

#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "The server is up")))]
async fn healthz() -> &'static str {
    "ok"
}

async fn openapi_json() -> impl axum::response::IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        ApiDoc::openapi().to_pretty_json().unwrap_or_default(),
    )
}

/// Run storage calls off the async workers: sled reads and writes block (on the disk, on
/// its flush), so every handler calls the store through this, on tokio's blocking pool.
pub async fn blocking<T: Send + 'static>(
    state: &State,
    f: impl FnOnce(&Store) -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || crate::store::kv::may_block(|| f(&store)))
        .await
        .map_err(|e| AppError::Internal(format!("a storage task failed: {e}")))?
}

/// [`blocking`] for work that holds its own store handle.
pub(crate) async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(|| crate::store::kv::may_block(work))
        .await
        .map_err(|e| AppError::Internal(format!("a storage task failed: {e}")))?
}

/// The caller, from a valid access token of a device that is not revoked, of an account that
/// is enabled and still in the session the token was issued in. The role is the account's
/// role now (a changed role takes effect at once), not the one the token was issued with.
#[derive(Clone, Debug)]
pub struct Caller(pub Claims);

impl FromRequestParts<State> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        let header = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(|| AppError::Unauthorized(msg!("auth-missing-token")))?;
        let token = header
            .to_str()
            .ok()
            .and_then(|h| h.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::Unauthorized(msg!("auth-bad-header")))?;
        let claims = state.keys.verify(token.trim()).map_err(|e| match e {
            TokenError::Expired => AppError::Unauthorized(msg!("auth-token-expired")),
            TokenError::Invalid(_) => AppError::Unauthorized(msg!("auth-token-invalid")),
        })?;
        let (dev, usr) = (claims.dev, claims.usr.clone());
        let (device, account) = blocking(state, move |store| {
            Ok((store.device(dev)?, store.user(&usr)?))
        })
        .await?;
        match device {
            Some(d) if !d.revoked && d.user == claims.sub => {}
            Some(d) if d.revoked => {
                return Err(AppError::Unauthorized(msg!("auth-device-revoked")))
            }
            _ => return Err(AppError::Unauthorized(msg!("auth-device-unknown"))),
        }
        let mut claims = claims;
        match account {
            Some(u) if u.user.id == claims.sub && u.user.org == claims.org => {
                if u.status.disabled {
                    return Err(AppError::Unauthorized(msg!("auth-account-disabled")));
                }
                if u.status.sessions != claims.gen {
                    return Err(AppError::Unauthorized(msg!("auth-session-ended")));
                }
                claims.role = u.user.role;
                Ok(Caller(claims))
            }
            _ => Err(AppError::Unauthorized(msg!("auth-account-gone"))),
        }
    }
}

impl Caller {
    /// The caller as the author of an audited change, now.
    pub fn stamp(&self) -> AuditStamp {
        AuditStamp {
            org: self.0.org,
            actor: firecheck_shared::admin::Actor::User {
                user: self.0.sub,
                username: self.0.usr.clone(),
                device: Some(self.0.dev),
            },
            at_ms: Timestamp::now().0,
        }
    }

    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.0.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden(msg!(
                "auth-role-may-not",
                role = self.0.role.as_str()
            )))
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "firecheck",
        description = "Offline-first fire-safety inspection: one sync endpoint for devices, a read-only review API for the safety office, accounts for admins. Every write is an op pushed through /v1/sync. Errors are always {\"error\": {\"code\", \"message\"}}."
    ),
    paths(
        healthz,
        monitoring::readyz,
        monitoring::metrics,
        sync::sync,
        auth::login,
        auth::refresh,
        auth::change_password,
        review::venues,
        review::venue,
        review::inspections,
        review::hazards,
        review::hazard,
        review::board,
        review::drills,
        review::campaigns,
        review::coverage,
        review::templates,
        exports::export,
        channels::drill,
        channels::visits,
        channels::visit_report,
        channels::citizen_report,
        intake::deliver,
        intake::read_back,
        intake_keys::list,
        intake_keys::create,
        intake_keys::revoke,
        operator::create_org,
        operator::list_orgs,
        admin::create_user,
        admin::list_users,
        users::change_role,
        users::disable,
        users::enable,
        users::reset_password,
        admin::list_devices,
        admin::revoke_device,
        admin::stats,
        units::list,
        units::add,
        units::rename,
        units::retire,
        audit::audit,
        audit::log,
        blobs::put,
        blobs::head,
        blobs::get,
    ),
    components(schemas(
        firecheck_shared::sync::SyncRequest,
        firecheck_shared::sync::SyncResponse,
        firecheck_shared::sync::ErrorBody,
        firecheck_shared::op::Op,
        firecheck_shared::op::OpBody,
        firecheck_shared::admin::Account,
        firecheck_shared::admin::AuditRecord,
        firecheck_shared::admin::Actor,
        firecheck_shared::admin::AuditAction,
        firecheck_shared::admin::Unit,
        firecheck_shared::admin::LogRecord,
        firecheck_shared::admin::IntakeKey,
        firecheck_shared::intake::CitizenReportIntake,
        firecheck_shared::intake::IntakeReceipt,
        firecheck_shared::intake::CaseStatus,
    )),
    modifiers(&BearerAuth, &ErrorAnswers, &ClosedVariants),
    tags(
        (name = "sync", description = "Push ops and pull what the device has not seen"),
        (name = "auth", description = "Login and token refresh"),
        (name = "review", description = "The safety office's read-only views"),
        (name = "admin", description = "Accounts, devices, units, the audit log and the op log of the admin's own organisation"),
        (name = "monitoring", description = "Readiness and Prometheus metrics for the server's operator"),
        (name = "operator", description = "Organisations and their first admin, for the server's operator (operator key)"),
        (name = "blobs", description = "Attachments by SHA-256, uploaded apart from ops"),
        (name = "intake", description = "The city platform (一网统管) delivers citizen reports and reads back how each is handled, with an organisation's intake key"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// What the document says of every operation besides its own answers:
/// - any other status comes with the JSON error body and its stable code (`default`): the
///   server's errors all share it (an unauthenticated request's 401, a body of the wrong
///   type's 415, an overloaded server's 503, …), whichever operation answers them;
/// - an optional query or header parameter is given or absent, never `null` (a query string
///   or a header cannot carry one), so its schema does not offer `null`.
struct ErrorAnswers;

impl utoipa::Modify for ErrorAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{Schema, SchemaType};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let error = ResponseBuilder::new()
            .description("An error: the JSON error body, whose `code` is stable (`ErrorCode`)")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.head,
                &mut item.patch,
            ];
            for op in operations.into_iter().flatten() {
                op.responses
                    .responses
                    .entry("default".to_string())
                    .or_insert_with(|| RefOr::T(error.clone()));
                for param in op.parameters.iter_mut().flatten() {
                    if let Some(RefOr::T(Schema::Object(o))) = &mut param.schema {
                        if let SchemaType::Array(types) = &o.schema_type {
                            let given: Vec<_> = types
                                .iter()
                                .filter(|t| **t != utoipa::openapi::Type::Null)
                                .cloned()
                                .collect();
                            if let [one] = given.as_slice() {
                                o.schema_type = SchemaType::Type(one.clone());
                            }
                        }
                    }
                }
            }
        }
    }
}

/// An enum's variant on the wire is an object with exactly its one key (`{"hazard": {…}}`),
/// and a struct variant's object has only its fields: the document says so
/// (`additionalProperties: false`), as it does for the structs that deny unknown fields, so
/// a generated client never sends a key that serde would refuse.
struct ClosedVariants;

impl utoipa::Modify for ClosedVariants {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, Schema};
        use utoipa::openapi::RefOr;
        fn close(schema: &mut Schema) {
            match schema {
                Schema::OneOf(one_of) => {
                    for item in &mut one_of.items {
                        if let RefOr::T(Schema::Object(o)) = item {
                            if o.properties.len() == 1 && o.required.len() == 1 {
                                o.additional_properties.get_or_insert_with(|| {
                                    Box::new(AdditionalProperties::FreeForm(false))
                                });
                                // A struct variant's fields: the wire enums deny unknown
                                // fields there as their structs do.
                                for field in o.properties.values_mut() {
                                    if let RefOr::T(Schema::Object(inner)) = field {
                                        if !inner.properties.is_empty() {
                                            inner.additional_properties.get_or_insert_with(|| {
                                                Box::new(AdditionalProperties::FreeForm(false))
                                            });
                                        }
                                    }
                                }
                            }
                        }
                        if let RefOr::T(s) = item {
                            close(s);
                        }
                    }
                }
                Schema::AllOf(all_of) => all_of.items.iter_mut().for_each(|i| {
                    if let RefOr::T(s) = i {
                        close(s)
                    }
                }),
                Schema::AnyOf(any_of) => any_of.items.iter_mut().for_each(|i| {
                    if let RefOr::T(s) = i {
                        close(s)
                    }
                }),
                Schema::Object(o) => o.properties.values_mut().for_each(|p| {
                    if let RefOr::T(s) = p {
                        close(s)
                    }
                }),
                Schema::Array(a) => {
                    if let ArrayItems::RefOrSchema(item) = &mut a.items {
                        if let RefOr::T(s) = item.as_mut() {
                            close(s);
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            for schema in components.schemas.values_mut() {
                if let RefOr::T(s) = schema {
                    close(s);
                }
            }
        }
    }
}

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "operator",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "intake",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "metrics",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}
