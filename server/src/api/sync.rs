//! `POST /v1/sync`: push the outbox and pull what the device has not seen, in one round trip.

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use firecheck_shared::codec::{self, Format};
use firecheck_shared::hlc::{skew_ms, skew_warning};
use firecheck_shared::i18n::Lang;
use firecheck_shared::sync::{Ack, AckResult, RejectCode, SyncRequest, SyncResponse, LOG_HEADER};
use firecheck_shared::validate::{self, ValidationError, MAX_OPS_PER_SYNC, MAX_PULL_LIMIT};
use firecheck_shared::*;

use super::error::lang_of;
use super::{blocking, AppError, Caller, State};
use crate::sequencer::SequencerError;

/// Push ops and pull ops after a cursor.
///
/// Body and response are bincode (`application/x-firecheck-bincode`) or JSON
/// (`application/json`), chosen by `Content-Type` and `Accept` (default: the request's form).
/// Every pushed op gets an ack in order: `accepted` (stored now), `duplicate` (stored before;
/// same sequence number), or `rejected` with a code and a reason. Acked ops are on disk.
///
/// Every answer names the server's log in the `firecheck-log` header. A device sends back the
/// id it last saw; when the server's log is another one (it was restored from a backup), or
/// the cursor is past the end of the server's log, nothing is stored and the answer is 409
/// `log_restored`, its `firecheck-log-shared` header saying up to which sequence number the
/// two logs agree: the device pulls again from there and sends again its own ops acknowledged
/// after it.
#[utoipa::path(
    post, path = "/v1/sync", tag = "sync",
    request_body(content = SyncRequest, description = "Cursor, ops to push, pull limit", content_type = "application/json"),
    params(("firecheck-log" = Option<uuid::Uuid>, Header, description = "The id of the server log this device last pulled from (from the `firecheck-log` header of an earlier answer)")),
    responses(
        (status = 200, description = "Acks, pulled ops, the new cursor; the header `firecheck-log` names the server's log", body = SyncResponse),
        (status = 409, description = "`log_restored`: the device pulled from another log than the server's, or its cursor is past the server's log (the server was restored from a backup); `firecheck-log-shared` says how far the two logs agree. Nothing was stored", body = firecheck_shared::sync::ErrorBody),
        (status = 400, description = "Malformed body", body = firecheck_shared::sync::ErrorBody),
        (status = 401, description = "Missing, expired or forged token; revoked device", body = firecheck_shared::sync::ErrorBody),
        (status = 413, description = "Body or batch too large", body = firecheck_shared::sync::ErrorBody),
        (status = 415, description = "Neither bincode nor JSON", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Storage unavailable; nothing was acknowledged", body = firecheck_shared::sync::ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn sync(
    AxState(state): AxState<super::State>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let format = request_format(&headers)?;
    let answer = response_format(&headers, format);
    let req: SyncRequest = codec::decode(format, &body)
        .map_err(|e| AppError::BadRequest(msg!("sync-undecodable", detail = e.to_string())))?;
    let device_log = device_log(&headers)?;
    let resp = handle(&state, &caller, device_log, req, lang_of(&headers)).await?;
    Ok((
        [
            (header::CONTENT_TYPE, answer.media_type().to_string()),
            (
                header::HeaderName::from_static(LOG_HEADER),
                state.store.log_identity().id.to_string(),
            ),
        ],
        codec::encode(answer, &resp),
    )
        .into_response())
}

/// The log the device last pulled from, if it says.
fn device_log(headers: &HeaderMap) -> Result<Option<uuid::Uuid>, AppError> {
    headers
        .get(LOG_HEADER)
        .map(|v| {
            v.to_str()
                .ok()
                .and_then(|s| uuid::Uuid::parse_str(s.trim()).ok())
                .ok_or_else(|| {
                    AppError::BadRequest(msg!("sync-bad-log-header", header = LOG_HEADER))
                })
        })
        .transpose()
}

/// Refuse a device whose cursor belongs to another log than this server's: the one it names,
/// or — when it names none — a cursor past the end of this log. Says up to where the two
/// logs agree.
fn check_log(
    state: &State,
    org: OrgId,
    device_log: Option<uuid::Uuid>,
    cursor: u64,
) -> Result<(), AppError> {
    let identity = state.store.log_identity();
    let head = state.store.durable_seq(org);
    let shared = match device_log {
        Some(theirs) => identity.shared_with(org, theirs),
        None => None,
    }
    .or_else(|| {
        (cursor > head).then(|| match device_log {
            Some(_) => head,
            None => identity.shared_with_any(org).min(head),
        })
    });
    let Some(shared) = shared else {
        return Ok(());
    };
    tracing::warn!(%org, cursor, head, shared, device_log = ?device_log, "a device pulled from a log this server no longer has (restored from a backup)");
    Err(AppError::LogRestored {
        message: msg!(
            "sync-log-restored",
            cursor = cursor,
            head = head,
            shared = shared
        ),
        log: identity.id,
        shared,
    })
}

/// The form the answer takes: what `Accept` names, else the request's own form.
fn response_format(headers: &HeaderMap, request: Format) -> Format {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split(',').find_map(Format::from_media_type))
        .unwrap_or(request)
}

