//! Pull into a fresh client replica: page after page of `POST /v1/sync` (no ops pushed,
//! the largest page the server allows), each page taken in by `LocalReplica::absorb` — the
//! client's fold and durable store — while the next page is already asked for, as
//! `firecheck sync` does.

use std::time::Instant;

use anyhow::{ensure, Result};
use firecheck_cli::replica::LocalReplica;
use firecheck_shared::codec::Format;
use firecheck_shared::sync::SyncRequest;
use firecheck_shared::validate::MAX_PULL_LIMIT;
use firecheck_shared::*;

use crate::http::Api;

#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: String,
    pub format: Format,
    pub ops: u64,
    pub pages: u64,
    pub secs: f64,
    /// Waiting for answers (request, server, transfer, decode) that had not arrived by the
    /// time the last page was taken in.
    pub http_secs: f64,
    /// `absorb`: fold and flush into the replica.
    pub absorb_secs: f64,
    pub bytes: u64,
    /// The first page's answer, for the size table.
    pub first_page: Option<bytes::Bytes>,
    pub first_page_ops: usize,
}

impl Row {
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.secs.max(1e-9)
    }
}

/// Log in a fresh replica's device as `username`, then pull everything its organisation has.
pub async fn pull(
    api: &Api,
    username: &str,
    password: &str,
    format: Format,
    scenario: &str,
    expect_ops: u64,
) -> Result<Row> {
    let home = tempfile::tempdir()?;
    let replica = LocalReplica::open(home.path())?;
    let session = api.login(username, password, replica.device()?).await?;
    let mut row = Row {
        scenario: scenario.to_string(),
        format,
        ops: 0,
        pages: 0,
        secs: 0.0,
        http_secs: 0.0,
        absorb_secs: 0.0,
        bytes: 0,
        first_page: None,
        first_page_ops: 0,
    };
    let cursor = replica.cursor()?;
    let start = Instant::now();
    // As `firecheck sync` does: folded states stay in memory for the whole pull and are
    // written back once at the end (counted in absorb time below).
    replica.begin_bulk()?;
    // As `firecheck sync` does: the next page is asked for before the last is taken in.
    let fetch = |cursor: u64| {
        let (api, token) = (api.clone(), session.token.clone());
        tokio::spawn(async move {
            let req = SyncRequest {
                cursor,
                ops: Vec::new(),
                limit: MAX_PULL_LIMIT,
                device_time_ms: Timestamp::now().0,
            };
            api.sync(&token, format, &req).await
        })
    };
    let mut next = Some(fetch(cursor));
    loop {
        let t0 = Instant::now();
        let x = next.take().expect("a page is on its way").await??;
        let t1 = Instant::now();
        if x.resp.has_more {
            next = Some(fetch(x.resp.cursor));
        }
        // `absorb` blocks this worker; the runtime's other worker fetches meanwhile.
        replica.absorb(&x.resp.acks, &x.resp.ops, x.resp.cursor, Timestamp::now().0)?;
        row.absorb_secs += t1.elapsed().as_secs_f64();
        row.http_secs += (t1 - t0).as_secs_f64();
        row.pages += 1;
        row.ops += x.resp.ops.len() as u64;
        row.bytes += x.received.len() as u64;
        if row.first_page.is_none() {
            row.first_page_ops = x.resp.ops.len();
            row.first_page = Some(x.received.clone());
        }
        if !x.resp.has_more {
            break;
        }
    }
    let t_end = Instant::now();
    replica.end_bulk()?;
    row.absorb_secs += t_end.elapsed().as_secs_f64();
    row.secs = start.elapsed().as_secs_f64();
    ensure!(
        row.ops >= expect_ops,
        "pulled {} ops, expected at least {expect_ops}",
        row.ops
    );
    ensure!(
        replica.op_count()? as u64 >= expect_ops,
        "the replica holds {} ops after the pull, expected at least {expect_ops}",
        replica.op_count()?
    );
    drop(replica);
    Ok(row)
}
