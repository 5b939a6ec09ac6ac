//! What the server holds, read over its own API, and the checks against what clients were told.
//!
//! The whole log is pulled with `POST /v1/sync` (JSON, cursor 0, paging, nothing pushed) by a
//! device of the harness's own. A page of `n` ops whose cursor moved by exactly `n` holds the
//! sequence numbers `cursor+1 ..= cursor+n` (they are distinct and increasing); a page that
//! moved further has a gap, and is read again one op at a time to say where.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;

use anyhow::bail;
use firecheck_cli::replica::{OutboxEntry, OutboxState};
use firecheck_shared::sync::{LoginRequest, SyncRequest, SyncResponse, TokenResponse};
use firecheck_shared::{DeviceId, Op, OpId};

use crate::http;

/// Ops asked for per page of the full-log pull.
const PAGE: u32 = 5000;

/// The demo password of a fixture account (panics, naming it, for any other user).
pub fn demo_password(user: &str) -> String {
    firecheck_shared::fixtures::demo_password(user)
        .unwrap_or_else(|| panic!("{user:?} is not a demo account of fixtures/accounts.json"))
}

/// An access token for `user` from `device` (registered on first login).
pub fn login(addr: SocketAddr, user: &str, device: DeviceId) -> anyhow::Result<String> {
    let t: TokenResponse = http::post_json(
        addr,
        "/v1/auth/login",
        None,
        &LoginRequest {
            username: user.to_string(),
            password: demo_password(user),
            device_id: device,
            device_name: "firecheck-harness auditor".into(),
        },
    )?;
    Ok(t.access_token)
}

fn pull_page(
    addr: SocketAddr,
    token: &str,
    cursor: u64,
    limit: u32,
) -> anyhow::Result<SyncResponse> {
    http::post_json(
        addr,
        "/v1/sync",
        Some(token),
        &SyncRequest {
            cursor,
            ops: Vec::new(),
            limit,
            device_time_ms: 0,
        },
    )
}

/// The whole log of the caller's organisation as `(seq, op)`, in order.
pub fn pull_log(addr: SocketAddr, token: &str) -> anyhow::Result<Vec<(u64, Op)>> {
    let mut out: Vec<(u64, Op)> = Vec::new();
    let mut cursor = 0u64;
    loop {
        let page = pull_page(addr, token, cursor, PAGE)?;
        let n = page.ops.len() as u64;
        if n > 0 && page.cursor.checked_sub(cursor) == Some(n) {
            out.extend((cursor + 1..).zip(page.ops));
        } else if n > 0 {
            // A gap (or a cursor that went backwards): read op by op to learn each seq.
            let mut c = cursor;
            for _ in 0..n {
                let one = pull_page(addr, token, c, 1)?;
                let Some(op) = one.ops.into_iter().next() else {
                    bail!("the log answered no op after cursor {c} although a page had one");
                };
                if one.cursor <= c {
                    bail!(
                        "the log's cursor went backwards: asked after {c}, answered {}",
                        one.cursor
                    );
                }
                out.push((one.cursor, op));
                c = one.cursor;
            }
        } else if page.has_more {
            bail!("the log answered an empty page after cursor {cursor} but says more follow");
        }
        if page.cursor < cursor {
            bail!(
                "the log's cursor went backwards: asked after {cursor}, answered {}",
                page.cursor
            );
        }
        cursor = page.cursor;
        if !page.has_more {
            return Ok(out);
        }
    }
}

/// The result of holding the log against every ack the clients saw.
#[derive(Debug, Default, Clone)]
pub struct Audit {
    /// The last sequence number in the log.
    pub head: u64,
    pub log_len: usize,
    /// Outbox entries `Acked { seq }` checked.
    pub acked: usize,
    /// Acked ops not stored at their seq.
    pub lost: usize,
    /// Extra copies of ops stored more than once.
    pub duplicates: usize,
    /// What was wrong, for a person.
    pub evidence: Vec<String>,
}

impl Audit {
    pub fn ok(&self) -> bool {
        self.evidence.is_empty()
    }
}

