//! `POST /v1/auth/login`, `POST /v1/auth/refresh` and `POST /v1/auth/password`.

use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::Json;
use firecheck_shared::admin::{Actor, AuditAction, PasswordChange};
use firecheck_shared::sync::{LoginRequest, RefreshRequest, TokenResponse};
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;

use super::{AppError, State};
use crate::auth::{
    hash_password_bounded, random_token, token_hash, verify_password_bounded, REFRESH_TTL_MS,
};
use crate::metrics::LoginFailure;
use crate::store::{AccountError, AuditStamp, DeviceRecord, RefreshRecord, UserRecord};

/// Log in from a device: registers the device on first use, returns an access token and a
/// refresh token bound to the device. Repeated failures lock the username for a while. A
/// disabled account is refused (`account_disabled`), and so is a one-time password an admin
/// set (`password_change_required`) until the user changes it with `POST /v1/auth/password`.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 400, description = "Username, password or device name too long", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Wrong username or password", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Device revoked or of another organisation (`forbidden`); account disabled (`account_disabled`); a one-time password that must be changed first (`password_change_required`)", body = firecheck_shared::sync::ErrorBody),
        (status = 429, description = "Too many failed logins", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody),
    )
)]
pub async fn login(
    AxState(state): AxState<State>,
    Json(req): Json<LoginRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    if req.username.chars().count() > MAX_NAME_CHARS
        || req.device_name.chars().count() > MAX_NAME_CHARS
        || req.password.len() > 1024
    {
        return Err(AppError::BadRequest(msg!("login-too-long")));
    }
    let record = check_password(&state, &req.username, &req.password).await?;
    if record.status.must_change_password {
        state
            .metrics
            .login_failure(LoginFailure::PasswordChangeRequired);
        return Err(AppError::PasswordChangeRequired(msg!(
            "login-one-time-password-api"
        )));
    }
    let gen = record.status.sessions;
    let user = record.user;
    let st = state.clone();
    super::run_blocking(move || register_and_issue(&st, req, user, gen)).await
}

/// Register (or re-register) the device of a login and issue its tokens.
fn register_and_issue(
    state: &State,
    req: LoginRequest,
    user: User,
    gen: u32,
) -> Result<Json<TokenResponse>, AppError> {
    let device = register(state, &user, req.device_id, req.device_name)?;
    tracing::info!(user = %user.username, device = %device.id, "login");
    issue(state, user, gen, device.id)
}

/// Check a username and password for the office console: as the API's login does (the
/// limiter, the same work for unknown users, disabled accounts refused), and an account on a
/// one-time password must choose its own first.
pub(crate) async fn authenticate(
    state: &State,
    username: &str,
    password: &str,
) -> Result<User, AppError> {
    let record = check_password(state, username, password).await?;
    if record.status.must_change_password {
        return Err(AppError::PasswordChangeRequired(msg!(
            "login-one-time-password"
        )));
    }
    Ok(record.user)
}

/// The device the console's browser logs in as: registered like a phone's login.
pub(crate) async fn register_device(
    state: &State,
    user: &User,
    id: DeviceId,
    name: String,
) -> Result<DeviceRecord, AppError> {
    let (st, user) = (state.clone(), user.clone());
    super::run_blocking(move || register(&st, &user, id, name)).await
}

