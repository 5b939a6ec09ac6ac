//! Office reads (issue 13): one organisation holding N ops over V venues — venues on the
//! Xietu streets, a campaign, night inspections (one in eight finds a problem), the office
//! dispatching, inspectors reporting fixes, re-inspections verifying, some inspectors syncing
//! late so their ops arrive out of HLC order — written straight into a data dir's log, folded
//! by `firecheck-server rebuild`'s own code (the view updater's speed, timed), then every read
//! the safety office makes, timed from outside over HTTP against the real server.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use firecheck_server::store::{CommitBatch, LogEntry, Store};
use firecheck_server::Config;
use firecheck_shared::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

use crate::inproc::InProc;
use crate::sys;

/// What to measure.
#[derive(Debug, Clone)]
pub struct Params {
    /// (ops, venues) of each data set.
    pub sizes: Vec<(u64, u32)>,
    /// Timed requests per read (after a few untimed ones).
    pub samples: usize,
    pub workers: usize,
}

/// One read, timed.
#[derive(Debug, Clone)]
pub struct ReadRow {
    pub name: &'static str,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Mean bytes of an answer, and the rows in it.
    pub bytes: u64,
    pub rows: u64,
}

/// One data set: its fold and its reads.
#[derive(Debug, Clone)]
pub struct Row {
    pub ops: u64,
    pub venues: u32,
    pub hazards: u64,
    pub fold_secs: f64,
    pub data_bytes: u64,
    pub views_bytes: u64,
    pub rss_fold: u64,
    pub reads: Vec<ReadRow>,
}

impl Row {
    pub fn fold_rate(&self) -> f64 {
        self.ops as f64 / self.fold_secs.max(1e-9)
    }
}

const STREETS: [&str; 7] = [
    "小木桥路",
    "清真路",
    "斜土路",
    "中山南二路",
    "大木桥路",
    "日晖六村",
    "恒益居民区",
];
const KINDS: [VenueKind; 5] = [
    VenueKind::StreetShop,
    VenueKind::StreetShop,
    VenueKind::EbikePoint,
    VenueKind::ThreeInOne,
    VenueKind::Residential,
];
const UNITS: [&str; 4] = ["城管斜土中队", "斜土路派出所", "日晖六村居委", "物业"];
const CODES: [(&str, Severity); 12] = [
    ("3IN1-01", Severity::Critical),
    ("3IN1-02", Severity::Critical),
    ("3IN1-03", Severity::Critical),
    ("3IN1-EXIT", Severity::Critical),
    ("3IN1-04", Severity::Major),
    ("3IN1-05", Severity::Major),
    ("3IN1-06", Severity::Major),
    ("3IN1-07", Severity::Major),
    ("3IN1-08", Severity::Minor),
    ("3IN1-09", Severity::Minor),
    ("3IN1-10", Severity::Minor),
    ("3IN1-11", Severity::Minor),
];
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Devices (inspectors) stamping the inspections.
const DEVICES: u64 = 16;

pub fn venue_id(i: u32) -> VenueId {
    VenueId(Uuid::from_u128(
        0x0193a000_0000_7000_8000_0c0000000000 + u128::from(i),
    ))
}

pub const CAMPAIGN: CampaignId =
    CampaignId(Uuid::from_u128(0x0193a000_0000_7000_8000_0c00000c0001));