fn request_format(headers: &HeaderMap) -> Result<Format, AppError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::UnsupportedMediaType(msg!("sync-no-content-type")))?;
    Format::from_media_type(ct).ok_or_else(|| {
        AppError::UnsupportedMediaType(msg!("sync-bad-content-type", content_type = ct))
    })
}

/// The sync itself, independent of the encoding; reasons and warnings in `lang`.
pub async fn handle(
    state: &State,
    caller: &Caller,
    device_log: Option<uuid::Uuid>,
    req: SyncRequest,
    lang: Lang,
) -> Result<SyncResponse, AppError> {
    let claims = &caller.0;
    check_log(state, claims.org, device_log, req.cursor)?;
    if req.ops.len() > MAX_OPS_PER_SYNC {
        return Err(AppError::PayloadTooLarge(msg!(
            "sync-too-many-ops",
            count = req.ops.len(),
            max = MAX_OPS_PER_SYNC
        )));
    }
    let now = Timestamp::now().0;
    let mut acks: Vec<Option<Ack>> = Vec::with_capacity(req.ops.len());
    let mut to_store = Vec::with_capacity(req.ops.len());
    for op in req.ops {
        match check(claims, &op, now, lang) {
            Ok(()) => {
                acks.push(None);
                to_store.push(op);
            }
            Err((code, reason)) => acks.push(Some(Ack {
                op_id: op.op_id,
                device_seq: op.device_seq,
                result: AckResult::Rejected { code, reason },
            })),
        }
    }
    let stored_ids: Vec<(OpId, u64)> = to_store.iter().map(|o| (o.op_id, o.device_seq)).collect();
    let mut evidence: Vec<BlobHash> = to_store.iter().flat_map(Op::evidence).collect();
    let results = state
        .sequencer
        .push(claims.org, to_store, now)
        .await
        .map_err(refused_push)?;
    if results.len() != stored_ids.len() {
        return Err(AppError::Internal(format!(
            "the sequencer answered {} of {} ops",
            results.len(),
            stored_ids.len()
        )));
    }
    // One result per stored op (checked above), in order.
    let mut results = results
        .into_iter()
        .zip(stored_ids)
        .map(|(result, (op_id, device_seq))| {
            let result = match result {
                // The sequencer words it in English; the device reads it in its language.
                AckResult::Rejected {
                    code: RejectCode::DeviceSeqReused,
                    ..
                } => AckResult::Rejected {
                    code: RejectCode::DeviceSeqReused,
                    reason: t!(lang, "reject-device-seq-reused", position = device_seq),
                },
                r => r,
            };
            (result, (op_id, device_seq))
        });
    let acks: Vec<Ack> = acks
        .into_iter()
        .filter_map(|a| {
            a.or_else(|| {
                results.next().map(|(result, (op_id, device_seq))| Ack {
                    op_id,
                    device_seq,
                    result,
                })
            })
        })
        .collect();
    let (mut accepted, mut duplicate, mut rejected) = (0, 0, 0);
    for a in &acks {
        match &a.result {
            AckResult::Accepted { .. } => accepted += 1,
            AckResult::Duplicate { .. } => duplicate += 1,
            AckResult::Rejected { code, reason } => {
                rejected += 1;
                tracing::info!(op = %a.op_id, user = %claims.usr, ?code, %reason, "op rejected");
            }
        }
    }
    state.metrics.ops(accepted, duplicate, rejected);

    evidence.sort();
    evidence.dedup();
    let limit = if req.limit == 0 {
        0
    } else {
        req.limit.min(MAX_PULL_LIMIT)
    } as usize;
    // The pushed ops are on disk: their acks must reach the device (an error answer would
    // make it think they never arrived), so a failed pull then waits for the next sync.
    let pushed = acks
        .iter()
        .any(|a| !matches!(a.result, AckResult::Rejected { .. }));
    let (org, cursor) = (claims.org, req.cursor);
    let (missing_blobs, (entries, has_more)) = blocking(state, move |store| {
        // Only what this organisation's own devices sent counts as held: another
        // organisation's copy of the same bytes is never revealed (see `store::blobs`).
        let missing: Vec<BlobHash> = evidence
            .into_iter()
            .filter(|h| !store.holds(org, h).unwrap_or(false))
            .collect();
        let page = if limit == 0 {
            (Vec::new(), false)
        } else {
            match store.entries_after(org, cursor, limit) {
                Ok(page) => page,
                Err(e) if pushed => {
                    tracing::warn!(error = %e, "pull failed after a durable push; answering the acks only");
                    (Vec::new(), false)
                }
                Err(e) => return Err(e.into()),
            }
        };
        Ok((missing, page))
    })
    .await?;
    let cursor = entries.last().map(|(seq, _)| *seq).unwrap_or(req.cursor);
    // A citizen's contact is for the safety office's officers only: every other role's
    // device gets the report without it (the fold never reads it, so replicas stay equal).
    let officer = claims.role == Role::Officer;
    let clock_warning = (req.device_time_ms > 0)
        .then(|| skew_warning(skew_ms(req.device_time_ms.max(0) as u64, now as u64)))
        .flatten()
        .map(|w| w.render(lang));
    Ok(SyncResponse {
        acks,
        ops: entries
            .into_iter()
            .map(|(_, e)| {
                if officer {
                    e.op
                } else {
                    e.op.without_contact()
                }
            })
            .collect(),
        cursor,
        has_more,
        server_time_ms: now,
        clock_warning,
        missing_blobs,
    })
}

