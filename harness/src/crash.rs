//! The crash loop: the real `firecheck-server`, concurrent client replicas doing field work,
//! SIGKILL at random moments (mid-push, mid-pull, right after a start), restart on the same
//! data dir and port — and after every cycle, the invariants:
//!
//! 1. every op any client saw acked (`Acked { seq }` in its outbox) is stored exactly once,
//!    unchanged, at that seq; the log's seqs are 1..=N without gaps or repeats; ops once in
//!    the log stay where they were (append-only);
//! 2. after the clients retry until nothing waits, every replica holds the whole log
//!    (op count and cursor) and shows the same hazards, venues and drills as a fresh replica
//!    and as the server's own views;
//! 3. every few cycles and at the end: the server's views equal a `firecheck-server rebuild`
//!    from the log (views read before a clean stop, rebuild, start, read again).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use anyhow::Context;
use firecheck_cli::replica::OutboxState;
use firecheck_shared::{DeviceId, OpId};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crate::audit::{self, Audit};
use crate::server::ServerProc;
use crate::workload::{Catalogue, Client, Holdings};

/// How a crash run goes: the `crash` subcommand's flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Kill cycles (CI: 20; long mode: 500).
    #[arg(long, default_value_t = 20)]
    pub cycles: u32,
    /// Concurrent client replicas doing field work (users taken in turn: zhangwei, lina,
    /// wangfang); one more, wangfang's pull-only watcher, syncs in a tight loop beside them.
    #[arg(long, default_value_t = 3)]
    pub clients: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The firecheck-server binary [default: next to this one].
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// Compare the server's views with `firecheck-server rebuild` every N cycles (and at the
    /// end).
    #[arg(long, default_value_t = 5)]
    pub rebuild_every: u32,
    /// Check convergence against a fresh replica every N cycles (and at the end); in the
    /// other cycles the clients are compared with each other and the server's views.
    #[arg(long, default_value_t = 1)]
    pub fresh_every: u32,
    /// Inspections recorded offline before a heavy push.
    #[arg(long, default_value_t = 40)]
    pub burst: usize,
    /// Keep the temp dir (data dir, client homes, server log) even when everything passed.
    #[arg(long)]
    pub keep: bool,
    /// Only the summary line, no line per cycle.
    #[arg(long, short)]
    pub quiet: bool,
}

/// What a run did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub cycles: u32,
    pub kills: u32,
    pub ops_acked: usize,
    pub ops_lost: usize,
    pub duplicates: usize,
    pub log_head: u64,
    pub rebuild_checks: u32,
    pub fresh_checks: u32,
    /// Starts that found the views behind the log and caught up (a kill landed between a
    /// log commit and its view update).
    pub healed_starts: usize,
    /// Recoveries in which sled discarded a write torn by the kill.
    pub torn_writes: usize,
    pub seconds: f64,
    pub unreachable: u64,
    pub relogins: u64,
    pub commands: u64,
    /// Unexpected client errors (not violations by themselves).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "crash: cycles {}, kills {}, ops acked {}, ops lost {}, duplicates {}, log head {}, rebuild checks {}, fresh-replica checks {}, starts that healed lagging views {}, torn writes discarded {}, client commands {} ({} unreachable, {} re-logins, {} unexpected), seconds {:.1}",
            self.cycles,
            self.kills,
            self.ops_acked,
            self.ops_lost,
            self.duplicates,
            self.log_head,
            self.rebuild_checks,
            self.fresh_checks,
            self.healed_starts,
            self.torn_writes,
            self.commands,
            self.unreachable,
            self.relogins,
            self.warnings.len(),
            self.seconds
        )
    }
}