/// The data set's ops in log order: `ops` of them, over `venues` venues, the last a year
/// after the first and ending now.
pub fn ops(ops: u64, venues: u32, author: UserId) -> Vec<Op> {
    let mut rng = SmallRng::seed_from_u64(ops ^ u64::from(venues));
    let now = Timestamp::now().0;
    let start = now - 365 * DAY_MS;
    let step = (365 * DAY_MS) / ops.max(1) as i64;
    let device = |n: u64| {
        DeviceId(Uuid::from_u128(
            0x0193a000_0000_7000_8000_0d0000000000 + u128::from(n),
        ))
    };
    let mut seqs = vec![0u64; DEVICES as usize + 1];
    let mut stamp = |dev: u64, wall: i64, counter: u32| {
        seqs[dev as usize] += 1;
        (
            device(dev),
            seqs[dev as usize],
            Hlc::new(wall.max(0) as u64, counter, hlc::node_of(&device(dev))),
        )
    };
    let mut out: Vec<Op> = Vec::with_capacity(ops as usize);
    let push = |out: &mut Vec<Op>, (dev, seq, hlc): (DeviceId, u64, Hlc), entity, body| {
        out.push(Op {
            op_id: OpId(Uuid::now_v7()),
            device: dev,
            device_seq: seq,
            entity,
            hlc,
            author,
            body,
        })
    };
    // The office's records first: venues and the campaign.
    for i in 0..venues {
        let street = STREETS[i as usize % STREETS.len()];
        let s = stamp(0, start, i);
        push(
            &mut out,
            s,
            EntityRef::Venue(venue_id(i)),
            OpBody::VenueUpserted(VenueFields {
                name: Some(format!("{street}{}号商户", i / STREETS.len() as u32 + 1)),
                kind: Some(KINDS[(i as usize / STREETS.len()) % KINDS.len()]),
                address: Some(format!("{street} {}号", i / STREETS.len() as u32 + 1)),
                street: Some(street.to_string()),
                location: None,
            }),
        );
    }
    let today = Timestamp(now).local_date();
    let s = stamp(0, start, venues);
    push(
        &mut out,
        s,
        EntityRef::Campaign(CAMPAIGN),
        OpBody::CampaignDefined(CampaignDefinition {
            name: "“三合一”场所夜查整治".into(),
            starts: today - chrono::Days::new(60),
            ends: today + chrono::Days::new(30),
            streets: STREETS[..4].iter().map(|s| s.to_string()).collect(),
            kinds: vec![
                VenueKind::ThreeInOne,
                VenueKind::EbikePoint,
                VenueKind::StreetShop,
            ],
            goal: "目标场所全覆盖，发现隐患全部整改".into(),
        }),
    );
    // Then the year's work: inspections, and the office acting on what they found.
    let mut late: Vec<Op> = Vec::new();
    // The office's and the inspectors' later work on a finding, by when it happens: sent
    // when the year's clock reaches it, so it reaches the log in about HLC order.
    let mut later: std::collections::BinaryHeap<std::cmp::Reverse<(u64, OpId)>> =
        Default::default();
    let mut held: std::collections::HashMap<OpId, Op> = Default::default();
    let mut i = 0u64;
    while (out.len() + late.len() + held.len()) < ops as usize {
        let wall = start + i as i64 * step;
        i += 1;
        while let Some(std::cmp::Reverse((at, id))) = later.peek().copied() {
            if at > wall as u64 {
                break;
            }
            later.pop();
            if let Some(op) = held.remove(&id) {
                out.push(op);
            }
        }
        let venue = venue_id(rng.gen_range(0..venues));
        let inspection = InspectionId(Uuid::now_v7());
        let fail = rng.gen_ratio(1, 8).then(|| rng.gen_range(0..CODES.len()));
        let items = CODES
            .iter()
            .enumerate()
            .map(|(n, (code, severity))| ItemResult {
                code: (*code).into(),
                outcome: if fail == Some(n) {
                    Outcome::Fail
                } else {
                    Outcome::Pass
                },
                severity: *severity,
                note: if fail == Some(n) {
                    "疏散通道被纸箱堵塞，店主承诺当晚清理".into()
                } else {
                    String::new()
                },
                evidence: Vec::new(),
            })
            .collect();
        let dev = 1 + rng.gen_range(0..DEVICES);
        let s = stamp(dev, wall, 0);
        let op = Op {
            op_id: OpId(Uuid::now_v7()),
            device: s.0,
            device_seq: s.1,
            entity: EntityRef::Inspection { venue, inspection },
            hlc: s.2,
            author,
            body: OpBody::InspectionSubmitted(InspectionRecord {
                template: firecheck_shared::fixtures::ids::THREE_IN_ONE_TEMPLATE,
                template_version: 1,
                started_at: Timestamp(wall - 20 * 60 * 1000),
                finished_at: Timestamp(wall),
                items,
                note: "夜查".into(),
                campaign: None,
            }),
        };
        // One inspector in fifty syncs a day late: their op arrives out of HLC order.
        if rng.gen_ratio(1, 50) {
            late.push(op);
        } else {
            out.push(op);
        }
        if late.len() > 64 || (!late.is_empty() && rng.gen_ratio(1, 100)) {
            out.append(&mut late);
        }
        // The office acts on a finding: dispatched with a deadline (some already past),
        // reported fixed, verified.
        let mut hold = |(dev, seq, hlc): (DeviceId, u64, Hlc), entity, body| {
            let op = Op {
                op_id: OpId(Uuid::now_v7()),
                device: dev,
                device_seq: seq,
                entity,
                hlc,
                author,
                body,
            };
            later.push(std::cmp::Reverse((hlc.wall_ms, op.op_id)));
            held.insert(op.op_id, op);
        };
        if let Some(n) = fail {
            let hazard = HazardId::for_finding(inspection, CODES[n].0);
            let entity = EntityRef::Hazard {
                partition: Partition::Venue(venue),
                hazard,
            };
            if rng.gen_ratio(7, 10) {
                let found = Timestamp(wall).local_date();
                let due = found + chrono::Days::new(rng.gen_range(3..30));
                let s = stamp(0, wall + DAY_MS / 2, 0);
                hold(
                    s,
                    entity,
                    OpBody::HazardDispatched {
                        unit: UNITS[rng.gen_range(0..UNITS.len())].into(),
                        due,
                        note: "限期整改".into(),
                    },
                );
                if wall < now - 40 * DAY_MS && rng.gen_ratio(6, 10) {
                    let s = stamp(dev, wall + 3 * DAY_MS, 0);
                    hold(
                        s,
                        entity,
                        OpBody::HazardReportedFixed {
                            note: "已清理".into(),
                            evidence: Vec::new(),
                        },
                    );
                    if rng.gen_ratio(8, 10) {
                        let s = stamp(0, wall + 5 * DAY_MS, 0);
                        hold(
                            s,
                            entity,
                            OpBody::HazardVerified {
                                note: "复查合格".into(),
                            },
                        );
                    }
                }
            }
        }
    }
    out.append(&mut late);
    let mut rest: Vec<Op> = held.into_values().collect();
    rest.sort_by_key(Op::key);
    out.extend(rest);
    out.truncate(ops as usize);
    out
}

