//! Attachments (photos of a blocked exit, a signed rectification notice): content-addressed
//! by SHA-256, uploaded apart from ops, resumable, deduplicated.
//!
//! - `PUT /v1/blobs/{sha256}` — upload. Whole in one request, or in chunks with
//!   `Content-Range: bytes START-END/TOTAL`; the bytes are verified against the name before
//!   they are kept. Only JPEG, PNG, HEIC and PDF; at most the configured size.
//! - `HEAD /v1/blobs/{sha256}` — how much the caller's organisation has sent
//!   (`Upload-Offset`), to resume an upload.
//! - `GET /v1/blobs/{sha256}` — download, for users whose organisation has an op referring to
//!   it and whose devices sent it.
//!
//! **Tenancy.** Every answer is about the caller's organisation only (`store::blobs`): an
//! attachment another organisation holds, or is uploading, is absent here — `HEAD` 404, a
//! `PUT` that uploads it in full, `GET` 404 — so nobody learns that another organisation has a
//! photo, even knowing its hash. An upload no op of the organisation refers to yet is allowed
//! as a *pending* upload, bounded per organisation (`--max-pending-uploads`,
//! `--max-pending-upload-mb`; 507 `quota_exceeded` beyond) and removed after
//! `--pending-upload-days` unless an op comes to refer to it. Devices sync the op first and
//! upload after, so in normal work nothing is pending.

use axum::body::Bytes;
use axum::extract::{Path, State as AxState};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use firecheck_shared::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::{AppError, Caller, State};
use crate::store::{BlobError, BlobState, Uploader};

/// How long an upload that no record refers to waits for the views to catch up with the
/// organisation's log (an op synced just before may refer to it) before it counts as pending.
const VIEWS_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// Header saying how many bytes of an upload the server holds.
pub const UPLOAD_OFFSET: &str = "upload-offset";

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadState {
    pub hash: String,
    /// Bytes the server holds.
    pub received: u64,
    pub complete: bool,
}

fn parse_hash(s: &str) -> Result<BlobHash, AppError> {
    s.parse()
        .map_err(|_| AppError::BadRequest(msg!("blob-bad-hash")))
}

/// `bytes START-END/TOTAL` → (start, end inclusive, total).
fn parse_range(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (a, b) = range.split_once('-')?;
    let (a, b, total) = (
        a.trim().parse().ok()?,
        b.trim().parse().ok()?,
        total.trim().parse().ok()?,
    );
    (a <= b && b < total).then_some((a, b, total))
}

/// Upload an attachment, whole or a chunk at a time.
#[utoipa::path(put, path = "/v1/blobs/{sha256}", tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the bytes, hex", pattern = "^[0-9a-fA-F]{64}$")),
    request_body(content = Vec<u8>, content_type = "image/jpeg"),
    responses(
        (status = 201, description = "Complete and verified", body = UploadState),
        (status = 200, description = "Chunk stored, or the organisation already holds it", body = UploadState),
        (status = 400, description = "Not a SHA-256 name, a bad Content-Range, or empty", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 409, description = "Chunk does not continue the upload; see Upload-Offset", body = firecheck_shared::sync::ErrorBody),
        (status = 413, description = "Larger than the attachment limit", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not JPEG, PNG, HEIC or PDF", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "The bytes do not hash to the name; send them again", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody),
        (status = 507, description = "No record of the organisation refers to this upload and it already keeps as many such uploads as it may (`quota_exceeded`); sync the records first", body = firecheck_shared::sync::ErrorBody),
    ),
    security(("bearer" = [])))]
