//! Attachments, sent after the records: each one the server does not hold yet, in chunks of
//! [`BLOB_CHUNK`], resuming where an earlier upload stopped.

use firecheck_shared::sync::ErrorCode;
use firecheck_shared::BlobHash;

use crate::commands::Ctx;
use crate::remote::RemoteError;
use crate::replica::BlobEntry;
use crate::session::Connection;
use crate::CliError;

/// Bytes per attachment upload request; an interrupted upload resumes from the last chunk.
pub const BLOB_CHUNK: usize = 1024 * 1024;

/// Upload every attachment the server does not hold yet. Returns how many were completed
/// now and their bytes.
pub fn upload(ctx: &Ctx, conn: &mut Connection) -> Result<(usize, u64), CliError> {
    let (mut sent, mut bytes) = (0, 0);
    for entry in ctx.replica.pending_blobs()? {
        let Some(data) = ctx.replica.blob_bytes(&entry.hash)? else {
            return Err(CliError::BlobMissing(entry.hash));
        };
        conn.refresh_if_due()?;
        if upload_one(conn, &entry, &data)? {
            sent += 1;
            bytes += entry.size;
        }
        ctx.replica.mark_uploaded(&entry.hash)?;
    }
    Ok((sent, bytes))
}

/// Send one attachment from where the server's copy ends. Returns whether this device sent
/// it (not when the server held it already, e.g. the same photo from another device).
fn upload_one(conn: &Connection, entry: &BlobEntry, data: &[u8]) -> Result<bool, CliError> {
    let token = &conn.login.access_token;
    let mut offset = match held(conn, token, &entry.hash)? {
        Held::Complete => return Ok(false),
        Held::From(n) => n,
    };
    let mut restarted = false;
    while offset < entry.size {
        match conn.retrying(|| {
            conn.remote.put_blob(
                token,
                &entry.hash,
                &entry.media_type,
                data,
                offset,
                BLOB_CHUNK,
            )
        }) {
            Ok(next) => offset = next,
            // Out of step with the server (a lost answer, another device uploading the same
            // photo): ask where it stands and continue from there.
            Err(RemoteError::Refused {
                code: ErrorCode::Conflict,
                ..
            }) => {
                offset = match held(conn, token, &entry.hash)? {
                    Held::Complete => entry.size,
                    Held::From(n) => n,
                }
            }
            // The server found the bytes corrupted in transit: start over, once.
            Err(RemoteError::Refused {
                code: ErrorCode::Invalid,
                ..
            }) if !restarted => {
                restarted = true;
                offset = 0;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(true)
}

/// How much of an attachment the server holds.
enum Held {
    Complete,
    /// The upload continues at this byte (0: nothing held).
    From(u64),
}

fn held(conn: &Connection, token: &str, hash: &BlobHash) -> Result<Held, RemoteError> {
    Ok(
        match conn.retrying(|| conn.remote.blob_offset(token, hash))? {
            Some((_, true)) => Held::Complete,
            Some((n, false)) => Held::From(n),
            None => Held::From(0),
        },
    )
}
