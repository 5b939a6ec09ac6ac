//! `firecheck-bench`: firecheck's sync measured in one run (issue 6) — ingest by 1 to 256
//! devices, the raw sled ceiling on the same disk, pull into a fresh client replica, bytes on
//! the wire, server memory, disk and start-up — written as a markdown table.
//!
//! ```text
//! cargo run --release -p firecheck-bench             # full run → bench/RESULTS.md
//! cargo run --release -p firecheck-bench -- --quick  # smoke run → target/release/firecheck-bench-quick.md
//! ```

#![forbid(unsafe_code)]

mod backends;
mod ceiling;
mod gen;
mod http;
mod ingest;
mod inproc;
mod probe;
mod pull;
mod reads;
mod report;
mod scale;
mod serve;
mod sizes;
mod sys;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use firecheck_shared::codec::Format;

/// Benchmark firecheck's sync server against its targets and the raw storage ceiling.
///
/// The full run takes several minutes and writes bench/RESULTS.md. `--quick` takes well
/// under a minute and writes next to the binary unless `--out` says otherwise.
#[derive(Debug, Parser)]
#[command(name = "firecheck-bench", version, about, long_about)]
struct Cli {
    /// Short runs on small data: checks the tool works; the figures are not the targets'.
    #[arg(long)]
    quick: bool,
    /// Tiny sizes, for the test suite (debug builds).
    #[arg(long, hide = true)]
    tiny: bool,
    /// Where to write the markdown (default: bench/RESULTS.md for a full run; next to the
    /// binary for --quick).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Length of each ingest run and of the ceiling run, in ms (default 3000; quick 300).
    #[arg(long)]
    duration_ms: Option<u64>,
    /// Venues per organisation the inspections are spread over.
    #[arg(long, default_value_t = 2000)]
    venues: u32,
    /// Parts to run, comma-separated: ingest, ceiling, scale (pull, memory, disk, start-up),
    /// bytes, reads (the office's review reads over large data sets).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "ingest,ceiling,scale,bytes,reads"
    )]
    only: Vec<String>,
    /// Data sets of the office-reads part, as OPS:VENUES,… (default
    /// 100000:2000,100000:20000,1000000:2000,1000000:20000; quick 20000:500).
    #[arg(long, value_delimiter = ',')]
    reads_sizes: Option<Vec<String>>,
    /// Ingest client counts (default 1,8,64,256).
    #[arg(long, value_delimiter = ',')]
    clients: Option<Vec<usize>>,
    /// Ingest batch sizes (default 1,10,100).
    #[arg(long, value_delimiter = ',')]
    batches: Option<Vec<usize>>,
    /// Ops stored in organisation A before the first pull and memory reading (default
    /// 100,000; quick 5,000).
    #[arg(long)]
    stage1: Option<u64>,
    /// Ops stored in all organisations at the second reading (default 1,000,000; quick 10,000).
    #[arg(long)]
    stage2: Option<u64>,
    /// Organisations besides A that share the ops of stage 2 (default 100; quick 10).
    #[arg(long)]
    other_orgs: Option<usize>,
    /// Server program for the memory, pull and start-up part (default: a `firecheck-server`
    /// next to this binary if at least as new, else this binary's `serve`).
    #[arg(long)]
    server_bin: Option<PathBuf>,
    /// Parent of the temporary data dirs (default: the system temp dir).
    #[arg(long)]
    dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Cmd>,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run the server as `firecheck-server` does (used when no fresh binary is at hand).
    Serve(serve::Args),
    /// sled beside PostgreSQL: ingest, group commits, views, pull, office reads, two nodes
    /// (issue 17); markdown on stdout.
    Backends(backends::Args),
    /// Time the client replica's `absorb` alone, in log order and in HLC order.
    #[command(hide = true)]
    ProbeAbsorb(probe::Args),
}

fn has(cli: &Cli, part: &str) -> bool {
    cli.only.iter().any(|p| p.trim().eq_ignore_ascii_case(part))
}

fn default_out(quick: bool) -> PathBuf {
    if quick {
        std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(|p| p.join("firecheck-bench-quick.md")))
            .unwrap_or_else(|| std::env::temp_dir().join("firecheck-bench-quick.md"))
    } else {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/RESULTS.md"))
    }
}

