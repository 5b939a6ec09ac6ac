//! The sync protocol's round trips: each pushes up to [`PUSH_BATCH`] outbox ops and asks
//! for up to [`PULL_LIMIT`] ops after the cursor, until nothing is left either way.
//!
//! The outbox stays truthful whatever fails: ops are marked `sent` before a request goes
//! out; they go back to `queued` only when no attempt can have reached the server (never
//! connected, or refused before the body was read). Requests are retried with backoff —
//! safe, as pushes are idempotent and the pull resumes from the cursor — and an expired
//! access token is refreshed once. During a long pull the next page is fetched on the
//! runtime's worker while this thread takes in the last.

use firecheck_shared::sync::{AckResult, SyncRequest};
use firecheck_shared::*;
use tokio::task::JoinHandle;

use super::{ServerRestored, SyncSummary};
use crate::commands::Ctx;
use crate::remote::{RemoteError, SyncAnswer};
use crate::replica::OutboxState;
use crate::session::Connection;
use crate::CliError;

/// Ops pushed per round trip.
pub const PUSH_BATCH: usize = 500;
/// Ops asked for per round trip.
pub const PULL_LIMIT: u32 = 1000;

/// The next page of a long pull, asked for while the last one is taken in: the cursor it
/// starts after, and the request in flight.
type Prefetch = (u64, JoinHandle<Result<SyncAnswer, RemoteError>>);