/// A push the sequencer could not take: nothing of it was acknowledged, so the device keeps
/// the ops and retries (503). The storage error itself was logged by the sequencer.
fn refused_push(e: SequencerError) -> AppError {
    match e {
        SequencerError::Closed => AppError::Unavailable(msg!("sync-shutting-down")),
        SequencerError::Storage(e) => AppError::Unavailable(msg!(
            "sync-not-stored",
            trouble = match e.io_error() {
                Some(io) => super::error::disk_trouble(io),
                None => msg!("sync-storage-failed"),
            }
        )),
    }
}

/// Identity, role and shape checks for one pushed op.
fn check(
    claims: &crate::auth::Claims,
    op: &Op,
    now: i64,
    lang: Lang,
) -> Result<(), (RejectCode, String)> {
    if op.author != claims.sub {
        return Err((
            RejectCode::WrongIdentity,
            t!(
                lang,
                "reject-wrong-author",
                author = op.author.to_string(),
                user = &claims.usr
            ),
        ));
    }
    if op.device != claims.dev {
        return Err((
            RejectCode::WrongIdentity,
            t!(
                lang,
                "reject-wrong-device",
                device = op.device.to_string(),
                this_device = claims.dev.to_string()
            ),
        ));
    }
    validate::authorize(claims.role, &op.body)
        .map_err(|e| (RejectCode::Forbidden, e.msg().render(lang)))?;
    // A report with the platform's case number is the case's report in this organisation,
    // so an officer's typing of a case and the platform's delivery meet in one report.
    if let (OpBody::CitizenCaseReported(r), EntityRef::CitizenReport { report, .. }) =
        (&op.body, &op.entity)
    {
        let case = r.case_number.trim();
        if !case.is_empty() && *report != ReportId::for_case(claims.org, case) {
            return Err((
                RejectCode::Invalid,
                t!(
                    lang,
                    "reject-case-report-id",
                    case = case,
                    report = ReportId::for_case(claims.org, case).to_string()
                ),
            ));
        }
    }
    validate::op(op, now).map_err(|e| {
        let code = match e {
            ValidationError::InFuture { .. } | ValidationError::BadTimestamp { .. } => {
                RejectCode::BadClock
            }
            _ => RejectCode::Invalid,
        };
        (code, e.msg().render(lang))
    })
}