fn git(args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let profile = if cfg!(debug_assertions) {
        ""
    } else {
        " --release"
    };
    let mut s = format!("cargo run{profile} -p firecheck-bench");
    if !args.is_empty() {
        s.push_str(" -- ");
        s.push_str(&args.join(" "));
    }
    s
}

fn main() -> Result<()> {
    // As the server binary does: the in-process servers (ingest) run tuned the same way.
    firecheck_server::tune_malloc();
    let cli = Cli::parse();
    match cli.command {
        Some(Cmd::Serve(args)) => return serve::run(args),
        Some(Cmd::Backends(args)) => return backends::run(args),
        Some(Cmd::ProbeAbsorb(args)) => return probe::run(args),
        None => {}
    }
    inproc::install_tracing();
    let quick = cli.quick || cli.tiny;
    let cores = sys::nproc();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .thread_name("bench-client")
        .enable_all()
        .build()?;
    let started = Instant::now();
    let base = tempfile::Builder::new()
        .prefix("firecheck-bench-")
        .tempdir_in(cli.dir.clone().unwrap_or_else(std::env::temp_dir))?;
    let mut results = report::Results {
        title: if quick {
            "firecheck benchmark — quick run".into()
        } else {
            "firecheck benchmark results".into()
        },
        quick,
        ..Default::default()
    };
    let commit = git(&["rev-parse", "--short", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = git(&["status", "--porcelain", "--untracked-files=no"])
        .map(|s| !s.is_empty())
        .unwrap_or(false);
    results.context = vec![
        ("Machine".into(), sys::machine()),
        (
            "Date".into(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        ),
        (
            "Commit".into(),
            format!(
                "{commit}{}",
                if dirty {
                    " (with uncommitted changes)"
                } else {
                    ""
                }
            ),
        ),
        ("Command".into(), format!("`{}`", command_line())),
        (
            "Data dirs".into(),
            format!("under `{}`", base.path().display()),
        ),
    ];

    let load_at_start = sys::loadavg();
    let duration = Duration::from_millis(cli.duration_ms.unwrap_or(if cli.tiny {
        150
    } else if quick {
        300
    } else {
        3000
    }));
    let formats = vec![Format::Bincode, Format::Json];

    if has(&cli, "ingest") {
        eprintln!("ingest …");
        let p = ingest::Params {
            clients: cli.clients.clone().unwrap_or_else(|| {
                if cli.tiny {
                    vec![1, 4]
                } else {
                    vec![1, 8, 64, 256]
                }
            }),
            batches: cli.batches.clone().unwrap_or_else(|| {
                if cli.tiny {
                    vec![1, 10]
                } else {
                    vec![1, 10, 100]
                }
            }),
            formats: formats.clone(),
            duration,
            venues: cli.venues,
            workers: cores,
        };
        results.context.push((
            "Ingest".into(),
            format!(
                "{} ms per run, server in this process on its own {cores}-worker runtime, clients on another {cores}-worker runtime, log level warn",
                duration.as_millis()
            ),
        ));
        match rt.block_on(ingest::run(base.path(), &p)) {
            Ok(rows) => {
                for r in &rows {
                    if r.errors > 0 {
                        results.errors.push(format!(
                            "ingest {} × {} {}: {} errors, first: {}",
                            r.clients,
                            r.batch,
                            report::fmt_name(r.format),
                            r.errors,
                            r.first_error.as_deref().unwrap_or("")
                        ));
                    }
                }
                results.ingest = rows;
            }
            Err(e) => results.errors.push(format!("ingest failed: {e:#}")),
        }
    }

    if has(&cli, "ceiling") {
        eprintln!("ceiling …");
        for (batch, packed) in [(100, false), (6400, false), (100, true)] {
            match ceiling::run(
                &base.path().join(format!("ceiling-{batch}-{packed}")),
                batch,
                packed,
                duration,
                cli.venues,
            ) {
                Ok(r) => {
                    eprintln!(
                        "  raw sled, batches of {batch}{}: {:.0} ops/s",
                        if packed { " as one record" } else { "" },
                        r.ops_per_sec()
                    );
                    results.ceiling.push(r);
                }
                Err(e) => results.errors.push(format!("ceiling failed: {e:#}")),
            }
        }
    }

    if has(&cli, "scale") {
        eprintln!("pull, memory, disk, start-up …");
        let p = if cli.tiny {
            scale::Params {
                stage1: 300,
                stage2: 600,
                other_orgs: 2,
                loaders: 2,
                venues: cli.venues,
                formats: formats.clone(),
                quiesce_timeout: Duration::from_secs(30),
            }
        } else if quick {
            scale::Params {
                stage1: 5_000,
                stage2: 10_000,
                other_orgs: 10,
                loaders: 4,
                venues: cli.venues,
                formats: formats.clone(),
                quiesce_timeout: Duration::from_secs(30),
            }
        } else {
            scale::Params {
                stage1: 100_000,
                stage2: 1_000_000,
                other_orgs: 100,
                loaders: 8,
                venues: cli.venues,
                formats: formats.clone(),
                quiesce_timeout: Duration::from_secs(600),
            }
        };
        let mut p = p;
        p.stage1 = cli.stage1.unwrap_or(p.stage1);
        p.stage2 = cli.stage2.unwrap_or(p.stage2).max(p.stage1);
        p.other_orgs = cli.other_orgs.unwrap_or(p.other_orgs);
        let run = scale::ServerBin::choose(cli.server_bin.clone())
            .and_then(|bin| rt.block_on(scale::run(base.path(), &bin, &p)));
        match run {
            Ok(r) => results.scale = Some(r),
            Err(e) => results
                .errors
                .push(format!("pull/memory/start-up failed: {e:#}")),
        }
    }

    if has(&cli, "bytes") {
        let pages = results.scale.as_ref().and_then(|s| {
            let b = s.pulls.iter().find(|p| p.format == Format::Bincode)?;
            let j = s.pulls.iter().find(|p| p.format == Format::Json)?;
            (b.first_page_ops == j.first_page_ops).then_some(())?;
            Some((
                b.first_page.clone()?,
                j.first_page.clone()?,
                b.first_page_ops,
            ))
        });
        results.sizes = sizes::rows(
            cli.venues,
            pages.as_ref().map(|(b, j, n)| (&b[..], &j[..], *n)),
        );
        let token_len = results.scale.as_ref().map(|s| s.token_len).unwrap_or(330);
        results.headers = Some((
            sizes::header_bytes(token_len, Format::Bincode),
            sizes::header_bytes(token_len, Format::Json),
        ));
        results.codec = sizes::codec_cost(cli.venues);
    }

    if has(&cli, "reads") {
        eprintln!("office reads …");
        let sizes = match &cli.reads_sizes {
            Some(list) => list
                .iter()
                .map(|s| {
                    let (o, v) = s
                        .split_once(':')
                        .with_context(|| format!("--reads-sizes: {s:?} is not OPS:VENUES"))?;
                    Ok((o.trim().parse()?, v.trim().parse()?))
                })
                .collect::<Result<Vec<(u64, u32)>>>()?,
            None if cli.tiny => vec![(2_000, 50)],
            None if quick => vec![(20_000, 500)],
            None => vec![
                (100_000, 2_000),
                (100_000, 20_000),
                (1_000_000, 2_000),
                (1_000_000, 20_000),
            ],
        };
        let p = reads::Params {
            sizes,
            samples: if quick { 10 } else { 50 },
            workers: cores,
        };
        match rt.block_on(reads::run(base.path(), &p)) {
            Ok(rows) => results.reads = rows,
            Err(e) => results.errors.push(format!("office reads failed: {e:#}")),
        }
    }

    results.context.push((
        "Venues".into(),
        format!(
            "inspections spread over {} venues per organisation",
            cli.venues
        ),
    ));
    results.context.push((
        "Load average (1, 5, 15 min)".into(),
        format!(
            "{load_at_start} at the start, {} at the end, on {cores} cores: other work on the machine shows here",
            sys::loadavg()
        ),
    ));
    results.context.push((
        "Took".into(),
        format!("{:.0} s", started.elapsed().as_secs_f64()),
    ));
    let md = results.markdown();
    println!("{md}");
    let out = cli.out.clone().unwrap_or_else(|| default_out(quick));
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(&out, &md).with_context(|| format!("writing {}", out.display()))?;
    eprintln!(
        "written to {} in {:.1} s",
        out.display(),
        started.elapsed().as_secs_f64()
    );
    drop(rt);
    if !results.errors.is_empty() {
        for e in &results.errors {
            eprintln!("error: {e}");
        }
        std::process::exit(1);
    }
    Ok(())
}