/// A broken invariant, with what shows it.
#[derive(Debug)]
pub struct Failure {
    pub summary: Summary,
    pub cycle: u32,
    pub evidence: Vec<String>,
    /// Where the data dir, homes and server log were kept.
    pub kept: Option<PathBuf>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "INVARIANT VIOLATED in cycle {}:", self.cycle)?;
        for e in &self.evidence {
            writeln!(f, "  - {e}")?;
        }
        if let Some(k) = &self.kept {
            writeln!(
                f,
                "  data dir, client homes and server log kept in {}",
                k.display()
            )?;
        }
        write!(f, "{}", self.summary)
    }
}

impl std::error::Error for Failure {}

/// When in a cycle the server is killed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Moment {
    /// At a random moment of the field work.
    Random,
    /// While one client pushes a big outbox.
    HeavyPush,
    /// While a fresh replica pulls the whole log.
    FullPull,
    /// At a random moment, then again right after the restart (start-up, view catch-up,
    /// every client's retry landing at once).
    TwiceAtStart,
}

impl Moment {
    fn pick(cycle: u32, rng: &mut StdRng) -> Self {
        // Every kind in the first four cycles, then at random.
        let i = if cycle <= 4 {
            cycle - 1
        } else {
            rng.gen_range(0..4)
        };
        [
            Moment::HeavyPush,
            Moment::FullPull,
            Moment::Random,
            Moment::TwiceAtStart,
        ][i as usize]
    }

    fn name(self) -> &'static str {
        match self {
            Moment::Random => "random",
            Moment::HeavyPush => "heavy-push",
            Moment::FullPull => "full-pull",
            Moment::TwiceAtStart => "twice-at-start",
        }
    }
}

/// Flags between the killer (the main thread) and the client threads of one cycle.
#[derive(Debug, Default)]
struct Signals {
    stop: AtomicBool,
    /// The killer asks the burst client for a heavy push.
    burst_wanted: AtomicBool,
    /// The burst client is pushing now.
    burst_pushing: AtomicBool,
    /// The fresh replica is pulling now.
    pulling: AtomicBool,
}

