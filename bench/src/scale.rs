//! Memory, disk, pull and start-up against the server as its own process: the
//! `firecheck-server` binary when a fresh one sits next to this one, else this binary's
//! `serve` command (the same library calls as `firecheck-server`'s main).
//!
//! One data dir grows in two stages: organisation A (the admin's) gets `stage1` ops, then
//! `other_orgs` further organisations share the rest up to `stage2`. At each stage the
//! server's peak RSS and the data dir's size are read; A is pulled into a fresh replica alone
//! and again with the others present; finally the server is restarted on the full dir and
//! the time until `/healthz` answers is taken.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use firecheck_shared::codec::Format;
use firecheck_shared::sync::{AckResult, SyncRequest};
use firecheck_shared::*;

use crate::gen::OpGen;
use crate::http::{Api, Session};
use crate::pull;
use crate::sys;

pub const ADMIN_PASSWORD: &str = "bench-admin-password-2026";
/// The operator key the benchmark's servers get (it creates the other organisations).
pub const OPERATOR_TOKEN: &str = "bench-operator-token-bench-operator-token";
const USER_PASSWORD: &str = "bench-inspector-2026";

#[derive(Debug, Clone)]
pub struct Params {
    pub stage1: u64,
    pub stage2: u64,
    pub other_orgs: usize,
    pub loaders: usize,
    pub venues: u32,
    pub formats: Vec<Format>,
    pub quiesce_timeout: Duration,
}

/// Which program serves.
#[derive(Debug, Clone)]
pub enum ServerBin {
    /// The `firecheck-server` binary.
    Real(PathBuf),
    /// `firecheck-bench serve`.
    Bench(PathBuf),
}

impl ServerBin {
    pub fn describe(&self) -> String {
        match self {
            ServerBin::Real(p) => format!("`{}` (the firecheck-server binary)", p.display()),
            ServerBin::Bench(p) => format!(
                "`{} serve` (the server library as the firecheck-server binary runs it; no fresh firecheck-server binary was next to the bench)",
                p.display()
            ),
        }
    }

    /// `explicit`, else a `firecheck-server` next to this binary built after the last change
    /// to the server's and the shared crate's sources (an older one would measure other
    /// code than this bench was built with), else this binary's `serve`.
    pub fn choose(explicit: Option<PathBuf>) -> Result<ServerBin> {
        if let Some(p) = explicit {
            return Ok(ServerBin::Real(p));
        }
        let me = std::env::current_exe()?;
        let sibling =
            me.with_file_name(format!("firecheck-server{}", std::env::consts::EXE_SUFFIX));
        let built = std::fs::metadata(&sibling).and_then(|m| m.modified()).ok();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let sources = ["server/src", "shared/src", "fixtures", "Cargo.lock"]
            .iter()
            .filter_map(|p| newest(&root.join(p)))
            .max();
        match (built, sources) {
            (Some(b), Some(s)) if b >= s => Ok(ServerBin::Real(sibling)),
            _ => Ok(ServerBin::Bench(me)),
        }
    }
}

/// The newest modification time of a file or of any file under a directory.
fn newest(path: &Path) -> Option<std::time::SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest(&e.path()))
        .max()
}