/// Write `ops` into a fresh data dir's log as one organisation's, the way the sequencer
/// does (records of 512), and return the store and the organisation.
fn load(dir: &Path, ops: u64, venues: u32) -> Result<(OrgId, u64)> {
    let store = Store::open(dir, 64 * 1024 * 1024)?;
    let org = store
        .orgs()?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the data dir has no organisation"))?;
    let admin = store
        .user("admin")?
        .ok_or_else(|| anyhow!("the data dir has no admin"))?;
    let all = ops_for(ops, venues, admin.user.id);
    let mut seq = store.last_seq(org.id)?;
    for chunk in all.chunks(5_000) {
        let entries = chunk
            .iter()
            .map(|op| {
                seq += 1;
                (
                    org.id,
                    seq,
                    LogEntry {
                        received_ms: op.hlc.wall_ms as i64,
                        op: op.clone(),
                    },
                )
            })
            .collect();
        store.commit(&CommitBatch {
            entries,
            runs: Vec::new(),
        })?;
    }
    store.flush()?;
    Ok((org.id, seq))
}

fn ops_for(n: u64, venues: u32, author: UserId) -> Vec<Op> {
    ops(n, venues, author)
}

/// The reads the office makes, as (name, path); `{venue}`, `{hazard}`, `{after}` are filled
/// in per request. Paths outside `/v1/` are the console's pages, read with a session cookie.
const READS: [(&str, &str); 16] = [
    ("hazard list (limit 50)", "/v1/hazards?limit=50"),
    (
        "hazard list, page 2 by cursor",
        "/v1/hazards?limit=50&after={after}",
    ),
    ("active hazards", "/v1/hazards?active=true&limit=50"),
    (
        "by street (小木桥路)",
        "/v1/hazards?street=小木桥路&limit=50",
    ),
    ("overdue", "/v1/hazards?overdue=true&limit=50"),
    (
        "by unit (城管斜土中队), active",
        "/v1/hazards?assignee=城管斜土中队&active=true&limit=50",
    ),
    ("one hazard", "/v1/hazards/{hazard}"),
    (
        "venue page (venue, 20 inspections, its hazards)",
        "/v1/venues/{venue}",
    ),
    (
        "campaign coverage (50 rows)",
        "/v1/campaigns/{campaign}/coverage?limit=50",
    ),
    ("per-street counts (board)", "/v1/board"),
    ("venue list (limit 50)", "/v1/venues?limit=50"),
    ("console: the board (counts, 50 hazards)", "/"),
    ("console: board by street (小木桥路)", "/?street=小木桥路"),
    ("console: a hazard page", "/hazards/{hazard}"),
    ("console: a venue page", "/venues/{venue}"),
    ("console: a campaign page", "/campaigns/{campaign}"),
];