/// The device a user logs in from: registered on first use, its user and name kept up to
/// date; a revoked device or one of another organisation is refused.
fn register(
    state: &State,
    user: &User,
    device_id: DeviceId,
    device_name: String,
) -> Result<DeviceRecord, AppError> {
    let device = match state.store.device(device_id)? {
        Some(d) if d.revoked => {
            state.metrics.login_failure(LoginFailure::DeviceRefused);
            return Err(AppError::Forbidden(msg!("auth-device-revoked")));
        }
        Some(d) if d.org != user.org => {
            state.metrics.login_failure(LoginFailure::DeviceRefused);
            return Err(AppError::Forbidden(msg!("login-device-other-org")));
        }
        Some(mut d) => {
            if d.user != user.id || d.name != device_name {
                d.user = user.id;
                d.name = device_name;
                state.store.put_device(&d)?;
            }
            d
        }
        None => {
            let d = DeviceRecord {
                id: device_id,
                org: user.org,
                user: user.id,
                name: device_name,
                registered_ms: Timestamp::now().0,
                revoked: false,
            };
            state.store.put_device(&d)?;
            tracing::info!(device = %d.id, name = %d.name, user = %user.username, "device registered");
            d
        }
    };
    Ok(device)
}

/// The account whose password this is — unless the username is locked, the password is
/// wrong, or the account is disabled (each counted, the first two against the username).
async fn check_password(
    state: &State,
    username: &str,
    password: &str,
) -> Result<UserRecord, AppError> {
    let limiter = state.limiter;
    let name = username.to_string();
    let (locked, record) = super::blocking(state, move |store| {
        let now = Timestamp::now().0;
        Ok((limiter.locked(store, &name, now)?, store.user(&name)?))
    })
    .await?;
    if let Some(wait) = locked {
        state.metrics.login_failure(LoginFailure::Locked);
        return Err(AppError::TooManyAttempts(wait));
    }
    let password = password.to_string();
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    let ok = match hash {
        Some(h) => verify_password_bounded(h, password).await,
        // Same work for unknown users, so timing does not tell which usernames exist.
        None => hash_password_bounded(password).await.map(|_| false),
    }
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let name = username.to_string();
    let Some(record) = record.filter(|_| ok) else {
        super::blocking(state, move |store| {
            Ok(limiter.failed(store, &name, Timestamp::now().0)?)
        })
        .await?;
        state.metrics.login_failure(LoginFailure::WrongPassword);
        tracing::warn!(%username, "failed login");
        return Err(AppError::Unauthorized(msg!("login-wrong-password")));
    };
    super::blocking(state, move |store| Ok(limiter.succeeded(store, &name)?)).await?;
    if record.status.disabled {
        state.metrics.login_failure(LoginFailure::Disabled);
        return Err(AppError::AccountDisabled(msg!("auth-account-disabled")));
    }
    Ok(record)
}

/// Change one's own password, proving the old one — or the one-time password an admin set,
/// which is how a user whose login answers `password_change_required` gets in. Needs no
/// token. Every session of the account ends (its tokens are refused, its devices log in
/// again with the new password); failures count against the username like failed logins.
#[utoipa::path(
    post, path = "/v1/auth/password", tag = "auth",
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed; log in with the new password"),
        (status = 400, description = "Malformed JSON; username or password too long", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Wrong username or old password", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Account disabled (`account_disabled`)", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "The password was changed or reset meanwhile; try again", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "The new password is shorter than 8 characters or the same as the old one", body = firecheck_shared::sync::ErrorBody),
        (status = 429, description = "Too many failed attempts", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody),
    )
)]
pub async fn change_password(
    AxState(state): AxState<State>,
    Json(req): Json<PasswordChange>,
) -> Result<StatusCode, AppError> {
    if req.username.chars().count() > MAX_NAME_CHARS
        || req.old_password.len() > 1024
        || req.new_password.len() > 1024
    {
        return Err(AppError::BadRequest(msg!("password-too-long")));
    }
    let record = check_password(&state, &req.username, &req.old_password).await?;
    super::admin::check_new_password(&req.new_password)?;
    if req.new_password == req.old_password {
        return Err(AppError::Unprocessable(msg!("password-unchanged")));
    }
    let new_hash = hash_password_bounded(req.new_password.clone())
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let stamp = AuditStamp {
        org: record.user.org,
        actor: Actor::User {
            user: record.user.id,
            username: record.user.username.clone(),
            device: None,
        },
        at_ms: Timestamp::now().0,
    };
    let checked = record.password_hash;
    let username = req.username.clone();
    super::run_blocking(move || {
        Ok(state.store.change_user(&stamp, &username, |rec, _| {
            if rec.password_hash != checked {
                return Err(AccountError::Conflict(msg!("password-changed-meanwhile")));
            }
            rec.password_hash = new_hash;
            rec.status.must_change_password = false;
            rec.status.sessions = rec.status.sessions.wrapping_add(1);
            Ok(Some(AuditAction::PasswordChanged {
                user: rec.user.id,
                username: rec.user.username.clone(),
            }))
        })?)
    })
    .await?;
    tracing::info!(user = %req.username, "password changed");
    Ok(StatusCode::NO_CONTENT)
}

