//! Accounts and devices of the caller's own organisation, for its admins: creating and
//! listing accounts, listing and revoking devices, stats. Changing an account is in
//! [`super::users`]. Every change is written with its audit record (`store::accounts`).

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::Json;
use firecheck_shared::admin::Account;
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AppError, Caller, State};
use crate::auth::hash_password_bounded;
use crate::store::{DeviceRecord, UserRecord};

pub(super) fn bounded(field: &str, s: &str) -> Result<(), AppError> {
    if s.trim().is_empty() || s.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::Unprocessable(msg!(
            "admin-bounded",
            field = field,
            max = MAX_NAME_CHARS
        )));
    }
    Ok(())
}

/// Who a new account is.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
}

/// Check a new account and hash its password; nothing is stored.
pub(super) async fn new_user_record(
    org: OrgId,
    role: Role,
    req: &NewAccount,
) -> Result<UserRecord, AppError> {
    bounded("username", &req.username)?;
    bounded("display_name", &req.display_name)?;
    if !req
        .username
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
    {
        return Err(AppError::Unprocessable(msg!("admin-username-chars")));
    }
    check_new_password(&req.password)?;
    let password_hash = hash_password_bounded(req.password.clone())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(UserRecord {
        user: User {
            id: UserId::new(),
            org,
            username: req.username.clone(),
            display_name: req.display_name.trim().to_string(),
            role,
        },
        password_hash,
        created_ms: Timestamp::now().0,
        status: Default::default(),
    })
}

/// A password a person chose: 8 characters at least, 1 KiB at most.
pub(super) fn check_new_password(password: &str) -> Result<(), AppError> {
    if password.chars().count() < 8 || password.len() > 1024 {
        return Err(AppError::Unprocessable(msg!("admin-password-short")));
    }
    Ok(())
}