/// Log in to the console as a browser would (the login form's token, then the form); the
/// session cookie (`name=value`).
async fn console_login(url: &str, user: &str, password: &str) -> Result<String> {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let form = http.get(format!("{url}/login")).send().await?;
    let cookie = |resp: &reqwest::Response, name: &str| {
        resp.headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|c| c.split(';').next())
            .find(|kv| kv.starts_with(&format!("{name}=")))
            .map(str::to_string)
    };
    let login = cookie(&form, "firecheck_login").context("the login page set no form cookie")?;
    let token = login
        .split_once('=')
        .map(|(_, v)| v.to_string())
        .unwrap_or_default();
    let done = http
        .post(format!("{url}/login"))
        .header(reqwest::header::COOKIE, &login)
        .form(&[
            ("username", user),
            ("password", password),
            ("csrf", &token),
            ("next", "/"),
        ])
        .send()
        .await?;
    cookie(&done, "firecheck_session").context("the console login set no session cookie")
}

/// A console page with the session cookie.
async fn get_page(http: &reqwest::Client, url: &str, session: &str) -> Result<(Duration, Vec<u8>)> {
    let t = Instant::now();
    let resp = http
        .get(url)
        .header(reqwest::header::COOKIE, session)
        .send()
        .await?;
    let status = resp.status();
    let body = resp.bytes().await?.to_vec();
    if !status.is_success() {
        bail!(
            "{url}: {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(500)])
        );
    }
    Ok((t.elapsed(), body))
}

async fn get(http: &reqwest::Client, url: &str, token: &str) -> Result<(Duration, Vec<u8>)> {
    let t = Instant::now();
    let resp = http.get(url).bearer_auth(token).send().await?;
    let status = resp.status();
    let body = resp.bytes().await?.to_vec();
    if !status.is_success() {
        bail!("{url}: {status}: {}", String::from_utf8_lossy(&body));
    }
    Ok((t.elapsed(), body))
}

fn rows_in(body: &[u8]) -> u64 {
    let v: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    ["items", "rows", "streets", "history"]
        .iter()
        .find_map(|k| v[*k].as_array().map(|a| a.len() as u64))
        .unwrap_or(1)
}