fn describe(op: &Op) -> String {
    format!(
        "op {} ({}, device {} #{})",
        op.op_id,
        op.body.kind(),
        op.device,
        op.device_seq
    )
}

/// Check the log (`(seq, op)` in order) against acked outbox entries `(who, entry)`:
/// sequence numbers are 1..=N without gaps, every op is stored once, and every acked op is
/// stored, unchanged, at the seq its ack named.
pub fn audit(log: &[(u64, Op)], acked: &[(String, OutboxEntry)]) -> Audit {
    let mut a = Audit {
        head: log.last().map(|(s, _)| *s).unwrap_or(0),
        log_len: log.len(),
        ..Audit::default()
    };
    const MAX_LINES: usize = 20;
    let say = |a: &mut Audit, line: String| {
        if a.evidence.len() < MAX_LINES {
            a.evidence.push(line);
        } else if a.evidence.len() == MAX_LINES {
            a.evidence.push("… (more evidence left out)".into());
        }
    };
    for (i, (seq, op)) in log.iter().enumerate() {
        if *seq != i as u64 + 1 {
            say(
                &mut a,
                format!(
                    "sequence numbers are not 1..=N without gaps: entry #{} of the log has seq {seq} ({})",
                    i + 1,
                    describe(op)
                ),
            );
            break;
        }
    }
    let by_seq: BTreeMap<u64, &Op> = log.iter().map(|(s, o)| (*s, o)).collect();
    if by_seq.len() != log.len() {
        say(
            &mut a,
            format!(
                "sequence numbers repeat: {} log entries carry {} distinct seqs",
                log.len(),
                by_seq.len()
            ),
        );
    }
    let mut by_id: HashMap<OpId, Vec<u64>> = HashMap::new();
    let mut by_place: HashMap<(DeviceId, u64), Vec<u64>> = HashMap::new();
    for (seq, op) in log {
        by_id.entry(op.op_id).or_default().push(*seq);
        by_place
            .entry((op.device, op.device_seq))
            .or_default()
            .push(*seq);
    }
    let mut dups: Vec<(&OpId, &Vec<u64>)> = by_id.iter().filter(|(_, s)| s.len() > 1).collect();
    dups.sort_by_key(|(_, s)| s[0]);
    for (id, seqs) in dups {
        a.duplicates += seqs.len() - 1;
        say(
            &mut a,
            format!(
                "DUPLICATE: op {id} is stored {} times, at seqs {seqs:?}",
                seqs.len()
            ),
        );
    }
    let mut reused: Vec<(&(DeviceId, u64), &Vec<u64>)> =
        by_place.iter().filter(|(_, s)| s.len() > 1).collect();
    reused.sort_by_key(|(_, s)| s[0]);
    for ((device, dseq), seqs) in reused {
        say(
            &mut a,
            format!(
                "device {device} position #{dseq} is stored {} times, at seqs {seqs:?}",
                seqs.len()
            ),
        );
    }
    for (who, e) in acked {
        let OutboxState::Acked { seq } = e.state else {
            continue;
        };
        a.acked += 1;
        match by_seq.get(&seq) {
            Some(stored) if stored.op_id == e.op.op_id => {
                if **stored != e.op {
                    say(
                        &mut a,
                        format!(
                            "CHANGED: {who}'s {} is stored at seq {seq} with different contents:\n  pushed: {:?}\n  stored: {:?}",
                            describe(&e.op),
                            e.op,
                            stored
                        ),
                    );
                }
            }
            other => {
                a.lost += 1;
                let elsewhere = by_id
                    .get(&e.op.op_id)
                    .map(|s| format!("; it is stored at seq(s) {s:?} instead"))
                    .unwrap_or_else(|| "; it is nowhere in the log".into());
                let there = match other {
                    Some(o) => format!("seq {seq} holds {}", describe(o)),
                    None => format!("the log has no seq {seq} (head {})", a.head),
                };
                say(
                    &mut a,
                    format!(
                        "LOST: {who} was told {} was stored at seq {seq}, but {there}{elsewhere}",
                        describe(&e.op)
                    ),
                );
            }
        }
    }
    a
}
