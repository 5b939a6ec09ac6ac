//! The op log on PostgreSQL (and the engines that speak its protocol): relational rows, so
//! the database itself guarantees what the sled log guarantees by having one writer.
//!
//! - `ops(org, seq, device, device_seq, op_id, entry)`: one row per op; `(org, seq)` the
//!   primary key (a pull is an index range scan), `(device, device_seq)` unique (an op
//!   stored twice is refused by the database, whichever node it came through);
//! - `heads(org, last_seq)`: the counter row each organisation's positions are taken from.
//!
//! One group commit is one transaction: lock the heads rows of the organisations in the group
//! (`SELECT … FOR UPDATE`, in a fixed order), read what the group's devices already stored,
//! decide each op's fate with the same plan the sled log uses, insert the new rows and move
//! the heads. Positions are handed out under the row lock and the lock is held until
//! commit, so an organisation's positions become visible in order: a reader following a
//! cursor never sees position n+1 before n (a sequence or `SERIAL` would not promise that).
//! Serialization failures, deadlocks and a unique violation from a race are retried with the
//! whole transaction.
//!
//! `device_seq` is a u64 stored in a BIGINT with its top bit flipped, which keeps its order.

use std::collections::HashMap;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use postgres::error::SqlState;

use super::kv::{pg_err, Pool};
use super::log::{CommitBatch, LogEntry};
use super::{decode, Result, Store, StoreError};

/// The log's tables (schema step 2).
pub const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS ops (
        org BYTEA NOT NULL,
        seq BIGINT NOT NULL,
        device BYTEA NOT NULL,
        device_seq BIGINT NOT NULL,
        op_id BYTEA NOT NULL,
        entry BYTEA NOT NULL,
        PRIMARY KEY (org, seq)
    );
    CREATE UNIQUE INDEX IF NOT EXISTS ops_device ON ops (device, device_seq);
    CREATE TABLE IF NOT EXISTS heads (
        org BYTEA PRIMARY KEY,
        last_seq BIGINT NOT NULL
    );";

/// A u64 as an order-keeping BIGINT.
fn flip(v: u64) -> i64 {
    (v ^ (1 << 63)) as i64
}

fn unflip(v: i64) -> u64 {
    (v as u64) ^ (1 << 63)
}

fn seq_in(v: u64) -> i64 {
    // Positions count up from 1 per organisation: far below i64::MAX.
    v.min(i64::MAX as u64) as i64
}

fn uuid_of(what: &'static str, bytes: &[u8]) -> Result<uuid::Uuid> {
    uuid::Uuid::from_slice(bytes).map_err(|e| StoreError::Corrupt {
        what,
        message: e.to_string(),
    })
}

/// What a group's plan asks of the stored log. The sequencer's plan is written against this,
/// so the sled log (cached heads, run records) and the PostgreSQL log (rows read inside the
/// append transaction) decide every op the same way.
pub trait Ledger {
    /// The last position of `org`, counting the ops placed in this group.
    fn last_seq(&mut self, org: OrgId) -> Result<u64>;
    /// The highest `device_seq` of `device`, counting the ops placed in this group.
    fn last_device_seq(&mut self, device: DeviceId) -> Result<u64>;
    /// Where a stored op of `device` at `device_seq` is (not counting this group).
    fn find_device_op(&mut self, device: DeviceId, device_seq: u64) -> Result<Option<(u64, OpId)>>;
    /// An op was given `seq` in this group.
    fn placed(&mut self, org: OrgId, seq: u64, device: DeviceId, device_seq: u64);
}

/// The stored log as read inside one append transaction.
#[derive(Debug, Default)]
pub struct PgLedger {
    heads: HashMap<OrgId, u64>,
    last_dseq: HashMap<DeviceId, u64>,
    stored: HashMap<(DeviceId, u64), (u64, OpId)>,
}

impl Ledger for PgLedger {
    fn last_seq(&mut self, org: OrgId) -> Result<u64> {
        Ok(self.heads.get(&org).copied().unwrap_or(0))
    }

    fn last_device_seq(&mut self, device: DeviceId) -> Result<u64> {
        Ok(self.last_dseq.get(&device).copied().unwrap_or(0))
    }

