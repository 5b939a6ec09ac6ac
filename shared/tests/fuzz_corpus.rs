//! The fuzz corpus in the normal test suite: every file under `fuzz/corpus/<target>/` goes
//! through the same function its cargo-fuzz target calls (`firecheck_shared::fuzzing`), so
//! a regression input checked in there fails `cargo test` until the bug is fixed again.
//!
//! The seed inputs are built here too, from the test builders and the golden files. Run
//! `FIRECHECK_FUZZ_SEEDS=1 cargo test -p firecheck-shared --test fuzz_corpus` to (re)write
//! them as `fuzz/corpus/<target>/seed-*`; see `fuzz/README.md`.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use firecheck_shared::codec::{self, Format};
use firecheck_shared::fuzzing;
use firecheck_shared::op::*;
use firecheck_shared::sync::*;
use firecheck_shared::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// What a fuzz target runs on one input.
type Target = fn(&[u8]);

/// Each fuzz target and the function it runs.
const TARGETS: [(&str, Target); 3] = [
    ("sync_bincode", fuzzing::decode_sync_bincode),
    ("sync_json", fuzzing::decode_sync_json),
    ("replica_apply", fuzzing::apply_ops),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("fuzz")
        .join("corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

/// Run `f` on `bytes`, naming the input if it panics.
fn replay(f: Target, name: &str, bytes: &[u8]) {
    if let Err(panic) = std::panic::catch_unwind(|| f(bytes)) {
        eprintln!(
            "fuzz input {name} ({} bytes) panicked; reproduce with `cargo fuzz run <target> {name}`",
            bytes.len()
        );
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn every_corpus_file_replays_without_a_panic() {
    for (target, f) in TARGETS {
        let files = corpus(target);
        assert!(
            files.len() >= 3,
            "fuzz/corpus/{target} has {} files; the seeds are missing",
            files.len()
        );
        let size: usize = files.iter().map(|(_, b)| b.len()).sum();
        assert!(
            files.len() <= 300 && size <= 2 << 20,
            "fuzz/corpus/{target} has {} files, {size} bytes: minimize it with `cargo fuzz cmin`",
            files.len()
        );
        for (path, bytes) in &files {
            replay(f, &path.display().to_string(), bytes);
        }
    }
}

/// The two decoder corpora through both decoders: a JSON input is also hostile bincode, and
/// the other way round.
#[test]
fn decoder_corpora_cross_over() {
    for target in ["sync_bincode", "sync_json"] {
        for (path, bytes) in corpus(target) {
            replay(fuzzing::decode_sync, &path.display().to_string(), &bytes);
        }
    }
}

#[test]
fn seeds_replay_and_are_checked_in() {
    let write = std::env::var("FIRECHECK_FUZZ_SEEDS").as_deref() == Ok("1");
    for (target, f) in TARGETS {
        for (name, bytes) in seeds(target) {
            replay(f, &name, &bytes);
            let path = corpus_dir(target).join(format!("seed-{name}"));
            if write {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else {
                assert!(
                    path.exists(),
                    "{} is missing: run with FIRECHECK_FUZZ_SEEDS=1 to write the seeds",
                    path.display()
                );
            }
        }
    }
}

/// The seeds decode (or, for the replica target, build) what they are meant to.
#[test]
fn seeds_are_real_messages() {
    for (name, bytes) in seeds("sync_bincode") {
        let framed = codec::decode::<SyncRequest>(Format::Bincode, &bytes).is_ok()
            || codec::decode::<SyncResponse>(Format::Bincode, &bytes).is_ok();
        let unframed = codec::decode_unframed::<SyncRequest>(&bytes).is_ok()
            || codec::decode_unframed::<SyncResponse>(&bytes).is_ok();
        assert!(framed || unframed, "{name}");
    }
    for (name, bytes) in seeds("sync_json") {
        assert!(
            codec::decode::<SyncRequest>(Format::Json, &bytes).is_ok()
                || codec::decode::<SyncResponse>(Format::Json, &bytes).is_ok(),
            "{name}"
        );
    }
    let hazard_seed = seeds("replica_apply")
        .into_iter()
        .find(|(name, _)| name == "hazard-lifecycle")
        .unwrap()
        .1;
    let ops = fuzzing::built_ops(&hazard_seed);
    assert_eq!(ops.len(), 8);
    let mut replica = Replica::new();
    replica.apply_all(ops);
    let part = replica.partitions().next().unwrap();
    let hazard = part.state.hazards.values().next().unwrap();
    let history = part.history(hazard.id);
    assert!(history.len() >= 7, "{history:#?}");
    assert_eq!(hazard.events as usize, history.len());
    assert!(
        part.records.unresolved.is_empty(),
        "{:#?}",
        part.records.unresolved
    );
}

fn golden(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests")
            .join("golden")
            .join(name),
    )
    .unwrap()
}

fn request(ops: Vec<Op>) -> SyncRequest {
    SyncRequest {
        cursor: 42,
        ops,
        limit: 1000,
        device_time_ms: NOW_MS,
    }
}

fn response(ops: Vec<Op>) -> SyncResponse {
    let acks = ops
        .iter()
        .enumerate()
        .map(|(n, op)| Ack {
            op_id: op.op_id,
            device_seq: op.device_seq,
            result: match n % 3 {
                0 => AckResult::Accepted { seq: n as u64 + 7 },
                1 => AckResult::Duplicate { seq: n as u64 },
                _ => AckResult::Rejected {
                    code: RejectCode::Forbidden,
                    reason: "巡查员不能关闭隐患".to_string(),
                },
            },
        })
        .collect();
    SyncResponse {
        acks,
        ops,
        cursor: 99,
        has_more: true,
        server_time_ms: NOW_MS,
        clock_warning: Some("设备时间偏差 5 分钟".to_string()),
        missing_blobs: vec![BlobHash::of(b"photo")],
    }
}

/// The messages both decoder seeds are made of.
fn messages() -> Vec<(&'static str, Vec<u8>, Vec<u8>)> {
    let golden_bin = golden("sync_request_v1.bin");
    let golden_json = golden("sync_request_v1.json");
    let each = one_valid_op_of_each_kind();
    let enc = |m: &dyn Fn(Format) -> Vec<u8>| (m(Format::Bincode), m(Format::Json));
    let mut out = vec![("golden-request", golden_bin, golden_json)];
    for (name, (bin, json)) in [
        (
            "request-each-kind",
            enc(&|f| codec::encode(f, &request(each.clone()))),
        ),
        (
            "request-empty",
            enc(&|f| codec::encode(f, &request(Vec::new()))),
        ),
        (
            "response-each-kind",
            enc(&|f| codec::encode(f, &response(each.clone()))),
        ),
        (
            "response-empty",
            enc(&|f| {
                let mut r = response(Vec::new());
                r.clock_warning = None;
                r.missing_blobs.clear();
                codec::encode(f, &r)
            }),
        ),
    ] {
        out.push((name, bin, json));
    }
    out
}

/// The seed inputs of one target, by name.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    match target {
        "sync_bincode" => {
            for (name, bin, _) in messages() {
                // The framed body, and the body alone (the target also decodes unframed).
                out.push((format!("{name}.bin"), bin.clone()));
                out.push((format!("{name}-unframed.bin"), bin[4..].to_vec()));
            }
        }
        "sync_json" => {
            for (name, _, json) in messages() {
                out.push((format!("{name}.json"), json));
            }
            // Optional fields left out, as other clients may send it.
            out.push((
                "request-minimal.json".to_string(),
                br#"{"cursor":3,"limit":10}"#.to_vec(),
            ));
            // Whitespace, escapes and an explicit null.
            out.push((
                "response-pretty.json".to_string(),
                serde_json::to_vec_pretty(&response(one_valid_op_of_each_kind()[..3].to_vec()))
                    .unwrap(),
            ));
            out.push((
                "request-escapes.json".to_string(),
                br#"{ "cursor" : 0, "limit" : 1, "ops" : [ ], "device_time_ms" : -1 }"#.to_vec(),
            ));
        }
        "replica_apply" => {
            // Decoded op lists (first byte 0xFF): real ops of every kind, and the golden ones.
            let mut each = vec![fuzzing::DECODED_OPS];
            each.extend(codec::encode_unframed(&one_valid_op_of_each_kind()));
            out.push(("decoded-each-kind".to_string(), each));
            let golden: SyncRequest =
                codec::decode(Format::Bincode, &golden("sync_request_v1.bin")).unwrap();
            let mut golden_ops = vec![fuzzing::DECODED_OPS];
            golden_ops.extend(codec::encode_unframed(&golden.ops));
            out.push(("decoded-golden".to_string(), golden_ops));
            out.push(("hazard-lifecycle".to_string(), hazard_lifecycle()));
            // Builder input of a few lengths: arbitrary, but fixed.
            for (n, len) in [24usize, 96, 256, 700].into_iter().enumerate() {
                out.push((format!("builder-{len}"), noise(n as u64, len)));
            }
        }
        _ => unreachable!("{target}"),
    }
    out
}

/// Builder input: an inspection at venue 0 fails `EXIT-01`, a second inspection finds it
/// again, then the hazard is dispatched, reported fixed, verified, reopened, closed and
/// commented on, with stamps that tie and interleave across three devices.
fn hazard_lifecycle() -> Vec<u8> {
    // stamp byte: wall (bits 0–2) | counter (bit 3) | node - 1 (bits 4–5).
    let inspect = |stamp: u8, id_bits: u8, inspection: u8| {
        vec![
            2, stamp, id_bits, // inspection submitted
            inspection, 0xC0, // inspection n at venue 0
            1, 0, 2, 0, // started, finished
            1, // one item:
            0, 0, 0, 0, 0, // EXIT-01, fail, critical, note, no evidence
            0, 0, // note, no campaign
        ]
    };
    let hazard = |stamp: u8, id_bits: u8, body: &[u8]| {
        let mut v = vec![
            7, stamp, id_bits, // hazard op
            2, 0, 0, // the finding of inspection 0, EXIT-01, in its venue's partition
        ];
        v.extend_from_slice(body);
        v
    };
    let mut v = inspect(0x00, 9, 0);
    v.extend(inspect(0x10, 3, 1));
    v.extend(hazard(0x21, 7, &[0, 0, 5, 0])); // dispatched
    v.extend(hazard(0x02, 1, &[1, 1, 0])); // reported fixed
    v.extend(hazard(0x13, 4, &[2, 2])); // verified
    v.extend(hazard(0x23, 2, &[3, 0])); // reopened (ties with nothing: counter 0, node 3)
    v.extend(hazard(0x0c, 8, &[4, 3])); // closed
    v.extend(hazard(0x15, 6, &[5, 1])); // commented
    v
}

/// Pseudo-random bytes fixed by `seed`.
fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    SmallRng::seed_from_u64(seed).fill(&mut bytes[..]);
    bytes
}
