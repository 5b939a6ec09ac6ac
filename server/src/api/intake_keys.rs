//! An organisation's intake keys for the city platform (一网统管): its admin creates, lists
//! and revokes them (`/v1/admin/intake-keys…`), each change with its audit record, like
//! accounts and units. A key is shown once, when created; only its hash is kept.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::Json;
use firecheck_shared::admin::{IntakeKey, IntakeKeyName, NewIntakeKey};
use firecheck_shared::*;

use super::admin::bounded;
use super::{AppError, Caller, State};
use crate::auth::{random_token, token_hash};

/// What every intake key starts with, so one found in a log or a config file is recognised.
pub const KEY_PREFIX: &str = "fcik_";

/// The organisation's intake keys, newest first (never the keys themselves).
#[utoipa::path(get, path = "/v1/admin/intake-keys", tag = "admin",
    responses((status = 200, description = "Intake keys, newest first", body = Vec<IntakeKey>),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Vec<IntakeKey>>, AppError> {
    caller.require(&[Role::Admin])?;
    let org = caller.0.org;
    let keys = super::blocking(&state, move |store| Ok(store.intake_keys(org)?)).await?;
    Ok(Json(keys.into_iter().map(|k| k.key).collect()))
}

/// Create an intake key. The answer carries the key, this once: hand it to the platform's
/// integrators, who send it as `Authorization: Bearer <key>`.
#[utoipa::path(post, path = "/v1/admin/intake-keys", tag = "admin", request_body = IntakeKeyName,
    responses((status = 201, description = "Created; the key is shown this once", body = NewIntakeKey),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "The organisation has as many intake keys as it may (100)", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Name empty or longer than 200 characters", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create(
    AxState(state): AxState<State>,
    caller: Caller,
    Json(req): Json<IntakeKeyName>,
) -> Result<(StatusCode, Json<NewIntakeKey>), AppError> {
    caller.require(&[Role::Admin])?;
    bounded("name", &req.name)?;
    let key = format!("{KEY_PREFIX}{}", random_token());
    let hash = token_hash(&key);
    let stamp = caller.stamp();
    let intake_key =
        super::run_blocking(move || Ok(state.store.create_intake_key(&stamp, &req.name, hash)?))
            .await?;
    tracing::info!(key = %intake_key.id, name = %intake_key.name, by = %caller.0.usr, "intake key created");
    Ok((StatusCode::CREATED, Json(NewIntakeKey { intake_key, key })))
}

/// Revoke an intake key: deliveries with it are refused (401) from now on.
#[utoipa::path(post, path = "/v1/admin/intake-keys/{id}/revoke", tag = "admin",
    params(("id" = String, Path, description = "Intake key id")),
    responses((status = 200, description = "Revoked (revoking again changes nothing)", body = IntakeKey),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such intake key in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<IntakeKey>, AppError> {
    caller.require(&[Role::Admin])?;
    let id: IntakeKeyId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    let stamp = caller.stamp();
    let key = super::run_blocking(move || Ok(state.store.revoke_intake_key(&stamp, id)?)).await?;
    tracing::info!(key = %key.id, name = %key.name, by = %caller.0.usr, "intake key revoked");
    Ok(Json(key))
}
