//! `POST /v1/auth/login` and `POST /v1/auth/refresh`.

use axum::extract::State as AxState;
use axum::Json;
use firecheck_shared::sync::{LoginRequest, RefreshRequest, TokenResponse};
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;

use super::{blocking, AppError, State};
use crate::auth::{
    hash_password_bounded, random_token, token_hash, verify_password_bounded, REFRESH_TTL_MS,
};
use crate::store::{DeviceRecord, RefreshRecord, Store, UserRecord};

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
    let user = authenticate(&state, &req.username, &req.password).await?;
    let device = register_device(&state, &user, req.device_id, req.device_name).await?;
    tracing::info!(user = %user.username, device = %device.id, "login");
    issue(&state, user, device.id).await
}

/// Check a username and password (the same work for unknown users, so timing does not
/// tell which usernames exist); repeated failures lock the username for a while. Shared by
/// the API's login and the console's.
pub(crate) async fn authenticate(
    state: &State,
    username: &str,
    password: &str,
) -> Result<User, AppError> {
    state
        .limiter
        .check(username)
        .map_err(AppError::TooManyAttempts)?;
    let name = username.to_string();
    let record = blocking(state, move |store| Ok(store.user(&name)?)).await?;
    let password = password.to_string();
    let hash = record.as_ref().map(|r| r.password_hash.clone());
    let ok = match hash {
        Some(h) => verify_password_bounded(h, password).await,
        None => hash_password_bounded(password).await.map(|_| false),
    }
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let Some(record) = record.filter(|_| ok) else {
        state.limiter.failed(username);
        tracing::warn!(username = %username, "failed login");
        return Err(AppError::Unauthorized("wrong username or password".into()));
    };
    state.limiter.succeeded(username);
    Ok(record.user)
}

/// The device the user logs in from: registered on first use, its user and name kept up to
/// date; a revoked device or one of another organisation is refused.
pub(crate) async fn register_device(
    state: &State,
    user: &User,
    id: DeviceId,
    name: String,
) -> Result<DeviceRecord, AppError> {
    let user = user.clone();
    blocking(state, move |store| match store.device(id)? {
        Some(d) if d.revoked => Err(AppError::Forbidden(
            "this device has been revoked; ask the administrator".into(),
        )),
        Some(d) if d.org != user.org => Err(AppError::Forbidden(
            "this device is registered to another organisation".into(),
        )),
        Some(mut d) => {
            if d.user != user.id || d.name != name {
                d.user = user.id;
                d.name = name;
                store.put_device(&d)?;
            }
            Ok(d)
        }
        None => {
            let d = DeviceRecord {
                id,
                org: user.org,
                user: user.id,
                name,
                registered_ms: Timestamp::now().0,
                revoked: false,
            };
            store.put_device(&d)?;
            tracing::info!(device = %d.id, name = %d.name, user = %user.username, "device registered");
            Ok(d)
        }
    })
    .await
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
    let (user, device) = blocking(&state, move |store| exchange_refresh(store, &hash)).await?;
    issue(&state, user, device).await
}

/// Check a refresh token and mark it used, atomically; the user and device it was for.
fn exchange_refresh(store: &Store, hash: &[u8; 32]) -> Result<(User, DeviceId), AppError> {
    let again = || AppError::Unauthorized("the refresh token is not valid; log in again".into());
    let rec = store.refresh(hash)?.ok_or_else(again)?;
    if rec.used {
        let dropped = store.drop_refresh_for_device(rec.device)?;
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
    match store.device(rec.device)? {
        Some(d) if !d.revoked => {}
        _ => {
            return Err(AppError::Unauthorized(
                "this device has been revoked; ask the administrator".into(),
            ))
        }
    }
    let UserRecord { user, .. } = store.user(&rec.username)?.ok_or_else(again)?;
    // Atomically: of two concurrent exchanges of one token only one may win; the other is a
    // reuse like any other.
    if !store.claim_refresh(hash, &rec)? {
        let dropped = store.drop_refresh_for_device(rec.device)?;
        tracing::warn!(device = %rec.device, dropped, "a refresh token was presented twice at once; the device must log in again");
        return Err(AppError::Unauthorized(
            "this refresh token was already used; log in again".into(),
        ));
    }
    Ok((user, rec.device))
}

/// New tokens for `user` on `device`: a refresh token (stored hashed) and an access token.
async fn issue(
    state: &State,
    user: User,
    device: DeviceId,
) -> Result<Json<TokenResponse>, AppError> {
    let now = Timestamp::now();
    let refresh_token = random_token();
    let record = RefreshRecord {
        username: user.username.clone(),
        device,
        expires_ms: now.0 + REFRESH_TTL_MS,
        used: false,
    };
    let hash = token_hash(&refresh_token);
    let (org_id, username) = (user.org, user.username.clone());
    let org = blocking(state, move |store| {
        store.put_refresh(&hash, &record)?;
        store.org(org_id)?.ok_or_else(|| {
            AppError::Internal(format!("user {username} names a missing organisation"))
        })
    })
    .await?;
    Ok(Json(TokenResponse {
        access_token: state.keys.issue(&user, device, (now.0 / 1000) as u64),
        expires_in: crate::auth::ACCESS_TTL_SECS,
        refresh_token,
        user,
        org,
        device_id: device,
    }))
}
