//! `firecheck-bench probe-absorb`: the client's `LocalReplica::absorb` alone, without a
//! server — the same pages a pull delivers, in the order a busy log holds them (devices'
//! batches interleaved, so ops often arrive before ops with a smaller HLC) or sorted by HLC —
//! to tell the fold's costs apart. CPU seconds of the calling thread, so other load on the
//! machine does not blur it.

use std::time::Instant;

use anyhow::Result;
use firecheck_cli::replica::LocalReplica;
use firecheck_shared::*;

use crate::gen::OpGen;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Ops to absorb.
    #[arg(long, default_value_t = 100_000)]
    ops: usize,
    /// Venues the inspections are spread over (comma-separated list to compare).
    #[arg(long, value_delimiter = ',', default_value = "2000,1000000")]
    venues: Vec<u32>,
    /// Devices whose batches interleave.
    #[arg(long, default_value_t = 8)]
    devices: usize,
    #[arg(long, default_value_t = 5000)]
    page: usize,
}

fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(0.0)
}

/// Ops as a log holds them when `devices` push 100-op batches at once: each round, the
/// batches are stored in the reverse of the order they were made.
fn log_order(n: usize, devices: usize, venues: u32) -> Vec<Op> {
    let mut gens: Vec<OpGen> = (0..devices)
        .map(|_| OpGen::new(DeviceId::new(), UserId::new(), venues))
        .collect();
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let round: Vec<Vec<Op>> = gens.iter_mut().map(|g| g.batch(100)).collect();
        for b in round.into_iter().rev() {
            out.extend(b);
        }
    }
    out.truncate(n);
    out
}

fn absorb_all(ops: &[Op], page: usize) -> Result<(f64, f64)> {
    let home = tempfile::tempdir()?;
    let r = LocalReplica::open(home.path())?;
    let (c0, t0) = (thread_cpu(), Instant::now());
    // As `firecheck sync` pulls: states held in memory, written back once.
    r.begin_bulk()?;
    for (i, chunk) in ops.chunks(page).enumerate() {
        r.absorb(
            &[],
            chunk,
            (i * page + chunk.len()) as u64,
            Timestamp::now().0,
        )?;
    }
    r.end_bulk()?;
    Ok((t0.elapsed().as_secs_f64(), thread_cpu() - c0))
}

pub fn run(a: Args) -> Result<()> {
    println!("| venues | order | ops | wall s | CPU s (this thread) | µs CPU per op |");
    println!("|---:|---|---:|---:|---:|---:|");
    for &v in &a.venues {
        let ops = log_order(a.ops, a.devices, v);
        let mut sorted = ops.clone();
        sorted.sort_by_key(|o| o.key());
        for (label, list) in [
            ("log order (interleaved)", &ops),
            ("sorted by HLC", &sorted),
        ] {
            let (wall, cpu) = absorb_all(list, a.page)?;
            println!(
                "| {v} | {label} | {} | {wall:.2} | {cpu:.2} | {:.1} |",
                list.len(),
                cpu * 1e6 / list.len() as f64
            );
        }
    }
    Ok(())
}
