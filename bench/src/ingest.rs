//! Ingest: N devices pushing batches of inspection ops as fast as acks come back.
//!
//! Every configuration runs on a fresh data dir: a template dir (demo accounts, every
//! device registered by a real `POST /v1/auth/login`) is made once and copied per run, and
//! the server signs tokens with a fixed secret, so the logins made before timing stay valid.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use firecheck_server::Config;
use firecheck_shared::codec::Format;
use firecheck_shared::sync::{AckResult, SyncRequest};
use firecheck_shared::*;

use crate::gen::OpGen;
use crate::http::{Api, Session};
use crate::inproc::{self, Groups, InProc};
use crate::sys;

pub const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0001";

#[derive(Debug, Clone)]
pub struct Params {
    pub clients: Vec<usize>,
    pub batches: Vec<usize>,
    pub formats: Vec<Format>,
    pub duration: Duration,
    pub venues: u32,
    pub workers: usize,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub clients: usize,
    pub batch: usize,
    pub format: Format,
    pub acked: u64,
    pub requests: u64,
    pub errors: u64,
    pub first_error: Option<String>,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub groups: Groups,
    /// Ops in the log the views did not cover yet when the timed window closed.
    pub views_lag: u64,
    /// Graceful stop after the window: views catch up, flush.
    pub close_secs: f64,
    /// Bytes this process wrote to storage during the timed window.
    pub disk_bytes: u64,
    /// CPU seconds per thread group during the timed window.
    pub cpu: Vec<(String, f64)>,
}

impl Row {
    pub fn ops_per_sec(&self) -> f64 {
        if self.secs > 0.0 {
            self.acked as f64 / self.secs
        } else {
            0.0
        }
    }
}

pub fn config(dir: &Path, demo: bool) -> Config {
    let mut c = Config::new(dir);
    c.demo = demo;
    c.jwt_secret = Some(JWT_SECRET.into());
    c
}

struct Client {
    session: Session,
    username: &'static str,
    password: String,
    gen: OpGen,
}

struct Fleet {
    template: PathBuf,
    clients: Vec<Client>,
    logged_in: Instant,
}

const USERS: [&str; 2] = ["zhangwei", "lina"];

async fn login_all(api: &Api, clients: &mut [Client], fresh: bool) -> Result<()> {
    let sem = Arc::new(tokio::sync::Semaphore::new(8));
    let mut tasks = Vec::new();
    for c in clients.iter() {
        let api = api.clone();
        let sem = Arc::clone(&sem);
        let (user, password) = (c.username, c.password.clone());
        let device = if fresh {
            DeviceId::new()
        } else {
            c.session.device
        };
        tasks.push(tokio::spawn(async move {
            let _permit = sem.acquire().await;
            api.login(user, &password, device).await
        }));
    }
    for (c, t) in clients.iter_mut().zip(tasks) {
        c.session = t.await??;
        c.gen.device = c.session.device;
        c.gen.author = c.session.user;
    }
    Ok(())
}

