//! sled beside PostgreSQL (issue 17), one run: durable ingest by 64 devices × 100-op bincode
//! batches, what a group commit costs, how fast the views catch up, a pull of 100,000 ops
//! into a fresh replica, the office's review reads, and ingest through two nodes on one
//! PostgreSQL database. Each backend gets a fresh store (a temp data dir; a schema of its
//! own, dropped after) and the same devices, ops and reads; medians of `--repeats` runs.
//!
//! ```text
//! cargo run --release -p firecheck-bench -- backends --database postgres://…  > section.md
//! ```

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use firecheck_server::{Config, StoreAt};
use firecheck_shared::codec::Format;
use firecheck_shared::sync::{AckResult, SyncRequest};
use firecheck_shared::*;

use crate::gen::OpGen;
use crate::http::{Api, Session};
use crate::inproc::{self, InProc};
use crate::sys;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A PostgreSQL database the run may create (and drop) a schema in.
    #[arg(long, env = "FIRECHECK_TEST_DATABASE")]
    database: String,
    /// Length of each ingest window, ms.
    #[arg(long, default_value_t = 3000)]
    duration_ms: u64,
    #[arg(long, default_value_t = 64)]
    clients: usize,
    #[arg(long, default_value_t = 100)]
    batch: usize,
    /// Ops in the organisation before the pull and the reads.
    #[arg(long, default_value_t = 100_000)]
    pull_ops: u64,
    /// Ingest windows and pulls per backend (medians reported).
    #[arg(long, default_value_t = 3)]
    repeats: usize,
    /// Each review read is timed this many times.
    #[arg(long, default_value_t = 30)]
    read_repeats: usize,
}

const USERS: [&str; 2] = ["zhangwei", "lina"];
const JWT_SECRET: &str = "bench-secret-bench-secret-bench-secret-0017";
/// The review reads timed (each with `min_seq` at the log's head).
const READS: [(&str, &str); 6] = [
    ("hazards, first page", "/v1/hazards?limit=50"),
    (
        "open hazards, first page",
        "/v1/hazards?status=open&limit=50",
    ),
    ("venues, first page", "/v1/venues?limit=50"),
    ("drills, first page", "/v1/drills?limit=50"),
    ("the board", "/v1/board?"),
    ("admin stats", "/v1/admin/stats?"),
];

#[derive(Debug, Default, Clone)]
struct Figures {
    ingest: Vec<f64>,
    p50_ms: f64,
    p99_ms: f64,
    group_ms: f64,
    ops_per_group: f64,
    views_rate: f64,
    pull_secs: Vec<f64>,
    pull_ops: u64,
    reads_ms: Vec<(String, f64)>,
    two_nodes: Vec<f64>,
}

fn median(v: &[f64]) -> f64 {
    let mut v = v.to_vec();
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

struct Device {
    session: Session,
    gen: OpGen,
}

fn config(dir: &Path, store: &StoreAt, node: &str) -> Config {
    let mut c = Config::new(dir);
    c.store = store.clone();
    c.node = node.to_string();
    c.demo = true;
    c.jwt_secret = Some(JWT_SECRET.into());
    c.admin_password = Some("bench-admin-password".into());
    c.db_connections = 16;
    c
}

async fn login(api: &Api, n: usize) -> Result<Vec<Device>> {
    let mut out = Vec::new();
    for i in 0..n {
        let user = USERS[i % USERS.len()];
        let password = fixtures::demo_password(user).context("demo password")?;
        let session = api.login(user, &password, DeviceId::new()).await?;
        out.push(Device {
            gen: OpGen::new(session.device, session.user, 2000),
            session,
        });
    }
    Ok(out)
}

/// Every device pushes batches to `apis[i % apis.len()]` until `deadline`; acked ops, the
/// window's length and the latencies.
async fn window(
    apis: &[Api],
    devices: &mut [Device],
    batch: usize,
    deadline: Instant,
) -> Result<(u64, f64, Vec<Duration>)> {
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, d) in devices.iter().enumerate() {
        let api = apis[i % apis.len()].clone();
        let token = d.session.token.clone();
        let mut gen = d.gen.clone();
        tasks.push(tokio::spawn(async move {
            let (mut acked, mut lat, mut last) = (0u64, Vec::new(), Instant::now());
            while Instant::now() < deadline {
                let req = SyncRequest {
                    cursor: 0,
                    ops: gen.batch(batch),
                    limit: 0,
                    device_time_ms: Timestamp::now().0,
                };
                let t0 = Instant::now();
                let x = api.sync(&token, Format::Bincode, &req).await?;
                last = Instant::now();
                lat.push(last - t0);
                for a in &x.resp.acks {
                    match &a.result {
                        AckResult::Accepted { .. } => acked += 1,
                        other => anyhow::bail!("an op was not accepted: {other:?}"),
                    }
                }
            }
            Ok::<_, anyhow::Error>((gen, acked, lat, last))
        }));
    }
    let (mut acked, mut lat, mut end) = (0, Vec::new(), start);
    for (d, t) in devices.iter_mut().zip(tasks) {
        let (gen, a, l, last) = t.await??;
        d.gen = gen;
        acked += a;
        lat.extend(l);
        end = end.max(last);
    }
    Ok((acked, (end - start).as_secs_f64(), lat))
}

