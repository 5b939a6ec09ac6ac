//! Realistic field work for the crash loop: a client replica (a [`Device`] running the real
//! `firecheck` commands in-process on its own home dir) that inspects venues with failed
//! items, comments on and reports hazards fixed, dispatches, verifies, closes and reopens
//! them (the office), adds venues, logs drills, and syncs now and then — offline stretches in
//! between, so pushes come in bursts.

use std::path::Path;
use std::time::{Duration, Instant};

use firecheck_cli::replica::{LocalReplica, OutboxEntry};
use firecheck_cli::CliError;
use firecheck_demo::Device;
use firecheck_shared::fixtures::Fixtures;
use firecheck_shared::VenueKind;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::Value;

use crate::audit::demo_password;

/// The demo venues and checklist templates, from the repository's fixtures.
#[derive(Debug, Clone)]
pub struct Catalogue {
    /// (venue id, template item codes) for every venue a template is meant for.
    pub inspectable: Vec<(String, Vec<String>)>,
    /// Item codes of the template for street shops (for venues the clients add).
    pub shop_items: Vec<String>,
    /// Every venue id.
    pub venues: Vec<String>,
}

impl Catalogue {
    pub fn demo() -> Self {
        let fixtures = Fixtures::demo().expect("the compiled-in fixtures load");
        let items_for = |kind: VenueKind| {
            fixtures
                .templates
                .iter()
                .find(|t| t.kinds.contains(&kind))
                .map(|t| t.items.iter().map(|i| i.code.clone()).collect::<Vec<_>>())
        };
        let inspectable = fixtures
            .venues
            .iter()
            .filter_map(|v| Some((v.id.to_string(), items_for(v.kind)?)))
            .collect();
        Self {
            inspectable,
            shop_items: items_for(VenueKind::StreetShop).unwrap_or_default(),
            venues: fixtures.venues.iter().map(|v| v.id.to_string()).collect(),
        }
    }
}

/// What went right and wrong for one client, summed over the run.
#[derive(Debug, Default, Clone)]
pub struct ClientStats {
    pub commands: u64,
    pub recorded: u64,
    pub syncs_ok: u64,
    /// Syncs (and logins) that found the server unreachable — expected around a kill.
    pub unreachable: u64,
    /// Logins needed again (a refresh answer lost in a crash makes the token "used").
    pub relogins: u64,
    /// Commands refused locally as invalid (a hazard already closed, …) — expected.
    pub refused: u64,
    /// Anything else: printed, counted, worth a look.
    pub unexpected: Vec<String>,
}

/// One field device.
#[derive(Debug)]
pub struct Client {
    pub name: String,
    pub user: String,
    pub officer: bool,
    /// Only pulls, in a tight loop (the office's screen that is always syncing): the reader
    /// that would see anything served before it was durable.
    pub watcher: bool,
    pub dev: Device,
    pub rng: StdRng,
    pub stats: ClientStats,
    /// (hazard id, status) as of the last look at the local replica.
    hazards: Vec<(String, String)>,
    /// Short ids of venues this client added.
    added: Vec<String>,
    needs_login: bool,
    serial: u64,
}

/// What a client holds after it synced everything: for the audit and the convergence check.
#[derive(Debug, Clone)]
pub struct Holdings {
    pub name: String,
    pub outbox: Vec<OutboxEntry>,
    pub op_count: usize,
    pub cursor: u64,
    pub photos_waiting: usize,
    pub hazards: Value,
    pub venues: Value,
    pub drills: Value,
}

/// A tiny JPEG-looking attachment, different each time.
fn photo_bytes(rng: &mut StdRng) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    let n = rng.gen_range(512..4096);
    b.extend((0..n).map(|_| rng.gen::<u8>()));
    b
}

impl Client {
    pub fn new(name: &str, user: &str, officer: bool, home: &Path, url: &str, rng: StdRng) -> Self {
        Self {
            name: name.to_string(),
            user: user.to_string(),
            officer,
            watcher: false,
            dev: Device::new(home, url),
            rng,
            stats: ClientStats::default(),
            hazards: Vec::new(),
            added: Vec::new(),
            needs_login: true,
            serial: 0,
        }
    }

    /// Log in if needed; `true` when logged in.
    pub fn ensure_login(&mut self) -> bool {
        if !self.needs_login {
            return true;
        }
        match self.dev.login(&self.user, &demo_password(&self.user)) {
            Ok(_) => {
                self.needs_login = false;
                true
            }
            Err(e) => {
                self.classify("login", &e);
                false
            }
        }
    }

    fn classify(&mut self, what: &str, e: &CliError) {
        match e.exit_code() {
            4 => self.stats.unreachable += 1,
            3 => {
                self.stats.relogins += 1;
                self.needs_login = true;
            }
            5 | 6 => self.stats.refused += 1,
            _ => {
                if self.stats.unexpected.len() < 50 {
                    self.stats.unexpected.push(format!(
                        "{}: `{what}` failed (exit {}): {e}",
                        self.name,
                        e.exit_code()
                    ));
                }
            }
        }
    }

