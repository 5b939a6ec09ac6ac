//! Failed logins per username (tree `logins` in `db/`), kept in the store so that every
//! node on a shared database counts the same attempts: an attacker who spreads guesses
//! over several nodes meets one limit, not one per node. `username` → the number of
//! failures in the current window (u32 LE) and when the window began (ms since 1970, i64 LE).
//! The policy (how many, how long) is the caller's (`auth::LoginLimiter`).
//!
//! Counts move by compare-and-swap, so two nodes counting a failure at once both count.
//! Nothing is flushed for them: after a crash a few failures may be forgotten, which costs
//! an attacker's window, not an account.

use super::{Result, Store, StoreError};

/// Failures in the current window, and when it began.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailures {
    pub count: u32,
    pub since_ms: i64,
}

impl LoginFailures {
    fn encode(self) -> Vec<u8> {
        let mut v = self.count.to_le_bytes().to_vec();
        v.extend_from_slice(&self.since_ms.to_le_bytes());
        v
    }

    fn decode(bytes: &[u8]) -> Result<Self> {
        let corrupt = || StoreError::Corrupt {
            what: "login failures",
            message: format!("{} bytes", bytes.len()),
        };
        let count = bytes
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or_else(corrupt)?;
        let since_ms = bytes
            .get(4..12)
            .and_then(|b| b.try_into().ok())
            .map(i64::from_le_bytes)
            .ok_or_else(corrupt)?;
        Ok(Self { count, since_ms })
    }
}

/// Most compare-and-swap rounds one count takes before giving up (a busy username).
const ROUNDS: usize = 16;

impl Store {
    fn logins(&self) -> Result<super::kv::Tree> {
        self.db.open_tree("logins")
    }

    /// The failures counted against `username` (`None`: none).
    pub fn login_failures(&self, username: &str) -> Result<Option<LoginFailures>> {
        self.logins()?
            .get(username.as_bytes())?
            .map(|v| LoginFailures::decode(&v))
            .transpose()
    }

    /// Count a failure against `username` at `now_ms`: a window older than `window_ms`
    /// starts over. The count after it.
    pub fn count_login_failure(
        &self,
        username: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<LoginFailures> {
        let tree = self.logins()?;
        for _ in 0..ROUNDS {
            let old = tree.get(username.as_bytes())?;
            let before = old.as_deref().map(LoginFailures::decode).transpose()?;
            let after = match before {
                Some(f) if now_ms.saturating_sub(f.since_ms) < window_ms => LoginFailures {
                    count: f.count.saturating_add(1),
                    ..f
                },
                _ => LoginFailures {
                    count: 1,
                    since_ms: now_ms,
                },
            };
            if tree.compare_and_swap(username.as_bytes(), old.as_deref(), Some(after.encode()))? {
                return Ok(after);
            }
        }
        Err(StoreError::Corrupt {
            what: "login failures",
            message: format!("{username:?} kept changing under {ROUNDS} attempts to count"),
        })
    }

    /// Forget the failures counted against `username` (a successful login).
    pub fn forget_login_failures(&self, username: &str) -> Result<()> {
        let tree = self.logins()?;
        if tree.contains_key(username.as_bytes())? {
            tree.remove(username.as_bytes())?;
        }
        Ok(())
    }

    /// Drop counts whose window ended before `now_ms` (they limit nothing any more), so
    /// guesses at names that do not exist leave nothing behind. How many went.
    pub fn sweep_login_failures(&self, now_ms: i64, window_ms: i64) -> Result<u64> {
        let tree = self.logins()?;
        let mut n = 0;
        for item in tree.iter() {
            let (k, v) = item?;
            let ended = LoginFailures::decode(&v)
                .map_or(true, |f| now_ms.saturating_sub(f.since_ms) >= window_ms);
            // Only if unchanged: a node may be counting a new failure meanwhile.
            if ended && tree.compare_and_swap(&k, Some(&v), None)? {
                n += 1;
            }
        }
        Ok(n)
    }
}
