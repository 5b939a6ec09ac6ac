//! Login, logout, sync and status: the commands that know about the server.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use firecheck_shared::sync::{LoginRequest, SyncRequest, SyncResponse, TokenResponse};
use firecheck_shared::*;
use serde::Serialize;

use crate::commands::Ctx;
use crate::remote::{Remote, RemoteError};
use crate::replica::{Login, OutboxState, SyncMark};
use crate::CliError;

/// Ops pushed per round trip.
pub const PUSH_BATCH: usize = 500;
/// Ops asked for per round trip.
pub const PULL_LIMIT: u32 = 1000;
/// Attempts per round trip on network errors, with doubling pauses in between.
pub const ATTEMPTS: u32 = 6;

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    // One worker: a pull's next page downloads there while this thread takes in the last.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

fn server_url(ctx: &Ctx) -> Result<String, CliError> {
    if let Some(s) = &ctx.server {
        return Ok(s.clone());
    }
    if let Some(l) = ctx.replica.login()? {
        return Ok(l.server);
    }
    Err(CliError::Invalid(
        "which server? give --server URL or set FIRECHECK_SERVER (e.g. http://127.0.0.1:8080)"
            .into(),
    ))
}

/// A client for `server`, trusting `--ca-cert` too.
fn remote(ctx: &Ctx, server: &str) -> Result<Remote, CliError> {
    Ok(Remote::connect(server, ctx.ca_cert.as_deref())?)
}

fn to_login(server: &str, t: TokenResponse) -> Login {
    Login {
        server: server.to_string(),
        user: t.user,
        org: t.org,
        access_token: t.access_token,
        access_expires_ms: Timestamp::now().0 + (t.expires_in as i64) * 1000,
        refresh_token: t.refresh_token,
    }
}

pub fn login(
    ctx: &Ctx,
    username: &str,
    password_stdin: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    server_url(ctx)?;
    let password = if password_stdin || !std::io::stdin().is_terminal() {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        rpassword::prompt_password(format!("password for {username}: "))?
    };
    login_with_password(ctx, username, password, out)
}

/// Log in with a password already in hand.
pub fn login_with_password(
    ctx: &Ctx,
    username: &str,
    password: String,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let server = server_url(ctx)?;
    if password.is_empty() {
        return Err(CliError::Invalid("empty password".into()));
    }
    let renumbered = ctx.replica.register_anew()?;
    if renumbered > 0 {
        writeln!(out, "this device was restored from an old backup: registering it anew; {renumbered} op(s) will be sent again")?;
    }
    let device = ctx.replica.device()?;
    let device_name = format!(
        "firecheck {} on {}",
        env!("CARGO_PKG_VERSION"),
        std::env::var("HOSTNAME").unwrap_or_else(|_| "this computer".into())
    );
    let remote = remote(ctx, &server)?;
    let t = runtime()?.block_on(remote.login(&LoginRequest {
        username: username.to_string(),
        password,
        device_id: device,
        device_name,
    }));
    let t = match t {
        Ok(t) => t,
        Err(RemoteError::Unauthorized { message }) => return Err(CliError::NotLoggedIn(message)),
        Err(e) => return Err(e.into()),
    };
    if let Some(prev) = ctx.replica.login()? {
        if prev.org.id != t.org.id {
            return Err(CliError::Invalid(format!(
                "this device holds data of {}; use another --home for {}",
                prev.org.name, t.org.name
            )));
        }
    }
    let login = to_login(&server, t);
    ctx.replica.set_login(Some(&login))?;
    let waiting = ctx.replica.counts()?.waiting();
    writeln!(
        out,
        "logged in as {} ({}, {}) at {}; {waiting} waiting to sync — run `firecheck sync`",
        login.user.display_name, login.user.username, login.user.role, login.org.name
    )?;
    Ok(())
}

pub fn logout(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    ctx.replica.set_login(None)?;
    let waiting = ctx.replica.counts()?.waiting();
    writeln!(
        out,
        "logged out; {waiting} op(s) stay queued until the next login and sync"
    )?;
    Ok(())
}