async fn measure(a: &Args, base: &Path, store: StoreAt, figures: &mut Figures) -> Result<()> {
    let dir = base.join("node-a");
    let server = InProc::start(config(&dir, &store, "a"), sys::nproc())?;
    let api = Api::new(&server.url);
    let mut devices = login(&api, a.clients).await?;
    let org = devices[0].session.org;
    // Connect every device, then the timed windows.
    window(std::slice::from_ref(&api), &mut devices, 1, Instant::now()).await?;
    let mut lat = Vec::new();
    let g0 = inproc::groups();
    for _ in 0..a.repeats {
        let deadline = Instant::now() + Duration::from_millis(a.duration_ms);
        let (acked, secs, l) =
            window(std::slice::from_ref(&api), &mut devices, a.batch, deadline).await?;
        figures.ingest.push(acked as f64 / secs.max(1e-9));
        lat.extend(l);
    }
    let g = inproc::groups().since(&g0);
    (figures.p50_ms, figures.p99_ms, _) = sys::percentiles(&mut lat);
    figures.group_ms = g.micros as f64 / 1000.0 / g.groups.max(1) as f64;
    figures.ops_per_group = g.stored as f64 / g.groups.max(1) as f64;
    eprintln!(
        "  {:?}: ingest {:?} ops/s, {:.2} ms per group commit of {:.0} ops",
        store, figures.ingest, figures.group_ms, figures.ops_per_group
    );
    // Up to the pull's size, untimed; then how fast the views reach the head.
    while server.state.store.last_seq(org)? < a.pull_ops {
        let deadline = Instant::now() + Duration::from_millis(500);
        window(std::slice::from_ref(&api), &mut devices, a.batch, deadline).await?;
    }
    let head = server.state.store.last_seq(org)?;
    let (covered0, t0) = (server.state.views.covered(org), Instant::now());
    while server.state.views.covered(org) < head {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    figures.views_rate = (head - covered0) as f64 / t0.elapsed().as_secs_f64().max(1e-9);
    for _ in 0..a.repeats {
        let pw = fixtures::demo_password("wangfang").context("demo password")?;
        let row = crate::pull::pull(&api, "wangfang", &pw, Format::Bincode, "pull", head).await?;
        figures.pull_secs.push(row.secs);
        figures.pull_ops = row.ops;
    }
    eprintln!(
        "  {:?}: pull of {} ops {:?} s",
        store, figures.pull_ops, figures.pull_secs
    );
    let office = login(&api, 1).await?;
    let token = &office[0].session.token;
    let admin = api
        .login("admin", "bench-admin-password", DeviceId::new())
        .await?;
    for (name, path) in READS {
        let token = if path.starts_with("/v1/admin") {
            &admin.token
        } else {
            token
        };
        let path = format!("{path}&min_seq={head}");
        let mut ms = Vec::new();
        for _ in 0..a.read_repeats {
            let t = Instant::now();
            api.get(token, &path).await?;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        figures.reads_ms.push((name.to_string(), median(&ms)));
    }
    // Two nodes on one database: half the devices on each.
    if let StoreAt::Postgres(_) = store {
        let b = InProc::start(config(&base.join("node-b"), &store, "b"), sys::nproc())?;
        let apis = [api.clone(), Api::new(&b.url)];
        window(&apis, &mut devices, 1, Instant::now()).await?;
        for _ in 0..a.repeats {
            let deadline = Instant::now() + Duration::from_millis(a.duration_ms);
            let (acked, secs, _) = window(&apis, &mut devices, a.batch, deadline).await?;
            figures.two_nodes.push(acked as f64 / secs.max(1e-9));
        }
        eprintln!("  two nodes: {:?} ops/s", figures.two_nodes);
        b.stop();
    }
    server.stop();
    Ok(())
}

pub fn run(a: Args) -> Result<()> {
    inproc::install_tracing();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(sys::nproc())
        .enable_all()
        .build()?;
    let load0 = sys::loadavg();
    let started = Instant::now();
    let sled_dir = tempfile::tempdir()?;
    let mut sled = Figures::default();
    rt.block_on(measure(&a, sled_dir.path(), StoreAt::Sled, &mut sled))?;
    drop(sled_dir);

    let schema = format!("bench_{}", std::process::id());
    let mut c = postgres::Client::connect(&a.database, postgres::NoTls)
        .context("connecting to --database")?;
    c.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
    ))?;
    let sep = if a.database.contains('?') { '&' } else { '?' };
    let url = format!("{}{sep}options=-c%20search_path%3D{schema}", a.database);
    let pg_dir = tempfile::tempdir()?;
    let mut pg = Figures::default();
    let measured = rt.block_on(measure(&a, pg_dir.path(), StoreAt::Postgres(url), &mut pg));
    let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
    measured?;
    let load1 = sys::loadavg();

    let ratio = |p: f64, s: f64| format!("{:.2}×", p / s.max(1e-9));
    let mut out = String::new();
    out.push_str(&format!(
        "- **Command**: `cargo run --release -p firecheck-bench -- backends` ({} devices × {}-op bincode batches, {} ms windows, {} repeats, medians)\n",
        a.clients, a.batch, a.duration_ms, a.repeats
    ));
    out.push_str(&format!(
        "- **Load average (1, 5, 15 min)**: {load0} at the start, {load1} at the end, on {} cores; took {:.0} s\n\n",
        sys::nproc(),
        started.elapsed().as_secs_f64()
    ));
    out.push_str("| what | sled | PostgreSQL | PostgreSQL ÷ sled |\n|---|---:|---:|---:|\n");
    let (si, pi) = (median(&sled.ingest), median(&pg.ingest));
    out.push_str(&format!(
        "| durable ingest, {} × {} bincode (median acked ops/s) | {:.0} | {:.0} | {} |\n",
        a.clients,
        a.batch,
        si,
        pi,
        ratio(pi, si)
    ));
    out.push_str(&format!(
        "| … request latency p50 / p99 (ms) | {:.1} / {:.1} | {:.1} / {:.1} | {} |\n",
        sled.p50_ms,
        sled.p99_ms,
        pg.p50_ms,
        pg.p99_ms,
        ratio(pg.p50_ms, sled.p50_ms)
    ));
    out.push_str(&format!(
        "| one group commit: ms (ops in it) | {:.2} ({:.0}) | {:.2} ({:.0}) | {} |\n",
        sled.group_ms,
        sled.ops_per_group,
        pg.group_ms,
        pg.ops_per_group,
        ratio(pg.group_ms, sled.group_ms)
    ));
    out.push_str(&format!(
        "| views catching up after the ingest (ops folded/s) | {:.0} | {:.0} | {} |\n",
        sled.views_rate,
        pg.views_rate,
        ratio(pg.views_rate, sled.views_rate)
    ));
    let (sp, pp) = (median(&sled.pull_secs), median(&pg.pull_secs));
    out.push_str(&format!(
        "| pull of {} ops into a fresh replica (s) | {:.2} | {:.2} | {} |\n",
        pg.pull_ops,
        sp,
        pp,
        ratio(pp, sp)
    ));
    for ((name, s), (_, p)) in sled.reads_ms.iter().zip(&pg.reads_ms) {
        out.push_str(&format!(
            "| office read: {name} (median ms) | {s:.2} | {p:.2} | {} |\n",
            ratio(*p, *s)
        ));
    }
    let two = median(&pg.two_nodes);
    out.push_str(&format!(
        "| ingest through two nodes on one database, devices split (median acked ops/s) | — | {:.0} | {} of one PostgreSQL node |\n",
        two,
        ratio(two, pi)
    ));
    println!("{out}");
    Ok(())
}
