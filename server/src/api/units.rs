//! The organisation's units that hazards are dispatched to: read by every role of the
//! organisation (`GET /v1/units`, the list a dispatch picks from — a device caches it to
//! dispatch offline), kept by its admins (`/v1/admin/units…`), each change with its audit
//! record. A dispatch op carries the unit's name, so renaming or retiring a unit never
//! rewrites a hazard's history.

use axum::extract::{Path, Query, State as AxState};
use axum::http::StatusCode;
use axum::Json;
use firecheck_shared::admin::{Unit, UnitName};
use firecheck_shared::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::admin::bounded;
use super::{AppError, Caller, State};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct UnitParams {
    /// Include retired units (marked with `retired_ms`); default: only units in service.
    #[serde(default)]
    pub include_retired: bool,
}

/// The organisation's units, by name.
#[utoipa::path(get, path = "/v1/units", tag = "admin", params(UnitParams),
    responses((status = 200, description = "Units by name", body = Vec<Unit>),
        (status = 400, description = "Unknown or malformed query parameter", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<UnitParams>,
) -> Result<Json<Vec<Unit>>, AppError> {
    let org = caller.0.org;
    let mut units = super::blocking(&state, move |store| Ok(store.units(org)?)).await?;
    if !p.include_retired {
        units.retain(|u| u.retired_ms.is_none());
    }
    Ok(Json(units))
}

fn unit_id(id: &str) -> Result<UnitId, AppError> {
    id.parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))
}

/// Add a unit.
#[utoipa::path(post, path = "/v1/admin/units", tag = "admin", request_body = UnitName,
    responses((status = 201, description = "Added", body = Unit),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "A unit in service has that name, or the organisation has as many units as it may (1000)", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Name empty or longer than 200 characters", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn add(
    AxState(state): AxState<State>,
    caller: Caller,
    Json(req): Json<UnitName>,
) -> Result<(StatusCode, Json<Unit>), AppError> {
    caller.require(&[Role::Admin])?;
    bounded("name", &req.name)?;
    let stamp = caller.stamp();
    let unit = super::run_blocking(move || Ok(state.store.add_unit(&stamp, &req.name)?)).await?;
    tracing::info!(unit = %unit.id, name = %unit.name, by = %caller.0.usr, "unit added");
    Ok((StatusCode::CREATED, Json(unit)))
}

/// Rename a unit in service. Hazards dispatched before keep the name they were given.
#[utoipa::path(post, path = "/v1/admin/units/{id}/rename", tag = "admin",
    params(("id" = String, Path, description = "Unit id")), request_body = UnitName,
    responses((status = 200, description = "Renamed (the same name again changes nothing)", body = Unit),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such unit in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "Retired, or another unit in service has that name", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Name empty or longer than 200 characters", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn rename(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Json(req): Json<UnitName>,
) -> Result<Json<Unit>, AppError> {
    caller.require(&[Role::Admin])?;
    let id = unit_id(&id)?;
    bounded("name", &req.name)?;
    let stamp = caller.stamp();
    let unit =
        super::run_blocking(move || Ok(state.store.rename_unit(&stamp, id, &req.name)?)).await?;
    tracing::info!(unit = %unit.id, name = %unit.name, by = %caller.0.usr, "unit renamed");
    Ok(Json(unit))
}

/// Retire a unit: no longer offered for dispatches; hazards dispatched to it keep it.
#[utoipa::path(post, path = "/v1/admin/units/{id}/retire", tag = "admin",
    params(("id" = String, Path, description = "Unit id")),
    responses((status = 200, description = "Retired (retiring again changes nothing)", body = Unit),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such unit in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn retire(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Unit>, AppError> {
    caller.require(&[Role::Admin])?;
    let id = unit_id(&id)?;
    let stamp = caller.stamp();
    let unit = super::run_blocking(move || Ok(state.store.retire_unit(&stamp, id)?)).await?;
    tracing::info!(unit = %unit.id, name = %unit.name, by = %caller.0.usr, "unit retired");
    Ok(Json(unit))
}