/// What one `firecheck sync` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncSummary {
    pub sent: usize,
    pub acked: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub conflicts: usize,
    pub photos_sent: usize,
    pub photo_bytes: u64,
    pub clock_warning: Option<String>,
}

fn conflict_count(ctx: &Ctx) -> Result<usize, CliError> {
    Ok(ctx
        .states()?
        .iter()
        .flat_map(|f| f.state.hazards.values())
        .map(|h| h.conflicts as usize)
        .sum())
}

pub fn sync(ctx: &Ctx, out: &mut dyn Write) -> Result<SyncSummary, CliError> {
    let mut login = ctx.me()?;
    if let Some(s) = &ctx.server {
        login.server = s.clone();
    }
    let remote = remote(ctx, &login.server)?;
    let rt = runtime()?;
    let conflicts_before = conflict_count(ctx)?;
    ctx.replica.begin_bulk()?;
    let result = sync_rounds(ctx, &rt, &remote, &mut login, conflicts_before, out);
    // Whatever happened, write the folded states back (they cover every page absorbed).
    ctx.replica.end_bulk()?;
    result
}

fn sync_rounds(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    remote: &Remote,
    login: &mut Login,
    conflicts_before: usize,
    out: &mut dyn Write,
) -> Result<SyncSummary, CliError> {
    let mut summary = SyncSummary::default();
    let progress = indicatif::ProgressBar::new_spinner();
    if !std::io::stderr().is_terminal() {
        progress.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    progress.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}").expect("valid template"),
    );
    // The next page of a long pull, asked for while the last one is taken in.
    let mut prefetched: Option<(
        u64,
        tokio::task::JoinHandle<Result<SyncResponse, RemoteError>>,
    )> = None;
    loop {
        if login.access_expires_ms - 60_000 < Timestamp::now().0 {
            *login = refresh(ctx, rt, remote, login)?;
        }
        let batch = ctx.replica.unsent(PUSH_BATCH)?;
        // Only these may go back to queued if this sync never reaches the server: an op an
        // earlier sync sent may have arrived, so it stays `sent` until an answer says.
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
        // Whether any attempt may have reached the server (not only the last one).
        let mut reached = false;
        // A prefetched page is used only if it answers this very request (a pure pull
        // from this cursor) and arrived whole; otherwise the request is made as usual.
        let early = match prefetched.take() {
            Some((cursor, task)) if req.ops.is_empty() && cursor == req.cursor => {
                rt.block_on(task).ok().and_then(Result::ok)
            }
            Some((_, task)) => {
                task.abort();
                None
            }
            None => None,
        };
        let answer = if let Some(resp) = early {
            Ok(resp)
        } else {
            match round_trip(rt, remote, login, &req, &mut reached) {
                Err(RemoteError::Unauthorized { .. }) => match refresh(ctx, rt, remote, login) {
                    Ok(fresh) => {
                        *login = fresh;
                        round_trip(rt, remote, login, &req, &mut reached)
                    }
                    Err(e) => {
                        if !reached {
                            ctx.replica.mark_queued(&was_queued)?;
                        }
                        return Err(e);
                    }
                },
                other => other,
            }
        };
        let resp = match answer {
            Ok(r) => r,
            Err(e) => {
                // Never connected, or refused outright — on every attempt: the ops did not
                // arrive; say so. An answer lost on an earlier attempt keeps them `sent`.
                let delivered = reached
                    || matches!(
                        e,
                        RemoteError::Unreachable {
                            maybe_delivered: true,
                            ..
                        }
                    );
                if !delivered {
                    ctx.replica.mark_queued(&was_queued)?;
                }
                return Err(e.into());
            }
        };
        summary.sent += req.ops.len();
        for a in &resp.acks {
            match a.result {
                firecheck_shared::sync::AckResult::Rejected { .. } => summary.rejected += 1,
                _ => summary.acked += 1,
            }
        }
        // Taking in the answer changes no queued op, so this holds after it too.
        let more_to_push = ctx.replica.counts()?.queued > 0 && req.ops.len() == PUSH_BATCH;
        if resp.has_more && !more_to_push {
            let next = SyncRequest {
                cursor: resp.cursor,
                ops: Vec::new(),
                limit: PULL_LIMIT,
                device_time_ms: Timestamp::now().0,
            };
            let (remote, token) = (remote.clone(), login.access_token.clone());
            prefetched = Some((
                next.cursor,
                rt.spawn(async move { remote.sync(&token, &next).await }),
            ));
        }
        let pulled = ctx
            .replica
            .absorb(&resp.acks, &resp.ops, resp.cursor, Timestamp::now().0)?;
        summary.pulled += pulled;
        summary.clock_warning = resp.clock_warning.clone();
        if resp.has_more {
            progress.set_message(format!("pulled {} ops…", summary.pulled));
            progress.tick();
        }
        if !resp.has_more && !more_to_push {
            break;
        }
    }
    progress.finish_and_clear();
    // Records first, photos after: an inspection never waits for its pictures.
    // A photo that cannot go now does not undo the records: say what went, then why not.
    let photo_failure = match upload_blobs(ctx, rt, remote, login) {
        Ok((sent, bytes)) => {
            summary.photos_sent = sent;
            summary.photo_bytes = bytes;
            None
        }
        Err(e) => Some(e),
    };
    summary.conflicts = conflict_count(ctx)?.saturating_sub(conflicts_before);
    ctx.replica.set_last_sync(&SyncMark {
        at_ms: Timestamp::now().0,
        clock_warning: summary.clock_warning.clone(),
    })?;
    if ctx.json {
        serde_json::to_writer_pretty(&mut *out, &summary)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "sync: sent {}, acked {}, rejected {}, pulled {}, conflicts {}",
            summary.sent, summary.acked, summary.rejected, summary.pulled, summary.conflicts
        )?;
        if summary.photos_sent > 0 {
            writeln!(
                out,
                "photos: sent {} ({} KiB)",
                summary.photos_sent,
                summary.photo_bytes.div_ceil(1024)
            )?;
        }
        if summary.rejected > 0 {
            writeln!(
                out,
                "some ops were rejected: see `firecheck status` for the reasons"
            )?;
        }
        if let Some(w) = &summary.clock_warning {
            writeln!(out, "warning: {w}")?;
        }
    }
    if let Some(e) = photo_failure {
        let waiting = ctx.replica.pending_blobs()?.len();
        return Err(match e {
            CliError::Unreachable(m) => CliError::Unreachable(format!("records synced, but {waiting} photo(s) could not be sent: {m}")),
            CliError::NotLoggedIn(m) => CliError::NotLoggedIn(format!("records synced, but {waiting} photo(s) wait for a login: {m}")),
            other => CliError::Failed(format!(
                "records synced, but {waiting} photo(s) could not be sent ({other}); they stay on this device for the next sync"
            )),
        });
    }
    Ok(summary)
}