#[derive(Debug)]
struct Proc {
    child: Child,
    pid: u32,
    api: Api,
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn spawn(bin: &ServerBin, dir: &Path) -> Result<(Proc, Instant)> {
    let port = free_port()?;
    let mut cmd = match bin {
        ServerBin::Real(p) => Command::new(p),
        ServerBin::Bench(p) => {
            let mut c = Command::new(p);
            c.arg("serve");
            c
        }
    };
    cmd.arg("--data")
        .arg(dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--log")
        .arg("warn")
        .env("FIRECHECK_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("FIRECHECK_JWT_SECRET", crate::ingest::JWT_SECRET)
        .env("FIRECHECK_OPERATOR_TOKEN", OPERATOR_TOKEN)
        .env_remove("FIRECHECK_DEMO")
        .env_remove("FIRECHECK_CACHE_MB")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", bin.describe()))?;
    if let Some(mut out) = child.stdout.take() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
    }
    let pid = child.id();
    Ok((
        Proc {
            child,
            pid,
            api: Api::new(&format!("http://127.0.0.1:{port}")),
        },
        started,
    ))
}

/// Wait until `/healthz` answers; the time since `started`.
async fn healthy(p: &mut Proc, started: Instant, timeout: Duration) -> Result<Duration> {
    loop {
        if p.api.healthz().await {
            return Ok(started.elapsed());
        }
        if let Some(status) = p.child.try_wait()? {
            bail!("the server exited during start-up: {status}");
        }
        if started.elapsed() > timeout {
            bail!("the server did not answer /healthz within {timeout:?}");
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// SIGTERM (graceful: commit, views, flush) and wait; how long it took.
fn stop(mut p: Proc) -> Result<Duration> {
    let started = Instant::now();
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(p.pid.to_string())
        .status();
    loop {
        if p.child.try_wait()?.is_some() {
            return Ok(started.elapsed());
        }
        if started.elapsed() > Duration::from_secs(600) {
            let _ = p.child.kill();
            let _ = p.child.wait();
            bail!("the server did not stop within 600 s of SIGTERM; killed");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// One measured stage of the data dir.
#[derive(Debug, Clone)]
pub struct Stage {
    pub stored_ops: u64,
    pub orgs_with_ops: usize,
    pub load_secs: f64,
    pub loaded_ops: u64,
    /// From the end of the load until A's views covered its log and the server was idle.
    pub settle_secs: f64,
    /// VmHWM once the devices had logged in, before this stage's ops were pushed.
    pub peak_before_load: u64,
    pub peak_rss: u64,
    pub rss: u64,
    pub dir_bytes: u64,
    /// Bytes the server process wrote to storage in this stage (load and settle).
    pub written: u64,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub server: String,
    pub stages: Vec<Stage>,
    pub pulls: Vec<pull::Row>,
    pub shutdown_secs: f64,
    pub startup_secs: f64,
    pub startup_peak_rss: u64,
    pub startup_ops: u64,
    /// Length of an access token, for the header estimate.
    pub token_len: usize,
}

/// Push `quota[i]` ops through each session (100-op bincode batches, all at once).
async fn load(api: &Api, sessions: Vec<(Session, OpGen)>, quota: Vec<u64>) -> Result<(u64, f64)> {
    let stored = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for ((s, mut gen), mut left) in sessions.into_iter().zip(quota) {
        let api = api.clone();
        let stored = Arc::clone(&stored);
        tasks.push(tokio::spawn(async move {
            while left > 0 {
                let n = left.min(100);
                let req = SyncRequest {
                    cursor: 0,
                    ops: gen.batch(n as usize),
                    limit: 0,
                    device_time_ms: Timestamp::now().0,
                };
                let x = api.sync(&s.token, Format::Bincode, &req).await?;
                for a in &x.resp.acks {
                    if !matches!(a.result, AckResult::Accepted { .. }) {
                        bail!("load: an op was not accepted: {:?}", a.result);
                    }
                }
                stored.fetch_add(n, Ordering::Relaxed);
                left -= n;
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok((
        stored.load(Ordering::Relaxed),
        started.elapsed().as_secs_f64(),
    ))
}

/// Wait until A's views cover its log and the server process has been (nearly) idle for a
/// while: the view updater folds behind the acks and would otherwise eat into what follows.
async fn settle(p: &Proc, admin: &str, timeout: Duration) -> Result<f64> {
    let started = Instant::now();
    let mut idle_for = Duration::ZERO;
    let step = Duration::from_millis(250);
    let mut last_cpu = sys::cpu_secs(p.pid).unwrap_or(0.0);
    loop {
        tokio::time::sleep(step).await;
        let cpu = sys::cpu_secs(p.pid).unwrap_or(0.0);
        let busy = (cpu - last_cpu) / step.as_secs_f64();
        last_cpu = cpu;
        let (ops, cover) = p.api.stats(admin).await?;
        if cover >= ops && busy < 0.10 {
            idle_for += step;
        } else {
            idle_for = Duration::ZERO;
        }
        if idle_for >= Duration::from_millis(750) {
            return Ok((started.elapsed() - idle_for).as_secs_f64());
        }
        if started.elapsed() > timeout {
            eprintln!(
                "  warning: the server had not settled after {timeout:?} (views cover {cover} of {ops}; {:.0}% CPU)",
                busy * 100.0
            );
            return Ok(started.elapsed().as_secs_f64());
        }
    }
}

/// The server's peak RSS and bytes written before a stage's load.
#[derive(Debug, Clone, Copy)]
struct Before {
    peak: u64,
    written: u64,
}

impl Before {
    fn now(p: &Proc) -> Self {
        Self {
            peak: sys::rss(Some(p.pid)).unwrap_or((0, 0)).0,
            written: sys::write_bytes(Some(p.pid)),
        }
    }
}

fn measure(
    p: &Proc,
    dir: &Path,
    stored_ops: u64,
    orgs: usize,
    load: (u64, f64),
    settle: f64,
    before: Before,
) -> Stage {
    let (peak, rss) = sys::rss(Some(p.pid)).unwrap_or((0, 0));
    let peak_before_load = before.peak;
    let written = sys::write_bytes(Some(p.pid)).saturating_sub(before.written);
    Stage {
        peak_before_load,
        stored_ops,
        orgs_with_ops: orgs,
        loaded_ops: load.0,
        load_secs: load.1,
        settle_secs: settle,
        peak_rss: peak,
        rss,
        dir_bytes: sys::dir_size(dir),
        written,
    }
}

async fn logins(api: &Api, username: &str, n: usize, venues: u32) -> Result<Vec<(Session, OpGen)>> {
    let mut out = Vec::new();
    for _ in 0..n {
        let s = api.login(username, USER_PASSWORD, DeviceId::new()).await?;
        let gen = OpGen::new(s.device, s.user, venues);
        out.push((s, gen));
    }
    Ok(out)
}

fn split(total: u64, parts: usize) -> Vec<u64> {
    let parts = parts.max(1) as u64;
    (0..parts)
        .map(|i| total / parts + u64::from(i < total % parts))
        .collect()
}

pub async fn run(base: &Path, bin: &ServerBin, p: &Params) -> Result<Report> {
    let dir = base.join("scale");
    let _ = std::fs::remove_dir_all(&dir);
    let (mut proc, started) = spawn(bin, &dir)?;
    healthy(&mut proc, started, Duration::from_secs(60)).await?;
    let api = proc.api.clone();
    let admin = api.login("admin", ADMIN_PASSWORD, DeviceId::new()).await?;
    api.create_user(&admin.token, "bench-a", USER_PASSWORD)
        .await?;

    // Stage 1: organisation A alone.
    let loaders = logins(&api, "bench-a", p.loaders, p.venues).await?;
    let before1 = Before::now(&proc);
    let quota = split(p.stage1, loaders.len());
    let l1 = load(&api, loaders, quota).await?;
    let s1 = settle(&proc, &admin.token, p.quiesce_timeout).await?;
    let mut stages = vec![measure(&proc, &dir, l1.0, 1, l1, s1, before1)];
    eprintln!(
        "  stage 1: {} ops of A stored at {:.0} ops/s; peak RSS {:.0} MB",
        l1.0,
        l1.0 as f64 / l1.1,
        stages[0].peak_rss as f64 / 1e6
    );
    let mut pulls = Vec::new();
    for &f in &p.formats {
        let row = pull::pull(&api, "bench-a", USER_PASSWORD, f, "A alone", p.stage1).await?;
        eprintln!(
            "  pull {} ops ({}), A alone: {:.2} s",
            row.ops,
            crate::report::fmt_name(f),
            row.secs
        );
        pulls.push(row);
    }

    // Stage 2: the other organisations fill up to stage2.
    // One at a time: each user creation and login is an argon2id hash of 19 MiB, and a burst
    // of them would set the server's peak RSS instead of what it stores.
    let mut others = Vec::new();
    for i in 0..p.other_orgs {
        let org_admin = format!("bench-admin-o{i:03}");
        api.create_org(
            OPERATOR_TOKEN,
            &format!("压测街道 {i:03}"),
            &org_admin,
            USER_PASSWORD,
        )
        .await?;
        let their_admin = api
            .login(&org_admin, USER_PASSWORD, DeviceId::new())
            .await?;
        let username = format!("bench-o{i:03}");
        api.create_user(&their_admin.token, &username, USER_PASSWORD)
            .await?;
        others.extend(logins(&api, &username, 1, p.venues).await?);
    }
    let before2 = Before::now(&proc);
    let rest = p.stage2.saturating_sub(p.stage1);
    let quota = split(rest, others.len());
    let l2 = if others.is_empty() {
        (0, 0.0)
    } else {
        load(&api, others, quota).await?
    };
    let s2 = settle(&proc, &admin.token, p.quiesce_timeout).await?;
    stages.push(measure(
        &proc,
        &dir,
        l1.0 + l2.0,
        1 + p.other_orgs,
        l2,
        s2,
        before2,
    ));
    eprintln!(
        "  stage 2: {} ops in {} organisations; peak RSS {:.0} MB; data dir {:.0} MB",
        l1.0 + l2.0,
        1 + p.other_orgs,
        stages[1].peak_rss as f64 / 1e6,
        stages[1].dir_bytes as f64 / 1e6
    );
    for &f in &p.formats {
        let scenario = format!("A with {} other orgs", p.other_orgs);
        let row = pull::pull(&api, "bench-a", USER_PASSWORD, f, &scenario, p.stage1).await?;
        eprintln!(
            "  pull {} ops ({}), {scenario}: {:.2} s",
            row.ops,
            crate::report::fmt_name(f),
            row.secs
        );
        pulls.push(row);
    }

    // Restart on the full dir.
    let shutdown = stop(proc)?;
    let (mut proc, started) = spawn(bin, &dir)?;
    let startup = healthy(&mut proc, started, Duration::from_secs(600)).await?;
    let (startup_peak, _) = sys::rss(Some(proc.pid)).unwrap_or((0, 0));
    let admin = proc
        .api
        .login("admin", ADMIN_PASSWORD, DeviceId::new())
        .await?;
    let (startup_ops, _) = proc.api.stats(&admin.token).await?;
    stop(proc)?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(Report {
        server: bin.describe(),
        stages,
        pulls,
        shutdown_secs: shutdown.as_secs_f64(),
        startup_secs: startup.as_secs_f64(),
        startup_peak_rss: startup_peak,
        startup_ops,
        token_len: admin.token.len(),
    })
}
