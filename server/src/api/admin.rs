//! Accounts and devices of the caller's own organisation, for its admins.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::Json;
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{blocking, AppError, Caller, State};
use crate::auth::hash_password_bounded;
use crate::store::{DeviceRecord, UserRecord};

pub(super) fn bounded(field: &str, s: &str) -> Result<(), AppError> {
    if s.trim().is_empty() || s.chars().count() > MAX_NAME_CHARS {
        return Err(AppError::Unprocessable(format!(
            "{field} must be 1 to {MAX_NAME_CHARS} characters"
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
        return Err(AppError::Unprocessable(
            "username may use letters, digits, '-', '_' and '.' only".into(),
        ));
    }
    if req.password.chars().count() < 8 || req.password.len() > 1024 {
        return Err(AppError::Unprocessable(
            "password must be at least 8 characters".into(),
        ));
    }
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
    })
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
    responses((status = 201, description = "Created", body = User), (status = 409, description = "Username taken", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin, or another organisation named", body = firecheck_shared::sync::ErrorBody)),
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
        return Err(AppError::Forbidden(
            "an admin manages only their own organisation's accounts".into(),
        ));
    }
    let account = NewAccount {
        username: req.username,
        display_name: req.display_name,
        password: req.password,
    };
    let rec = new_user_record(org, req.role, &account).await?;
    let user = blocking(&state, move |store| {
        if !store.insert_user(&rec)? {
            return Err(AppError::Conflict(format!(
                "username {} is taken",
                account.username
            )));
        }
        Ok(rec.user)
    })
    .await?;
    tracing::info!(user = %user.username, role = %user.role, by = %caller.0.usr, "user created");
    Ok((StatusCode::CREATED, Json(user)))
}

/// Accounts of the admin's organisation.
#[utoipa::path(get, path = "/v1/admin/users", tag = "admin", responses((status = 200, description = "Users", body = Vec<User>)), security(("bearer" = [])))]
pub async fn list_users(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Vec<User>>, AppError> {
    caller.require(&[Role::Admin])?;
    let mut users: Vec<User> = blocking(&state, |store| Ok(store.users()?))
        .await?
        .into_iter()
        .map(|r| r.user)
        .filter(|u| u.org == caller.0.org)
        .collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
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
#[utoipa::path(get, path = "/v1/admin/devices", tag = "admin", responses((status = 200, description = "Devices", body = Vec<DeviceInfo>)), security(("bearer" = [])))]
pub async fn list_devices(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Vec<DeviceInfo>>, AppError> {
    caller.require(&[Role::Admin])?;
    let mut list: Vec<DeviceInfo> = blocking(&state, |store| Ok(store.devices()?))
        .await?
        .into_iter()
        .filter(|d| d.org == caller.0.org)
        .map(Into::into)
        .collect();
    list.sort_by_key(|d| d.registered_ms);
    Ok(Json(list))
}

/// Revoke a device (a lost phone): its tokens stop working at once and it cannot log in again.
#[utoipa::path(post, path = "/v1/admin/devices/{id}/revoke", tag = "admin", params(("id" = String, Path, description = "Device id")),
    responses((status = 200, description = "Revoked", body = DeviceInfo), (status = 404, description = "No such device", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn revoke_device(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeviceInfo>, AppError> {
    caller.require(&[Role::Admin])?;
    let id: DeviceId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.to_string()))?;
    let org = caller.0.org;
    let d = blocking(&state, move |store| {
        let mut d = store
            .device(id)?
            .filter(|d| d.org == org)
            .ok_or_else(|| AppError::NotFound(format!("no device {id} in this organisation")))?;
        d.revoked = true;
        store.put_device(&d)?;
        store.drop_refresh_for_device(id)?;
        Ok(d)
    })
    .await?;
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
#[utoipa::path(get, path = "/v1/admin/stats", tag = "admin", responses((status = 200, description = "Stats", body = Stats)), security(("bearer" = [])))]
pub async fn stats(
    AxState(state): AxState<State>,
    caller: Caller,
) -> Result<Json<Stats>, AppError> {
    caller.require(&[Role::Admin])?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let (blobs, blob_bytes) = store
            .blob_usage()
            .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Json(Stats {
            blobs,
            blob_bytes,
            ops: store.last_seq(org)?,
            views_cover: store.view_watermark(org)?,
            users: store.users()?.iter().filter(|u| u.user.org == org).count(),
            devices: store.devices()?.iter().filter(|d| d.org == org).count(),
            disk_bytes: store.size_on_disk()?,
            failed_partitions: store
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
    })
    .await
}
