//! Client crash: SIGKILL the real `firecheck` CLI in the middle of `inspect` and of `sync`,
//! many rounds, against a real `firecheck-server`. After every round:
//!
//! - the replica opens without error and its folded states are readable;
//! - every `inspect` that printed "saved offline" (before it was killed, or because it
//!   finished) has its op in the outbox;
//! - no outbox entry ever disappears, and an `Acked { seq }` never changes.
//!
//! At the end one `sync` (retried until nothing waits) gets every op acked, photos included,
//! and the server holds each op exactly once at the seq its ack named.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use firecheck_cli::replica::{LocalReplica, OutboxCounts, OutboxState};
use firecheck_shared::{
    DeviceId, EntityRef, OpBody, OpId, Timestamp, VenueFields, VenueId, VenueKind,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use crate::audit;
use crate::server::ServerProc;
use crate::workload::Catalogue;

/// How a client-crash run goes: the `client-crash` subcommand's flags.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 40)]
    pub rounds: u32,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The firecheck-server binary [default: next to this one].
    #[arg(long)]
    pub server_bin: Option<PathBuf>,
    /// The firecheck binary [default: next to this one].
    #[arg(long)]
    pub client_bin: Option<PathBuf>,
    /// Ops waiting in the outbox before each killed `sync` (topped up in-process).
    #[arg(long, default_value_t = 600)]
    pub outbox: usize,
    /// Keep the temp dir (data dir, client homes, server log).
    #[arg(long)]
    pub keep: bool,
    /// Only the summary line, no line per round.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub rounds: u32,
    pub inspect_kills: u32,
    /// Killed `inspect`s whose op was on disk already (killed after the save, before exit).
    pub inspect_kills_after_save: u32,
    pub inspects_finished: u32,
    pub sync_kills: u32,
    /// Killed `sync`s that left ops sent but unanswered (killed with a push in flight).
    pub sync_kills_in_flight: u32,
    /// Killed `sync`s after some acks were taken in but before the outbox was empty.
    pub sync_kills_part_acked: u32,
    pub syncs_finished: u32,
    /// `inspect`s that printed "saved offline".
    pub saved: usize,
    /// Ops in the outbox at the end.
    pub ops: usize,
    pub ops_acked: usize,
    /// Saved ops missing from the outbox, plus acked ops not on the server at their seq.
    pub ops_lost: usize,
    pub duplicates: usize,
    pub seconds: f64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "client-crash: rounds {}, inspect killed {} ({} after the save; {} finished), sync killed {} ({} with a push in flight, {} part-acked; {} finished), inspections saved {}, ops {}, ops acked {}, ops lost {}, duplicates {}, seconds {:.1}",
            self.rounds,
            self.inspect_kills,
            self.inspect_kills_after_save,
            self.inspects_finished,
            self.sync_kills,
            self.sync_kills_in_flight,
            self.sync_kills_part_acked,
            self.syncs_finished,
            self.saved,
            self.ops,
            self.ops_acked,
            self.ops_lost,
            self.duplicates,
            self.seconds
        )
    }
}

#[derive(Debug)]
pub struct Failure {
    pub summary: Summary,
    pub round: u32,
    pub evidence: Vec<String>,
    pub kept: Option<PathBuf>,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "INVARIANT VIOLATED in round {}:", self.round)?;
        for e in &self.evidence {
            writeln!(f, "  - {e}")?;
        }
        if let Some(k) = &self.kept {
            writeln!(f, "  home, data dir and server log kept in {}", k.display())?;
        }
        write!(f, "{}", self.summary)
    }
}

impl std::error::Error for Failure {}

/// A finished (or killed) CLI process.
struct Ended {
    status: ExitStatus,
    killed: bool,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Let `child` run for `delay`, then SIGKILL it unless it ended by itself.
fn kill_after(mut child: Child, delay: Duration) -> std::io::Result<Ended> {
    let started = Instant::now();
    let mut killed = false;
    let status = loop {
        if let Some(s) = child.try_wait()? {
            break s;
        }
        if started.elapsed() >= delay {
            killed = child.kill().is_ok();
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_micros(500));
    };
    let took = started.elapsed();
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut o) = child.stdout.take() {
        o.read_to_string(&mut stdout)?;
    }
    if let Some(mut e) = child.stderr.take() {
        e.read_to_string(&mut stderr)?;
    }
    // Killed by us only if it did not exit by itself first.
    #[cfg(unix)]
    let killed = {
        use std::os::unix::process::ExitStatusExt;
        killed && status.signal() == Some(9)
    };
    Ok(Ended {
        status,
        killed,
        stdout,
        stderr,
        took,
    })
}