async fn reads(url: &str, venues: u32, samples: usize) -> Result<(Vec<ReadRow>, u64)> {
    let http = reqwest::Client::builder()
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(60))
        .build()?;
    let api = crate::http::Api::new(url);
    let token = api
        .login("admin", crate::scale::ADMIN_PASSWORD, DeviceId::new())
        .await?
        .token;
    let session = console_login(url, "admin", crate::scale::ADMIN_PASSWORD).await?;
    let first = get(&http, &format!("{url}/v1/hazards?limit=200"), &token)
        .await?
        .1;
    let first: serde_json::Value = serde_json::from_slice(&first)?;
    let hazards: Vec<String> = first["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|r| r["hazard"]["id"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let total = get(&http, &format!("{url}/v1/board"), &token).await?.1;
    let total: serde_json::Value = serde_json::from_slice(&total)?;
    let t = &total["total"];
    let hazard_count = [
        "open",
        "dispatched",
        "reported_fixed",
        "reopened",
        "verified",
        "closed",
    ]
    .iter()
    .map(|k| t[*k].as_u64().unwrap_or(0))
    .sum();
    let after = get(&http, &format!("{url}/v1/hazards?limit=50"), &token)
        .await?
        .1;
    let after: serde_json::Value = serde_json::from_slice(&after)?;
    let after = after["next"].as_str().unwrap_or("").to_string();
    let mut rng = SmallRng::seed_from_u64(7);
    let mut out = Vec::new();
    for (name, path) in READS {
        let mut lat = Vec::with_capacity(samples);
        let (mut bytes, mut rows) = (0u64, 0u64);
        for i in 0..samples + 3 {
            let venue = venue_id(rng.gen_range(0..venues)).to_string();
            let hazard = if hazards.is_empty() {
                HazardId::new().to_string()
            } else {
                hazards[rng.gen_range(0..hazards.len())].clone()
            };
            let path = path
                .replace("{venue}", &venue)
                .replace("{hazard}", &hazard)
                .replace("{after}", &after)
                .replace("{campaign}", &CAMPAIGN.to_string());
            let (took, body) = if name.starts_with("venue page") {
                // The venue page is three reads.
                let (a, b1) = get(&http, &format!("{url}{path}"), &token).await?;
                let (b, b2) = get(
                    &http,
                    &format!("{url}/v1/venues/{venue}/inspections?limit=20"),
                    &token,
                )
                .await?;
                let (c, b3) = get(
                    &http,
                    &format!("{url}/v1/hazards?venue={venue}&limit=50"),
                    &token,
                )
                .await?;
                let mut all = b1;
                all.extend(b2);
                all.extend(b3);
                (a + b + c, all)
            } else if !path.starts_with("/v1/") {
                get_page(&http, &format!("{url}{path}"), &session).await?
            } else {
                get(&http, &format!("{url}{path}"), &token).await?
            };
            if i >= 3 {
                lat.push(took);
                bytes += body.len() as u64;
                rows += rows_in(&body);
            }
        }
        let (p50, p99, _) = sys::percentiles(&mut lat);
        out.push(ReadRow {
            name,
            p50_ms: p50,
            p99_ms: p99,
            bytes: bytes / samples.max(1) as u64,
            rows: rows / samples.max(1) as u64,
        });
    }
    Ok((out, hazard_count))
}