fn wait_flag(flag: &AtomicBool, timeout: Duration) -> bool {
    let until = Instant::now() + timeout;
    while !flag.load(Ordering::SeqCst) {
        if Instant::now() > until {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    true
}

const USERS: [(&str, bool); 3] = [("zhangwei", false), ("lina", false), ("wangfang", true)];
/// How long clients may take to get everything acked after the last restart.
const DRAIN_DEADLINE: Duration = Duration::from_secs(120);

/// Run the crash loop. `Err` when an invariant broke, with the evidence; trouble that is not
/// a violation (the server would not start, …) comes the same way, as cycle 0 or its message.
pub fn run(opts: &Options) -> Result<Summary, Box<Failure>> {
    let started = Instant::now();
    let tmp = tempfile::Builder::new()
        .prefix("firecheck-crash-")
        .tempdir()
        .map_err(|e| setup_failure(e.into()))?;
    let mut summary = Summary::default();
    let result = run_in(opts, tmp.path(), &mut summary, started);
    summary.seconds = started.elapsed().as_secs_f64();
    let log = std::fs::read_to_string(tmp.path().join("server.log")).unwrap_or_default();
    summary.healed_starts = log.matches("views lag the log").count();
    summary.torn_writes = log.matches("higher lsn than our stable log").count();
    match result {
        Ok(()) => {
            if opts.keep {
                let p = tmp.keep();
                eprintln!("crash: kept {}", p.display());
            }
            Ok(summary)
        }
        Err((cycle, evidence)) => {
            let kept = tmp.keep();
            Err(Box::new(Failure {
                summary,
                cycle,
                evidence,
                kept: Some(kept),
            }))
        }
    }
}

fn setup_failure(e: anyhow::Error) -> Box<Failure> {
    Box::new(Failure {
        summary: Summary::default(),
        cycle: 0,
        evidence: vec![format!("{e:#}")],
        kept: None,
    })
}

type CycleResult = Result<(), (u32, Vec<String>)>;

fn run_in(opts: &Options, dir: &Path, summary: &mut Summary, started: Instant) -> CycleResult {
    let fail0 = |e: anyhow::Error| (0u32, vec![format!("{e:#}")]);
    let bin = crate::bins::find("firecheck-server", opts.server_bin.as_deref()).map_err(fail0)?;
    let data = dir.join("data");
    let mut server = ServerProc::start(&bin, &data, &dir.join("server.log")).map_err(fail0)?;
    let url = server.url();
    let cat = Catalogue::demo();
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).map_err(|e| fail0(e.into()))?;
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut clients: Vec<Client> = (0..opts.clients.max(1))
        .map(|i| {
            let (user, officer) = USERS[i % USERS.len()];
            let name = format!("c{}-{user}", i + 1);
            Client::new(
                &name,
                user,
                officer,
                &dir.join("homes").join(&name),
                &url,
                StdRng::seed_from_u64(opts.seed.wrapping_mul(1000).wrapping_add(i as u64)),
            )
        })
        .collect();
    let mut watcher = Client::new(
        "w-wangfang",
        "wangfang",
        true,
        &dir.join("homes").join("w-wangfang"),
        &url,
        StdRng::seed_from_u64(opts.seed),
    );
    watcher.watcher = true;
    clients.push(watcher);
    for c in &mut clients {
        c.pull(Instant::now() + Duration::from_secs(60))
            .map_err(|e| (0, vec![format!("setting up: {e}")]))?;
    }
    let auditor = DeviceId::new();
    let mut prefix: Vec<OpId> = Vec::new();
    let burst_client = clients.iter().position(|c| !c.officer).unwrap_or(0);

    for cycle in 1..=opts.cycles {
        let t0 = Instant::now();
        let moment = Moment::pick(cycle, &mut rng);
        let signals = Signals::default();
        let barrier = Barrier::new(clients.len());
        let drain_by = Instant::now() + DRAIN_DEADLINE;
        let pull_home = dir.join("homes").join(format!("pull-{cycle}"));
        let random_ms = rng.gen_range(150..1200);
        let late_ms = rng.gen_range(0..40);
        let after_ms = rng.gen_range(100..500);
        let burst = opts.burst.max(1);
        let url = &url;
        let cat = &cat;
        let photos = photos.as_path();

        let (killed, kill_error, reports, pull_error, t_stop) = std::thread::scope(|s| {
            let signals = &signals;
            let barrier = &barrier;
            let handles: Vec<_> = clients
                .iter_mut()
                .enumerate()
                .map(|(i, c)| {
                    s.spawn(move || {
                        while !signals.stop.load(Ordering::SeqCst) {
                            if i == burst_client
                                && signals.burst_wanted.swap(false, Ordering::SeqCst)
                            {
                                c.burst(cat, photos, burst);
                                signals.burst_pushing.store(true, Ordering::SeqCst);
                                c.sync();
                            } else {
                                c.step(cat, photos);
                            }
                        }
                        let drained = c.drain(drain_by);
                        barrier.wait();
                        drained?;
                        c.pull(drain_by)?;
                        c.holdings()
                    })
                })
                .collect();
            let puller = (moment == Moment::FullPull).then(|| {
                let user = USERS[cycle as usize % USERS.len()].0;
                s.spawn(move || -> Result<(), String> {
                    let mut p = Client::new(
                        &format!("pull-{cycle}"),
                        user,
                        false,
                        &pull_home,
                        url,
                        StdRng::seed_from_u64(cycle as u64),
                    );
                    while !p.ensure_login() {
                        if Instant::now() > drain_by {
                            return Err("the fresh replica could not log in".into());
                        }
                        std::thread::sleep(Duration::from_millis(20));
                    }
                    signals.pulling.store(true, Ordering::SeqCst);
                    p.pull(drain_by)
                })
            });

            // The kill.
            let mut killed = 0u32;
            let kill_result: anyhow::Result<()> = (|| {
                match moment {
                    Moment::Random | Moment::TwiceAtStart => {
                        std::thread::sleep(Duration::from_millis(random_ms));
                    }
                    Moment::HeavyPush => {
                        std::thread::sleep(Duration::from_millis(random_ms / 4));
                        signals.burst_wanted.store(true, Ordering::SeqCst);
                        wait_flag(&signals.burst_pushing, Duration::from_secs(60));
                        std::thread::sleep(Duration::from_millis(late_ms));
                    }
                    Moment::FullPull => {
                        wait_flag(&signals.pulling, Duration::from_secs(30));
                        // Login done; the pull starts now and takes a while.
                        std::thread::sleep(Duration::from_millis(late_ms * 3));
                    }
                }
                server.crash_restart().context("restart after SIGKILL")?;
                killed += 1;
                if moment == Moment::TwiceAtStart {
                    std::thread::sleep(Duration::from_millis(late_ms));
                    server
                        .crash_restart()
                        .context("restart after the second SIGKILL")?;
                    killed += 1;
                }
                std::thread::sleep(Duration::from_millis(after_ms));
                Ok(())
            })();
            signals.stop.store(true, Ordering::SeqCst);
            let t_stop = Instant::now();
            let reports: Vec<Result<Holdings, String>> = handles
                .into_iter()
                .map(|h| {
                    h.join()
                        .unwrap_or_else(|_| Err("a client thread panicked".into()))
                })
                .collect();
            let pull_error = puller.and_then(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("the pulling thread panicked".into()))
                    .err()
            });
            (killed, kill_result.err(), reports, pull_error, t_stop)
        });
        summary.cycles = cycle;
        summary.kills += killed;
        let _ = std::fs::remove_dir_all(dir.join("homes").join(format!("pull-{cycle}")));
        let mut evidence: Vec<String> = Vec::new();
        if let Some(e) = kill_error {
            evidence.push(format!("{e:#}"));
            return Err((cycle, evidence));
        }
        if let Some(e) = pull_error {
            evidence.push(format!("fresh replica pulling through the kill: {e}"));
        }
        let mut holdings = Vec::new();
        for r in reports {
            match r {
                Ok(h) => holdings.push(h),
                Err(e) => evidence.push(e),
            }
        }
        summary.warnings = clients
            .iter()
            .flat_map(|c| c.stats.unexpected.iter().cloned())
            .collect();
        summary.unreachable = clients.iter().map(|c| c.stats.unreachable).sum();
        summary.relogins = clients.iter().map(|c| c.stats.relogins).sum();
        summary.commands = clients.iter().map(|c| c.stats.commands).sum();
        if !evidence.is_empty() {
            return Err((cycle, evidence));
        }

        // 1. The log against every ack.
        let t_check = Instant::now();
        let check = check_cycle(
            opts,
            cycle,
            &mut server,
            auditor,
            &holdings,
            &mut prefix,
            dir,
            summary,
        );
        match check {
            Ok(a) => {
                summary.ops_acked = a.acked;
                summary.ops_lost = a.lost;
                summary.duplicates = a.duplicates;
                summary.log_head = a.head;
            }
            Err(ev) => return Err((cycle, ev)),
        }
        if !opts.quiet {
            eprintln!(
                "cycle {cycle}/{} [{}] kills {killed}: log head {}, acked {}, lost {}, duplicates {} — ok ({:.1} s: work {:.1} s, drain {:.1} s, checks {:.1} s; {:.0} s in all)",
                opts.cycles,
                moment.name(),
                summary.log_head,
                summary.ops_acked,
                summary.ops_lost,
                summary.duplicates,
                t0.elapsed().as_secs_f64(),
                (t_stop - t0).as_secs_f64(),
                (t_check - t_stop).as_secs_f64(),
                t_check.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
        }
    }
    server
        .stop()
        .map_err(|e| (opts.cycles, vec![format!("{e:#}")]))?;
    Ok(())
}

