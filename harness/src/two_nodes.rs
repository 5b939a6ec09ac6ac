//! Two `firecheck-server` nodes on one PostgreSQL database, one of them killed with SIGKILL
//! while clients push to both (DESIGN.md invariants 1, 2, 3 and 6 across nodes).
//!
//! Both nodes run the real binary with `--store postgres://…` on a schema of their own
//! (made for the run, dropped after it), `--node a` / `--node b`, their own data dirs and
//! one shared attachment directory. Devices of the two demo inspectors push batches of
//! field work (venue changes, inspections with findings, comments on the hazards they
//! found) to the nodes in turn, all at once; a push that gets no answer — its node was
//! killed under it — is sent again, unchanged, to the other node, as a device behind a load
//! balancer would. Meanwhile the nodes are killed in turn with SIGKILL the moment a push to
//! them is in flight, and restarted on the same port and data dir.
//!
//! Then, with both nodes up:
//! 1. **Stored once, where the ack said** — the whole log pulled from each node: sequence
//!    numbers 1..=N without a gap, no op and no (device, device_seq) stored twice, every
//!    acknowledged op stored unchanged at the seq its ack named (an op acked twice — first
//!    by the killed node, then as a duplicate by the other — must name the same seq).
//! 2. **The same log order everywhere** — both nodes answer the same pull, op for op.
//! 3. **The same review answers** — venues, hazards, drills, the board and campaign
//!    coverage read from both nodes at the log's head are equal, byte for byte.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use firecheck_cli::replica::{OutboxEntry, OutboxState};
use firecheck_shared::fixtures::ids::{CIIE_CAMPAIGN, EBIKE_TEMPLATE};
use firecheck_shared::op::{InspectionRecord, VenueFields};
use firecheck_shared::sync::{AckResult, LoginRequest, SyncRequest, SyncResponse, TokenResponse};
use firecheck_shared::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::server::ServerProc;
use crate::{audit, bins, http};

/// The variable naming the PostgreSQL database the run may make a schema in (the server
/// tests' own).
pub const DATABASE_VAR: &str = "FIRECHECK_TEST_DATABASE";

/// How a two-node run goes: the `two-nodes` subcommand's flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// A PostgreSQL database the run may create (and drop) a schema in
    /// [default: $FIRECHECK_TEST_DATABASE].
    #[arg(long)]
    pub database: Option<String>,
    /// Devices pushing at once (the demo inspectors in turn, each device its own outbox).
    #[arg(long, default_value_t = 4)]
    pub devices: usize,
    /// Batches each device pushes at least (more while kills are still to come).
    #[arg(long, default_value_t = 30)]
    pub batches: usize,
    /// Ops per batch.
    #[arg(long, default_value_t = 25)]
    pub batch: usize,
    /// SIGKILLs, taking the nodes in turn (each restarted).
    #[arg(long, default_value_t = 4)]
    pub kills: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The firecheck-server binary [default: next to this one].
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Keep the temp dir (data dirs, logs) and the schema even when everything passed.
    #[arg(long)]
    pub keep: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub kills: u32,
    /// Pushes that got no answer from a node and were sent again to the other.
    pub failovers: usize,
    pub ops_acked: usize,
    pub ops_lost: usize,
    pub duplicates: usize,
    pub log_head: u64,
    /// Review reads compared between the nodes.
    pub reads_compared: usize,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "two-nodes: kills {}, failovers {}, ops acked {}, ops lost {}, duplicates {}, log head {}, review reads compared {}, seconds {:.1}",
            self.kills,
            self.failovers,
            self.ops_acked,
            self.ops_lost,
            self.duplicates,
            self.log_head,
            self.reads_compared,
            self.seconds
        )
    }
}

/// An invariant that broke, with the evidence.
#[derive(Debug)]
pub struct Failure {
    pub summary: Summary,
    pub evidence: Vec<String>,
    pub kept: Option<PathBuf>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "INVARIANT VIOLATED across two nodes:")?;
        for e in &self.evidence {
            writeln!(f, "  - {e}")?;
        }
        if let Some(k) = &self.kept {
            writeln!(f, "  data dirs and server logs kept in {}", k.display())?;
        }
        write!(f, "{}", self.summary)
    }
}

/// A schema of its own on the run's database, dropped when the run ends (unless kept).
struct Schema {
    base: String,
    name: String,
    keep: bool,
}