/// The template dir: demo accounts and `n` registered devices.
async fn prepare(base: &Path, n: usize, p: &Params) -> Result<Fleet> {
    let template = base.join("ingest-template");
    let server = InProc::start(config(&template, true), p.workers)?;
    let api = Api::new(&server.url);
    let mut clients = Vec::with_capacity(n);
    for i in 0..n {
        let username = USERS[i % USERS.len()];
        let password = firecheck_shared::fixtures::demo_password(username)
            .with_context(|| format!("no demo password for {username}"))?;
        // Placeholders until the login below fills them in.
        let session = Session {
            token: String::new(),
            user: UserId::new(),
            org: OrgId::new(),
            device: DeviceId::new(),
        };
        clients.push(Client {
            gen: OpGen::new(session.device, session.user, p.venues),
            session,
            username,
            password,
        });
    }
    let started = Instant::now();
    login_all(&api, &mut clients, true).await?;
    eprintln!(
        "  {n} devices logged in in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    server.stop();
    Ok(Fleet {
        template,
        clients,
        logged_in: Instant::now(),
    })
}

#[derive(Default)]
struct Outcome {
    lat: Vec<Duration>,
    acked: u64,
    requests: u64,
    errors: u64,
    first_error: Option<String>,
    last: Option<Instant>,
}

async fn push_loop(
    api: Api,
    token: String,
    mut gen: OpGen,
    batch: usize,
    format: Format,
    deadline: Instant,
) -> (OpGen, Outcome) {
    let mut out = Outcome::default();
    while Instant::now() < deadline {
        let req = SyncRequest {
            cursor: 0,
            ops: gen.batch(batch),
            limit: 0,
            device_time_ms: Timestamp::now().0,
        };
        let t0 = Instant::now();
        let res = api.sync(&token, format, &req).await;
        let t1 = Instant::now();
        out.requests += 1;
        match res {
            Ok(x) => {
                out.lat.push(t1 - t0);
                out.last = Some(t1);
                for a in &x.resp.acks {
                    match &a.result {
                        AckResult::Accepted { .. } => out.acked += 1,
                        other => {
                            out.errors += 1;
                            out.first_error.get_or_insert_with(|| format!("{other:?}"));
                        }
                    }
                }
            }
            Err(e) => {
                out.errors += batch as u64;
                out.first_error.get_or_insert_with(|| e.to_string());
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
    (gen, out)
}

async fn run_one(
    fleet: &mut Fleet,
    base: &Path,
    n: usize,
    batch: usize,
    format: Format,
    p: &Params,
) -> Result<Row> {
    let dir = base.join(format!("ingest-{n}x{batch}-{format:?}"));
    let _ = std::fs::remove_dir_all(&dir);
    sys::copy_dir(&fleet.template, &dir)?;
    let server = InProc::start(config(&dir, false), p.workers)?;
    let api = Api::new(&server.url);
    if fleet.logged_in.elapsed() > Duration::from_secs(10 * 60) {
        // Access tokens live 15 minutes.
        login_all(&api, &mut fleet.clients, false).await?;
        fleet.logged_in = Instant::now();
    }
    let clients = &mut fleet.clients[..n];
    // Connect every device first (an empty push), so the window measures steady state.
    let mut warm = Vec::new();
    for c in clients.iter() {
        let api = api.clone();
        let token = c.session.token.clone();
        warm.push(tokio::spawn(async move {
            let req = SyncRequest {
                cursor: 0,
                ops: Vec::new(),
                limit: 0,
                device_time_ms: 0,
            };
            api.sync(&token, format, &req).await.map(|_| ())
        }));
    }
    for w in warm {
        w.await??;
    }
    let org = clients[0].session.org;
    let cpu0 = sys::thread_cpu();
    let g0 = inproc::groups();
    let io0 = sys::write_bytes(None);
    let start = Instant::now();
    let deadline = start + p.duration;
    let mut tasks = Vec::new();
    for c in clients.iter_mut() {
        c.gen.restart_seq();
        tasks.push(tokio::spawn(push_loop(
            api.clone(),
            c.session.token.clone(),
            c.gen.clone(),
            batch,
            format,
            deadline,
        )));
    }
    let mut total = Outcome::default();
    for (c, t) in clients.iter_mut().zip(tasks) {
        let (gen, o) = t.await?;
        c.gen = gen;
        total.lat.extend(o.lat);
        total.acked += o.acked;
        total.requests += o.requests;
        total.errors += o.errors;
        if total.first_error.is_none() {
            total.first_error = o.first_error;
        }
        total.last = total.last.max(o.last);
    }
    let end = total.last.unwrap_or_else(Instant::now);
    let cpu1 = sys::thread_cpu();
    let io1 = sys::write_bytes(None);
    let groups = inproc::groups().since(&g0);
    let head = server.state.store.last_seq(org).unwrap_or(0);
    let views_lag = head.saturating_sub(server.state.views.covered(org));
    let close = server.stop();
    let _ = std::fs::remove_dir_all(&dir);
    let (p50, p99, max) = sys::percentiles(&mut total.lat);
    Ok(Row {
        clients: n,
        batch,
        format,
        acked: total.acked,
        requests: total.requests,
        errors: total.errors,
        first_error: total.first_error,
        secs: (end - start).as_secs_f64(),
        p50_ms: p50,
        p99_ms: p99,
        max_ms: max,
        groups,
        views_lag,
        close_secs: close.as_secs_f64(),
        disk_bytes: io1.saturating_sub(io0),
        cpu: sys::thread_cpu_delta(&cpu0, &cpu1),
    })
}

pub async fn run(base: &Path, p: &Params) -> Result<Vec<Row>> {
    let n_max = p.clients.iter().copied().max().unwrap_or(1);
    let mut fleet = prepare(base, n_max, p).await?;
    let mut rows = Vec::new();
    for &format in &p.formats {
        for &batch in &p.batches {
            for &n in &p.clients {
                let row = run_one(&mut fleet, base, n, batch, format, p).await?;
                eprintln!(
                    "  ingest {:>3} clients × {:>3} {:<7}: {:>9.0} ops/s  p50 {:>7.2} ms  p99 {:>7.2} ms  max {:>7.2} ms{}",
                    n,
                    batch,
                    crate::report::fmt_name(format),
                    row.ops_per_sec(),
                    row.p50_ms,
                    row.p99_ms,
                    row.max_ms,
                    if row.errors > 0 {
                        format!("  ({} errors: {})", row.errors, row.first_error.as_deref().unwrap_or(""))
                    } else {
                        String::new()
                    }
                );
                rows.push(row);
            }
        }
    }
    let _ = std::fs::remove_dir_all(&fleet.template);
    Ok(rows)
}