/// An account as the API shows it.
pub(super) fn account(r: UserRecord) -> Account {
    Account {
        user: r.user,
        disabled: r.status.disabled,
        must_change_password: r.status.must_change_password,
        created_ms: r.created_ms,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    /// The admin's own organisation (the default). Any other is refused: an admin manages
    /// only their own organisation; organisations and their first admin are the server
    /// operator's (`/v1/operator/orgs`).
    #[serde(default)]
    pub org: Option<OrgId>,
}

/// Create an account in the admin's own organisation.
#[utoipa::path(post, path = "/v1/admin/users", tag = "admin", request_body = NewUser,
    responses((status = 201, description = "Created", body = User),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin, or another organisation named", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "Username taken", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Invalid username, display name or password", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn create_user(
    AxState(state): AxState<State>,
    caller: Caller,
    Json(req): Json<NewUser>,
) -> Result<(StatusCode, Json<User>), AppError> {
    caller.require(&[Role::Admin])?;
    let org = caller.0.org;
    if req.org.is_some_and(|o| o != org) {
        tracing::warn!(by = %caller.0.usr, named = ?req.org, "an admin tried to create an account in another organisation");
        return Err(AppError::Forbidden(msg!("admin-own-org-only")));
    }
    let account = NewAccount {
        username: req.username,
        display_name: req.display_name,
        password: req.password,
    };
    let rec = new_user_record(org, req.role, &account).await?;
    let stamp = caller.stamp();
    let store = state.store.clone();
    let rec = super::run_blocking(move || {
        store.create_user(&rec, &stamp)?;
        Ok(rec)
    })
    .await?;
    let user = rec.user;
    tracing::info!(user = %user.username, role = %user.role, by = %caller.0.usr, "user created");
    Ok((StatusCode::CREATED, Json(user)))
}

/// Accounts of the admin's organisation, with their state (disabled, one-time password).
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin",
    responses((status = 200, description = "Accounts by username", body = Vec<Account>),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_users(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Vec<Account>>, AppError> {
    caller.require(&[Role::Admin])?;
    let mut users: Vec<Account> = state
        .store
        .users()?
        .into_iter()
        .filter(|r| r.user.org == caller.0.org)
        .map(account)
        .collect();
    users.sort_by(|a, b| a.user.username.cmp(&b.user.username));
    Ok(Json(users))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub user: UserId,
    pub name: String,
    pub registered_ms: i64,
    pub revoked: bool,
}

impl From<DeviceRecord> for DeviceInfo {
    fn from(d: DeviceRecord) -> Self {
        Self {
            id: d.id,
            user: d.user,
            name: d.name,
            registered_ms: d.registered_ms,
            revoked: d.revoked,
        }
    }
}

/// Devices registered in the admin's organisation.
#[utoipa::path(get, path = "/v1/admin/devices", tag = "admin",
    responses((status = 200, description = "Devices, oldest first", body = Vec<DeviceInfo>),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn list_devices(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    caller.require(&[Role::Admin])?;
    let mut list: Vec<DeviceInfo> = state
        .store
        .devices()?
        .into_iter()
        .filter(|d| d.org == caller.0.org)
        .map(Into::into)
        .collect();
    list.sort_by_key(|d| d.registered_ms);
    Ok(Json(list))
}

/// Revoke a device (a lost phone): its tokens stop working at once and it cannot log in again.
#[utoipa::path(post, path = "/v1/admin/devices/{id}/revoke", tag = "admin", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, description = "Revoked (revoking again changes nothing)", body = DeviceInfo),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such device in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_device(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceInfo>, AppError> {
    caller.require(&[Role::Admin])?;
    let id: DeviceId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    let stamp = caller.stamp();
    let store = state.store.clone();
    let d = super::run_blocking(move || Ok(store.revoke_device(&stamp, id)?)).await?;
    tracing::warn!(device = %id, by = %caller.0.usr, "device revoked");
    Ok(Json(d.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Stats {
    /// Ops in this organisation's log.
    pub ops: u64,
    /// Sequence number the views cover.
    pub views_cover: u64,
    pub users: usize,
    pub devices: usize,
    /// Bytes the database takes on disk (all organisations).
    pub disk_bytes: u64,
    /// Attachments stored (all organisations; each stored once however often it is used).
    pub blobs: u64,
    pub blob_bytes: u64,
    /// Partitions (venues, drills, reports …) whose views could not be built: their ops are
    /// stored and indexed, their views skipped until a restart or `firecheck-server rebuild`
    /// folds them again. Empty when all is well.
    pub failed_partitions: Vec<FailedPartition>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FailedPartition {
    /// e.g. `venue 0193a000-…`.
    pub partition: String,
    pub since_seq: u64,
    pub last_seq: u64,
    pub error: String,
    pub at_ms: i64,
}

/// Storage and account figures.
#[utoipa::path(get, path = "/v1/admin/stats", tag = "admin",
    responses((status = 200, description = "Stats", body = Stats),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn stats(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Stats>, AppError> {
    caller.require(&[Role::Admin])?;
    let org = caller.0.org;
    let st = state.clone();
    super::run_blocking(move || stats_of(&st, org)).await
}

fn stats_of(state: &State, org: OrgId) -> Result<Json<Stats>, AppError> {
    let (blobs, blob_bytes) = state
        .store
        .blob_usage()
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Json(Stats {
        blobs,
        blob_bytes,
        ops: state.store.last_seq(org)?,
        views_cover: state.store.view_watermark(org)?,
        users: state
            .store
            .users()?
            .iter()
            .filter(|u| u.user.org == org)
            .count(),
        devices: state
            .store
            .devices()?
            .iter()
            .filter(|d| d.org == org)
            .count(),
        disk_bytes: state.store.size_on_disk()?,
        failed_partitions: state
            .store
            .failures(org)?
            .into_iter()
            .map(|(p, f)| FailedPartition {
                partition: p.to_string(),
                since_seq: f.since_seq,
                last_seq: f.last_seq,
                error: f.error,
                at_ms: f.at_ms,
            })
            .collect(),
    }))
}
