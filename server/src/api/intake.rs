//! The city platform's intake (一网统管): `POST /v1/intake/citizen-reports` delivers a citizen
//! report, `GET /v1/intake/citizen-reports/{case}` reads back how it is handled and the
//! reply to the citizen. Authenticated by an organisation's intake key
//! (`Authorization: Bearer <key>`, see [`super::intake_keys`]); the key names the
//! organisation, so a case number is looked up only among that organisation's reports.
//!
//! A delivery becomes an ordinary op through the sequencer: a citizen report authored by the
//! key, from the key's own server-side device with its own gap-free `device_seq`, in the
//! report's own partition. Its report id is derived from (organisation, case number)
//! (`ReportId::for_case`), so a repeated delivery names the same report: the intake answers
//! it with the report already made (it checks, one delivery at a time, views that cover the
//! whole log), and should a repeat ever reach the log, the fold turns the second report of
//! the same id into an unresolved note, never a second hazard.
//!
//! Everything is checked before anything is stored: a body that is malformed, too large or
//! invalid (a photo that is not one, a time out of range) gets its 4xx and leaves nothing
//! behind — no photo, no op.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::{FromRequestParts, Path, State as AxState};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::Json;
use base64::Engine;
use firecheck_shared::hlc::HlcClock;
use firecheck_shared::intake::{
    rfc3339, CaseStatus, CitizenReportIntake, IntakeReceipt, IntakeReply, MAX_INLINE_PHOTO_BYTES,
    MAX_INTAKE_PHOTOS,
};
use firecheck_shared::sync::AckResult;
use firecheck_shared::*;

use super::channels::{progress, report_home};
use super::{blocking, AppError, State};
use crate::auth::token_hash;
use crate::store::intake::IntakeKeyRecord;
use crate::store::{Store, Uploader};

/// Longest a delivery waits for the views to cover the log (so a repeat is recognised).
const VIEW_WAIT: Duration = Duration::from_secs(5);

/// The intake's own state: deliveries are taken one at a time (the check for a repeat and
/// the op it makes must not interleave with another delivery's), each key's clock.
#[derive(Debug, Default)]
pub struct Intake {
    clocks: tokio::sync::Mutex<HashMap<DeviceId, HlcClock>>,
}

/// A delivery's caller: an intake key that exists and is not revoked.
#[derive(Clone, Debug)]
pub struct IntakeCaller(pub IntakeKeyRecord);

impl FromRequestParts<State> for IntakeCaller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &State) -> Result<Self, Self::Rejection> {
        let key = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| AppError::Unauthorized(msg!("intake-key-missing")))?;
        let hash = token_hash(key);
        let record = blocking(state, move |store| Ok(store.intake_key_by_hash(&hash)?)).await?;
        match record {
            Some(r) if r.key.revoked_ms.is_none() => Ok(IntakeCaller(r)),
            Some(_) => Err(AppError::Unauthorized(msg!("intake-key-revoked"))),
            None => Err(AppError::Unauthorized(msg!("intake-key-wrong"))),
        }
    }
}

/// Photos sent inline: each hash with its bytes.
type Inline = Vec<(BlobHash, Vec<u8>)>;

