//! An officer's action in the console, made into an op and pushed through the sequencer
//! like any device's.
//!
//! - **The device.** The browser is a registered device of the officer (see [`super::session`]).
//!   Its ops take `device_seq` = the highest stored for it + 1 ([`Store::last_device_seq`]),
//!   read under the device's own lock (and, on PostgreSQL, its row lock across nodes), which
//!   is held until the sequencer has answered: two tabs, two sessions of one browser, or a
//!   restart never give two ops one position, and
//!   the positions stay gap-free (a position is taken only by an op the sequencer stored).
//! - **One op per form.** Every action form carries a form id minted when the page was
//!   drawn; it becomes the op's id (UUID v7). Before the push, the form id is recorded with
//!   the device and position it was given ([`Store::put_console_form`]); a second submit of
//!   the same form (a refresh, a second tab, a slow network, a crash in between) finds it,
//!   sees that op stored at that position, and makes nothing new. A form whose op never
//!   reached the log (the push failed) is pushed afresh at the next free position.
//! - **Checks.** The op passes the same role and shape checks as a pushed op
//!   (`validate::authorize`, `validate::op`).
//! - **Order.** Its HLC is past the last event of what the officer acted on, so the action
//!   sorts after everything the page showed.
//! - **Seen at once.** The answer waits until the views cover the op's sequence number.

use std::time::Duration;

use firecheck_shared::sync::AckResult;
use firecheck_shared::validate;
use firecheck_shared::*;

use super::session::Session;
use crate::api::{blocking, AppError, State};
use crate::store::{FormRecord, Store};

/// How long after drawing a form it may still be submitted (a session's longest life).
pub const FORM_LIFETIME_MS: i64 = super::session::MAX_MS;
/// Longest an action waits for the views to show it.
const VIEW_WAIT: Duration = Duration::from_secs(5);

/// How an action went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Done {
    /// Stored now, at this sequence number.
    Stored(u64),
    /// This form was submitted before; its op is at this sequence number.
    Again(u64),
}

/// A fresh form id: the id the form's op will carry.
pub fn form_id() -> String {
    OpId::new().to_string()
}

/// Make `body` about `entity` an op of the session's device and push it, once per form id.
/// `seen` is the newest HLC of what the officer acted on.
pub async fn act(
    state: &State,
    session: &Session,
    form: &str,
    entity: EntityRef,
    body: OpBody,
    seen: Hlc,
) -> Result<Done, AppError> {
    validate::authorize(session.user.role, &body).map_err(|e| AppError::Forbidden(e.msg()))?;
    let op_id: OpId = form
        .parse()
        .map_err(|_| AppError::BadRequest(msg!("console-form-no-id")))?;
    let now = Timestamp::now().0;
    if !drawn_recently(op_id, now) {
        return Err(AppError::BadRequest(msg!("console-form-too-old")));
    }
    let (org, device, author) = (session.user.org, session.device, session.user.id);
    let lock = state.console.device(device);
    let mut clock = lock.lock().await;
    // And across nodes on one database: held until the sequencer has answered.
    let held = blocking(state, move |store| Ok(store.hold_console_device(device)?)).await?;
    let position = blocking(state, move |store| position(store, op_id, device)).await?;
    let device_seq = match position {
        Err(seq) => return Ok(Done::Again(seq)),
        Ok(d) => d,
    };
    let _ = clock.receive(seen, now.max(0) as u64);
    let hlc = clock.send(now.max(0) as u64);
    let op = Op {
        op_id,
        device,
        device_seq,
        entity,
        hlc,
        author,
        body,
    };
    validate::op(&op, now)?;
    let acks = state
        .sequencer
        .push(org, vec![op], now)
        .await
        .map_err(|_| AppError::Unavailable(msg!("sync-shutting-down")))?;
    drop(held);
    drop(clock);
    let done = match acks.into_iter().next() {
        Some(AckResult::Accepted { seq }) => Done::Stored(seq),
        Some(AckResult::Duplicate { seq }) => Done::Again(seq),
        Some(AckResult::Rejected { reason, .. }) => {
            return Err(AppError::Unprocessable(msg!(
                "console-op-rejected",
                reason = reason
            )))
        }
        None => return Err(AppError::Internal("the sequencer answered no ack".into())),
    };
    let seq = match done {
        Done::Stored(s) | Done::Again(s) => s,
    };
    if !state.views.wait_for(org, seq, VIEW_WAIT).await {
        tracing::warn!(
            seq,
            "console action stored; the views have not caught up yet"
        );
    }
    Ok(done)
}

/// Whether an op id (UUID v7) was minted within a form's lifetime (and not in the future).
fn drawn_recently(op: OpId, now_ms: i64) -> bool {
    let Some((secs, nanos)) = op.as_uuid().get_timestamp().map(|t| t.to_unix()) else {
        return false;
    };
    let ms = secs as i64 * 1000 + i64::from(nanos / 1_000_000);
    ms <= now_ms + 60_000 && now_ms - ms <= FORM_LIFETIME_MS
}

/// The position for a form's op on `device`: `Ok(next free position)`, recorded for the
/// form; or `Err(seq)` when the form's op is already stored (at sequence number `seq`).
fn position(store: &Store, op: OpId, device: DeviceId) -> Result<Result<u64, u64>, AppError> {
    if let Some(f) = store.console_form(op)? {
        if let Some((seq, stored)) = store.find_device_op(f.device, f.device_seq)? {
            if stored == op {
                return Ok(Err(seq));
            }
        }
    }
    let device_seq = store.last_device_seq(device)? + 1;
    store.put_console_form(op, &FormRecord { device, device_seq })?;
    // Forms older than any live session can submit are forgotten now and then.
    if device_seq % 64 == 0 {
        let cutoff = Timestamp::now().0 - 2 * FORM_LIFETIME_MS;
        let ts = uuid::Timestamp::from_unix(uuid::NoContext, (cutoff.max(0) / 1000) as u64, 0);
        store.forget_console_forms_before(OpId(uuid::Uuid::new_v7(ts)))?;
    }
    Ok(Ok(device_seq))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_ids_expire_with_the_sessions_that_drew_them() {
        let now = Timestamp::now().0;
        assert!(drawn_recently(OpId::new(), now));
        let old = uuid::Timestamp::from_unix(
            uuid::NoContext,
            ((now - FORM_LIFETIME_MS - 1000) / 1000) as u64,
            0,
        );
        assert!(!drawn_recently(OpId(uuid::Uuid::new_v7(old)), now));
        assert!(!drawn_recently(OpId(uuid::Uuid::new_v4()), now));
    }
}
