//! The storage ceiling: raw sled, on the same disk, appending the same encoded ops under the
//! same key shape as the server's log (`L | org | seq`), one batch and one flush at a time.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;

use crate::gen::OpGen;
use crate::sys;

#[derive(Debug, Clone)]
pub struct Row {
    pub batch: usize,
    /// Each batch written as one record (the ops' bytes concatenated) instead of one per op.
    pub packed: bool,
    /// CPU seconds of this whole process per op (sled's threads included).
    pub cpu_us_per_op: f64,
    pub ops: u64,
    pub secs: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// This process's peak RSS after the run (only sled's own when run with `--only ceiling`).
    pub peak_rss: u64,
    /// Bytes this process wrote to storage during the run.
    pub disk_bytes: u64,
}

impl Row {
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.secs.max(1e-9)
    }
}

/// Append for `duration` in batches of `batch`, flushing after each; `packed`: one record per
/// batch.
pub fn run(dir: &Path, batch: usize, packed: bool, duration: Duration, venues: u32) -> Result<Row> {
    let _ = std::fs::remove_dir_all(dir);
    // The server's settings: 64 MiB cache, high-throughput mode.
    let db = sled::Config::new()
        .path(dir)
        .cache_capacity(64 * 1024 * 1024)
        .mode(sled::Mode::HighThroughput)
        .open()?;
    let tree = db.open_tree("ops")?;
    let mut gen = OpGen::new(DeviceId::new(), UserId::new(), venues);
    let values: Vec<Vec<u8>> = (0..4096).map(|_| encode_unframed(&gen.next_op())).collect();
    let org = OrgId::new();
    let mut key = Vec::with_capacity(25);
    let mut seq: u64 = 0;
    let mut lat = Vec::new();
    let io0 = sys::write_bytes(None);
    let cpu0 = sys::cpu_secs(std::process::id()).unwrap_or(0.0);
    let mut record: Vec<u8> = Vec::new();
    let start = Instant::now();
    let deadline = start + duration;
    while Instant::now() < deadline {
        let t0 = Instant::now();
        if packed {
            key.clear();
            key.push(b'L');
            key.extend_from_slice(org.as_bytes());
            key.extend_from_slice(&(seq + 1).to_be_bytes());
            record.clear();
            for _ in 0..batch {
                seq += 1;
                record.extend_from_slice(&values[seq as usize % values.len()]);
            }
            tree.insert(key.as_slice(), record.as_slice())?;
        } else {
            let mut b = sled::Batch::default();
            for _ in 0..batch {
                seq += 1;
                key.clear();
                key.push(b'L');
                key.extend_from_slice(org.as_bytes());
                key.extend_from_slice(&seq.to_be_bytes());
                b.insert(
                    key.as_slice(),
                    values[seq as usize % values.len()].as_slice(),
                );
            }
            tree.apply_batch(b)?;
        }
        db.flush()?;
        lat.push(t0.elapsed());
    }
    let secs = start.elapsed().as_secs_f64();
    let disk_bytes = sys::write_bytes(None).saturating_sub(io0);
    let cpu = sys::cpu_secs(std::process::id()).unwrap_or(0.0) - cpu0;
    drop(tree);
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
    let (p50, p99, _) = sys::percentiles(&mut lat);
    Ok(Row {
        batch,
        packed,
        cpu_us_per_op: cpu * 1e6 / seq.max(1) as f64,
        ops: seq,
        secs,
        p50_ms: p50,
        p99_ms: p99,
        peak_rss: sys::rss(None).map(|r| r.0).unwrap_or(0),
        disk_bytes,
    })
}