/// Bytes per attachment upload request; an interrupted upload resumes from the last chunk.
pub const BLOB_CHUNK: usize = 1024 * 1024;

/// Upload every attachment the server does not hold yet, resuming where an earlier upload
/// stopped. Returns how many were completed now and their bytes.
fn upload_blobs(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    remote: &Remote,
    login: &mut Login,
) -> Result<(usize, u64), CliError> {
    let (mut sent, mut bytes) = (0, 0);
    for entry in ctx.replica.pending_blobs()? {
        let Some(data) = ctx.replica.blob_bytes(&entry.hash)? else {
            return Err(CliError::Failed(format!(
                "attachment {} is missing from this device's blob store",
                entry.hash
            )));
        };
        if login.access_expires_ms - 60_000 < Timestamp::now().0 {
            *login = refresh(ctx, rt, remote, login)?;
        }
        let token = login.access_token.clone();
        let mut restarted = false;
        let mut offset = match retrying(rt, || remote.blob_offset(&token, &entry.hash))? {
            Some((_, true)) => {
                // Already there (another device sent the same photo): stored once.
                ctx.replica.mark_uploaded(&entry.hash)?;
                continue;
            }
            Some((n, false)) => n,
            None => 0,
        };
        while offset < entry.size {
            match retrying(rt, || {
                remote.put_blob(
                    &token,
                    &entry.hash,
                    &entry.media_type,
                    &data,
                    offset,
                    BLOB_CHUNK,
                )
            }) {
                Ok(next) => offset = next,
                // Out of step with the server (a lost answer, another device uploading the
                // same photo): ask where it stands and continue from there.
                Err(RemoteError::Refused { status: 409, .. }) => {
                    offset = match retrying(rt, || remote.blob_offset(&token, &entry.hash))? {
                        Some((_, true)) => entry.size,
                        Some((n, false)) => n,
                        None => 0,
                    }
                }
                // The server found the bytes corrupted in transit: start over, once.
                Err(RemoteError::Refused { status: 422, .. }) if !restarted => {
                    restarted = true;
                    offset = 0;
                }
                Err(e) => return Err(e.into()),
            }
        }
        ctx.replica.mark_uploaded(&entry.hash)?;
        sent += 1;
        bytes += entry.size;
    }
    Ok((sent, bytes))
}