    /// Run one command; its output, or `None` (counted) when it failed.
    pub fn run(&mut self, args: &[&str]) -> Option<String> {
        self.stats.commands += 1;
        match self.dev.run(args) {
            Ok(out) => {
                if out.contains("saved offline") {
                    self.stats.recorded += 1;
                }
                Some(out)
            }
            Err(e) => {
                self.classify(&args.join(" "), &e);
                None
            }
        }
    }

    /// One `sync`; `true` when it went through. Then a look at the hazards (to act on them).
    pub fn sync(&mut self) -> bool {
        let ok = self.sync_only();
        if ok {
            self.refresh_hazards();
        }
        ok
    }

    /// One `sync`; `true` when it went through.
    pub fn sync_only(&mut self) -> bool {
        if !self.ensure_login() {
            return false;
        }
        if self.run(&["sync"]).is_some() {
            self.stats.syncs_ok += 1;
            true
        } else {
            false
        }
    }

    fn refresh_hazards(&mut self) {
        let Some(out) = self.run(&["--json", "hazards"]) else {
            return;
        };
        let Ok(Value::Array(rows)) = serde_json::from_str::<Value>(&out) else {
            return;
        };
        self.hazards = rows
            .iter()
            .filter_map(|r| {
                Some((
                    r["hazard"]["id"].as_str()?.to_string(),
                    r["hazard"]["status"].as_str()?.to_string(),
                ))
            })
            .collect();
    }