/// The photos of a delivery: their hashes, and the bytes of those sent inline.
fn photos(req: &CitizenReportIntake) -> Result<(Vec<BlobHash>, Inline), AppError> {
    if req.photos.len() > MAX_INTAKE_PHOTOS {
        return Err(AppError::Unprocessable(msg!(
            "intake-too-many-photos",
            count = req.photos.len(),
            max = MAX_INTAKE_PHOTOS
        )));
    }
    let mut hashes = Vec::new();
    let mut inline = Vec::new();
    for (n, p) in req.photos.iter().enumerate() {
        let n = n + 1;
        match (&p.sha256, &p.base64) {
            (Some(h), None) => hashes.push(*h),
            (None, Some(b64)) => {
                // Decoded, base64 is three bytes for every four characters.
                if b64.len() / 4 * 3 > MAX_INLINE_PHOTO_BYTES + 3 {
                    return Err(AppError::PayloadTooLarge(msg!(
                        "intake-photo-too-large",
                        n = n,
                        mib = MAX_INLINE_PHOTO_BYTES / (1024 * 1024)
                    )));
                }
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b64.trim())
                    .map_err(|e| {
                        AppError::Unprocessable(msg!(
                            "intake-photo-base64",
                            n = n,
                            detail = e.to_string()
                        ))
                    })?;
                if bytes.len() > MAX_INLINE_PHOTO_BYTES {
                    return Err(AppError::PayloadTooLarge(msg!(
                        "intake-photo-too-large",
                        n = n,
                        mib = MAX_INLINE_PHOTO_BYTES / (1024 * 1024)
                    )));
                }
                if evidence_media_type(&bytes).is_none() {
                    return Err(AppError::Unprocessable(msg!("intake-photo-type", n = n)));
                }
                let h = BlobHash::of(&bytes);
                hashes.push(h);
                inline.push((h, bytes));
            }
            _ => return Err(AppError::Unprocessable(msg!("intake-photo-either", n = n))),
        }
    }
    hashes.sort();
    hashes.dedup();
    Ok((hashes, inline))
}

/// The node an intake key's clock stamps with (from its device id).
fn node_of(device: DeviceId) -> u64 {
    let b = device.as_bytes();
    u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
}

/// Wait until the views cover the organisation's whole log, so that what they say about a
/// case is the whole truth.
async fn views_cover_log(state: &State, org: OrgId) -> Result<(), AppError> {
    let head = blocking(state, move |store| Ok(store.last_seq(org)?)).await?;
    if state.views.wait_for(org, head, VIEW_WAIT).await {
        Ok(())
    } else {
        Err(AppError::Unavailable(msg!("intake-catching-up")))
    }
}

/// The receipt for a report already made.
fn receipt(
    store: &Store,
    org: OrgId,
    case: &str,
    report: ReportId,
    created: bool,
    hashes: &[BlobHash],
) -> Result<IntakeReceipt, AppError> {
    let mut missing_photos = Vec::new();
    for h in hashes {
        if !store.holds(org, h).unwrap_or(false) {
            missing_photos.push(*h);
        }
    }
    Ok(IntakeReceipt {
        case_number: case.to_string(),
        report,
        hazard: HazardId::for_report(report),
        created,
        missing_photos,
    })
}

/// Deliver a citizen report. 201 with the report made; a repeated delivery of the same case
/// number is 200 with the report made the first time (`created: false`), and stores nothing.
#[utoipa::path(post, path = "/v1/intake/citizen-reports", tag = "intake",
    request_body = CitizenReportIntake,
    responses((status = 201, description = "The report was made", body = IntakeReceipt),
        (status = 200, description = "This case was delivered before: the same report, nothing stored", body = IntakeReceipt),
        (status = 400, description = "Malformed JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "No intake key, an unknown one or a revoked one", body = firecheck_shared::sync::ErrorBody),
        (status = 413, description = "Body or an inline photo too large", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Not application/json", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "A missing or unknown field, an empty text, a photo that is not one, a time out of range", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable or views catching up; nothing stored — retry", body = firecheck_shared::sync::ErrorBody)),
    security(("intake" = [])))]