    fn find_device_op(&mut self, device: DeviceId, device_seq: u64) -> Result<Option<(u64, OpId)>> {
        Ok(self.stored.get(&(device, device_seq)).copied())
    }

    fn placed(&mut self, org: OrgId, seq: u64, device: DeviceId, device_seq: u64) {
        self.heads.insert(org, seq);
        let d = self.last_dseq.entry(device).or_default();
        *d = (*d).max(device_seq);
    }
}

/// Whether a failed transaction is worth running again: the engine says so, or a concurrent
/// append stored the same op first (the next run finds it and answers it as a replay).
fn retryable(e: &postgres::Error) -> bool {
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_SERIALIZATION_FAILURE
            || *c == SqlState::T_R_DEADLOCK_DETECTED
            || *c == SqlState::UNIQUE_VIOLATION
    })
}

/// Most times one group's transaction is run before its pushes are told to retry.
const ATTEMPTS: u32 = 8;

impl Store {
    pub(super) fn pg(&self) -> Option<&Pool> {
        self.pg.as_ref()
    }

    /// Whether the store is on PostgreSQL (the sequencer appends through [`Store::append_pg`]).
    pub fn on_postgres(&self) -> bool {
        self.pg.is_some()
    }

    /// Append one group on PostgreSQL: `plan` decides every op against the rows read in the
    /// transaction (it is called again if the transaction is retried) and returns the batch
    /// to insert with its answers.
    pub fn append_pg<T: Send>(
        &self,
        orgs: &[OrgId],
        places: &[(DeviceId, u64)],
        mut plan: impl FnMut(&mut PgLedger) -> Result<(CommitBatch, T)> + Send,
    ) -> Result<(CommitBatch, T)> {
        let pool = self
            .pg
            .as_ref()
            .ok_or_else(|| StoreError::Postgres("not on PostgreSQL".into()))?;
        let mut orgs: Vec<Vec<u8>> = orgs.iter().map(|o| o.as_bytes().to_vec()).collect();
        orgs.sort();
        orgs.dedup();
        let devices: Vec<Vec<u8>> = {
            let mut d: Vec<Vec<u8>> = places.iter().map(|(d, _)| d.as_bytes().to_vec()).collect();
            d.sort();
            d.dedup();
            d
        };
        let place_devices: Vec<Vec<u8>> =
            places.iter().map(|(d, _)| d.as_bytes().to_vec()).collect();
        let place_seqs: Vec<i64> = places.iter().map(|(_, s)| flip(*s)).collect();
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            c.execute(
                "INSERT INTO heads (org, last_seq) SELECT o, 0 FROM UNNEST($1::BYTEA[]) AS t(o)
             ON CONFLICT (org) DO NOTHING",
                &[&orgs],
            )
            .map_err(pg_err)?;
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut failed_plan = None;
                let run = (|| -> std::result::Result<Option<(CommitBatch, T)>, postgres::Error> {
                    let mut tx = c.transaction()?;
                    let mut ledger = PgLedger::default();
                    for row in tx.query(
                    "SELECT org, last_seq FROM heads WHERE org = ANY($1) ORDER BY org FOR UPDATE",
                    &[&orgs],
                )? {
                    let org: Vec<u8> = row.get(0);
                    let last: i64 = row.get(1);
                    if let Ok(u) = uuid::Uuid::from_slice(&org) {
                        ledger.heads.insert(OrgId(u), last.max(0) as u64);
                    }
                }
                    for row in tx.query(
                    "SELECT device, MAX(device_seq) FROM ops WHERE device = ANY($1) GROUP BY device",
                    &[&devices],
                )? {
                    let device: Vec<u8> = row.get(0);
                    let last: i64 = row.get(1);
                    if let Ok(u) = uuid::Uuid::from_slice(&device) {
                        ledger.last_dseq.insert(DeviceId(u), unflip(last));
                    }
                }
                    for row in tx.query(
                        "SELECT o.device, o.device_seq, o.seq, o.op_id
                     FROM ops o JOIN UNNEST($1::BYTEA[], $2::BIGINT[]) AS t(d, s)
                       ON o.device = t.d AND o.device_seq = t.s",
                        &[&place_devices, &place_seqs],
                    )? {
                        let device: Vec<u8> = row.get(0);
                        let dseq: i64 = row.get(1);
                        let seq: i64 = row.get(2);
                        let op_id: Vec<u8> = row.get(3);
                        if let (Ok(d), Ok(o)) = (
                            uuid::Uuid::from_slice(&device),
                            uuid::Uuid::from_slice(&op_id),
                        ) {
                            ledger
                                .stored
                                .insert((DeviceId(d), unflip(dseq)), (seq.max(0) as u64, OpId(o)));
                        }
                    }
                    let (batch, out) = match plan(&mut ledger) {
                        Ok(v) => v,
                        Err(e) => {
                            failed_plan = Some(e);
                            return Ok(None);
                        }
                    };
                    insert_entries(&mut tx, &batch)?;
                    tx.commit()?;
                    Ok(Some((batch, out)))
                })();
                match run {
                    Ok(Some(done)) => return Ok(done),
                    Ok(None) => {
                        return Err(failed_plan
                            .unwrap_or_else(|| StoreError::Postgres("the plan failed".into())))
                    }
                    Err(e) if attempt < ATTEMPTS && retryable(&e) => {
                        tracing::debug!(error = %e, attempt, "append transaction retried");
                        std::thread::sleep(std::time::Duration::from_millis(2 << attempt.min(6)));
                    }
                    Err(e) => return Err(pg_err(e)),
                }
            }
        })
    }

    /// Write a batch planned elsewhere (tests, tools) in one transaction, checking that its
    /// positions continue each organisation's log.
    pub(super) fn commit_pg(&self, pool: &Pool, batch: &CommitBatch) -> Result<()> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let mut orgs: Vec<Vec<u8>> = batch
                .entries
                .iter()
                .map(|(o, _, _)| o.as_bytes().to_vec())
                .collect();
            orgs.sort();
            orgs.dedup();
            super::kv::retry(|| {
                let mut tx = c.transaction()?;
                tx.execute(
                    "INSERT INTO heads (org, last_seq) SELECT o, 0 FROM UNNEST($1::BYTEA[]) AS t(o)
                 ON CONFLICT (org) DO NOTHING",
                    &[&orgs],
                )?;
                tx.query(
                    "SELECT org FROM heads WHERE org = ANY($1) ORDER BY org FOR UPDATE",
                    &[&orgs],
                )?;
                insert_entries(&mut tx, batch)?;
                tx.commit()
            })
        })
    }

    pub(super) fn pg_last_seq(&self, pool: &Pool, org: OrgId) -> Result<u64> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let row = c
                .query_opt(
                    "SELECT last_seq FROM heads WHERE org = $1",
                    &[&org.as_bytes().as_slice()],
                )
                .map_err(pg_err)?;
            Ok(row.map_or(0, |r| r.get::<_, i64>(0).max(0) as u64))
        })
    }

    pub(super) fn pg_entries(
        &self,
        pool: &Pool,
        org: OrgId,
        from: u64,
        upto: u64,
        limit: usize,
        newest_first: bool,
    ) -> Result<Vec<(u64, LogEntry)>> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let sql = if newest_first {
                "SELECT seq, entry FROM ops WHERE org = $1 AND seq >= $2 AND seq <= $3
             ORDER BY seq DESC LIMIT $4"
            } else {
                "SELECT seq, entry FROM ops WHERE org = $1 AND seq >= $2 AND seq <= $3
             ORDER BY seq LIMIT $4"
            };
            let rows = c
                .query(
                    sql,
                    &[
                        &org.as_bytes().as_slice(),
                        &seq_in(from),
                        &seq_in(upto),
                        &(limit.min(i64::MAX as usize) as i64),
                    ],
                )
                .map_err(pg_err)?;
            rows.iter()
                .map(|r| {
                    let seq: i64 = r.get(0);
                    let bytes: &[u8] = r.get(1);
                    Ok((seq.max(0) as u64, decode("log entry", bytes)?))
                })
                .collect()
        })
    }

    pub(super) fn pg_find_device_op(
        &self,
        pool: &Pool,
        device: DeviceId,
        device_seq: u64,
    ) -> Result<Option<(u64, OpId)>> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let row = c
                .query_opt(
                    "SELECT seq, op_id FROM ops WHERE device = $1 AND device_seq = $2",
                    &[&device.as_bytes().as_slice(), &flip(device_seq)],
                )
                .map_err(pg_err)?;
            match row {
                None => Ok(None),
                Some(r) => {
                    let seq: i64 = r.get(0);
                    let op_id: &[u8] = r.get(1);
                    Ok(Some((seq.max(0) as u64, OpId(uuid_of("op id", op_id)?))))
                }
            }
        })
    }

    pub(super) fn pg_last_device_seq(&self, pool: &Pool, device: DeviceId) -> Result<u64> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let row = c
                .query_one(
                    "SELECT MAX(device_seq) FROM ops WHERE device = $1",
                    &[&device.as_bytes().as_slice()],
                )
                .map_err(pg_err)?;
            Ok(row.get::<_, Option<i64>>(0).map_or(0, unflip))
        })
    }

    pub(super) fn pg_log_heads(&self, pool: &Pool) -> Result<Vec<(OrgId, u64)>> {
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let rows = c
                .query(
                    "SELECT org, last_seq FROM heads WHERE last_seq > 0 ORDER BY org",
                    &[],
                )
                .map_err(pg_err)?;
            rows.iter()
                .map(|r| {
                    let org: &[u8] = r.get(0);
                    let last: i64 = r.get(1);
                    Ok((OrgId(uuid_of("org id", org)?), last.max(0) as u64))
                })
                .collect()
        })
    }

    /// Every row of the log in order, hashed (for tests that prove bad input changed nothing).
    pub(super) fn pg_log_digest(&self, pool: &Pool) -> Result<String> {
        use sha2::{Digest, Sha256};
        super::kv::off_runtime(|| {
            let mut c = pool.get()?;
            let mut h = Sha256::new();
            let mut after: Option<(Vec<u8>, i64)> = None;
            loop {
                let rows = match &after {
                    None => c.query(
                        "SELECT org, seq, entry FROM ops ORDER BY org, seq LIMIT 2000",
                        &[],
                    ),
                    Some((org, seq)) => c.query(
                        "SELECT org, seq, entry FROM ops WHERE (org, seq) > ($1, $2)
                     ORDER BY org, seq LIMIT 2000",
                        &[org, seq],
                    ),
                }
                .map_err(pg_err)?;
                if rows.is_empty() {
                    break;
                }
                for r in &rows {
                    let org: Vec<u8> = r.get(0);
                    let seq: i64 = r.get(1);
                    let entry: &[u8] = r.get(2);
                    h.update(&org);
                    h.update(seq.to_be_bytes());
                    h.update((entry.len() as u64).to_be_bytes());
                    h.update(entry);
                    after = Some((org, seq));
                }
            }
            Ok(hex::encode(h.finalize()))
        })
    }
}

