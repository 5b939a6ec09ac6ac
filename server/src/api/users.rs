//! An admin changes an account of their own organisation: its role, disabling and enabling
//! it, and a one-time password for a user who forgot theirs. Accounts are named by username
//! (`/v1/admin/users/{username}/…`); a username of another organisation is answered 404, as
//! if it did not exist. Each change is written with its audit record.
//!
//! The organisation always keeps an enabled admin: the last one can be neither disabled nor
//! given another role (409). Disabling an account and resetting its password end its
//! sessions at once (its tokens are refused, its refresh tokens dropped); its devices stay
//! registered, so after enabling or a new password it simply logs in again.

use axum::extract::{Path, State as AxState};
use axum::Json;
use firecheck_shared::admin::{Account, AuditAction, OneTimePassword, RoleChange};
use firecheck_shared::*;

use super::admin::account;
use super::{AppError, Caller, State};
use crate::auth::{hash_password_bounded, one_time_password};
use crate::store::{AccountError, UserRecord};

/// Refuse a change that would leave the organisation without an enabled admin.
fn keeps_an_admin(rec: &UserRecord, org_users: &[UserRecord]) -> Result<(), AccountError> {
    let another = org_users
        .iter()
        .any(|u| u.user.id != rec.user.id && u.user.role == Role::Admin && !u.status.disabled);
    if rec.user.role == Role::Admin && !rec.status.disabled && !another {
        return Err(AccountError::Conflict(msg!(
            "admin-last-admin",
            username = &rec.user.username
        )));
    }
    Ok(())
}

async fn change(
    state: State,
    caller: &Caller,
    username: String,
    change: impl FnOnce(&mut UserRecord, &[UserRecord]) -> Result<Option<AuditAction>, AccountError>
        + Send
        + 'static,
) -> Result<Account, AppError> {
    caller.require(&[Role::Admin])?;
    let stamp = caller.stamp();
    let rec =
        super::run_blocking(move || Ok(state.store.change_user(&stamp, &username, change)?))
            .await?;
    Ok(account(rec))
}

/// Give an account another role. It takes effect at once: the account's next request is
/// judged by the new role, without logging in again.
#[utoipa::path(post, path = "/v1/admin/users/{username}/role", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    request_body = RoleChange,
    responses((status = 200, description = "The account with its new role (the same role again changes nothing)", body = Account),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such account in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "The organisation's only enabled admin", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Not a role", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn change_role(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(username): Path<String>,
    Json(req): Json<RoleChange>,
) -> Result<Json<Account>, AppError> {
    let account = change(state, &caller, username, move |rec, org_users| {
        if rec.user.role == req.role {
            return Ok(None);
        }
        if req.role != Role::Admin {
            keeps_an_admin(rec, org_users)?;
        }
        let from = std::mem::replace(&mut rec.user.role, req.role);
        Ok(Some(AuditAction::RoleChanged {
            user: rec.user.id,
            username: rec.user.username.clone(),
            from,
            to: req.role,
        }))
    })
    .await?;
    tracing::info!(user = %account.user.username, role = %account.user.role, by = %caller.0.usr, "role changed");
    Ok(Json(account))
}

/// Disable an account: it cannot log in, and its tokens stop working at once (its devices
/// stay registered for when it is enabled again).
#[utoipa::path(post, path = "/v1/admin/users/{username}/disable", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    responses((status = 200, description = "Disabled (disabling again changes nothing)", body = Account),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such account in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "The organisation's only enabled admin", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn disable(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Json<Account>, AppError> {
    let account = change(state, &caller, username, |rec, org_users| {
        if rec.status.disabled {
            return Ok(None);
        }
        keeps_an_admin(rec, org_users)?;
        rec.status.disabled = true;
        rec.status.sessions = rec.status.sessions.wrapping_add(1);
        Ok(Some(AuditAction::UserDisabled {
            user: rec.user.id,
            username: rec.user.username.clone(),
        }))
    })
    .await?;
    tracing::warn!(user = %account.user.username, by = %caller.0.usr, "account disabled");
    Ok(Json(account))
}

/// Enable a disabled account: it may log in again.
#[utoipa::path(post, path = "/v1/admin/users/{username}/enable", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    responses((status = 200, description = "Enabled (enabling again changes nothing)", body = Account),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such account in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn enable(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Json<Account>, AppError> {
    let account = change(state, &caller, username, |rec, _| {
        if !rec.status.disabled {
            return Ok(None);
        }
        rec.status.disabled = false;
        Ok(Some(AuditAction::UserEnabled {
            user: rec.user.id,
            username: rec.user.username.clone(),
        }))
    })
    .await?;
    tracing::info!(user = %account.user.username, by = %caller.0.usr, "account enabled");
    Ok(Json(account))
}

/// Give an account a one-time password, shown in this answer only. Its sessions end at once;
/// its login answers `password_change_required` until the user changes the password with
/// `POST /v1/auth/password` (the one-time password as the old one).
#[utoipa::path(post, path = "/v1/admin/users/{username}/reset-password", tag = "admin",
    params(("username" = String, Path, description = "The account's username")),
    responses((status = 200, description = "The one-time password, shown once", body = OneTimePassword),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Not an admin", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such account in this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn reset_password(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(username): Path<String>,
) -> Result<Json<OneTimePassword>, AppError> {
    caller.require(&[Role::Admin])?;
    let password = one_time_password();
    let hash = hash_password_bounded(password.clone())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let account = change(state, &caller, username, move |rec, _| {
        rec.password_hash = hash;
        rec.status.must_change_password = true;
        rec.status.sessions = rec.status.sessions.wrapping_add(1);
        Ok(Some(AuditAction::PasswordReset {
            user: rec.user.id,
            username: rec.user.username.clone(),
        }))
    })
    .await?;
    tracing::warn!(user = %account.user.username, by = %caller.0.usr, "password reset to a one-time password");
    Ok(Json(OneTimePassword {
        username: account.user.username,
        one_time_password: password,
    }))
}
