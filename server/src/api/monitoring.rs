//! For the server's operator and their tools: `GET /readyz` (may this server take traffic
//! now?), `GET /metrics` (Prometheus text, see [`crate::metrics`]), and the middleware that
//! measures sync answers and review reads by matched route. `GET /healthz` (the process
//! answers) is in [`super`].

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State as AxState};
use axum::http::{header, HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use firecheck_shared::msg;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, State};
use crate::metrics::SyncOutcome;

/// Path prefixes of the review API: a `GET` whose matched route starts with one of these is a
/// review read, timed by route.
const REVIEW_PREFIXES: [&str; 5] = [
    "/v1/venues",
    "/v1/hazards",
    "/v1/drills",
    "/v1/campaigns",
    "/v1/templates",
];

/// Count sync answers by outcome and time review reads by matched route.
pub async fn record(AxState(state): AxState<State>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let review = req.method() == Method::GET
        && route
            .as_deref()
            .is_some_and(|r| REVIEW_PREFIXES.iter().any(|p| r.starts_with(p)));
    let started = Instant::now();
    let resp = next.run(req).await;
    match route.as_deref() {
        Some("/v1/sync") => state
            .metrics
            .sync_request(SyncOutcome::of_status(resp.status())),
        Some(r) if review => state.metrics.review_read(r, started.elapsed()),
        _ => {}
    }
    resp
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Ready {
    /// Always `ready` (a server that is not answers 503 with the error shape).
    pub status: &'static str,
}

/// Ready to take traffic: storage takes a write (a small write to each database, flushed)
/// and the views have caught up with the log heads found at start-up. A load balancer or
/// an orchestrator routes devices here only then; `/healthz` says the process answers.
#[utoipa::path(get, path = "/readyz", tag = "monitoring",
    responses((status = 200, description = "Ready", body = Ready),
        (status = 503, description = "Storage does not take writes, or the views are still catching up with the log (the message says which)", body = firecheck_shared::sync::ErrorBody)))]
pub async fn readyz(AxState(state): AxState<State>) -> Result<Json<Ready>, AppError> {
    let store = state.store.clone();
    super::run_blocking(move || {
        store
            .probe_write()
            .map_err(|e| AppError::Unavailable(msg!("ready-storage", detail = e.to_string())))
    })
    .await?;
    if let Err((org, covered, head)) = state.views.healed() {
        return Err(AppError::Unavailable(msg!(
            "ready-views-behind",
            org = org.to_string(),
            covered = covered,
            head = head
        )));
    }
    Ok(Json(Ready { status: "ready" }))
}

/// The server's metrics in the Prometheus text format (names and labels in
/// `firecheck_server::metrics`). Takes the operator key, or `FIRECHECK_METRICS_TOKEN` when the
/// server has one, as a bearer token: the figures name organisations.
#[utoipa::path(get, path = "/metrics", tag = "monitoring",
    responses((status = 200, description = "Prometheus text format 0.0.4", content_type = "text/plain"),
        (status = 401, description = "Neither the operator key nor the metrics token", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("operator" = []), ("metrics" = [])))]
pub async fn metrics(
    AxState(state): AxState<State>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .ok_or_else(|| AppError::Unauthorized(msg!("metrics-key-missing")))?;
    let allowed =
        state.operator.verify(token) || state.metrics_key.as_ref().is_some_and(|k| k.verify(token));
    if !allowed {
        return Err(AppError::Unauthorized(msg!("metrics-key-wrong")));
    }
    let text =
        super::run_blocking(move || Ok(state.metrics.render(&state.store, &state.views)?)).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
