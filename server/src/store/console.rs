//! The office console's records (tree `console` in `db/`): sessions
//! `S | sha256(session token)` → [`SessionRecord`], and the form ids of console actions
//! `F | op id` → the console device and the `device_seq` the op was given, so a form
//! submitted twice is recognised ([`crate::console::act`]). Form ids are UUID v7 op ids:
//! their keys sort by the time the form was drawn, so the expired ones are one range.

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::{decode, key, Result, Store};

/// A logged-in console session. The token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub username: String,
    pub org: OrgId,
    /// The browser's console device (registered like a login registers a phone): the
    /// device every op of this session is stamped with.
    pub device: DeviceId,
    /// The session's CSRF token, which every form carries.
    pub csrf: String,
    pub created_ms: i64,
    /// The last request (written at most once a minute).
    pub seen_ms: i64,
    /// The account's session generation at login ([`super::AccountStatus::sessions`]):
    /// disabling the account or resetting or changing its password raises it, which ends
    /// this session as it ends the account's tokens.
    pub generation: u32,
}

/// Where a console form's op went: the device and position it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormRecord {
    pub device: DeviceId,
    pub device_seq: u64,
}

impl Store {
    /// Hold the console device `device` across nodes until the guard is dropped (a browser's
    /// requests may reach any node behind a load balancer): its next `device_seq` is read
    /// and its op pushed under it. Nothing to hold on sled, where one process serves.
    pub fn hold_console_device(&self, device: DeviceId) -> Result<super::kv::Held> {
        self.db.hold(&format!("console-device/{device}"))
    }

    /// Store a new session (flushed: a login survives a restart).
    pub fn put_session(&self, hash: &[u8; 32], s: &SessionRecord) -> Result<()> {
        self.console
            .insert(key(b'S', &[hash]), encode_unframed(s))?;
        self.db.flush()?;
        Ok(())
    }

    /// Note a session's latest request; not flushed (a crash loses at most some idle time).
    pub fn touch_session(&self, hash: &[u8; 32], s: &SessionRecord) -> Result<()> {
        self.console
            .insert(key(b'S', &[hash]), encode_unframed(s))?;
        Ok(())
    }

    pub fn session(&self, hash: &[u8; 32]) -> Result<Option<SessionRecord>> {
        self.console
            .get(key(b'S', &[hash]))?
            .map(|v| decode("console session", &v))
            .transpose()
    }

    /// Log a session out.
    pub fn drop_session(&self, hash: &[u8; 32]) -> Result<()> {
        self.console.remove(key(b'S', &[hash]))?;
        self.db.flush()?;
        Ok(())
    }

    /// Forget sessions that `expired` says are over; how many.
    pub fn drop_expired_sessions(&self, expired: impl Fn(&SessionRecord) -> bool) -> Result<usize> {
        let mut b = super::kv::Batch::default();
        let mut n = 0;
        for item in self.console.scan_prefix([b'S']) {
            let (k, v) = item?;
            // An unreadable session is as good as expired.
            if decode::<SessionRecord>("console session", &v).map_or(true, |s| expired(&s)) {
                b.remove(k);
                n += 1;
            }
        }
        self.console.apply_batch(b)?;
        Ok(n)
    }

    /// Where a console form's op went, if it was submitted before.
    pub fn console_form(&self, op: OpId) -> Result<Option<FormRecord>> {
        self.console
            .get(key(b'F', &[op.as_bytes()]))?
            .map(|v| decode("console form", &v))
            .transpose()
    }

    /// Record where a form's op goes, before it is pushed (flushed, so a crash between the
    /// two still finds it).
    pub fn put_console_form(&self, op: OpId, f: &FormRecord) -> Result<()> {
        self.console
            .insert(key(b'F', &[op.as_bytes()]), encode_unframed(f))?;
        self.db.flush()?;
        Ok(())
    }

    /// Forget the forms drawn before `oldest` (a UUID v7 op id of that moment): no session
    /// that could submit them is alive.
    pub fn forget_console_forms_before(&self, oldest: OpId) -> Result<usize> {
        let lo = key(b'F', &[]);
        let hi = key(b'F', &[oldest.as_bytes()]);
        let mut b = super::kv::Batch::default();
        let mut n = 0;
        for k in self.console.range(lo..hi).keys() {
            b.remove(k?);
            n += 1;
        }
        self.console.apply_batch(b)?;
        Ok(n)
    }
}
