//! The commands that talk to the server apart from `sync`: login, logout, status, fetching an
//! attachment — and the login's life: a [`Connection`] opens the runtime and the client for
//! the server the login names, refreshes the access token when it is due, and retries what
//! can be retried.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use firecheck_shared::i18n::words;
use firecheck_shared::sync::{ErrorCode, LoginRequest, TokenResponse};
use firecheck_shared::*;
use serde::Serialize;

use crate::commands::Ctx;
use crate::remote::{Remote, RemoteError};
use crate::replica::{Login, OutboxState};
use crate::CliError;

/// Attempts per request on network errors, with doubling pauses in between.
pub const ATTEMPTS: u32 = 6;

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    // One worker: a pull's next page downloads there while this thread takes in the last.
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(CliError::Runtime)
}

pub(crate) fn server_url(ctx: &Ctx) -> Result<String, CliError> {
    if let Some(s) = &ctx.server {
        return Ok(s.clone());
    }
    if let Some(l) = ctx.replica.login()? {
        return Ok(l.server);
    }
    Err(CliError::Invalid(msg!("login-which-server")))
}

/// A client for `server`, trusting `--ca-cert` too.
pub(crate) fn remote(ctx: &Ctx, server: &str) -> Result<Remote, CliError> {
    Ok(Remote::connect_in(
        server,
        ctx.ca_cert.as_deref(),
        ctx.lang,
    )?)
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

/// The logged-in user's way to the server: its runtime, its client, its login.
#[derive(Debug)]
pub struct Connection<'c> {
    ctx: &'c Ctx<'c>,
    pub rt: tokio::runtime::Runtime,
    pub remote: Remote,
    pub login: Login,
}

impl<'c> Connection<'c> {
    /// The login on this device, at `--server` if given, else where it was made.
    pub fn open(ctx: &'c Ctx<'c>) -> Result<Self, CliError> {
        let mut login = ctx.me()?;
        if let Some(s) = &ctx.server {
            login.server = s.clone();
        }
        let remote = remote(ctx, &login.server)?;
        let rt = runtime()?;
        Ok(Self {
            ctx,
            rt,
            remote,
            login,
        })
    }