/// Run a request, retrying with doubling pauses while the failure is retryable.
fn retrying<T, F, Fut>(rt: &tokio::runtime::Runtime, mut call: F) -> Result<T, RemoteError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, RemoteError>>,
{
    let mut pause = Duration::from_millis(200);
    let mut attempt = 1;
    loop {
        match rt.block_on(call()) {
            Err(e) if e.is_retryable() && attempt < ATTEMPTS => {
                tracing::info!(error = %e, attempt, "request failed; retrying");
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(5));
                attempt += 1;
            }
            other => return other,
        }
    }
}

/// One sync round trip, retried while the failure is retryable. Safe to retry: pushes are
/// idempotent and the pull resumes from the cursor.
///
/// `reached` is set when any attempt may have reached the server (it broke or timed out
/// after connecting), even if a later attempt could not connect at all.
fn round_trip(
    rt: &tokio::runtime::Runtime,
    remote: &Remote,
    login: &Login,
    req: &SyncRequest,
    reached: &mut bool,
) -> Result<firecheck_shared::sync::SyncResponse, RemoteError> {
    let maybe = std::cell::Cell::new(false);
    let result = retrying(rt, || {
        let maybe = &maybe;
        async move {
            let r = remote.sync(&login.access_token, req).await;
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

pub fn blob_get(
    ctx: &Ctx,
    hash: &str,
    output: &std::path::Path,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let hash: BlobHash = hash.parse()?;
    let bytes = match ctx.replica.blob_bytes(&hash)? {
        Some(b) => b,
        None => {
            let mut login = ctx.me()?;
            if let Some(s) = &ctx.server {
                login.server = s.clone();
            }
            let remote = remote(ctx, &login.server)?;
            let rt = runtime()?;
            if login.access_expires_ms - 60_000 < Timestamp::now().0 {
                login = refresh(ctx, &rt, &remote, &login)?;
            }
            match retrying(&rt, || remote.get_blob(&login.access_token, &hash)) {
                Ok(b) => b,
                Err(RemoteError::Refused {
                    status: 404,
                    message,
                    ..
                }) => return Err(CliError::NotFound(message)),
                Err(e) => return Err(e.into()),
            }
        }
    };
    if BlobHash::of(&bytes) != hash {
        return Err(CliError::Failed(format!(
            "attachment {hash} arrived corrupted; try again"
        )));
    }
    std::fs::write(output, &bytes)
        .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", output.display())))?;
    writeln!(
        out,
        "saved {} ({} KiB) to {}",
        hash.to_hex(),
        bytes.len().div_ceil(1024),
        output.display()
    )?;
    Ok(())
}

fn refresh(
    ctx: &Ctx,
    rt: &tokio::runtime::Runtime,
    remote: &Remote,
    login: &Login,
) -> Result<Login, CliError> {
    match rt.block_on(remote.refresh(&login.refresh_token)) {
        Ok(t) => {
            let fresh = to_login(&login.server, t);
            ctx.replica.set_login(Some(&fresh))?;
            Ok(fresh)
        }
        Err(RemoteError::Unauthorized { message }) => {
            let waiting = ctx.replica.counts()?.waiting();
            Err(CliError::NotLoggedIn(format!(
                "{message}: run `firecheck login {}`; {waiting} op(s) stay queued",
                login.user.username
            )))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Serialize)]
struct StatusReport {
    user: Option<String>,
    server: Option<String>,
    device: DeviceId,
    queued: usize,
    sent: usize,
    acked: usize,
    rejected: usize,
    last_sync_ms: Option<i64>,
    clock_warning: Option<String>,
    photos_waiting: usize,
    photo_bytes_waiting: u64,
    cursor: u64,
    local_ops: usize,
    rejected_ops: Vec<RejectedOp>,
}

#[derive(Debug, Serialize)]
struct RejectedOp {
    device_seq: u64,
    op_id: OpId,
    kind: &'static str,
    created: String,
    code: firecheck_shared::sync::RejectCode,
    reason: String,
}

pub fn status(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let login = ctx.replica.login()?;
    let counts = ctx.replica.counts()?;
    let last = ctx.replica.last_sync()?;
    let rejected: Vec<RejectedOp> = ctx
        .replica
        .outbox()?
        .into_iter()
        .filter_map(|e| match e.state {
            OutboxState::Rejected { code, reason } => Some(RejectedOp {
                device_seq: e.op.device_seq,
                op_id: e.op.op_id,
                kind: e.op.body.kind(),
                created: Timestamp(e.created_ms).to_string(),
                code,
                reason,
            }),
            _ => None,
        })
        .collect();
    let pending = ctx.replica.pending_blobs()?;
    let report = StatusReport {
        photos_waiting: pending.len(),
        photo_bytes_waiting: pending.iter().map(|b| b.size).sum(),
        user: login.as_ref().map(|l| {
            format!(
                "{} ({}, {})",
                l.user.display_name, l.user.username, l.user.role
            )
        }),
        server: login.as_ref().map(|l| l.server.clone()),
        device: ctx.replica.device()?,
        queued: counts.queued,
        sent: counts.sent,
        acked: counts.acked,
        rejected: counts.rejected,
        last_sync_ms: last.as_ref().map(|m| m.at_ms),
        clock_warning: last.as_ref().and_then(|m| m.clock_warning.clone()),
        cursor: ctx.replica.cursor()?,
        local_ops: ctx.replica.op_count()?,
        rejected_ops: rejected,
    };
    if ctx.json {
        serde_json::to_writer_pretty(&mut *out, &report)
            .map_err(|e| CliError::Failed(e.to_string()))?;
        writeln!(out)?;
        return Ok(());
    }
    match &report.user {
        Some(u) => writeln!(out, "{u} at {}", report.server.as_deref().unwrap_or("-"))?,
        None => writeln!(out, "not logged in")?,
    }
    writeln!(out, "device {}", report.device)?;
    writeln!(
        out,
        "outbox: {} queued, {} sent (awaiting answer), {} acked, {} rejected",
        report.queued, report.sent, report.acked, report.rejected
    )?;
    match report.last_sync_ms {
        Some(ms) => {
            let mins = (Timestamp::now().0 - ms) / 60_000;
            writeln!(
                out,
                "last successful sync: {} ({mins} min ago)",
                Timestamp(ms)
            )?
        }
        None => writeln!(out, "last successful sync: never")?,
    }
    if report.photos_waiting > 0 {
        writeln!(
            out,
            "photos waiting to upload: {} ({} KiB)",
            report.photos_waiting,
            report.photo_bytes_waiting.div_ceil(1024)
        )?;
    }
    if let Some(w) = &report.clock_warning {
        writeln!(out, "warning: {w}")?;
    }
    writeln!(
        out,
        "local replica: {} ops, pulled up to #{}",
        report.local_ops, report.cursor
    )?;
    if !report.rejected_ops.is_empty() {
        writeln!(out, "rejected ops (kept on this device):")?;
        for r in &report.rejected_ops {
            writeln!(
                out,
                "  #{} {} {} — {}",
                r.device_seq, r.kind, r.created, r.reason
            )?;
        }
    }
    Ok(())
}