/// The server's hazards, venues and drills (all pages), once its views cover `head`.
fn server_views(server: &ServerProc, token: &str, head: u64) -> anyhow::Result<[Value; 5]> {
    let mut out = Vec::new();
    for what in ["hazards", "venues", "drills"] {
        let mut items = Vec::new();
        loop {
            let page: Value = crate::http::get_json(
                server.addr,
                &format!(
                    "/v1/{what}?min_seq={head}&limit=1000&offset={}",
                    items.len()
                ),
                token,
            )?;
            let total = page["total"].as_u64().unwrap_or(0) as usize;
            let got = page["items"].as_array().cloned().unwrap_or_default();
            let empty = got.is_empty();
            items.extend(got);
            if items.len() >= total || empty {
                break;
            }
        }
        out.push(Value::Array(items));
    }
    // The board's counts and the campaign's coverage: kept by deltas as ops arrive, so they
    // must equal a rebuild's too.
    out.push(crate::http::get_json(
        server.addr,
        &format!("/v1/board?min_seq={head}"),
        token,
    )?);
    out.push(crate::http::get_json(
        server.addr,
        &format!(
            "/v1/campaigns/{}/coverage?min_seq={head}&limit=1000",
            firecheck_shared::fixtures::ids::CIIE_CAMPAIGN
        ),
        token,
    )?);
    let [h, v, d, b, c]: [Value; 5] = out.try_into().expect("five answers");
    Ok([h, v, d, b, c])
}