struct Cli {
    bin: PathBuf,
    home: PathBuf,
    url: String,
}

impl Cli {
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(&self.bin);
        c.arg("--home")
            .arg(&self.home)
            .arg("--server")
            .arg(&self.url)
            .args(args)
            .env_remove("FIRECHECK_HOME")
            .env_remove("FIRECHECK_SERVER")
            .env_remove("FIRECHECK_LOG")
            // What it prints is read ("saved offline"): English, whatever the locale.
            .env("FIRECHECK_LANG", "en")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// Run to the end.
    fn run(&self, args: &[&str]) -> std::io::Result<Ended> {
        kill_after(self.command(args).spawn()?, Duration::from_secs(600))
    }
}

/// Running average of how long unkilled runs took, to aim the kills inside a run: mostly
/// between a fifth of a run (the process is up, the replica open) and its end; one run in
/// eight is left alone to keep the average current.
#[derive(Debug)]
struct Aim {
    avg_ms: f64,
}

impl Aim {
    fn delay(&self, rng: &mut StdRng) -> Duration {
        if rng.gen_bool(0.125) {
            return Duration::from_secs(600);
        }
        let avg_us = (self.avg_ms * 1000.0).max(2000.0);
        Duration::from_micros(rng.gen_range((avg_us * 0.2) as u64..(avg_us * 1.1) as u64))
    }

    fn learn(&mut self, took: Duration) {
        self.avg_ms = 0.7 * self.avg_ms + 0.3 * took.as_secs_f64() * 1000.0;
    }
}

pub fn run(opts: &Options) -> Result<Summary, Box<Failure>> {
    let started = Instant::now();
    let tmp = match tempfile::Builder::new()
        .prefix("firecheck-client-crash-")
        .tempdir()
    {
        Ok(t) => t,
        Err(e) => {
            return Err(Box::new(Failure {
                summary: Summary::default(),
                round: 0,
                evidence: vec![e.to_string()],
                kept: None,
            }))
        }
    };
    let mut summary = Summary::default();
    let result = run_in(opts, tmp.path(), &mut summary);
    summary.seconds = started.elapsed().as_secs_f64();
    match result {
        Ok(()) => {
            if opts.keep {
                eprintln!("client-crash: kept {}", tmp.keep().display());
            }
            Ok(summary)
        }
        Err((round, evidence)) => Err(Box::new(Failure {
            summary,
            round,
            evidence,
            kept: Some(tmp.keep()),
        })),
    }
}

/// What the harness remembers between rounds.
#[derive(Debug, Default)]
struct Memory {
    /// Short inspection ids whose `inspect` printed "saved offline", with the round.
    saved: Vec<(String, u32)>,
    /// Every outbox entry seen so far and its state then.
    seen: HashMap<OpId, OutboxState>,
}

/// Open the replica and hold it against what the harness remembers.
fn verify(home: &Path, mem: &mut Memory) -> Result<usize, Vec<String>> {
    let r = LocalReplica::open(home)
        .map_err(|e| vec![format!("the replica does not open after the kill: {e}")])?;
    let outbox = r
        .outbox()
        .map_err(|e| vec![format!("the outbox is unreadable after the kill: {e}")])?;
    r.partitions().map_err(|e| {
        vec![format!(
            "the folded states are unreadable after the kill: {e}"
        )]
    })?;
    r.counts()
        .map_err(|e| vec![format!("the outbox counts are unreadable: {e}")])?;
    drop(r);
    let mut ev = Vec::new();
    let mut now: HashMap<OpId, OutboxState> = HashMap::new();
    let mut inspections: HashMap<String, OpId> = HashMap::new();
    for e in &outbox {
        if now.insert(e.op.op_id, e.state.clone()).is_some() {
            ev.push(format!("op {} is twice in the outbox", e.op.op_id));
        }
        if let EntityRef::Inspection { inspection, .. } = e.op.entity {
            inspections.insert(inspection.short(), e.op.op_id);
        }
    }
    for (short, round) in &mem.saved {
        if !inspections.contains_key(short) {
            ev.push(format!(
                "LOST LOCALLY: inspection {short} printed \"saved offline\" in round {round}, but its op is not in the outbox"
            ));
        }
    }
    for (id, before) in &mem.seen {
        match (before, now.get(id)) {
            (_, None) => ev.push(format!(
                "LOST LOCALLY: op {id} was in the outbox ({before:?}) and is gone"
            )),
            (OutboxState::Acked { seq }, Some(after)) if after != before => ev.push(format!(
                "op {id} was Acked {{ seq: {seq} }} and is now {after:?}"
            )),
            _ => {}
        }
    }
    if !ev.is_empty() {
        return Err(ev);
    }
    let n = now.len();
    mem.seen = now;
    Ok(n)
}

