//! The server log this replica pulls from (`meta/server_log`), and what the replica does when
//! the server answers that its log is another one — the server was restored from a backup
//! (see ARCHITECTURE.md, "Backups and restores").
//!
//! The server's log then agrees with the one this device pulled from only up to some
//! sequence number (`shared`). Everything this device holds stays (the replica is a set of
//! ops; pulling an op again changes nothing). What the server may have lost is sent again:
//! every op of this device acknowledged at a sequence number after `shared` goes back to
//! `queued`, with its `device_seq`, op id and HLC unchanged — the server stores the ones it
//! lacks once and answers the ones it has as duplicates. The cursor goes back to `shared`,
//! so the ops the restored server numbers anew are pulled; and every attachment is checked
//! with the server again before the next upload round. The steps are ordered so that a crash
//! between them only repeats them: the log id that ends the recovery is written last.

use firecheck_shared::codec::encode_unframed;

use super::outbox::{OutboxEntry, OutboxState};
use super::{decode, LocalReplica, Result};

/// What a recovery did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rewound {
    /// Ops of this device queued to be sent again.
    pub resend: usize,
    /// The cursor before and after.
    pub cursor_before: u64,
    pub cursor_after: u64,
}

impl LocalReplica {
    /// The server log this replica last pulled from (none before its first sync).
    pub fn server_log(&self) -> Result<Option<uuid::Uuid>> {
        self.get_meta("server_log")
    }

    /// Remember the server log the answers come from (the first answer's).
    pub fn set_server_log(&self, log: uuid::Uuid) -> Result<()> {
        self.put_meta("server_log", &log)
    }

    /// The server's log is `log`, which shares entries up to `shared` with the one this
    /// replica pulled from: send again this device's ops acknowledged after `shared`, pull
    /// again from there, check every attachment again, and take `log` as the server's.
    pub fn rewind_to_restored(&self, log: uuid::Uuid, shared: u64) -> Result<Rewound> {
        // What a long pull holds goes to disk first, with its cursor.
        let bulk = self.holding()?;
        if bulk {
            self.end_bulk()?;
        }
        let mut outbox = sled::Batch::default();
        let mut resend = 0;
        for v in self.outbox.iter().values() {
            let mut e: OutboxEntry = decode(&v.map_err(|e| self.err(e))?)?;
            if matches!(e.state, OutboxState::Acked { seq } if seq > shared) {
                e.state = OutboxState::Queued;
                outbox.insert(&e.op.device_seq.to_be_bytes(), encode_unframed(&e));
                resend += 1;
            }
        }
        self.outbox.apply_batch(outbox).map_err(|e| self.err(e))?;
        self.flush()?;
        // The restored server may lack any attachment it held: ask again before uploading.
        let mut blobs = sled::Batch::default();
        for v in self.blobs.iter().values() {
            let mut b: super::BlobEntry = decode(&v.map_err(|e| self.err(e))?)?;
            if b.uploaded {
                b.uploaded = false;
                blobs.insert(&b.hash.0, encode_unframed(&b));
            }
        }
        self.blobs.apply_batch(blobs).map_err(|e| self.err(e))?;
        let cursor_before = self.cursor()?;
        let cursor_after = cursor_before.min(shared);
        let mut meta = sled::Batch::default();
        meta.insert("cursor", encode_unframed(&cursor_after));
        meta.insert("server_log", encode_unframed(&log));
        self.meta.apply_batch(meta).map_err(|e| self.err(e))?;
        self.flush()?;
        if bulk {
            self.begin_bulk()?;
        }
        tracing::warn!(%log, shared, resend, cursor_before, cursor_after, "the server was restored from a backup");
        Ok(Rewound {
            resend,
            cursor_before,
            cursor_after,
        })
    }
}