    /// Exchange the refresh token for fresh tokens, and keep them. A refused refresh ends
    /// the login: the person logs in again, and the queued ops wait for that.
    pub fn refresh(&mut self) -> Result<(), CliError> {
        match self
            .rt
            .block_on(self.remote.refresh(&self.login.refresh_token))
        {
            Ok(t) => {
                let fresh = to_login(&self.login.server, t);
                self.ctx.replica.set_login(Some(&fresh))?;
                self.login = fresh;
                Ok(())
            }
            Err(RemoteError::Unauthorized { message }) => Err(CliError::LoginEnded {
                message,
                username: self.login.user.username.clone(),
                waiting: self.ctx.replica.counts()?.waiting(),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Refresh when the access token expires within a minute.
    pub fn refresh_if_due(&mut self) -> Result<(), CliError> {
        if self.login.access_expires_ms - 60_000 < Timestamp::now().0 {
            self.refresh()?;
        }
        Ok(())
    }

    /// Run a request, retrying with doubling pauses while the failure is retryable.
    pub fn retrying<T, F, Fut>(&self, call: F) -> Result<T, RemoteError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RemoteError>>,
    {
        retrying(&self.rt, call)
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
        rpassword::prompt_password(format!(
            "{} ",
            t!(ctx.lang, "login-password-prompt", username = username)
        ))?
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
        return Err(CliError::Invalid(msg!("login-empty-password")));
    }
    let renumbered = ctx.replica.register_anew()?;
    if renumbered > 0 {
        writeln!(
            out,
            "{}",
            t!(ctx.lang, "login-registered-anew", count = renumbered)
        )?;
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
        Err(RemoteError::Unauthorized { message }) => {
            return Err(CliError::LoginRefused { message })
        }
        // A one-time password an admin set: the user chooses their own first.
        Err(RemoteError::Refused {
            code: ErrorCode::PasswordChangeRequired,
            ..
        }) => {
            return Err(CliError::LoginRefused {
                message: t!(ctx.lang, "login-one-time", username = username),
            })
        }
        Err(RemoteError::Refused {
            code: ErrorCode::AccountDisabled,
            message,
            ..
        }) => return Err(CliError::LoginRefused { message }),
        Err(e) => return Err(e.into()),
    };
    if let Some(prev) = ctx.replica.login()? {
        if prev.org.id != t.org.id {
            return Err(CliError::Invalid(msg!(
                "login-other-org",
                held = &prev.org.name,
                other = &t.org.name
            )));
        }
    }
    let login = to_login(&server, t);
    ctx.replica.set_login(Some(&login))?;
    let waiting = ctx.replica.counts()?.waiting();
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "login-done",
            name = &login.user.display_name,
            username = &login.user.username,
            role = words::role(login.user.role),
            org = &login.org.name,
            waiting = waiting
        )
    )?;
    Ok(())
}

pub fn logout(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    ctx.replica.set_login(None)?;
    let waiting = ctx.replica.counts()?.waiting();
    writeln!(out, "{}", t!(ctx.lang, "logout-done", waiting = waiting))?;
    Ok(())
}

/// Run a request, retrying with doubling pauses while the failure is retryable.
pub(crate) fn retrying<T, F, Fut>(
    rt: &tokio::runtime::Runtime,
    mut call: F,
) -> Result<T, RemoteError>
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

/// `firecheck blob get`: an attachment from this device if it holds it, else from the
/// server; checked against its hash before it is written.
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
            let mut conn = Connection::open(ctx)?;
            conn.refresh_if_due()?;
            let token = conn.login.access_token.clone();
            match conn.retrying(|| conn.remote.get_blob(&token, &hash)) {
                Ok(b) => b,
                Err(RemoteError::Refused {
                    code: ErrorCode::NotFound | ErrorCode::PendingUpload,
                    message,
                    ..
                }) => {
                    return Err(CliError::NotFound(msg!(
                        "remote-server-says",
                        message = message
                    )))
                }
                Err(e) => return Err(e.into()),
            }
        }
    };
    if BlobHash::of(&bytes) != hash {
        return Err(CliError::CorruptDownload(hash));
    }
    std::fs::write(output, &bytes).map_err(|source| CliError::Write {
        path: output.to_path_buf(),
        source,
    })?;
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "blob-saved",
            hash = hash.to_hex(),
            kib = bytes.len().div_ceil(1024),
            path = output.display().to_string()
        )
    )?;
    Ok(())
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
    /// For the text form (the role in words); not part of `--json`.
    #[serde(skip)]
    user_role: Option<Role>,
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

/// `firecheck status`: what is queued, sent, acknowledged or rejected; the last sync.
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
        user_role: login.as_ref().map(|l| l.user.role),
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
        return ctx.print_json(&report, out);
    }
    let l = ctx.lang;
    match (&login, report.user_role) {
        (Some(who), Some(role)) => writeln!(
            out,
            "{}",
            t!(
                l,
                "status-user",
                name = &who.user.display_name,
                username = &who.user.username,
                role = words::role(role),
                server = report.server.as_deref().unwrap_or("-")
            )
        )?,
        _ => writeln!(out, "{}", t!(l, "status-not-logged-in"))?,
    }
    writeln!(
        out,
        "{}",
        t!(l, "status-device", device = report.device.to_string())
    )?;
    writeln!(
        out,
        "{}",
        t!(
            l,
            "status-outbox",
            queued = report.queued,
            sent = report.sent,
            acked = report.acked,
            rejected = report.rejected
        )
    )?;
    match report.last_sync_ms {
        Some(ms) => {
            let mins = (Timestamp::now().0 - ms) / 60_000;
            writeln!(
                out,
                "{}",
                t!(
                    l,
                    "status-last-sync",
                    when = Timestamp(ms).to_string(),
                    mins = mins
                )
            )?
        }
        None => writeln!(out, "{}", t!(l, "status-never-synced"))?,
    }
    if report.photos_waiting > 0 {
        writeln!(
            out,
            "{}",
            t!(
                l,
                "status-photos-waiting",
                count = report.photos_waiting,
                kib = report.photo_bytes_waiting.div_ceil(1024)
            )
        )?;
    }
    if let Some(w) = &report.clock_warning {
        writeln!(out, "{}", t!(l, "warning-line", warning = w))?;
    }
    writeln!(
        out,
        "{}",
        t!(
            l,
            "status-local",
            ops = report.local_ops,
            cursor = report.cursor
        )
    )?;
    if !report.rejected_ops.is_empty() {
        writeln!(out, "{}", t!(l, "status-rejected-title"))?;
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