pub async fn deliver(
    AxState(state): AxState<State>,
    IntakeCaller(key): IntakeCaller,
    Json(req): Json<CitizenReportIntake>,
) -> Result<(StatusCode, Json<IntakeReceipt>), AppError> {
    let org = key.org;
    let (hashes, inline) = photos(&req)?;
    let record = req.record(hashes.clone())?;
    let case = record.case_number.clone();
    let report = ReportId::for_case(org, &case);
    let now = Timestamp::now().0;
    let mut op = Op {
        op_id: OpId::new(),
        device: key.key.device,
        device_seq: 1,
        entity: EntityRef::CitizenReport {
            venue: None,
            report,
        },
        hlc: Hlc::new(now.max(0) as u64, 0, node_of(key.key.device)),
        author: key.key.author,
        body: OpBody::CitizenCaseReported(record),
    };
    validate::op(&op, now)?;

    let mut clocks = state.intake.clocks.lock().await;
    views_cover_log(&state, org).await?;
    let (seen, device_seq) = {
        let device = key.key.device;
        blocking(&state, move |store| {
            Ok((
                report_home(store, org, report)?.is_some(),
                store.last_device_seq(device)? + 1,
            ))
        })
        .await?
    };
    if seen {
        let r = blocking(&state, move |store| {
            receipt(store, org, &case, report, false, &hashes)
        })
        .await?;
        tracing::info!(%org, case = %r.case_number, "a case delivered again: answered with its report");
        return Ok((StatusCode::OK, Json(r)));
    }
    let by = Uploader {
        device: key.key.device,
        user: key.key.author,
    };
    blocking(&state, move |store| {
        for (hash, bytes) in inline {
            store
                .blob_append(org, by, &hash, 0, &bytes, bytes.len() as u64, now)
                .map_err(|e| AppError::Internal(format!("storing an intake photo: {e}")))?;
        }
        Ok(())
    })
    .await?;
    let clock = clocks
        .entry(key.key.device)
        .or_insert_with(|| HlcClock::new(node_of(key.key.device)));
    op.hlc = clock.send(now.max(0) as u64);
    op.device_seq = device_seq;
    let results = state
        .sequencer
        .push(org, vec![op], now)
        .await
        .map_err(|_| AppError::Unavailable(msg!("intake-not-stored")))?;
    match results.first() {
        Some(AckResult::Accepted { seq }) => {
            state.metrics.ops(1, 0, 0);
            tracing::info!(%org, %case, seq, "citizen report delivered");
        }
        other => {
            return Err(AppError::Internal(format!(
                "the sequencer refused an intake op: {other:?}"
            )))
        }
    }
    drop(clocks);
    let r = blocking(&state, move |store| {
        receipt(store, org, &case, report, true, &hashes)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(r)))
}

/// Where a delivered case stands: received, in progress or resolved; the hazard that follows
/// it and its status; the reply to the citizen (反馈) once the office has given one.
#[utoipa::path(get, path = "/v1/intake/citizen-reports/{case}", tag = "intake",
    params(("case" = String, Path, description = "The platform's case number")),
    responses((status = 200, description = "How the case is handled", body = CaseStatus),
        (status = 401, description = "No intake key, an unknown one or a revoked one", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such case delivered to this organisation", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Views catching up; retry", body = firecheck_shared::sync::ErrorBody)),
    security(("intake" = [])))]
pub async fn read_back(
    AxState(state): AxState<State>,
    IntakeCaller(key): IntakeCaller,
    Path(case): Path<String>,
) -> Result<Json<CaseStatus>, AppError> {
    let org = key.org;
    let case = case.trim().to_string();
    let report = ReportId::for_case(org, &case);
    views_cover_log(&state, org).await?;
    blocking(&state, move |store| {
        let missing = || AppError::NotFound(msg!("intake-no-case", case = &case));
        let (_, s) = report_home(store, org, report)?.ok_or_else(missing)?;
        let r = s.reports.get(&report).ok_or_else(missing)?;
        let p = progress(store, org, &s, r)?.ok_or_else(missing)?;
        Ok(Json(CaseStatus {
            case_number: case,
            report,
            status: p.status,
            hazard: p.hazard,
            hazard_status: p.hazard_status,
            linked: p.linked,
            assignee: p.assignee,
            deadline: p.deadline,
            reply: p.reply.map(|r| IntakeReply {
                text: r.text,
                replied_at: rfc3339(r.at),
            }),
        }))
    })
    .await
}
