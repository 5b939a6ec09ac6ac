//! The markdown report: context, the targets of issue 6, then every measured figure.

use std::fmt::Write;

use firecheck_shared::codec::Format;

use crate::{ceiling, ingest, pull, scale, sizes};

pub fn fmt_name(f: Format) -> &'static str {
    match f {
        Format::Bincode => "bincode",
        Format::Json => "JSON",
    }
}

fn thousands(n: f64) -> String {
    let n = n.round() as i64;
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

fn mb(b: u64) -> String {
    format!("{:.1} MB", b as f64 / 1e6)
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Results {
    pub title: String,
    pub context: Vec<(String, String)>,
    pub ingest: Vec<ingest::Row>,
    pub ceiling: Vec<ceiling::Row>,
    pub scale: Option<scale::Report>,
    pub sizes: Vec<sizes::Row>,
    pub headers: Option<((usize, usize), (usize, usize))>,
    pub codec: Vec<sizes::CodecCost>,
    pub quick: bool,
    pub errors: Vec<String>,
    pub reads: Vec<crate::reads::Row>,
}

struct Target {
    what: String,
    want: String,
    got: String,
    met: Option<bool>,
}

impl Results {
    fn ingest_row(&self, clients: usize, batch: usize, f: Format) -> Option<&ingest::Row> {
        self.ingest
            .iter()
            .find(|r| r.clients == clients && r.batch == batch && r.format == f)
    }

    fn pull_row(&self, alone: bool, f: Format) -> Option<&pull::Row> {
        let s = self.scale.as_ref()?;
        s.pulls
            .iter()
            .find(|r| r.format == f && (r.scenario == "A alone") == alone)
    }

    /// The best 64×100 bincode figure as a fraction of the 100-op ceiling.
    pub fn ceiling_fraction(&self) -> Option<f64> {
        let r = self.ingest_row(64, 100, Format::Bincode)?;
        let c = self.ceiling.iter().find(|c| c.batch == 100 && !c.packed)?;
        Some(r.ops_per_sec() / c.ops_per_sec())
    }

    fn targets(&self) -> Vec<Target> {
        let mut t = Vec::new();
        let row = self.ingest_row(64, 100, Format::Bincode);
        t.push(Target {
            what: "durable ingest, 64 clients × 100-op bincode batches".into(),
            want: "≥ 100,000 ops/s".into(),
            got: row
                .map(|r| format!("{} ops/s", thousands(r.ops_per_sec())))
                .unwrap_or_else(|| "not run".into()),
            met: row.map(|r| r.ops_per_sec() >= 100_000.0),
        });
        let frac = self.ceiling_fraction();
        t.push(Target {
            what: "… as a fraction of raw sled (100-op batches, flush each), same run".into(),
            want: "≥ 25 %".into(),
            got: frac
                .map(|f| format!("{:.0} %", f * 100.0))
                .unwrap_or_else(|| "not run".into()),
            met: frac.map(|f| f >= 0.25),
        });
        let row = self.ingest_row(256, 10, Format::Bincode);
        t.push(Target {
            what: "p99 latency, 256 clients × 10-op bincode batches".into(),
            want: "≤ 50 ms".into(),
            got: row
                .map(|r| format!("{:.1} ms", r.p99_ms))
                .unwrap_or_else(|| "not run".into()),
            met: row.map(|r| r.p99_ms <= 50.0),
        });
        let row = self.ingest_row(1, 1, Format::Bincode);
        t.push(Target {
            what: "median latency, 1 client × 1 op (bincode)".into(),
            want: "< 2 ms".into(),
            got: row
                .map(|r| format!("{:.2} ms", r.p50_ms))
                .unwrap_or_else(|| "not run".into()),
            met: row.map(|r| r.p50_ms < 2.0),
        });
        let alone = self.pull_row(true, Format::Bincode);
        t.push(Target {
            what: format!(
                "pull of {} ops into a fresh replica (bincode)",
                alone.map(|r| thousands(r.ops as f64)).unwrap_or_default()
            ),
            want: "≤ 2 s (for 100k ops)".into(),
            got: alone
                .map(|r| format!("{:.2} s", r.secs))
                .unwrap_or_else(|| "not run".into()),
            met: alone.map(|r| r.secs <= 2.0 * (r.ops as f64 / 100_000.0).max(0.0)),
        });
        let with = self.pull_row(false, Format::Bincode);
        let ratio = alone.zip(with).map(|(a, w)| w.secs / a.secs);
        t.push(Target {
            what: format!(
                "same pull with {} other organisations' ops on the server",
                self.scale
                    .as_ref()
                    .and_then(|s| s.stages.get(1))
                    .map(|s| format!(
                        "{} ({} ops)",
                        s.orgs_with_ops - 1,
                        thousands(
                            (s.stored_ops
                                - self
                                    .scale
                                    .as_ref()
                                    .map(|x| x.stages[0].stored_ops)
                                    .unwrap_or(0)) as f64
                        )
                    ))
                    .unwrap_or_default()
            ),
            want: "within 20 % of alone".into(),
            got: ratio
                .map(|r| format!("{:.2} × alone ({:+.0} %)", r, (r - 1.0) * 100.0))
                .unwrap_or_else(|| "not run".into()),
            met: ratio.map(|r| r <= 1.2),
        });
        let per_op = self
            .sizes
            .iter()
            .find(|r| r.what.starts_with("one op, within"));
        t.push(Target {
            what: "bincode bytes per op vs JSON (in a 100-op push)".into(),
            want: "≤ 50 %".into(),
            got: per_op
                .map(|r| {
                    format!(
                        "{} vs {} B = {:.0} %",
                        r.bincode,
                        r.json,
                        r.bincode as f64 * 100.0 / r.json as f64
                    )
                })
                .unwrap_or_else(|| "not run".into()),
            met: per_op.map(|r| r.bincode * 2 <= r.json),
        });
        let stage = self.scale.as_ref().and_then(|s| s.stages.last());
        t.push(Target {
            what: format!(
                "server peak RSS at {} stored ops",
                stage
                    .map(|s| thousands(s.stored_ops as f64))
                    .unwrap_or_default()
            ),
            want: "≤ 200 MB (at 1M)".into(),
            got: stage
                .map(|s| mb(s.peak_rss))
                .unwrap_or_else(|| "not run".into()),
            met: stage.map(|s| s.peak_rss <= 200_000_000),
        });
        let sc = self.scale.as_ref();
        t.push(Target {
            what: "start-up on that data dir (spawn → /healthz answers)".to_string(),
            want: "≤ 2 s".into(),
            got: sc
                .map(|s| format!("{:.2} s", s.startup_secs))
                .unwrap_or_else(|| "not run".into()),
            met: sc.map(|s| s.startup_secs <= 2.0),
        });
        t
    }

    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "# {}\n", self.title);
        for (k, v) in &self.context {
            let _ = writeln!(o, "- **{k}**: {v}");
        }
        if self.quick {
            let _ = writeln!(
                o,
                "\n> Quick mode: short runs and small data sets. It checks that the tool works; its figures are not the targets' conditions."
            );
        }
        if !self.errors.is_empty() {
            let _ = writeln!(o, "\n**Errors during the run:**\n");
            for e in &self.errors {
                let _ = writeln!(o, "- {e}");
            }
        }

        let _ = writeln!(o, "\n## Targets (issue 6)\n");
        let _ = writeln!(o, "| target | wanted | measured | met |\n|---|---|---|---|");
        for t in self.targets() {
            let met = match t.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "–",
            };
            let _ = writeln!(o, "| {} | {} | {} | {met} |", t.what, t.want, t.got);
        }

        if !self.ingest.is_empty() {
            let _ = writeln!(
                o,
                "\n## 1. Ingest\n\nInspection ops (12 items, Chinese notes) pushed by N devices at once, each sending its next batch as soon as the previous one is acknowledged; an ack means the op is flushed to disk. Latency is per request, at the client. Fresh data dir per row. \"groups\" are the sequencer's group commits (one sled batch + one flush each); \"commit busy\" is the share of the window the sequencer thread spent planning, writing and flushing groups. \"disk writes\" is what this process wrote to storage in the window (`write_bytes` of /proc/self/io: log, views, sled's own), per acked op. \"views lag\" is how many acked ops the views did not cover yet when the window closed; \"stop\" is the graceful stop after it (views catch up, flush).\n"
            );
            let _ = writeln!(
                o,
                "| clients | batch | format | acked ops/s | requests | p50 ms | p99 ms | max ms | errors | groups | ops/group | commit busy | ms/group | disk writes per acked op | views lag | stop s |\n|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for r in &self.ingest {
                let g = &r.groups;
                let per_group = if g.groups > 0 {
                    g.stored as f64 / g.groups as f64
                } else {
                    0.0
                };
                let ms_group = if g.groups > 0 {
                    g.micros as f64 / 1000.0 / g.groups as f64
                } else {
                    0.0
                };
                let busy = g.micros as f64 / 1e6 / r.secs.max(1e-9) * 100.0;
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} | {:.2} | {:.2} | {:.2} | {} | {} | {:.0} | {:.0} % | {:.2} | {} B | {} | {:.1} |",
                    r.clients,
                    r.batch,
                    fmt_name(r.format),
                    thousands(r.ops_per_sec()),
                    thousands(r.requests as f64),
                    r.p50_ms,
                    r.p99_ms,
                    r.max_ms,
                    r.errors,
                    thousands(g.groups as f64),
                    per_group,
                    busy,
                    ms_group,
                    thousands(r.disk_bytes as f64 / r.acked.max(1) as f64),
                    thousands(r.views_lag as f64),
                    r.close_secs
                );
            }
            if let Some(r) = self.ingest_row(64, 100, Format::Bincode) {
                let _ = writeln!(
                    o,
                    "\nCPU seconds by thread during the 64 × 100 bincode window ({:.2} s wall, {} cores; client and server share them):\n",
                    r.secs,
                    crate::sys::nproc()
                );
                let _ = writeln!(o, "| thread | CPU s | share of wall |\n|---|---:|---:|");
                for (name, cpu) in &r.cpu {
                    let _ = writeln!(
                        o,
                        "| {name} | {cpu:.2} | {:.0} % |",
                        cpu / r.secs.max(1e-9) * 100.0
                    );
                }
            }
        }

        if !self.ceiling.is_empty() {
            let _ = writeln!(
                o,
                "\n## 2. The ceiling: raw sled on the same disk\n\nOne thread appends the same encoded ops (`encode_unframed`, keys `L | org | seq` as the server's log) in batches, `flush()` after each batch — one record per op (the issue's ceiling: the first row), and, for comparison, one record per 100-op batch (the ops' bytes concatenated, keyed by the first sequence number); sled with the server's settings (64 MiB cache, high-throughput mode). The RSS column is this whole process's peak: in a full run it includes the in-process ingest servers; `--only ceiling` gives sled's own.\n"
            );
            let _ = writeln!(
                o,
                "| batch | records | ops/s | batch p50 ms | batch p99 ms | ops written | CPU µs per op | disk writes per op | bench process peak RSS after |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|"
            );
            for c in &self.ceiling {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {:.2} | {:.2} | {} | {:.1} | {} B | {} |",
                    c.batch,
                    if c.packed {
                        "one per batch"
                    } else {
                        "one per op"
                    },
                    thousands(c.ops_per_sec()),
                    c.p50_ms,
                    c.p99_ms,
                    thousands(c.ops as f64),
                    c.cpu_us_per_op,
                    thousands(c.disk_bytes as f64 / c.ops.max(1) as f64),
                    mb(c.peak_rss)
                );
            }
            if let Some(f) = self.ceiling_fraction() {
                let _ = writeln!(
                    o,
                    "\nfirecheck at 64 clients × 100-op bincode batches: **{:.0} %** of the 100-op ceiling.",
                    f * 100.0
                );
            }
        }

        if let Some(s) = &self.scale {
            let _ = writeln!(
                o,
                "\n## 3. Pull into a fresh client replica\n\nServer: {}. A new `LocalReplica` logs in and pulls organisation A page by page (limit 5,000, the server's maximum), each page taken in by `LocalReplica::absorb` (fold, journal, flush) while the next page is already requested, as `firecheck sync` does; the held partitions are written back at the end. \"HTTP\" is the time spent waiting for an answer that had not arrived yet (server work, transfer, decode); \"absorb\" the replica's time, including the final write-back.\n",
                s.server
            );
            let _ = writeln!(
                o,
                "| scenario | format | ops | pages | total s | ops/s | HTTP s | absorb s | bytes received |\n|---|---|---:|---:|---:|---:|---:|---:|---:|"
            );
            for p in &s.pulls {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {:.2} | {} | {:.2} | {:.2} | {} |",
                    p.scenario,
                    fmt_name(p.format),
                    thousands(p.ops as f64),
                    p.pages,
                    p.secs,
                    thousands(p.ops_per_sec()),
                    p.http_secs,
                    p.absorb_secs,
                    mb(p.bytes)
                );
            }
        }

        if !self.sizes.is_empty() {
            let _ = writeln!(
                o,
                "\n## 4. Bytes\n\nBody bytes; gzip measured offline with flate2's default level (the server sends no `Content-Encoding`).\n"
            );
            let _ = writeln!(
                o,
                "| what | bincode | JSON | bincode/JSON | bincode gzip | JSON gzip |\n|---|---:|---:|---:|---:|---:|"
            );
            for r in &self.sizes {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {:.0} % | {} | {} |",
                    r.what,
                    thousands(r.bincode as f64),
                    thousands(r.json as f64),
                    r.bincode as f64 * 100.0 / r.json.max(1) as f64,
                    thousands(r.bincode_gz as f64),
                    thousands(r.json_gz as f64)
                );
            }
            if let Some(((bq, bs), (jq, js))) = self.headers {
                let _ = writeln!(
                    o,
                    "\nHTTP/1.1 request line and headers add about {bq} B per sync request and {bs} B per answer in bincode ({jq} B / {js} B in JSON), mostly the bearer token."
                );
            }
            if !self.codec.is_empty() {
                let _ = writeln!(o, "\nCodec CPU per op (a 1,000-op push):\n");
                let _ = writeln!(
                    o,
                    "| format | encode µs/op | decode µs/op |\n|---|---:|---:|"
                );
                for c in &self.codec {
                    let _ = writeln!(
                        o,
                        "| {} | {:.2} | {:.2} |",
                        fmt_name(c.format),
                        c.encode_us,
                        c.decode_us
                    );
                }
            }
        }

        if let Some(s) = &self.scale {
            let _ = writeln!(
                o,
                "\n## 5. Memory and disk\n\nServer: {}, its own process, default 64 MiB sled cache. Ops loaded by 100-op bincode pushes from this process (stage 1: organisation A through several devices; stage 2: one device per other organisation, all at once). Peak RSS is the server's `VmHWM` after the stage's load and settle.\n",
                s.server
            );
            let _ = writeln!(
                o,
                "| stored ops | organisations | loaded at ops/s | settle s | peak RSS before the stage's load | peak RSS | RSS now | data dir | bytes per stored op | written to disk per loaded op |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            );
            for st in &s.stages {
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
                    thousands(st.stored_ops as f64),
                    st.orgs_with_ops,
                    thousands(st.loaded_ops as f64 / st.load_secs.max(1e-9)),
                    st.settle_secs,
                    mb(st.peak_before_load),
                    mb(st.peak_rss),
                    mb(st.rss),
                    mb(st.dir_bytes),
                    thousands(st.dir_bytes as f64 / st.stored_ops.max(1) as f64),
                    thousands(st.written as f64 / st.loaded_ops.max(1) as f64)
                );
            }
            let _ = writeln!(
                o,
                "\nRestart on the full data dir: graceful stop took {:.2} s; **start-up (spawn → `/healthz` answers) {:.2} s**, peak RSS after start-up {}; A's log after restart: {} ops.",
                s.shutdown_secs,
                s.startup_secs,
                mb(s.startup_peak_rss),
                thousands(s.startup_ops as f64)
            );
        }
        if !self.reads.is_empty() {
            let _ = writeln!(o, "\n{}", crate::reads::markdown(&self.reads));
        }
        o
    }
}