/// Insert a batch's rows and move the heads, inside the caller's transaction (which holds
/// the heads rows of the batch's organisations).
fn insert_entries(
    tx: &mut postgres::Transaction<'_>,
    batch: &CommitBatch,
) -> std::result::Result<(), postgres::Error> {
    let mut heads: HashMap<&OrgId, u64> = HashMap::new();
    for chunk in batch.entries.chunks(2000) {
        let (mut orgs, mut seqs, mut devices, mut dseqs, mut op_ids, mut entries) =
            (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (org, seq, entry) in chunk {
            orgs.push(org.as_bytes().to_vec());
            seqs.push(seq_in(*seq));
            devices.push(entry.op.device.as_bytes().to_vec());
            dseqs.push(flip(entry.op.device_seq));
            op_ids.push(entry.op.op_id.as_bytes().to_vec());
            entries.push(encode_unframed(entry));
            let h = heads.entry(org).or_default();
            *h = (*h).max(*seq);
        }
        tx.execute(
            "INSERT INTO ops (org, seq, device, device_seq, op_id, entry)
             SELECT * FROM UNNEST($1::BYTEA[], $2::BIGINT[], $3::BYTEA[], $4::BIGINT[],
                                  $5::BYTEA[], $6::BYTEA[])",
            &[&orgs, &seqs, &devices, &dseqs, &op_ids, &entries],
        )?;
    }
    for (org, last) in heads {
        tx.execute(
            "UPDATE heads SET last_seq = GREATEST(last_seq, $2) WHERE org = $1",
            &[&org.as_bytes().as_slice(), &seq_in(last)],
        )?;
    }
    Ok(())
}