pub async fn put(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(hash): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let hash = parse_hash(&hash)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !EVIDENCE_MEDIA_TYPES.contains(&essence.as_str()) {
        return Err(AppError::UnsupportedMediaType(msg!(
            "blob-bad-type",
            content_type = ct
        )));
    }
    let (offset, total) = match headers.get(header::CONTENT_RANGE) {
        Some(v) => {
            let (a, b, total) = v
                .to_str()
                .ok()
                .and_then(parse_range)
                .ok_or_else(|| AppError::BadRequest(msg!("blob-bad-range")))?;
            if b - a + 1 != body.len() as u64 {
                return Err(AppError::BadRequest(msg!(
                    "blob-range-mismatch",
                    named = b - a + 1,
                    got = body.len()
                )));
            }
            (a, total)
        }
        None => (0, body.len() as u64),
    };
    if total > state.max_blob_bytes {
        return Err(AppError::PayloadTooLarge(msg!(
            "blob-too-large",
            size = total,
            max = state.max_blob_bytes
        )));
    }
    if total == 0 {
        return Err(AppError::BadRequest(msg!("blob-empty")));
    }
    if offset == 0 && !body.is_empty() && evidence_media_type(&body).is_none() {
        return Err(AppError::UnsupportedMediaType(msg!("blob-not-evidence")));
    }
    let org = caller.0.org;
    let by = Uploader {
        device: caller.0.dev,
        user: caller.0.sub,
    };
    let now = Timestamp::now().0;
    if !refers_to(&state, org, &hash).await? {
        let (store, limits) = (state.store.clone(), state.upload_limits);
        let reserved = tokio::task::spawn_blocking(move || {
            store.reserve_upload(org, &hash, by, total, now, limits)
        })
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
        if let Err(e) = reserved {
            return Err(blob_error(e, &hash));
        }
    }
    let store = state.store.clone();
    let result = tokio::task::spawn_blocking(move || {
        store.blob_append(org, by, &hash, offset, &body, total, now)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let upload = |received, complete| UploadState {
        hash: hash.to_hex(),
        received,
        complete,
    };
    match result {
        Ok(BlobState::Complete(n)) => {
            Ok((StatusCode::CREATED, offset_header(n), Json(upload(n, true))).into_response())
        }
        Ok(BlobState::Partial(n)) => {
            Ok((StatusCode::OK, offset_header(n), Json(upload(n, false))).into_response())
        }
        Ok(BlobState::Missing) => Err(AppError::Internal("upload vanished".into())),
        Err(BlobError::WrongOffset { have, offset }) => {
            let mut resp =
                AppError::Conflict(msg!("blob-wrong-offset", have = have, offset = offset))
                    .into_response();
            resp.headers_mut()
                .insert(UPLOAD_OFFSET, HeaderValue::from(have));
            Ok(resp)
        }
        Err(e) => Err(blob_error(e, &hash)),
    }
}

fn blob_error(e: BlobError, hash: &BlobHash) -> AppError {
    match e {
        BlobError::WrongOffset { have, offset } => {
            AppError::Conflict(msg!("blob-wrong-offset", have = have, offset = offset))
        }
        BlobError::HashMismatch { actual } => AppError::Unprocessable(msg!(
            "blob-hash-mismatch",
            actual = actual,
            hash = hash.to_hex()
        )),
        BlobError::Quota {
            count,
            bytes,
            max_count,
            max_bytes,
        } => AppError::QuotaExceeded(msg!(
            "blob-quota",
            hash = hash.to_hex(),
            count = count,
            bytes = bytes,
            max_count = max_count,
            max_bytes = max_bytes
        )),
        BlobError::Io(e) => {
            tracing::warn!(error = %e, "attachment not stored");
            AppError::Unavailable(msg!("blob-not-stored"))
        }
        BlobError::Store(e) => e.into(),
    }
}

/// Whether an op of `org` refers to the attachment — after waiting a little for views that
/// lag the log, since the op may have been synced just before the upload.
async fn refers_to(state: &State, org: OrgId, hash: &BlobHash) -> Result<bool, AppError> {
    let h = *hash;
    let refers = move || super::blocking(state, move |store| Ok(store.org_refers_to(org, &h)?));
    if refers().await? {
        return Ok(true);
    }
    let head = state.store.durable_seq(org);
    if state.views.covered(org) < head && state.views.wait_for(org, head, VIEWS_WAIT).await {
        return refers().await;
    }
    Ok(false)
}

fn offset_header(n: u64) -> [(header::HeaderName, HeaderValue); 1] {
    [(
        header::HeaderName::from_static(UPLOAD_OFFSET),
        HeaderValue::from(n),
    )]
}

/// How much of an attachment the caller's organisation has sent: `Upload-Offset` (and
/// `Content-Length` when complete). What other organisations hold is never told.
#[utoipa::path(head, path = "/v1/blobs/{sha256}", tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the bytes, hex", pattern = "^[0-9a-fA-F]{64}$")),
    responses((status = 200, description = "Upload-Offset tells how many bytes the organisation's devices sent; x-firecheck-complete whether it is all"),
        (status = 400, description = "Not a SHA-256 name"),
        (status = 401, description = "Missing or invalid token"),
        (status = 404, description = "Nothing held for this organisation"),
        (status = 503, description = "Storage unavailable")),
    security(("bearer" = [])))]