/// Where two JSON lists first differ, for evidence.
fn first_difference(a: &Value, b: &Value) -> String {
    let (Some(x), Some(y)) = (a.as_array(), b.as_array()) else {
        return format!("{} vs {}", clip(a), clip(b));
    };
    for (i, (p, q)) in x.iter().zip(y).enumerate() {
        if p != q {
            return format!(
                "item {i} differs:\n      {}\n    vs\n      {}",
                clip(p),
                clip(q)
            );
        }
    }
    format!("{} items vs {} items", x.len(), y.len())
}

fn clip(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 1500 {
        let mut end = 1500;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

#[allow(clippy::too_many_arguments)]
fn check_cycle(
    opts: &Options,
    cycle: u32,
    server: &mut ServerProc,
    auditor: DeviceId,
    holdings: &[Holdings],
    prefix: &mut Vec<OpId>,
    dir: &Path,
    summary: &mut Summary,
) -> Result<Audit, Vec<String>> {
    let e = |e: anyhow::Error| vec![format!("{e:#}")];
    let token = audit::login(server.addr, "wangfang", auditor).map_err(e)?;
    let log = audit::pull_log(server.addr, &token).map_err(e)?;
    let mut entries = Vec::new();
    let mut evidence = Vec::new();
    for h in holdings {
        for o in &h.outbox {
            match &o.state {
                OutboxState::Acked { .. } => entries.push((h.name.clone(), o.clone())),
                other => evidence.push(format!(
                    "{}: op {} ({} #{}) is {other:?} after syncing until nothing waits",
                    h.name,
                    o.op.op_id,
                    o.op.body.kind(),
                    o.op.device_seq
                )),
            }
        }
    }
    let a = audit::audit(&log, &entries);
    evidence.extend(a.evidence.iter().cloned());
    // Append-only: what was in the log stays where it was.
    for (i, id) in prefix.iter().enumerate() {
        match log.get(i) {
            Some((_, op)) if op.op_id == *id => {}
            Some((seq, op)) => {
                evidence.push(format!(
                    "APPEND-ONLY: seq {seq} held op {id} after the last cycle, now op {}",
                    op.op_id
                ));
                break;
            }
            None => {
                evidence.push(format!(
                    "APPEND-ONLY: the log had {} ops after the last cycle, now {}",
                    prefix.len(),
                    log.len()
                ));
                break;
            }
        }
    }
    *prefix = log.iter().map(|(_, o)| o.op_id).collect();
    summary.ops_acked = a.acked;
    summary.ops_lost = a.lost;
    summary.duplicates = a.duplicates;
    summary.log_head = a.head;
    if !evidence.is_empty() {
        return Err(evidence);
    }

    // 2. Convergence: every replica holds the whole log and shows what the server shows.
    for h in holdings {
        if h.op_count != log.len() || h.cursor != a.head {
            evidence.push(format!(
                "CONVERGENCE: {} holds {} ops pulled up to #{}, the server's log {} ops up to #{}",
                h.name,
                h.op_count,
                h.cursor,
                log.len(),
                a.head
            ));
        }
        if h.photos_waiting > 0 {
            evidence.push(format!(
                "{}: {} photo(s) still waiting after a successful sync",
                h.name, h.photos_waiting
            ));
        }
    }
    let views = server_views(server, &token, a.head).map_err(e)?;
    let last = cycle == opts.cycles;
    let reference: [Value; 3] = if last || cycle % opts.fresh_every.max(1) == 0 {
        summary.fresh_checks += 1;
        let home = dir.join("homes").join(format!("fresh-{cycle}"));
        let mut fresh = Client::new(
            &format!("fresh-{cycle}"),
            "wangfang",
            true,
            &home,
            &server.url(),
            StdRng::seed_from_u64(0),
        );
        let got = fresh
            .pull(Instant::now() + Duration::from_secs(120))
            .and_then(|_| fresh.holdings());
        let _ = std::fs::remove_dir_all(&home);
        let f = got.map_err(|e| vec![format!("fresh replica: {e}")])?;
        if f.op_count != log.len() || f.cursor != a.head {
            evidence.push(format!(
                "CONVERGENCE: a fresh replica holds {} ops pulled up to #{}, the server's log {} ops up to #{}",
                f.op_count,
                f.cursor,
                log.len(),
                a.head
            ));
        }
        for (what, mine, theirs) in [
            ("hazards", &f.hazards, &views[0]),
            ("venues", &f.venues, &views[1]),
            ("drills", &f.drills, &views[2]),
        ] {
            if mine != theirs {
                evidence.push(format!(
                    "CONVERGENCE: a fresh replica's {what} differ from the server's views: {}",
                    first_difference(mine, theirs)
                ));
            }
        }
        [f.hazards, f.venues, f.drills]
    } else {
        [views[0].clone(), views[1].clone(), views[2].clone()]
    };
    for h in holdings {
        for (what, mine, theirs) in [
            ("hazards", &h.hazards, &reference[0]),
            ("venues", &h.venues, &reference[1]),
            ("drills", &h.drills, &reference[2]),
        ] {
            if mine != theirs {
                evidence.push(format!(
                    "CONVERGENCE: {}'s {what} differ from the reference: {}",
                    h.name,
                    first_difference(mine, theirs)
                ));
            }
        }
    }
    if !evidence.is_empty() {
        return Err(evidence);
    }

    // 3. Views are disposable: a rebuild from the log gives the same answers.
    if last || cycle % opts.rebuild_every.max(1) == 0 {
        summary.rebuild_checks += 1;
        server.stop().map_err(e)?;
        let said = server.rebuild().map_err(e)?;
        if !said.contains(&format!(": {} ops", a.head)) {
            evidence.push(format!(
                "REBUILD: expected it to fold {} ops; it said:\n{said}",
                a.head
            ));
        }
        server.spawn().map_err(e)?;
        let token = audit::login(server.addr, "wangfang", auditor).map_err(e)?;
        let rebuilt = server_views(server, &token, a.head).map_err(e)?;
        for (i, what) in ["hazards", "venues", "drills", "board", "campaign coverage"]
            .iter()
            .enumerate()
        {
            if views[i] != rebuilt[i] {
                evidence.push(format!(
                    "REBUILD: the server's {what} before a rebuild differ from after: {}",
                    first_difference(&views[i], &rebuilt[i])
                ));
            }
        }
        if !evidence.is_empty() {
            return Err(evidence);
        }
    }
    Ok(a)
}
