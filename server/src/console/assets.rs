//! What pages load besides themselves: the stylesheet and htmx (compiled into the binary,
//! from `server/static/`), and photos — the attachments the organisation's records refer to,
//! read with the session, as `GET /v1/blobs/{hash}` serves them to a token.

use axum::extract::{Path, State as AxState};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use firecheck_shared::*;

use super::text::LANG;

use super::{error_page, PageError, PageResult, Session};
use crate::api::{blocking, AppError, State};

const CSS: &[u8] = include_bytes!("../../static/console.css");
/// htmx 2.0.11, from the npm registry's tarball (see `server/static/README.md`).
const HTMX: &[u8] = include_bytes!("../../static/htmx.min.js");
const HTMX_LICENSE: &[u8] = include_bytes!("../../static/htmx.LICENSE");

/// `GET /static/{file}`: no session needed (the login page uses the stylesheet).
pub async fn file(Path(file): Path<String>) -> Response {
    let (body, ct) = match file.as_str() {
        "console.css" => (CSS, "text/css; charset=utf-8"),
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "htmx.LICENSE" => (HTMX_LICENSE, "text/plain; charset=utf-8"),
        _ => {
            return error_page(
                StatusCode::NOT_FOUND,
                &t!(LANG, "page-not-found-title"),
                &t!(LANG, "page-no-file"),
            )
        }
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /photos/{hash}`: a photo or PDF the session's organisation's records refer to.
pub async fn photo(
    AxState(state): AxState<State>,
    session: Session,
    Path(hash): Path<String>,
) -> PageResult {
    let hash: BlobHash = hash
        .parse()
        .map_err(|_| PageError(AppError::NotFound(msg!("blob-bad-hash"))))?;
    let org = session.user.org;
    let bytes = blocking(&state, move |store| {
        if !store.org_refers_to(org, &hash)? {
            return Err(AppError::NotFound(msg!(
                "blob-not-found",
                hash = hash.to_hex()
            )));
        }
        store
            .blob(&hash)
            .map_err(|e| AppError::Internal(e.to_string()))
    })
    .await?;
    let Some(bytes) = bytes else {
        return Ok(error_page(
            StatusCode::NOT_FOUND,
            &t!(LANG, "page-photo-pending-title"),
            &t!(LANG, "page-photo-pending"),
        ));
    };
    let ct = evidence_media_type(&bytes).unwrap_or("application/octet-stream");
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=86400"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        bytes,
    )
        .into_response())
}
