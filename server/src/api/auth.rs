//! `POST /v1/auth/login` and `POST /v1/auth/refresh`.

use axum::extract::State as AxState;
use axum::Json;
use firecheck_shared::sync::{LoginRequest, RefreshRequest, TokenResponse};
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;

use super::{AppError, State};
use crate::auth::{
    hash_password_bounded, random_token, token_hash, verify_password_bounded, REFRESH_TTL_MS,
};
use crate::store::{DeviceRecord, RefreshRecord, UserRecord};

/// Log in from a device: registers the device on first use, returns an access token and a
/// refresh token bound to the device. Repeated failures lock the username for a while.
#[utoipa::path(
    post, path = "/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in", body = TokenResponse),
        (status = 401, description = "Wrong username or password", body = firecheck_shared::sync::ErrorBody),
        (status = 403, description = "Device revoked or of another organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 429, description = "Too many failed logins", body = firecheck_shared::sync::ErrorBody),
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
        return Err(AppError::BadRequest(
            "username, password or device name is too long".into(),
        ));
    }
    state
        .limiter
        .check(&req.username)
        .map_err(AppError::TooManyAttempts)?;
    let record = state.store.user(&req.username)?;
    let password = req.password.clone();
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    let ok = match hash {
        Some(h) => verify_password_bounded(h, password).await,
        // Same work for unknown users, so timing does not tell which usernames exist.
        None => hash_password_bounded(password).await.map(|_| false),
    }
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(record) = record.filter(|_| ok) else {
        state.limiter.failed(&req.username);
        tracing::warn!(username = %req.username, "failed login");
        return Err(AppError::Unauthorized("wrong username or password".into()));
    };
    state.limiter.succeeded(&req.username);
    let user = record.user;
    let device = match state.store.device(req.device_id)? {
        Some(d) if d.revoked => {
            return Err(AppError::Forbidden(
                "this device has been revoked; ask the administrator".into(),
            ))
        }
        Some(d) if d.org != user.org => {
            return Err(AppError::Forbidden(
                "this device is registered to another organisation".into(),
            ))
        }
        Some(mut d) => {
            if d.user != user.id || d.name != req.device_name {
                d.user = user.id;
                d.name = req.device_name.clone();
                state.store.put_device(&d)?;
            }
            d
        }
        None => {
            let d = DeviceRecord {
                id: req.device_id,
                org: user.org,
                user: user.id,
                name: req.device_name.clone(),
                registered_ms: Timestamp::now().0,
                revoked: false,
            };
            state.store.put_device(&d)?;
            tracing::info!(device = %d.id, name = %d.name, user = %user.username, "device registered");
            d
        }
    };
    tracing::info!(user = %user.username, device = %device.id, "login");
    issue(&state, user, device.id)
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
    let again = || AppError::Unauthorized("the refresh token is not valid; log in again".into());
    let rec = state.store.refresh(&hash)?.ok_or_else(again)?;
    if rec.used {
        let dropped = state.store.drop_refresh_for_device(rec.device)?;
        tracing::warn!(device = %rec.device, dropped, "a used refresh token was presented again; the device must log in again");
        return Err(AppError::Unauthorized(
            "this refresh token was already used; log in again".into(),
        ));
    }
    if rec.expires_ms < Timestamp::now().0 {
        return Err(AppError::Unauthorized(
            "the login has expired; log in again".into(),
        ));
    }
    match state.store.device(rec.device)? {
        Some(d) if !d.revoked => {}
        _ => {
            return Err(AppError::Unauthorized(
                "this device has been revoked; ask the administrator".into(),
            ))
        }
    }
    let UserRecord { user, .. } = state.store.user(&rec.username)?.ok_or_else(again)?;
    // Atomically: of two concurrent exchanges of one token only one may win; the other is a
    // reuse like any other.
    if !state.store.claim_refresh(&hash, &rec)? {
        let dropped = state.store.drop_refresh_for_device(rec.device)?;
        tracing::warn!(device = %rec.device, dropped, "a refresh token was presented twice at once; the device must log in again");
        return Err(AppError::Unauthorized(
            "this refresh token was already used; log in again".into(),
        ));
    }
    issue(&state, user, rec.device)
}

fn issue(state: &State, user: User, device: DeviceId) -> Result<Json<TokenResponse>, AppError> {
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
        access_token: state.keys.issue(&user, device, (now.0 / 1000) as u64),
        expires_in: crate::auth::ACCESS_TTL_SECS,
        refresh_token,
        user,
        org,
        device_id: device,
    }))
}