fn photo(rng: &mut StdRng, path: &Path) -> std::io::Result<()> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..rng.gen_range(1024..8192)).map(|_| rng.gen::<u8>()));
    std::fs::write(path, b)
}

/// Queue `n` venue records straight into the replica (each flushed, as `venue add` does),
/// so the next `sync` has a big push to make.
fn top_up(home: &Path, n: usize, round: u32) -> Result<(), String> {
    let r = LocalReplica::open(home).map_err(|e| e.to_string())?;
    let me = r
        .login()
        .map_err(|e| e.to_string())?
        .ok_or("the device is not logged in")?;
    for i in 0..n {
        r.record(
            me.user.id,
            EntityRef::Venue(VenueId::new()),
            OpBody::VenueUpserted(VenueFields {
                name: Some(format!("补录商铺 {round}-{i}")),
                kind: Some(VenueKind::StreetShop),
                address: Some(format!("小木桥路 {}号", 1000 + i)),
                street: Some("小木桥路".into()),
                location: None,
            }),
            Timestamp::now().0,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn counts(home: &Path, round: u32) -> Result<OutboxCounts, (u32, Vec<String>)> {
    LocalReplica::open(home)
        .and_then(|r| r.counts())
        .map_err(|e| (round, vec![format!("the replica does not open: {e}")]))
}

type RoundResult = Result<(), (u32, Vec<String>)>;

fn run_in(opts: &Options, dir: &Path, summary: &mut Summary) -> RoundResult {
    let setup = |e: anyhow::Error| (0u32, vec![format!("{e:#}")]);
    let server_bin =
        crate::bins::find("firecheck-server", opts.server_bin.as_deref()).map_err(setup)?;
    let client_bin = crate::bins::find("firecheck", opts.client_bin.as_deref()).map_err(setup)?;
    let server = ServerProc::start(&server_bin, &dir.join("data"), &dir.join("server.log"))
        .map_err(setup)?;
    let cli = Cli {
        bin: client_bin,
        home: dir.join("home"),
        url: server.url(),
    };
    let io = |what: &str, e: std::io::Error| (0u32, vec![format!("{what}: {e}")]);

    // Log in (password on stdin, as a script would) and take the first pull.
    let mut login = cli.command(&["login", "zhangwei", "--password-stdin"]);
    login.stdin(Stdio::piped());
    let mut child = login
        .spawn()
        .map_err(|e| io("starting firecheck login", e))?;
    if let Some(mut stdin) = child.stdin.take() {
        writeln!(stdin, "{}", audit::demo_password("zhangwei"))
            .map_err(|e| io("typing the password", e))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| io("firecheck login", e))?;
    if !out.status.success() {
        return Err((
            0,
            vec![format!(
                "firecheck login failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )],
        ));
    }
    let first = cli.run(&["sync"]).map_err(|e| io("firecheck sync", e))?;
    if !first.status.success() {
        return Err((0, vec![format!("the first sync failed: {}", first.stderr)]));
    }

    let cat = Catalogue::demo();
    let mut rng = StdRng::seed_from_u64(opts.seed);
    let mut mem = Memory::default();
    let mut inspect_aim = Aim { avg_ms: 60.0 };
    let mut sync_aim = Aim { avg_ms: 300.0 };
    let photos = dir.join("photos");
    std::fs::create_dir_all(&photos).map_err(|e| io("photos dir", e))?;

    for round in 1..=opts.rounds {
        summary.rounds = round;
        let sync_round = round % 4 == 0;
        let before = counts(&cli.home, round)?;
        let ended = if sync_round {
            // A large outbox, so the kill lands mid-push (or mid-pull).
            let waiting = before.waiting();
            if waiting < opts.outbox {
                top_up(&cli.home, opts.outbox - waiting, round)
                    .map_err(|e| (round, vec![format!("topping up the outbox: {e}")]))?;
            }
            let before = counts(&cli.home, round)?;
            let child = cli
                .command(&["sync"])
                .spawn()
                .map_err(|e| io("starting firecheck sync", e))?;
            let ended =
                kill_after(child, sync_aim.delay(&mut rng)).map_err(|e| io("firecheck sync", e))?;
            if ended.killed {
                let after = counts(&cli.home, round)?;
                if after.sent > 0 {
                    summary.sync_kills_in_flight += 1;
                }
                if after.acked > before.acked && after.waiting() > 0 {
                    summary.sync_kills_part_acked += 1;
                }
            }
            ended
        } else {
            let (venue, items) = cat.inspectable.choose(&mut rng).expect("venues");
            let fails = rng.gen_range(1..=3usize);
            let mut args: Vec<String> = vec!["inspect".into(), venue.clone()];
            let failed: Vec<&String> = items.choose_multiple(&mut rng, fails).collect();
            for code in &failed {
                args.push("--fail".into());
                args.push(format!("{code}:第{round}轮检查发现问题"));
            }
            if rng.gen_bool(0.25) {
                let p = photos.join(format!("r{round}.jpg"));
                photo(&mut rng, &p).map_err(|e| io("writing a photo", e))?;
                args.push("--photo".into());
                args.push(format!("{}={}", failed[0], p.display()));
            }
            args.push("--pass-all".into());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let child = cli
                .command(&refs)
                .spawn()
                .map_err(|e| io("starting firecheck inspect", e))?;
            kill_after(child, inspect_aim.delay(&mut rng))
                .map_err(|e| io("firecheck inspect", e))?
        };
        let what = if sync_round { "sync" } else { "inspect" };
        if ended.killed {
            if sync_round {
                summary.sync_kills += 1;
            } else {
                summary.inspect_kills += 1;
                let after = counts(&cli.home, round)?;
                if after.queued + after.sent + after.acked + after.rejected
                    > before.queued + before.sent + before.acked + before.rejected
                {
                    summary.inspect_kills_after_save += 1;
                }
            }
        } else if ended.status.success() {
            if sync_round {
                summary.syncs_finished += 1;
                sync_aim.learn(ended.took);
            } else {
                summary.inspects_finished += 1;
                inspect_aim.learn(ended.took);
            }
        } else {
            return Err((
                round,
                vec![format!(
                    "firecheck {what} (not killed) failed with {}: {}{}",
                    ended.status, ended.stdout, ended.stderr
                )],
            ));
        }
        if !sync_round {
            record_saved(&ended.stdout, round, &mut mem);
        }
        summary.saved = mem.saved.len();
        let n = verify(&cli.home, &mut mem).map_err(|ev| (round, ev))?;
        if !opts.quiet {
            eprintln!(
                "round {round}/{} {what} {} after {:.0} ms: outbox {n} ok",
                opts.rounds,
                if ended.killed { "killed" } else { "finished" },
                ended.took.as_secs_f64() * 1000.0
            );
        }
    }

    // Resume: sync until nothing waits.
    let round = opts.rounds;
    let mut last = String::new();
    let mut done = false;
    for _ in 0..10 {
        let ended = cli.run(&["sync"]).map_err(|e| io("firecheck sync", e))?;
        let counts = LocalReplica::open(&cli.home)
            .and_then(|r| Ok((r.counts()?, r.pending_blobs()?.len())))
            .map_err(|e| (round, vec![format!("the replica does not open: {e}")]))?;
        last = format!("{}{}", ended.stdout, ended.stderr);
        if ended.status.success() && counts.0.waiting() == 0 && counts.1 == 0 {
            done = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    if !done {
        return Err((
            round,
            vec![format!(
                "the outbox did not empty after 10 syncs; the last said: {last}"
            )],
        ));
    }
    verify(&cli.home, &mut mem).map_err(|ev| (round, ev))?;
    let outbox = LocalReplica::open(&cli.home)
        .and_then(|r| r.outbox())
        .map_err(|e| (round, vec![format!("the replica does not open: {e}")]))?;
    summary.ops = outbox.len();
    let mut evidence = Vec::new();
    let mut acked = Vec::new();
    for e in outbox {
        match e.state {
            OutboxState::Acked { .. } => acked.push(("zhangwei's device".to_string(), e)),
            other => evidence.push(format!(
                "op {} ({} #{}) is {other:?} after the final sync",
                e.op.op_id,
                e.op.body.kind(),
                e.op.device_seq
            )),
        }
    }
    let token = audit::login(server.addr, "wangfang", DeviceId::new())
        .map_err(|e| (round, vec![format!("{e:#}")]))?;
    let log = audit::pull_log(server.addr, &token).map_err(|e| (round, vec![format!("{e:#}")]))?;
    let a = audit::audit(&log, &acked);
    summary.ops_acked = a.acked;
    summary.ops_lost = a.lost;
    summary.duplicates = a.duplicates;
    evidence.extend(a.evidence);
    if !evidence.is_empty() {
        return Err((round, evidence));
    }
    Ok(())
}

/// Remember the inspection an `inspect` said it saved.
fn record_saved(stdout: &str, round: u32, mem: &mut Memory) {
    if !stdout.contains("saved offline") {
        return;
    }
    if let Some(short) = stdout
        .lines()
        .find_map(|l| l.strip_prefix("inspection "))
        .and_then(|rest| rest.split_whitespace().next())
    {
        mem.saved.push((short.to_string(), round));
    }
}
