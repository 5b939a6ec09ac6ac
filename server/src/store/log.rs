//! The op log (in `db/`, tree `ops`) and what de-duplicates it, in one tree so one batch
//! covers both:
//! - `L | org | first seq` → a log record: up to [`RECORD_ENTRIES`] consecutive
//!   [`LogEntry`]s of one organisation. Keyed so an organisation's pull is a range scan that
//!   never touches another organisation's ops; one record per organisation per group commit
//!   (not one per op), since the number of sled writes per op on the ack path is what
//!   decides throughput;
//! - `R | device | first device_seq` → [`Run`]: which sequence numbers a device's ops got,
//!   one record per device per commit (not per op), used to answer replays.
//!
//! `commit` returns only after the batch is flushed. Reads of the log (`entries_after`:
//! pulls and view updates) stop at the last entry known to be flushed: sled applies a batch
//! in memory before the flush, so an entry whose flush failed (a full or failing disk) or is
//! still under way is never served.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::kv;
use super::{decode, key, Result, Store, StoreError};

/// One stored op with the server's own receive time.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub received_ms: i64,
    pub op: Op,
}

/// Consecutive `device_seq`s of one device that got consecutive sequence numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub org: OrgId,
    pub first_seq: u64,
    pub count: u64,
}

/// What the sequencer commits at once: new log entries and the runs that index them.
#[derive(Debug, Default)]
pub struct CommitBatch {
    pub entries: Vec<(OrgId, u64, LogEntry)>,
    pub runs: Vec<(DeviceId, u64, Run)>,
}

pub(super) fn log_key(org: OrgId, seq: u64) -> Vec<u8> {
    key(b'L', &[org.as_bytes(), &seq.to_be_bytes()])
}

/// Most log entries in one record.
pub const RECORD_ENTRIES: usize = 512;

/// A log record: a count (u32 LE), the end offset of each entry's bytes (u32 LE each), then
/// the entries (each `encode_unframed(LogEntry)`), so one entry is read without decoding
/// its neighbours.
fn encode_record(entries: &[&LogEntry]) -> Vec<u8> {
    let encoded: Vec<Vec<u8>> = entries.iter().map(|e| encode_unframed(*e)).collect();
    let data: usize = encoded.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(4 + 4 * encoded.len() + data);
    out.extend_from_slice(&(encoded.len() as u32).to_le_bytes());
    let mut end = 0u32;
    for e in &encoded {
        end += e.len() as u32;
        out.extend_from_slice(&end.to_le_bytes());
    }
    for e in &encoded {
        out.extend_from_slice(e);
    }
    out
}

fn corrupt(message: &str) -> StoreError {
    StoreError::Corrupt {
        what: "log record",
        message: message.to_string(),
    }
}

fn u32_at(bytes: &[u8], at: usize) -> Result<u32> {
    bytes
        .get(at..at + 4)
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| corrupt("cut short"))
}

fn record_len(bytes: &[u8]) -> Result<usize> {
    let n = u32_at(bytes, 0)? as usize;
    if bytes.len() < 4 + 4 * n {
        return Err(corrupt("offset table cut short"));
    }
    Ok(n)
}

fn record_entry(bytes: &[u8], i: usize) -> Result<LogEntry> {
    let n = record_len(bytes)?;
    let data = 4 + 4 * n;
    let start = if i == 0 {
        0
    } else {
        u32_at(bytes, 4 + 4 * (i - 1))? as usize
    };
    let end = u32_at(bytes, 4 + 4 * i)? as usize;
    let slice = bytes
        .get(data + start..data + end)
        .ok_or_else(|| corrupt("entry outside the record"))?;
    decode("log entry", slice)
}

/// The sequence number (u64 BE) that ends a log, run or index key.
pub(super) fn seq_of(key: &[u8]) -> Result<u64> {
    key.len()
        .checked_sub(8)
        .and_then(|at| key.get(at..))
        .and_then(|b| b.try_into().ok())
        .map(u64::from_be_bytes)
        .ok_or_else(|| StoreError::Corrupt {
            what: "key",
            message: format!("{} bytes cannot end with a sequence number", key.len()),
        })
}

