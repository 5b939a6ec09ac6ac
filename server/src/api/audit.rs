//! What happened in the organisation, for its admins, newest first and a page at a time:
//! `GET /v1/admin/audit` — every admin and operator action (who, what, to what, when, from
//! which device), and `GET /v1/admin/log` — the op log as who did what from which device,
//! when by the device's clock and when the server received it. Two listings rather than one
//! merged: each pages by its own position (`before`), which stays right while new entries
//! arrive; a client that wants one timeline merges them by time.

use std::collections::HashMap;

use axum::extract::{Query, State as AxState};
use axum::Json;
use firecheck_shared::admin::{AuditPage, LogPage, LogRecord, MAX_PAGE};
use firecheck_shared::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::{AppError, Caller, State};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Only entries older than this position (an audit id, a sequence number): the
    /// `next_before` of the previous page. Default: from the newest.
    pub before: Option<u64>,
    /// Entries per page: 1 to 500, default 100.
    pub limit: Option<u32>,
}

impl PageParams {
    fn limit(&self) -> Result<usize, AppError> {
        match self.limit.unwrap_or(100) {
            n @ 1..=MAX_PAGE => Ok(n as usize),
            n => Err(AppError::BadRequest(msg!(
                "page-limit",
                max = MAX_PAGE,
                given = n
            ))),
        }
    }
}

/// The organisation's audit log, newest first.
#[utoipa::path(get, path = "/v1/admin/audit", tag = "admin", params(PageParams),
    responses((status = 200, description = "A page of audit records, newest first", body = AuditPage),
        (status = 400, description = "Bad `before` or `limit`, or an unknown parameter", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn audit(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<AuditPage>, AppError> {
    caller.require(&[Role::Admin])?;
    let limit = p.limit()?;
    let org = caller.0.org;
    let (items, next_before) =
        super::run_blocking(move || Ok(state.store.audit_page(org, p.before, limit)?)).await?;
    Ok(Json(AuditPage { items, next_before }))
}

/// The organisation's op log as an audit reads it, newest first: sequence number, the
/// server's receive time, the op's kind and entity, author, device and HLC.
#[utoipa::path(get, path = "/v1/admin/log", tag = "admin", params(PageParams),
    responses((status = 200, description = "A page of log entries, newest first", body = LogPage),
        (status = 400, description = "Bad `before` or `limit`, or an unknown parameter", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn log(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<LogPage>, AppError> {
    caller.require(&[Role::Admin])?;
    let limit = p.limit()?;
    let org = caller.0.org;
    let page = super::run_blocking(move || {
        let store = &state.store;
        let entries = store.entries_before(org, p.before, limit)?;
        let users: HashMap<UserId, String> = store
            .users()?
            .into_iter()
            .filter(|u| u.user.org == org)
            .map(|u| (u.user.id, u.user.username))
            .collect();
        let mut devices: HashMap<DeviceId, String> = store
            .devices()?
            .into_iter()
            .filter(|d| d.org == org)
            .map(|d| (d.id, d.name))
            .collect();
        // The city platform's deliveries: authored by an intake key, from its own device.
        let mut users = users;
        for k in store.intake_keys(org)? {
            let name = format!("intake key: {}", k.key.name);
            users.insert(k.key.author, name.clone());
            devices.insert(k.key.device, name);
        }
        let more = entries.len() == limit && entries.last().is_some_and(|(seq, _)| *seq > 1);
        let next_before = more.then(|| entries.last().map(|(seq, _)| *seq)).flatten();
        let items = entries
            .into_iter()
            .map(|(seq, e)| LogRecord {
                seq,
                received_ms: e.received_ms,
                op_id: e.op.op_id,
                kind: e.op.body.kind().to_string(),
                entity: e.op.entity,
                author: e.op.author,
                author_name: users.get(&e.op.author).cloned(),
                device: e.op.device,
                device_name: devices.get(&e.op.device).cloned(),
                hlc: e.op.hlc,
            })
            .collect();
        Ok(LogPage { items, next_before })
    })
    .await?;
    Ok(Json(page))
}