    fn next(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    /// Inspect a venue, failing a few items with notes, passing the rest.
    pub fn inspect(&mut self, cat: &Catalogue, photos: &Path) {
        let (venue, items) = if !self.added.is_empty() && self.rng.gen_bool(0.15) {
            (
                self.added
                    .choose(&mut self.rng)
                    .cloned()
                    .unwrap_or_default(),
                cat.shop_items.clone(),
            )
        } else {
            cat.inspectable
                .choose(&mut self.rng)
                .cloned()
                .expect("the demo has inspectable venues")
        };
        let n = self.serial + 1;
        let mut args: Vec<String> = vec!["inspect".into(), venue];
        let fails = self.rng.gen_range(0..=3usize).min(items.len());
        let failed: Vec<&String> = items.choose_multiple(&mut self.rng, fails).collect();
        for code in &failed {
            args.push("--fail".into());
            args.push(format!(
                "{code}:{} 第{n}次检查发现问题，责令整改",
                self.name
            ));
        }
        if let Some(code) = failed.first() {
            if self.rng.gen_bool(0.1) {
                let path = photos.join(format!("{}-{n}.jpg", self.name));
                if std::fs::write(&path, photo_bytes(&mut self.rng)).is_ok() {
                    args.push("--photo".into());
                    args.push(format!("{code}={}", path.display()));
                }
            }
        }
        args.push("--pass-all".into());
        args.push("--note".into());
        args.push(format!("夜查 {} #{n}", self.name));
        self.next();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        self.run(&refs);
    }

    fn pick_hazard(&mut self, statuses: &[&str]) -> Option<String> {
        let fits: Vec<&String> = self
            .hazards
            .iter()
            .filter(|(_, s)| statuses.is_empty() || statuses.contains(&s.as_str()))
            .map(|(id, _)| id)
            .collect();
        fits.choose(&mut self.rng).map(|s| s.to_string())
    }

    fn hazard_cmd(&mut self, statuses: &[&str], verb: &str, flag: &str, text: &str) {
        let Some(id) = self.pick_hazard(statuses) else {
            return;
        };
        let n = self.next();
        let text = format!("{text}（{} #{n}）", self.name);
        match verb {
            "comment" => {
                self.run(&["hazard", "comment", &id, &text]);
            }
            "dispatch" => {
                self.run(&[
                    "hazard",
                    "dispatch",
                    &id,
                    "--to",
                    "城管斜土中队",
                    "--due",
                    "+7",
                    "--note",
                    &text,
                ]);
            }
            _ => {
                self.run(&["hazard", verb, &id, flag, &text]);
            }
        }
    }

    fn venue_add(&mut self) {
        let n = self.next();
        let name = format!("{} 新发现商铺 {n}", self.name);
        let address = format!("小木桥路 {}号", 300 + n);
        if let Some(out) = self.run(&[
            "venue",
            "add",
            "--name",
            &name,
            "--kind",
            "street-shop",
            "--street",
            "小木桥路",
            "--address",
            &address,
        ]) {
            if let Some(short) = out.split_whitespace().nth(1) {
                self.added.push(short.to_string());
            }
        }
    }

    fn drill(&mut self, cat: &Catalogue) {
        let n = self.next();
        let venue = cat
            .venues
            .choose(&mut self.rng)
            .cloned()
            .unwrap_or_default();
        let participants = self.rng.gen_range(10..200u32).to_string();
        let secs = self.rng.gen_range(60..600u32).to_string();
        self.run(&[
            "drill",
            "log",
            "--place",
            &format!("演练点 {} #{n}", self.name),
            "--venue",
            &venue,
            "--scenario",
            "夜间火灾人员疏散",
            "--units",
            "斜土街道社区平安办,斜土路派出所",
            "--participants",
            &participants,
            "--evacuation-secs",
            &secs,
        ]);
    }

    /// One step of field work; now and then a sync.
    pub fn step(&mut self, cat: &Catalogue, photos: &Path) {
        if !self.ensure_login() {
            std::thread::sleep(Duration::from_millis(20));
            return;
        }
        if self.watcher {
            self.sync_only();
            std::thread::sleep(Duration::from_millis(2));
            return;
        }
        let roll = self.rng.gen_range(0..100);
        if self.officer {
            match roll {
                0..=9 => self.inspect(cat, photos),
                10..=29 => self.hazard_cmd(
                    &["open", "reopened", "dispatched", "reported-fixed"],
                    "dispatch",
                    "",
                    "限期整改",
                ),
                30..=39 => self.hazard_cmd(&["reported-fixed"], "verify", "--note", "复查合格"),
                40..=44 => self.hazard_cmd(
                    &["open", "dispatched", "reported-fixed"],
                    "close",
                    "--reason",
                    "店主当场整改，予以销项",
                ),
                45..=49 => self.hazard_cmd(
                    &["verified", "closed", "reported-fixed"],
                    "reopen",
                    "--reason",
                    "回访发现问题反复",
                ),
                50..=64 => self.hazard_cmd(&[], "comment", "", "平安办跟进"),
                65..=69 => self.drill(cat),
                _ => {
                    self.sync();
                }
            }
        } else {
            match roll {
                0..=44 => self.inspect(cat, photos),
                45..=59 => self.hazard_cmd(&[], "comment", "", "现场复查记录"),
                60..=69 => self.hazard_cmd(
                    &["open", "dispatched", "reopened"],
                    "fixed",
                    "--note",
                    "店主已整改完毕",
                ),
                70..=74 => self.venue_add(),
                75..=77 => self.drill(cat),
                _ => {
                    self.sync();
                }
            }
        }
    }

    /// Record `n` inspections offline, quickly (a big outbox for the next push).
    pub fn burst(&mut self, cat: &Catalogue, photos: &Path, n: usize) {
        for _ in 0..n {
            self.inspect(cat, photos);
        }
    }

    /// Ops still waiting in the outbox (queued or sent without an answer), and photos not
    /// uploaded yet.
    pub fn waiting(&self) -> Result<(usize, usize), String> {
        let r = LocalReplica::open(&self.dev.home).map_err(|e| e.to_string())?;
        let ops = r.counts().map_err(|e| e.to_string())?.waiting();
        let photos = r.pending_blobs().map_err(|e| e.to_string())?.len();
        Ok((ops, photos))
    }

    /// Sync until nothing waits (retrying through restarts), or say why not by `deadline`.
    pub fn drain(&mut self, deadline: Instant) -> Result<(), String> {
        loop {
            let ok = self.sync_only();
            let (waiting, photos) = self.waiting()?;
            if ok && waiting == 0 && photos == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{}: still {waiting} op(s) and {photos} photo(s) waiting at the deadline; last problems: {:?}",
                    self.name,
                    self.stats.unexpected.iter().rev().take(3).collect::<Vec<_>>()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Sync once successfully (pull what others pushed), by `deadline`.
    pub fn pull(&mut self, deadline: Instant) -> Result<(), String> {
        loop {
            if self.sync_only() {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!("{}: no successful sync by the deadline", self.name));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// What this replica holds now.
    pub fn holdings(&mut self) -> Result<Holdings, String> {
        let json = |what: &str| -> Result<Value, String> {
            let out = self
                .dev
                .run(&["--json", what])
                .map_err(|e| format!("{}: `--json {what}` failed: {e}", self.name))?;
            serde_json::from_str(&out)
                .map_err(|e| format!("{}: `--json {what}` printed no JSON ({e})", self.name))
        };
        let hazards = json("hazards")?;
        let venues = json("venues")?;
        let drills = json("drills")?;
        let r = LocalReplica::open(&self.dev.home).map_err(|e| format!("{}: {e}", self.name))?;
        let err = |e: firecheck_cli::replica::ReplicaError| format!("{}: {e}", self.name);
        Ok(Holdings {
            name: self.name.clone(),
            outbox: r.outbox().map_err(err)?,
            op_count: r.op_count().map_err(err)?,
            cursor: r.cursor().map_err(err)?,
            photos_waiting: r.pending_blobs().map_err(err)?.len(),
            hazards,
            venues,
            drills,
        })
    }
}
