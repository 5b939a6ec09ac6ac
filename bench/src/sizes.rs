//! Bytes on the wire: per op and per sync round trip, bincode vs JSON, raw and gzip (the
//! server has no compression layer, so gzip is measured offline at flate2's default level —
//! what a `Content-Encoding: gzip` layer would send). Also the codec's CPU cost per op.

use std::io::Write;
use std::time::Instant;

use firecheck_shared::codec::{self, encode_unframed, Format};
use firecheck_shared::sync::{Ack, AckResult, SyncRequest, SyncResponse};
use firecheck_shared::*;

use crate::gen::OpGen;

#[derive(Debug, Clone)]
pub struct Row {
    pub what: String,
    pub bincode: usize,
    pub json: usize,
    pub bincode_gz: usize,
    pub json_gz: usize,
}

#[derive(Debug, Clone)]
pub struct CodecCost {
    pub format: Format,
    pub encode_us: f64,
    pub decode_us: f64,
}

pub fn gzip(bytes: &[u8]) -> usize {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).expect("writing into a Vec");
    e.finish()
        .expect("finishing a gzip stream into a Vec")
        .len()
}

fn row(what: impl Into<String>, b: &[u8], j: &[u8], per: usize) -> Row {
    let per = per.max(1);
    Row {
        what: what.into(),
        bincode: b.len() / per,
        json: j.len() / per,
        bincode_gz: gzip(b) / per,
        json_gz: gzip(j) / per,
    }
}

fn acks(ops: &[Op]) -> SyncResponse {
    SyncResponse {
        acks: ops
            .iter()
            .enumerate()
            .map(|(i, o)| Ack {
                op_id: o.op_id,
                device_seq: o.device_seq,
                result: AckResult::Accepted {
                    seq: 1_000_000 + i as u64,
                },
            })
            .collect(),
        ops: Vec::new(),
        cursor: 0,
        has_more: false,
        server_time_ms: Timestamp::now().0,
        clock_warning: None,
        missing_blobs: Vec::new(),
    }
}

fn push(ops: Vec<Op>) -> SyncRequest {
    SyncRequest {
        cursor: 1_000_000,
        ops,
        limit: 0,
        device_time_ms: Timestamp::now().0,
    }
}

/// `pages`: real answers of a pull page, (bincode, JSON, ops in each), when the run made them.
pub fn rows(venues: u32, pages: Option<(&[u8], &[u8], usize)>) -> Vec<Row> {
    let mut gen = OpGen::new(DeviceId::new(), UserId::new(), venues);
    let ops = gen.batch(100);
    let mut out = Vec::new();
    let one = &ops[0];
    out.push(row(
        "one op, alone (bincode: as stored in the log)",
        &encode_unframed(one),
        &serde_json::to_vec(one).expect("ops serialize"),
        1,
    ));
    let (b, j) = (
        codec::encode(Format::Bincode, &ops),
        codec::encode(Format::Json, &ops),
    );
    out.push(row("one op, within a list of 100 (per op)", &b, &j, 100));
    for n in [1usize, 100] {
        let req = push(ops[..n].to_vec());
        out.push(row(
            format!(
                "push of {n} op{}: request body",
                if n == 1 { "" } else { "s" }
            ),
            &codec::encode(Format::Bincode, &req),
            &codec::encode(Format::Json, &req),
            1,
        ));
        let resp = acks(&ops[..n]);
        out.push(row(
            format!(
                "push of {n} op{}: answer body (acks)",
                if n == 1 { "" } else { "s" }
            ),
            &codec::encode(Format::Bincode, &resp),
            &codec::encode(Format::Json, &resp),
            1,
        ));
    }
    if let Some((b, j, n)) = pages {
        out.push(row(format!("pull page of {n} ops: answer body"), b, j, 1));
        out.push(row(format!("pull page of {n} ops: per op"), b, j, n));
    }
    out
}

/// Request line and headers of one sync request and of its answer, as sent by reqwest and
/// axum on loopback (not counted in the rows above).
pub fn header_bytes(token_len: usize, format: Format) -> (usize, usize) {
    let mt = format.media_type();
    let req = format!(
        "POST /v1/sync HTTP/1.1\r\ncontent-type: {mt}\r\naccept: {mt}\r\nauthorization: Bearer {}\r\naccept-encoding: gzip\r\nhost: 127.0.0.1:40000\r\ncontent-length: 12345\r\n\r\n",
        "x".repeat(token_len)
    );
    let resp = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: {mt}\r\ncontent-length: 12345\r\ndate: Thu, 01 Jan 2026 00:00:00 GMT\r\n\r\n"
    );
    (req.len(), resp.len())
}

/// Microseconds per op to encode and decode a 1,000-op push, per format.
pub fn codec_cost(venues: u32) -> Vec<CodecCost> {
    let mut gen = OpGen::new(DeviceId::new(), UserId::new(), venues);
    let req = push(gen.batch(1000));
    [Format::Bincode, Format::Json]
        .into_iter()
        .map(|format| {
            let rounds = 20;
            let t = Instant::now();
            let mut bytes = Vec::new();
            for _ in 0..rounds {
                bytes = codec::encode(format, &req);
            }
            let encode_us = t.elapsed().as_secs_f64() * 1e6 / (rounds * 1000) as f64;
            let t = Instant::now();
            for _ in 0..rounds {
                let back: SyncRequest = codec::decode(format, &bytes).expect("round trip");
                std::hint::black_box(back);
            }
            let decode_us = t.elapsed().as_secs_f64() * 1e6 / (rounds * 1000) as f64;
            CodecCost {
                format,
                encode_us,
                decode_us,
            }
        })
        .collect()
}
