//! `meta`: this device's id, its HLC, the pull cursor (see [`super::partitions`] for the one
//! held during a long pull), the login, the last sync, and the replica's format.

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::{decode, LocalReplica, Result};

/// The logged-in session. Tokens stay on the device only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Login {
    pub server: String,
    pub user: User,
    pub org: Org,
    pub access_token: String,
    pub access_expires_ms: i64,
    pub refresh_token: String,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("server", &self.server)
            .field("user", &self.user.username)
            .field("tokens", &"<redacted>")
            .finish()
    }
}

/// What the last sync found out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncMark {
    pub at_ms: i64,
    pub clock_warning: Option<String>,
}

impl LocalReplica {
    pub(super) fn get_meta<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.meta
            .get(key)
            .map_err(|e| self.err(e))?
            .map(|v| decode(&v))
            .transpose()
    }

    pub(super) fn put_meta<T: Serialize>(&self, key: &str, v: &T) -> Result<()> {
        self.meta
            .insert(key, encode_unframed(v))
            .map_err(|e| self.err(e))?;
        self.flush()
    }

    /// This device's id, created on first use.
    pub fn device(&self) -> Result<DeviceId> {
        if let Some(d) = self.get_meta("device")? {
            return Ok(d);
        }
        let d = DeviceId::new();
        self.put_meta("device", &d)?;
        Ok(d)
    }

    pub fn login(&self) -> Result<Option<Login>> {
        self.get_meta("login")
    }

    pub fn set_login(&self, login: Option<&Login>) -> Result<()> {
        match login {
            Some(l) => self.put_meta("login", l),
            None => {
                self.meta.remove("login").map_err(|e| self.err(e))?;
                self.flush()
            }
        }
    }

    pub fn last_sync(&self) -> Result<Option<SyncMark>> {
        self.get_meta("last_sync")
    }

    pub fn set_last_sync(&self, mark: &SyncMark) -> Result<()> {
        self.put_meta("last_sync", mark)
    }

    /// Move the HLC past ops seen from others, so this device's next op orders after them.
    pub(super) fn observe_clock(&self, ops: &[Op], now_ms: i64) -> Result<()> {
        let device = self.device()?;
        let mut clock: HlcClock = self
            .get_meta("hlc")?
            .unwrap_or_else(|| HlcClock::new(hlc::node_of(&device)));
        for op in ops {
            // A stamp too far ahead is not taken into the clock (the op is still kept).
            let _ = clock.receive(op.hlc, now_ms.max(0) as u64);
        }
        self.meta
            .insert("hlc", encode_unframed(&clock))
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}