pub async fn head(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(hash): Path<String>,
) -> Result<Response, AppError> {
    let hash = parse_hash(&hash)?;
    let store = state.store.clone();
    let org = caller.0.org;
    let blob_state = tokio::task::spawn_blocking(move || store.blob_state(org, &hash))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
        .map_err(|e| blob_error(e, &hash))?;
    match blob_state {
        BlobState::Complete(n) => Ok((
            StatusCode::OK,
            offset_header(n),
            [(header::CONTENT_LENGTH, HeaderValue::from(n))],
            [("x-firecheck-complete", "true")],
        )
            .into_response()),
        BlobState::Partial(n) => Ok((
            StatusCode::OK,
            offset_header(n),
            [("x-firecheck-complete", "false")],
        )
            .into_response()),
        BlobState::Missing => Ok(StatusCode::NOT_FOUND.into_response()),
    }
}

/// Download an attachment your organisation's records refer to.
#[utoipa::path(get, path = "/v1/blobs/{sha256}", tag = "blobs",
    params(("sha256" = String, Path, description = "SHA-256 of the bytes, hex", pattern = "^[0-9a-fA-F]{64}$")),
    responses((status = 200, description = "The bytes"),
        (status = 400, description = "Not a SHA-256 name", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing or invalid token", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No record of this organisation refers to it (`not_found`), or its device has not sent it yet (`pending_upload`)", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn get(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(hash): Path<String>,
) -> Result<Response, AppError> {
    let hash = parse_hash(&hash)?;
    let org = caller.0.org;
    let refers = super::blocking(&state, move |store| Ok(store.org_refers_to(org, &hash)?)).await?;
    if !refers {
        return Err(AppError::NotFound(msg!(
            "blob-not-found",
            hash = hash.to_hex()
        )));
    }
    let store = state.store.clone();
    let bytes = tokio::task::spawn_blocking(move || {
        if store.holds(org, &hash)? {
            Ok(store.blob(&hash)?)
        } else {
            Ok(None)
        }
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))?
    .map_err(|e: BlobError| blob_error(e, &hash))?;
    match bytes {
        Some(bytes) => {
            let ct = evidence_media_type(&bytes).unwrap_or("application/octet-stream");
            Ok(([(header::CONTENT_TYPE, ct)], bytes).into_response())
        }
        None => Err(AppError::PendingUpload(msg!(
            "blob-pending",
            hash = hash.to_hex()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_range_parses_only_well_formed_values() {
        assert_eq!(parse_range("bytes 0-99/200"), Some((0, 99, 200)));
        assert_eq!(parse_range("bytes 100-199/200"), Some((100, 199, 200)));
        assert_eq!(parse_range("bytes 100-99/200"), None);
        assert_eq!(parse_range("bytes 0-200/200"), None);
        assert_eq!(parse_range("0-99/200"), None);
    }
}