/// Round trips until the outbox is empty (or holds only rejected ops) and the pull has
/// caught up. `on_page` hears how many ops were pulled so far after each page of a long pull.
pub fn exchange(
    ctx: &Ctx,
    conn: &mut Connection,
    on_page: &mut dyn FnMut(usize),
) -> Result<SyncSummary, CliError> {
    let mut summary = SyncSummary::default();
    let mut prefetched: Option<Prefetch> = None;
    loop {
        conn.refresh_if_due()?;
        let (req, was_queued) = next_request(ctx)?;
        let log = ctx.replica.server_log()?;
        let answered = match answer(ctx, conn, &req, log, prefetched.take(), &was_queued) {
            Ok(a) => a,
            // The server was restored from a backup: nothing of this request was stored.
            // Send again what it lacks and pull again from where the logs agree — once per
            // sync (a second refusal is an error, not a loop).
            Err(CliError::Remote(RemoteError::LogRestored { log, shared, .. }))
                if summary.server_restored.is_none() =>
            {
                let r = ctx.replica.rewind_to_restored(log, shared)?;
                summary.server_restored = Some(ServerRestored {
                    shared,
                    resent: r.resend,
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        if let (None, Some(server_log)) = (log, answered.log) {
            ctx.replica.set_server_log(server_log)?;
        }
        let resp = answered.resp;
        summary.sent += req.ops.len();
        for a in &resp.acks {
            match a.result {
                AckResult::Rejected { .. } => summary.rejected += 1,
                _ => summary.acked += 1,
            }
        }
        // Taking in the answer changes no queued op, so this holds after it too.
        let more_to_push = ctx.replica.counts()?.queued > 0 && req.ops.len() == PUSH_BATCH;
        if resp.has_more && !more_to_push {
            prefetched = Some(prefetch(conn, resp.cursor, log.or(answered.log)));
        }
        summary.pulled +=
            ctx.replica
                .absorb(&resp.acks, &resp.ops, resp.cursor, Timestamp::now().0)?;
        summary.clock_warning = resp.clock_warning.clone();
        if resp.has_more {
            on_page(summary.pulled);
        }
        if !resp.has_more && !more_to_push {
            return Ok(summary);
        }
    }
}

/// The next request: the oldest unsent ops, marked `sent` now (so a lost answer shows), and
/// the cursor. Also the ops that were `queued` until now: only these may go back to queued
/// if this request never reaches the server — an op an earlier sync sent may have arrived,
/// so it stays `sent` until an answer says.
fn next_request(ctx: &Ctx) -> Result<(SyncRequest, Vec<Op>), CliError> {
    let batch = ctx.replica.unsent(PUSH_BATCH)?;
    let was_queued: Vec<Op> = batch
        .iter()
        .filter(|e| e.state == OutboxState::Queued)
        .map(|e| e.op.clone())
        .collect();
    let ops: Vec<Op> = batch.into_iter().map(|e| e.op).collect();
    ctx.replica.mark_sent(&ops)?;
    let req = SyncRequest {
        cursor: ctx.replica.cursor()?,
        ops,
        limit: PULL_LIMIT,
        device_time_ms: Timestamp::now().0,
    };
    Ok((req, was_queued))
}

/// Ask for the page after `cursor` (of server log `log`) on the runtime's worker.
fn prefetch(conn: &Connection, cursor: u64, log: Option<uuid::Uuid>) -> Prefetch {
    let next = SyncRequest {
        cursor,
        ops: Vec::new(),
        limit: PULL_LIMIT,
        device_time_ms: Timestamp::now().0,
    };
    let (remote, token) = (conn.remote.clone(), conn.login.access_token.clone());
    (
        cursor,
        conn.rt
            .spawn(async move { remote.sync_from(&token, &next, log).await }),
    )
}

/// The server's answer to `req`: the prefetched page if it answers this very request (a pure
/// pull from this cursor) and arrived whole, else the request made, retried, and made once
/// more after a refresh if the token was refused. On failure, `was_queued` goes back to
/// queued unless an attempt may have delivered it.
fn answer(
    ctx: &Ctx,
    conn: &mut Connection,
    req: &SyncRequest,
    log: Option<uuid::Uuid>,
    prefetched: Option<Prefetch>,
    was_queued: &[Op],
) -> Result<SyncAnswer, CliError> {
    let early = match prefetched {
        Some((cursor, task)) if req.ops.is_empty() && cursor == req.cursor => {
            conn.rt.block_on(task).ok().and_then(Result::ok)
        }
        Some((_, task)) => {
            task.abort();
            None
        }
        None => None,
    };
    if let Some(resp) = early {
        return Ok(resp);
    }
    // Whether any attempt may have reached the server (not only the last one).
    let mut reached = false;
    let answer = match round_trip(conn, req, log, &mut reached) {
        Err(RemoteError::Unauthorized { .. }) => match conn.refresh() {
            Ok(()) => round_trip(conn, req, log, &mut reached),
            Err(e) => {
                if !reached {
                    ctx.replica.mark_queued(was_queued)?;
                }
                return Err(e);
            }
        },
        other => other,
    };
    answer.or_else(|e| {
        // Never connected, or refused outright — on every attempt: the ops did not arrive;
        // say so. An answer lost on an earlier attempt keeps them `sent`.
        let delivered = reached
            || matches!(
                e,
                RemoteError::Unreachable {
                    maybe_delivered: true,
                    ..
                }
            );
        if !delivered {
            ctx.replica.mark_queued(was_queued)?;
        }
        Err(e.into())
    })
}

/// One sync round trip, retried while the failure is retryable.
///
/// `reached` is set when any attempt may have reached the server (it broke or timed out
/// after connecting), even if a later attempt could not connect at all.
fn round_trip(
    conn: &Connection,
    req: &SyncRequest,
    log: Option<uuid::Uuid>,
    reached: &mut bool,
) -> Result<SyncAnswer, RemoteError> {
    let maybe = std::cell::Cell::new(false);
    let token = &conn.login.access_token;
    let result = conn.retrying(|| {
        let maybe = &maybe;
        async move {
            let r = conn.remote.sync_from(token, req, log).await;
            if matches!(
                r,
                Err(RemoteError::Unreachable {
                    maybe_delivered: true,
                    ..
                })
            ) {
                maybe.set(true);
            }
            r
        }
    });
    *reached |= maybe.get();
    result
}