pub async fn run(base: &Path, p: &Params) -> Result<Vec<Row>> {
    let mut out = Vec::new();
    for &(ops, venues) in &p.sizes {
        let dir = base.join(format!("reads-{ops}-{venues}"));
        let _ = std::fs::remove_dir_all(&dir);
        let mut config = Config::new(&dir);
        config.admin_password = Some(crate::scale::ADMIN_PASSWORD.into());
        config.jwt_secret = Some(crate::ingest::JWT_SECRET.into());
        config.operator_token = Some(crate::scale::OPERATOR_TOKEN.into());
        // First start: the organisation and its admin.
        InProc::start(config.clone(), p.workers)?.stop();
        eprintln!("  {ops} ops over {venues} venues: writing the log …");
        let dir2 = dir.clone();
        let (_org, head) = tokio::task::spawn_blocking(move || load(&dir2, ops, venues))
            .await
            .context("writing the log")??;
        eprintln!("  folding {head} ops (rebuild) …");
        let dir2 = dir.clone();
        let before = sys::rss(None).map(|r| r.1).unwrap_or(0);
        let fold = tokio::task::spawn_blocking(move || -> Result<(f64, u64)> {
            let store = Store::open(&dir2, 64 * 1024 * 1024)?;
            let t = Instant::now();
            firecheck_server::views::rebuild(&store)?;
            let secs = t.elapsed().as_secs_f64();
            if std::env::var_os("FIRECHECK_BENCH_VIEWS_BREAKDOWN").is_some() {
                let org = store.orgs()?[0].id;
                let mut by: std::collections::BTreeMap<(char, u8), (u64, u64, u64)> =
                    Default::default();
                for (k, v) in store.views_entries(org)? {
                    let sub = if k[0] == b'R' {
                        k.get(34).copied().unwrap_or(0)
                    } else if k[0] == b'K' || k[0] == b'Q' {
                        k.get(17).copied().unwrap_or(0)
                    } else {
                        0
                    };
                    let e = by.entry((k[0] as char, sub)).or_default();
                    e.0 += 1;
                    e.1 += k.len() as u64;
                    e.2 += v.len() as u64;
                }
                for ((kind, sub), (n, kb, vb)) in by {
                    eprintln!(
                        "    {kind}{}: {n} entries, {kb} key bytes, {vb} value bytes",
                        if sub > 0 { sub as char } else { ' ' }
                    );
                }
            }
            let peak = sys::rss(None).map(|r| r.1).unwrap_or(0);
            Ok((secs, peak))
        })
        .await??;
        eprintln!(
            "  folded in {:.1} s ({:.0} ops/s)",
            fold.0,
            head as f64 / fold.0
        );
        let data_bytes = sys::dir_size(&dir);
        let views_bytes = sys::dir_size(&dir.join("views"));
        let server = InProc::start(config, p.workers)?;
        let (reads, hazards) = reads(&server.url, venues, p.samples).await?;
        server.stop();
        for r in &reads {
            eprintln!(
                "    {:<48} p50 {:>7.2} ms  p99 {:>7.2} ms  {:>7} B  {:>4} rows",
                r.name, r.p50_ms, r.p99_ms, r.bytes, r.rows
            );
        }
        out.push(Row {
            ops: head,
            venues,
            hazards,
            fold_secs: fold.0,
            data_bytes,
            views_bytes,
            rss_fold: fold.1.saturating_sub(before),
            reads,
        });
        let _ = std::fs::remove_dir_all(&dir);
    }
    Ok(out)
}

/// The "Office reads" section as markdown.
pub fn markdown(rows: &[Row]) -> String {
    let mut s = String::from("## Office reads\n\n");
    s.push_str("One organisation; venues on the seven Xietu streets; a campaign over four of them; a year of night inspections by 16 inspectors (one in eight finds a problem; one inspector in fifty syncs a day late, out of HLC order); the office dispatching 70 % of findings to a unit with a 3–30 day deadline, inspectors reporting fixes, re-inspections verifying. The log is written straight into the data dir; the views are folded by `firecheck-server rebuild`'s code (timed: the view updater's own speed, states and indexes together); then each read is timed from outside over HTTP against the real server (release build, same machine), median and 99th percentile of the timed requests.\n\n");
    s.push_str("| ops | venues | hazards | fold (rebuild) | fold rate | data dir | of it views | bytes per op | RSS growth in the fold |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for r in rows {
        s.push_str(&format!(
            "| {} | {} | {} | {:.1} s | {:.0} ops/s | {:.0} MiB | {:.0} MiB | {:.0} B | {:.0} MiB |\n",
            r.ops,
            r.venues,
            r.hazards,
            r.fold_secs,
            r.fold_rate(),
            r.data_bytes as f64 / 1048576.0,
            r.views_bytes as f64 / 1048576.0,
            r.data_bytes as f64 / r.ops.max(1) as f64,
            r.rss_fold as f64 / 1048576.0
        ));
    }
    s.push('\n');
    for r in rows {
        s.push_str(&format!(
            "**{} ops over {} venues** ({} hazards)\n\n| read | p50 ms | p99 ms | bytes | rows | bytes per row |\n|---|---:|---:|---:|---:|---:|\n",
            r.ops, r.venues, r.hazards
        ));
        for x in &r.reads {
            s.push_str(&format!(
                "| {} | {:.2} | {:.2} | {} | {} | {} |\n",
                x.name,
                x.p50_ms,
                x.p99_ms,
                x.bytes,
                x.rows,
                x.bytes / x.rows.max(1)
            ));
        }
        s.push('\n');
    }
    s
}
