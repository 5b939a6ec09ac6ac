//! The machine and processes, from /proc; directory sizes; percentiles.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Logical CPUs.
pub fn nproc() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

fn meminfo_kib(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    kib_field(&text, field)
}

fn kib_field(text: &str, field: &str) -> Option<u64> {
    text.lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
}

/// A one-line description of the machine: cores, CPU model, memory, kernel.
pub fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("model name"))
                .map(|r| r.trim_start_matches([' ', '\t', ':']).trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let mem = meminfo_kib("MemTotal")
        .map(|k| format!("{:.1} GiB", k as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "unknown".into());
    format!(
        "{} logical CPUs ({model}), MemTotal {mem}, Linux {kernel}",
        nproc()
    )
}

/// The 1, 5 and 15 minute load averages, as /proc/loadavg has them.
pub fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".into())
}

/// (VmHWM, VmRSS) of a process in bytes.
pub fn rss(pid: Option<u32>) -> Option<(u64, u64)> {
    let path = match pid {
        Some(p) => format!("/proc/{p}/status"),
        None => "/proc/self/status".into(),
    };
    let text = std::fs::read_to_string(path).ok()?;
    Some((
        kib_field(&text, "VmHWM")? * 1024,
        kib_field(&text, "VmRSS")? * 1024,
    ))
}

/// Bytes a process has caused to be written to storage so far (`write_bytes` of
/// /proc/PID/io; 0 when unreadable).
pub fn write_bytes(pid: Option<u32>) -> u64 {
    let path = match pid {
        Some(p) => format!("/proc/{p}/io"),
        None => "/proc/self/io".into(),
    };
    std::fs::read_to_string(path)
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("write_bytes:"))
                .and_then(|v| v.trim().parse().ok())
        })
        .unwrap_or(0)
}

fn ticks_per_sec() -> f64 {
    // USER_HZ is 100 on every Linux this runs on; /proc reports times in it.
    100.0
}

/// utime + stime of a process, in seconds.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat_cpu(&text)
}

fn stat_cpu(stat: &str) -> Option<f64> {
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let utime: f64 = f.get(11)?.parse().ok()?;
    let stime: f64 = f.get(12)?.parse().ok()?;
    Some((utime + stime) / ticks_per_sec())
}

/// CPU seconds used so far by each thread of this process, keyed by thread id, with its name.
pub fn thread_cpu() -> BTreeMap<u32, (String, f64)> {
    let mut out = BTreeMap::new();
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for e in dir.flatten() {
        let Ok(tid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let name = stat
            .find('(')
            .zip(stat.rfind(')'))
            .map(|(a, b)| stat[a + 1..b].to_string())
            .unwrap_or_default();
        if let Some(cpu) = stat_cpu(&stat) {
            out.insert(tid, (name, cpu));
        }
    }
    out
}

/// CPU seconds per thread group between two [`thread_cpu`] snapshots (threads that started in
/// between count from zero). Groups are thread names with trailing digits and dashes removed.
pub fn thread_cpu_delta(
    before: &BTreeMap<u32, (String, f64)>,
    after: &BTreeMap<u32, (String, f64)>,
) -> Vec<(String, f64)> {
    let mut groups: BTreeMap<String, f64> = BTreeMap::new();
    for (tid, (name, cpu)) in after {
        let was = before.get(tid).map(|(_, c)| *c).unwrap_or(0.0);
        let group = name
            .trim_end_matches(|c: char| c.is_ascii_digit() || c == '-' || c == '#')
            .to_string();
        *groups.entry(group).or_default() += (cpu - was).max(0.0);
    }
    let mut v: Vec<(String, f64)> = groups.into_iter().filter(|(_, c)| *c > 0.0).collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1));
    v
}

/// Bytes of every file under `dir` (apparent size).
pub fn dir_size(dir: &Path) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for e in entries.flatten() {
        let Ok(meta) = e.metadata() else { continue };
        if meta.is_dir() {
            total += dir_size(&e.path());
        } else {
            total += meta.len();
        }
    }
    total
}

pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_dir(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// p50, p99 and max of latencies (any order), in milliseconds.
pub fn percentiles(lat: &mut [Duration]) -> (f64, f64, f64) {
    if lat.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    lat.sort_unstable();
    let at = |q: f64| {
        let i = ((lat.len() as f64 * q).ceil() as usize).clamp(1, lat.len()) - 1;
        lat[i].as_secs_f64() * 1000.0
    };
    (
        at(0.50),
        at(0.99),
        lat[lat.len() - 1].as_secs_f64() * 1000.0,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc() {
        assert_eq!(
            kib_field("VmHWM:\t  1234 kB\nVmRSS: 5 kB\n", "VmRSS"),
            Some(5)
        );
        let stat = "12 (tokio (w) 1) S 1 1 1 0 -1 0 0 0 0 0 250 50 0 0";
        assert_eq!(stat_cpu(stat), Some(3.0));
        assert!(rss(None).is_some());
    }

    #[test]
    fn percentile_edges() {
        let mut v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let (p50, p99, max) = percentiles(&mut v);
        assert_eq!((p50, p99, max), (50.0, 99.0, 100.0));
    }
}
