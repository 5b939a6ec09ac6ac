//! `firecheck sync`: push the outbox and pull everything new, then send the photos.
//!
//! - [`rounds`] — the protocol: round trips of push and pull, paged and resumable, each op's
//!   outbox state kept truthful (`sent` before a request goes out, `queued` again only when
//!   it surely never arrived), the next page fetched while the last is taken in.
//! - [`photos`] — attachments, after the records, in resumable chunks.
//! - [`render`] — what the person sees: the progress spinner and the summary.
//!
//! While it runs, the replica holds merged partitions in memory and writes them back at the
//! end (see [`crate::replica`]); whatever happens, they are written back before it returns.

use std::io::Write;

use firecheck_shared::Timestamp;
use serde::Serialize;

use crate::commands::Ctx;
use crate::replica::SyncMark;
use crate::session::Connection;
use crate::CliError;

pub mod photos;
pub mod render;
pub mod rounds;

pub use photos::BLOB_CHUNK;
pub use rounds::{PULL_LIMIT, PUSH_BATCH};

/// What one `firecheck sync` did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SyncSummary {
    pub sent: usize,
    pub acked: usize,
    pub rejected: usize,
    pub pulled: usize,
    pub conflicts: usize,
    pub photos_sent: usize,
    pub photo_bytes: u64,
    pub clock_warning: Option<String>,
    /// Set when the server turned out to be restored from a backup during this sync.
    pub server_restored: Option<ServerRestored>,
}

/// The server was restored from a backup: its log agrees with the one this device pulled
/// from up to `shared`; `resent` ops of this device acknowledged after that went again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ServerRestored {
    pub shared: u64,
    pub resent: usize,
}

/// `firecheck sync`.
pub fn sync(ctx: &Ctx, out: &mut dyn Write) -> Result<SyncSummary, CliError> {
    let mut conn = Connection::open(ctx)?;
    let conflicts_before = conflict_count(ctx)?;
    ctx.replica.begin_bulk()?;
    let result = sync_held(ctx, &mut conn, conflicts_before, out);
    // Whatever happened, write the folded states back (they cover every page absorbed).
    ctx.replica.end_bulk()?;
    result
}

/// The sync while the replica holds what it merges: records, then photos, then the summary.
fn sync_held(
    ctx: &Ctx,
    conn: &mut Connection,
    conflicts_before: usize,
    out: &mut dyn Write,
) -> Result<SyncSummary, CliError> {
    let progress = render::Progress::start(ctx.lang);
    let mut summary = rounds::exchange(ctx, conn, &mut |pulled| progress.pulled(pulled))?;
    progress.finish();
    // Records first, photos after: an inspection never waits for its pictures.
    // A photo that cannot go now does not undo the records: say what went, then why not.
    let photo_failure = match photos::upload(ctx, conn) {
        Ok((sent, bytes)) => {
            summary.photos_sent = sent;
            summary.photo_bytes = bytes;
            None
        }
        Err(e) => Some(e),
    };
    summary.conflicts = conflict_count(ctx)?.saturating_sub(conflicts_before);
    ctx.replica.set_last_sync(&SyncMark {
        at_ms: Timestamp::now().0,
        clock_warning: summary.clock_warning.clone(),
    })?;
    if ctx.json {
        ctx.print_json(&summary, out)?;
    } else {
        render::summary(&summary, ctx.lang, out)?;
    }
    if let Some(cause) = photo_failure {
        return Err(CliError::PhotosNotSent {
            waiting: ctx.replica.pending_blobs()?.len(),
            cause: Box::new(cause),
        });
    }
    Ok(summary)
}

/// Conflict notes across every hazard this device holds.
fn conflict_count(ctx: &Ctx) -> Result<usize, CliError> {
    Ok(ctx
        .states()?
        .iter()
        .flat_map(|f| f.state.hazards.values())
        .map(|h| h.conflicts as usize)
        .sum())
}