impl Store {
    pub(super) fn durable_heads(&self) -> std::sync::MutexGuard<'_, HashMap<OrgId, u64>> {
        crate::lock(&self.durable)
    }

    /// Take every organisation's last stored sequence number as durable (only when
    /// everything in memory is known to be flushed).
    pub(super) fn reload_durable_heads(&self) -> Result<()> {
        let mut heads = HashMap::new();
        for org in self.orgs()? {
            heads.insert(org.id, self.last_seq(org.id)?);
        }
        *self.durable_heads() = heads;
        Ok(())
    }

    /// The highest sequence number of `org` known to be on disk (0 when none).
    /// On PostgreSQL every committed op is durable: the organisation's counter row (the
    /// value last seen, should the database not answer).
    pub fn durable_seq(&self, org: OrgId) -> u64 {
        if let Some(pool) = self.pg() {
            match self.pg_last_seq(pool, org) {
                Ok(head) => {
                    let mut heads = self.durable_heads();
                    let h = heads.entry(org).or_default();
                    *h = (*h).max(head);
                    return *h;
                }
                Err(e) => tracing::warn!(error = %e, "reading the log's head"),
            }
        }
        self.durable_heads().get(&org).copied().unwrap_or(0)
    }

    /// Write log entries and their runs in one atomic batch and flush it to disk.
    /// Only after this returns may the ops be acknowledged. Consecutive entries of one
    /// organisation share a record.
    pub fn commit(&self, batch: &CommitBatch) -> Result<()> {
        if let Some(pool) = self.pg() {
            self.commit_pg(pool, batch)?;
            self.advance_durable(batch);
            return Ok(());
        }
        let mut b = kv::Batch::default();
        let mut start = 0;
        while start < batch.entries.len() {
            let (org, first, _) = &batch.entries[start];
            let mut end = start + 1;
            while end < batch.entries.len()
                && end - start < RECORD_ENTRIES
                && batch.entries[end].0 == *org
                && batch.entries[end].1 == first + (end - start) as u64
            {
                end += 1;
            }
            let entries: Vec<&LogEntry> = batch.entries[start..end]
                .iter()
                .map(|(_, _, e)| e)
                .collect();
            b.insert(log_key(*org, *first), encode_record(&entries));
            start = end;
        }
        for (device, first_dseq, run) in &batch.runs {
            b.insert(
                key(b'R', &[device.as_bytes(), &first_dseq.to_be_bytes()]),
                encode_unframed(run),
            );
        }
        let written = self
            .ops
            .apply_batch(b)
            .and_then(|()| self.db.flush().map(|_| ()));
        if let Err(e) = written {
            // The batch may sit in sled's memory without being on disk: it must not be
            // served (see `entries_after`) unless a later flush succeeds.
            self.durable_stale.store(true, Ordering::SeqCst);
            return Err(e);
        }
        if self.durable_stale.load(Ordering::SeqCst) {
            self.reload_durable_heads()?;
            self.durable_stale.store(false, Ordering::SeqCst);
        }
        self.advance_durable(batch);
        Ok(())
    }

    /// A batch is on disk (or committed): its entries may be served.
    pub fn advance_durable(&self, batch: &CommitBatch) {
        let mut heads = self.durable_heads();
        for (org, seq, _) in &batch.entries {
            let h = heads.entry(*org).or_default();
            *h = (*h).max(*seq);
        }
    }

    /// The record holding `seq` (or the last one before it): its first seq and bytes.
    fn record_at(&self, org: OrgId, seq: u64) -> Result<Option<(u64, sled::IVec)>> {
        let lo = log_key(org, 0);
        let hi = log_key(org, seq);
        match self.ops.range(lo..=hi).next_back() {
            Some(item) => {
                let (k, v) = item?;
                Ok(Some((seq_of(&k)?, v)))
            }
            None => Ok(None),
        }
    }

    /// The highest sequence number stored for `org` (0 when none).
    pub fn last_seq(&self, org: OrgId) -> Result<u64> {
        if let Some(pool) = self.pg() {
            return self.pg_last_seq(pool, org);
        }
        match self.record_at(org, u64::MAX)? {
            Some((first, bytes)) => Ok(first + record_len(&bytes)? as u64 - 1),
            None => Ok(0),
        }
    }

    pub fn entry(&self, org: OrgId, seq: u64) -> Result<Option<LogEntry>> {
        if let Some(pool) = self.pg() {
            return Ok(self
                .pg_entries(pool, org, seq, seq, 1, false)?
                .pop()
                .map(|(_, e)| e));
        }
        let Some((first, bytes)) = self.record_at(org, seq)? else {
            return Ok(None);
        };
        let i = (seq - first) as usize;
        if i >= record_len(&bytes)? {
            return Ok(None);
        }
        record_entry(&bytes, i).map(Some)
    }

    /// Up to `limit` entries of `org` after `cursor`, and whether more follow — only entries
    /// known to be flushed ([`Store::durable_seq`]): a device that pulled an entry the disk
    /// never got would skip, after a restart, the different op that takes its sequence number.
    pub fn entries_after(
        &self,
        org: OrgId,
        cursor: u64,
        limit: usize,
    ) -> Result<(Vec<(u64, LogEntry)>, bool)> {
        if let Some(pool) = self.pg() {
            // Positions become visible in order (see `pglog`): what is there is a prefix.
            let mut out = self.pg_entries(
                pool,
                org,
                cursor.saturating_add(1),
                u64::MAX,
                limit.saturating_add(1),
                false,
            )?;
            let more = out.len() > limit;
            out.truncate(limit);
            return Ok((out, more));
        }
        let head = self.durable_seq(org);
        if cursor >= head {
            return Ok((Vec::new(), false));
        }
        let from = cursor + 1;
        let start = match self.record_at(org, from)? {
            Some((first, _)) => log_key(org, first),
            None => log_key(org, from),
        };
        let end = log_key(org, head);
        let mut out = Vec::with_capacity(limit.min(4096));
        for item in self.ops.range(start..=end) {
            let (k, v) = item?;
            let first = seq_of(&k)?;
            let len = record_len(&v)?;
            for i in 0..len {
                let seq = first + i as u64;
                if seq < from {
                    continue;
                }
                if seq > head {
                    return Ok((out, false));
                }
                if out.len() == limit {
                    return Ok((out, true));
                }
                out.push((seq, record_entry(&v, i)?));
            }
        }
        Ok((out, false))
    }

    /// Up to `limit` entries of `org` before sequence number `before` (from the newest when
    /// `None`), newest first — only entries known to be flushed, as [`Store::entries_after`].
    pub fn entries_before(
        &self,
        org: OrgId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Vec<(u64, LogEntry)>> {
        let head = self.durable_seq(org);
        let upto = before.map_or(head, |b| b.saturating_sub(1).min(head));
        let mut out = Vec::with_capacity(limit.min(4096));
        if upto == 0 || limit == 0 {
            return Ok(out);
        }
        if let Some(pool) = self.pg() {
            return self.pg_entries(pool, org, 1, upto, limit, true);
        }
        for item in self.ops.range(log_key(org, 0)..=log_key(org, upto)).rev() {
            let (k, v) = item?;
            let first = seq_of(&k)?;
            for i in (0..record_len(&v)?).rev() {
                let seq = first + i as u64;
                if seq > upto {
                    continue;
                }
                out.push((seq, record_entry(&v, i)?));
                if out.len() == limit {
                    return Ok(out);
                }
            }
        }
        Ok(out)
    }

    /// Where a device's op at `device_seq` was stored: its sequence number and op id.
    pub fn find_device_op(&self, device: DeviceId, device_seq: u64) -> Result<Option<(u64, OpId)>> {
        if let Some(pool) = self.pg() {
            return self.pg_find_device_op(pool, device, device_seq);
        }
        let lo = key(b'R', &[device.as_bytes(), &0u64.to_be_bytes()]);
        let hi = key(b'R', &[device.as_bytes(), &device_seq.to_be_bytes()]);
        let Some(item) = self.ops.range(lo..=hi).next_back() else {
            return Ok(None);
        };
        let (k, v) = item?;
        let first_dseq = seq_of(&k)?;
        let run: Run = decode("device run", &v)?;
        // Written so a run ending at u64::MAX cannot overflow (device_seq ≥ first_dseq here).
        if device_seq - first_dseq >= run.count {
            return Ok(None);
        }
        let seq = run.first_seq + (device_seq - first_dseq);
        let entry = self.entry(run.org, seq)?.ok_or(StoreError::Corrupt {
            what: "device run",
            message: format!("run points at missing log entry {seq}"),
        })?;
        Ok(Some((seq, entry.op.op_id)))
    }

    /// The highest `device_seq` stored for a device (0 when none).
    pub fn last_device_seq(&self, device: DeviceId) -> Result<u64> {
        if let Some(pool) = self.pg() {
            return self.pg_last_device_seq(pool, device);
        }
        let prefix = key(b'R', &[device.as_bytes()]);
        let Some(item) = self.ops.scan_prefix(&prefix).next_back() else {
            return Ok(0);
        };
        let (k, v) = item?;
        let run: Run = decode("device run", &v)?;
        Ok((seq_of(&k)? + run.count).saturating_sub(1))
    }

    /// Every organisation that has ops, with its last sequence number.
    pub fn log_heads(&self) -> Result<Vec<(OrgId, u64)>> {
        if let Some(pool) = self.pg() {
            return self.pg_log_heads(pool);
        }
        let mut out = Vec::new();
        for org in self.orgs()? {
            let last = self.last_seq(org.id)?;
            if last > 0 {
                out.push((org.id, last));
            }
        }
        Ok(out)
    }

    /// A digest of the whole log (for tests that prove bad input changed nothing).
    pub fn log_digest(&self) -> Result<String> {
        use sha2::{Digest, Sha256};
        if let Some(pool) = self.pg() {
            return self.pg_log_digest(pool);
        }
        let mut h = Sha256::new();
        for item in self.ops.iter() {
            let (k, v) = item?;
            h.update((k.len() as u64).to_be_bytes());
            h.update(&k);
            h.update((v.len() as u64).to_be_bytes());
            h.update(&v);
        }
        Ok(hex::encode(h.finalize()))
    }
}