impl Schema {
    fn create(base: &str, keep: bool) -> anyhow::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let name = format!("harness_{}_{}", std::process::id(), nanos % 1_000_000_000);
        let mut c = postgres::Client::connect(base, postgres::NoTls)
            .with_context(|| format!("connecting to {DATABASE_VAR}"))?;
        c.batch_execute(&format!("CREATE SCHEMA {name}"))
            .context("creating the run's schema")?;
        Ok(Self {
            base: base.to_string(),
            name,
            keep,
        })
    }

    /// The database URL with this schema first on the search path.
    fn url(&self) -> String {
        let sep = if self.base.contains('?') { '&' } else { '?' };
        format!("{}{sep}options=-c%20search_path%3D{}", self.base, self.name)
    }
}

impl Drop for Schema {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("two-nodes: schema {} kept", self.name);
            return;
        }
        if let Ok(mut c) = postgres::Client::connect(&self.base, postgres::NoTls) {
            let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// The two nodes, shared between the killer and the clients.
struct Nodes {
    procs: [Mutex<ServerProc>; 2],
    addrs: [SocketAddr; 2],
    /// Pushes in flight to each node.
    in_flight: [AtomicUsize; 2],
}

/// Sets its flag when dropped (however the thread that holds it ends).
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// One pushing device: its own outbox positions and clock.
struct Device {
    user: User,
    id: DeviceId,
    next_seq: u64,
    clock: HlcClock,
    token: String,
    /// Hazards this device found, to comment on later.
    found: Vec<(VenueId, HazardId)>,
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn severity(code: &str) -> Severity {
    fixtures::Fixtures::demo()
        .ok()
        .and_then(|f| {
            f.templates
                .iter()
                .flat_map(|t| t.items.iter())
                .find(|i| i.code == code)
                .map(|i| i.severity)
        })
        .unwrap_or(Severity::Major)
}

impl Device {
    fn login(addrs: &[SocketAddr; 2], user: &str) -> anyhow::Result<Self> {
        let id = DeviceId::new();
        let mut last = None;
        // Either node will do; try both for a while (one may be restarting).
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            for addr in addrs {
                match http::post_json::<_, TokenResponse>(
                    *addr,
                    "/v1/auth/login",
                    None,
                    &LoginRequest {
                        username: user.to_string(),
                        password: audit::demo_password(user),
                        device_id: id,
                        device_name: format!("two-nodes {user}"),
                    },
                ) {
                    Ok(t) => {
                        return Ok(Self {
                            user: t.user,
                            id,
                            next_seq: 1,
                            clock: HlcClock::new(hlc::node_of(&id)),
                            token: t.access_token,
                            found: Vec::new(),
                        })
                    }
                    Err(e) => last = Some(e),
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(last.unwrap_or_else(|| anyhow::anyhow!("no node answered")))
            .with_context(|| format!("logging in as {user}"))
    }

    fn op(&mut self, entity: EntityRef, body: OpBody) -> Op {
        let device_seq = self.next_seq;
        self.next_seq += 1;
        Op {
            op_id: OpId::new(),
            device: self.id,
            device_seq,
            entity,
            hlc: self.clock.send(now_ms()),
            author: self.user.id,
            body,
        }
    }

    /// One batch of field work: venue changes, inspections (one finding in three), and
    /// comments on hazards found earlier.
    fn batch(&mut self, n: usize, rng: &mut StdRng) -> Vec<Op> {
        (0..n)
            .map(|i| {
                let venue = fixtures::ids::venue(2 + rng.gen_range(0..10));
                match rng.gen_range(0..4) {
                    0 => self.op(
                        EntityRef::Venue(venue),
                        OpBody::VenueUpserted(VenueFields {
                            name: Some(format!("店铺 {} #{}", self.user.username, self.next_seq)),
                            kind: Some(VenueKind::EbikePoint),
                            address: Some(format!("小木桥路 {}号", 100 + i)),
                            street: Some("小木桥路".into()),
                            location: None,
                        }),
                    ),
                    1 if !self.found.is_empty() => {
                        let (venue, hazard) = self.found[rng.gen_range(0..self.found.len())];
                        self.op(
                            EntityRef::Hazard {
                                partition: Partition::Venue(venue),
                                hazard,
                            },
                            OpBody::HazardCommented {
                                text: format!("复查 #{}", self.next_seq),
                            },
                        )
                    }
                    _ => {
                        let inspection = InspectionId::new();
                        let fail = rng.gen_range(0..3) == 0;
                        let now = now_ms() as i64;
                        let items = vec![ItemResult {
                            code: "EB-EXIT".into(),
                            outcome: if fail { Outcome::Fail } else { Outcome::Pass },
                            severity: severity("EB-EXIT"),
                            note: if fail {
                                "后门被电瓶堵住".into()
                            } else {
                                String::new()
                            },
                            evidence: Vec::new(),
                        }];
                        if fail {
                            self.found
                                .push((venue, HazardId::for_finding(inspection, "EB-EXIT")));
                        }
                        self.op(
                            EntityRef::Inspection { venue, inspection },
                            OpBody::InspectionSubmitted(InspectionRecord {
                                template: EBIKE_TEMPLATE,
                                template_version: 1,
                                started_at: Timestamp(now - 600_000),
                                finished_at: Timestamp(now),
                                items,
                                note: "夜查".into(),
                                campaign: Some(CIIE_CAMPAIGN),
                            }),
                        )
                    }
                }
            })
            .collect()
    }
}

/// What the devices were told, gathered from every thread.
#[derive(Default)]
struct Told {
    /// Every op acked, with the seq of its first ack.
    acked: HashMap<OpId, (String, Op, u64)>,
    failovers: usize,
    evidence: Vec<String>,
}

/// Push `ops` until a node answers every one of them: first to node `first`, then to the
/// other while a node gives no answer. Records the acks.
fn push_until_answered(
    nodes: &Nodes,
    dev: &Device,
    ops: &[Op],
    first: usize,
    told: &Mutex<Told>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut node = first;
    let mut failed_here = 0;
    loop {
        nodes.in_flight[node].fetch_add(1, Ordering::SeqCst);
        let answer = http::post_json::<_, SyncResponse>(
            nodes.addrs[node],
            "/v1/sync",
            Some(&dev.token),
            &SyncRequest {
                cursor: 0,
                ops: ops.to_vec(),
                limit: 1,
                device_time_ms: now_ms() as i64,
            },
        );
        nodes.in_flight[node].fetch_sub(1, Ordering::SeqCst);
        match answer {
            Ok(resp) => {
                let mut t = crate::lock(told);
                if resp.acks.len() != ops.len() {
                    t.evidence.push(format!(
                        "a push of {} ops got {} acks",
                        ops.len(),
                        resp.acks.len()
                    ));
                }
                for (op, ack) in ops.iter().zip(&resp.acks) {
                    let seq = match &ack.result {
                        AckResult::Accepted { seq } | AckResult::Duplicate { seq } => *seq,
                        AckResult::Rejected { code, reason } => {
                            t.evidence.push(format!(
                                "REJECTED: {}'s op {} ({code:?}): {reason}",
                                dev.user.username, op.op_id
                            ));
                            continue;
                        }
                    };
                    if ack.op_id != op.op_id {
                        t.evidence.push(format!(
                            "an ack names op {} where op {} was pushed",
                            ack.op_id, op.op_id
                        ));
                    }
                    let who = format!("{} (device {})", dev.user.username, dev.id);
                    match t.acked.get(&op.op_id) {
                        Some((_, _, before)) if *before != seq => {
                            let line = format!(
                                "op {} was acked at seq {before} and, pushed again to the other node, at seq {seq}",
                                op.op_id
                            );
                            t.evidence.push(line);
                        }
                        Some(_) => {}
                        None => {
                            t.acked.insert(op.op_id, (who, op.clone(), seq));
                        }
                    }
                }
                return Ok(());
            }
            Err(e) => {
                if Instant::now() > deadline {
                    return Err(e).context("no node answered a push for 120 s");
                }
                failed_here += 1;
                crate::lock(told).failovers += 1;
                // The other node; and back again once both have failed (both restarting).
                node = 1 - node;
                if failed_here % 2 == 0 {
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }
}

/// Run the two nodes, the devices and the kills; check every invariant.
pub fn run(opts: &Options) -> Result<Summary, Failure> {
    let started = Instant::now();
    let mut summary = Summary::default();
    let temp = match tempfile::Builder::new()
        .prefix("firecheck-two-nodes-")
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => return Err(fail(summary, vec![format!("temp dir: {e}")], None)),
    };
    let result = run_in(opts, temp.path(), &mut summary);
    summary.seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(evidence) if evidence.is_empty() => {
            if opts.keep {
                let kept = temp.keep();
                eprintln!("two-nodes: kept {}", kept.display());
            }
            Ok(summary)
        }
        Ok(evidence) => {
            let kept = temp.keep();
            Err(fail(summary, evidence, Some(kept)))
        }
        Err(e) => {
            let kept = temp.keep();
            Err(fail(summary, vec![format!("{e:#}")], Some(kept)))
        }
    }
}

fn fail(summary: Summary, evidence: Vec<String>, kept: Option<PathBuf>) -> Failure {
    Failure {
        summary,
        evidence,
        kept,
    }
}

fn run_in(opts: &Options, dir: &Path, summary: &mut Summary) -> anyhow::Result<Vec<String>> {
    let base = match &opts.database {
        Some(u) => u.clone(),
        None => std::env::var(DATABASE_VAR)
            .with_context(|| format!("no --database and no {DATABASE_VAR}"))?,
    };
    let schema = Schema::create(&base, opts.keep)?;
    let bin = bins::find("firecheck-server", opts.server_bin.as_deref())?;
    let blobs = dir.join("blobs");
    std::fs::create_dir_all(&blobs)?;
    let start = |name: &str| {
        let extra = vec![
            "--store".to_string(),
            schema.url(),
            "--node".to_string(),
            name.to_string(),
            "--blobs".to_string(),
            format!("file:{}", blobs.display()),
            "--db-connections".to_string(),
            "8".to_string(),
        ];
        ServerProc::start_with(
            &bin,
            &dir.join(format!("node-{name}")),
            &dir.join(format!("node-{name}.log")),
            extra,
        )
        .with_context(|| format!("starting node {name}"))
    };
    // One after the other: the first start creates the organisation and seeds the demo.
    let a = start("a")?;
    let b = start("b")?;
    let nodes = Arc::new(Nodes {
        addrs: [a.addr, b.addr],
        procs: [Mutex::new(a), Mutex::new(b)],
        in_flight: [AtomicUsize::new(0), AtomicUsize::new(0)],
    });

    let told = Arc::new(Mutex::new(Told::default()));
    // Devices are done (the killer stops), and kills are done (devices may stop).
    let done = Arc::new(AtomicBool::new(false));
    let killed_all = Arc::new(AtomicBool::new(false));
    let users = ["zhangwei", "lina"];
    let mut devices = Vec::new();
    for i in 0..opts.devices {
        devices.push(Device::login(&nodes.addrs, users[i % users.len()])?);
    }
    let mut threads = Vec::new();
    for (i, mut dev) in devices.into_iter().enumerate() {
        let (nodes, told) = (Arc::clone(&nodes), Arc::clone(&told));
        let killed_all = Arc::clone(&killed_all);
        let (batches, batch) = (opts.batches, opts.batch);
        let mut rng = StdRng::seed_from_u64(opts.seed.wrapping_mul(1000) + i as u64);
        threads.push(std::thread::spawn(move || -> anyhow::Result<()> {
            // At least `batches`, and on while kills are to come (a bounded number).
            let mut k = 0;
            while k < batches || (!killed_all.load(Ordering::SeqCst) && k < batches * 50) {
                let ops = dev.batch(batch, &mut rng);
                push_until_answered(&nodes, &dev, &ops, (i + k) % 2, &told)?;
                k += 1;
            }
            Ok(())
        }));
    }
    // The killer: a node in turn, the moment a push to it is in flight.
    let killer = {
        let (nodes, done) = (Arc::clone(&nodes), Arc::clone(&done));
        let killed_all = Arc::clone(&killed_all);
        let (kills, seed) = (opts.kills, opts.seed);
        std::thread::spawn(move || -> anyhow::Result<u32> {
            let _done = SetOnDrop(killed_all);
            let mut rng = StdRng::seed_from_u64(seed);
            let mut n = 0;
            while n < kills && !done.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(rng.gen_range(200..800)));
                let node = n as usize % 2;
                let wait = Instant::now() + Duration::from_secs(10);
                while nodes.in_flight[node].load(Ordering::SeqCst) == 0
                    && Instant::now() < wait
                    && !done.load(Ordering::SeqCst)
                {
                    std::thread::sleep(Duration::from_micros(200));
                }
                if done.load(Ordering::SeqCst) {
                    break;
                }
                // A little into the push: the request is being read or committed.
                std::thread::sleep(Duration::from_micros(rng.gen_range(0..3000)));
                let mut p = crate::lock(&nodes.procs[node]);
                p.kill();
                n += 1;
                eprintln!(
                    "two-nodes: node {} killed (SIGKILL), kill {n}",
                    ["a", "b"][node]
                );
                // Down a moment, so pushes fail over to the other node.
                std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
                p.spawn()?;
            }
            Ok(n)
        })
    };
    let mut errors = Vec::new();
    for t in threads {
        match t.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(format!("a device gave up: {e:#}")),
            Err(_) => errors.push("a device thread panicked".into()),
        }
    }
    done.store(true, Ordering::SeqCst);
    match killer.join() {
        Ok(Ok(n)) => summary.kills = n,
        Ok(Err(e)) => errors.push(format!("restarting a node: {e:#}")),
        Err(_) => errors.push("the killer thread panicked".into()),
    }
    if !errors.is_empty() {
        return Ok(errors);
    }
    let told = std::mem::take(&mut *crate::lock(&told));
    summary.failovers = told.failovers;
    summary.ops_acked = told.acked.len();
    let mut evidence = told.evidence;
    if summary.kills < opts.kills {
        evidence.push(format!(
            "only {} of {} kills landed while a push was in flight",
            summary.kills, opts.kills
        ));
    }

    // 1 and 2: each node's whole log, held against the acks and against each other.
    let acked: Vec<(String, OutboxEntry)> = told
        .acked
        .into_values()
        .map(|(who, op, seq)| {
            (
                who,
                OutboxEntry {
                    op,
                    state: OutboxState::Acked { seq },
                    created_ms: 0,
                },
            )
        })
        .collect();
    let auditor = DeviceId::new();
    let mut logs = Vec::new();
    for (i, addr) in nodes.addrs.iter().enumerate() {
        let token = audit::login(*addr, "wangfang", auditor)?;
        let log = audit::pull_log(*addr, &token)
            .with_context(|| format!("pulling the log from node {}", ["a", "b"][i]))?;
        let a = audit::audit(&log, &acked);
        summary.ops_lost = summary.ops_lost.max(a.lost);
        summary.duplicates = summary.duplicates.max(a.duplicates);
        summary.log_head = a.head;
        evidence.extend(
            a.evidence
                .into_iter()
                .map(|e| format!("node {}: {e}", ["a", "b"][i])),
        );
        logs.push((token, log));
    }
    if logs[0].1 != logs[1].1 {
        let at = logs[0]
            .1
            .iter()
            .zip(&logs[1].1)
            .position(|(x, y)| x != y)
            .unwrap_or(logs[0].1.len().min(logs[1].1.len()));
        evidence.push(format!(
            "the nodes answer different pulls: {} and {} ops, first difference at entry {}",
            logs[0].1.len(),
            logs[1].1.len(),
            at + 1
        ));
    }

    // 3: the review answers at the head, from each node.
    let head = summary.log_head;
    let reads = [
        format!("/v1/venues?limit=1000&min_seq={head}"),
        format!("/v1/hazards?limit=1000&min_seq={head}"),
        format!("/v1/drills?limit=1000&min_seq={head}"),
        format!("/v1/board?min_seq={head}"),
        format!("/v1/campaigns/{CIIE_CAMPAIGN}/coverage?min_seq={head}"),
    ];
    for path in &reads {
        let mut answers = Vec::new();
        for (i, addr) in nodes.addrs.iter().enumerate() {
            answers.push(read_when_covered(*addr, path, &logs[i].0)?);
        }
        summary.reads_compared += 1;
        if answers[0] != answers[1] {
            evidence.push(format!(
                "the nodes answer {path} differently:\n  a: {}\n  b: {}",
                clip(&answers[0]),
                clip(&answers[1])
            ));
        }
    }
    let hazards = read_when_covered(nodes.addrs[0], &reads[1], &logs[0].0)?;
    if hazards["items"].as_array().is_none_or(|h| h.is_empty()) {
        evidence.push(format!("no hazard to compare: {}", clip(&hazards)));
    }
    for p in &nodes.procs {
        crate::lock(p).stop()?;
    }
    Ok(evidence)
}

fn clip(v: &serde_json::Value) -> String {
    let s = v.to_string();
    s.chars().take(600).collect()
}

/// A review read at `min_seq`, again while the node's views catch up (503 "retry shortly").
fn read_when_covered(
    addr: SocketAddr,
    path: &str,
    token: &str,
) -> anyhow::Result<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        match http::get_json::<serde_json::Value>(addr, path, token) {
            Ok(v) => return Ok(v),
            Err(e) if Instant::now() < deadline && format!("{e:#}").contains("503") => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(e) => bail!("{e:#}"),
        }
    }
}