/// Exchange a refresh token for a new access token and a new refresh token. Each refresh
/// token works once; a second use drops every refresh token of its device.
#[utoipa::path(
    post, path = "/v1/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 401, description = "Unknown, used, expired or revoked; log in again", body = firecheck_shared::sync::ErrorBody),
    )
)]
pub async fn refresh(
    AxState(state): AxState<State>,
    Json(req): Json<RefreshRequest>,
) -> Result<Json<TokenResponse>, AppError> {
    let hash = token_hash(req.refresh_token.trim());
    super::run_blocking(move || exchange(&state, &hash)).await
}

/// The refresh token whose hash this is, exchanged for new tokens (once).
fn exchange(state: &State, hash: &[u8; 32]) -> Result<Json<TokenResponse>, AppError> {
    let hash = *hash;
    let again = || AppError::Unauthorized(msg!("refresh-invalid"));
    let rec = state.store.refresh(&hash)?.ok_or_else(again)?;
    if rec.used {
        let dropped = state.store.drop_refresh_for_device(rec.device)?;
        tracing::warn!(device = %rec.device, dropped, "a used refresh token was presented again; the device must log in again");
        return Err(AppError::Unauthorized(msg!("refresh-used")));
    }
    if rec.expires_ms < Timestamp::now().0 {
        return Err(AppError::Unauthorized(msg!("refresh-expired")));
    }
    match state.store.device(rec.device)? {
        Some(d) if !d.revoked => {}
        _ => return Err(AppError::Unauthorized(msg!("auth-device-revoked"))),
    }
    let UserRecord { user, status, .. } = state.store.user(&rec.username)?.ok_or_else(again)?;
    if status.disabled || status.must_change_password {
        return Err(AppError::Unauthorized(msg!("refresh-account-blocked")));
    }
    // Atomically: of two concurrent exchanges of one token only one may win; the other is a
    // reuse like any other.
    if !state.store.claim_refresh(&hash, &rec)? {
        let dropped = state.store.drop_refresh_for_device(rec.device)?;
        tracing::warn!(device = %rec.device, dropped, "a refresh token was presented twice at once; the device must log in again");
        return Err(AppError::Unauthorized(msg!("refresh-used")));
    }
    issue(state, user, status.sessions, rec.device)
}

fn issue(
    state: &State,
    user: User,
    gen: u32,
    device: DeviceId,
) -> Result<Json<TokenResponse>, AppError> {
    let now = Timestamp::now();
    let refresh_token = random_token();
    state.store.put_refresh(
        &token_hash(&refresh_token),
        &RefreshRecord {
            username: user.username.clone(),
            device,
            expires_ms: now.0 + REFRESH_TTL_MS,
            used: false,
        },
    )?;
    let org = state.store.org(user.org)?.ok_or_else(|| {
        AppError::Internal(format!(
            "user {} names a missing organisation",
            user.username
        ))
    })?;
    Ok(Json(TokenResponse {
        access_token: state.keys.issue(&user, gen, device, (now.0 / 1000) as u64),
        expires_in: crate::auth::ACCESS_TTL_SECS,
        refresh_token,
        user,
        org,
        device_id: device,
    }))
}
