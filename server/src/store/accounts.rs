//! Accounts (in `db/`, tree `accounts`): `O | org` → org, `U | username` → user with password
//! hash, `D | device` → device, `T | sha256(refresh token)` → refresh token record. Each write
//! is flushed before it returns.

use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::{decode, key, Result, Store};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_ms: i64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    pub id: DeviceId,
    pub org: OrgId,
    pub user: UserId,
    pub name: String,
    pub registered_ms: i64,
    pub revoked: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshRecord {
    pub username: String,
    pub device: DeviceId,
    pub expires_ms: i64,
    /// Set once the token was exchanged; presenting it again means it leaked.
    pub used: bool,
}

impl Store {
    fn put<T: Serialize>(&self, k: Vec<u8>, v: &T) -> Result<()> {
        self.accounts.insert(k, encode_unframed(v))?;
        self.db.flush()?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(&self, what: &'static str, k: Vec<u8>) -> Result<Option<T>> {
        self.accounts.get(k)?.map(|v| decode(what, &v)).transpose()
    }

    pub fn put_org(&self, org: &Org) -> Result<()> {
        self.put(key(b'O', &[org.id.as_bytes()]), org)
    }

    pub fn org(&self, id: OrgId) -> Result<Option<Org>> {
        self.get("org", key(b'O', &[id.as_bytes()]))
    }

    pub fn orgs(&self) -> Result<Vec<Org>> {
        self.accounts
            .scan_prefix([b'O'])
            .values()
            .map(|v| decode("org", &v?))
            .collect()
    }

    /// Insert a user unless the username is taken; returns whether it was inserted.
    pub fn insert_user(&self, rec: &UserRecord) -> Result<bool> {
        let k = key(b'U', &[rec.user.username.as_bytes()]);
        let inserted = self
            .accounts
            .compare_and_swap(k, None as Option<&[u8]>, Some(encode_unframed(rec)))?
            .is_ok();
        self.db.flush()?;
        Ok(inserted)
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        self.get("user", key(b'U', &[username.as_bytes()]))
    }

    pub fn users(&self) -> Result<Vec<UserRecord>> {
        self.accounts
            .scan_prefix([b'U'])
            .values()
            .map(|v| decode("user", &v?))
            .collect()
    }

    pub fn put_device(&self, d: &DeviceRecord) -> Result<()> {
        self.put(key(b'D', &[d.id.as_bytes()]), d)
    }

    pub fn device(&self, id: DeviceId) -> Result<Option<DeviceRecord>> {
        self.get("device", key(b'D', &[id.as_bytes()]))
    }

    pub fn devices(&self) -> Result<Vec<DeviceRecord>> {
        self.accounts
            .scan_prefix([b'D'])
            .values()
            .map(|v| decode("device", &v?))
            .collect()
    }

    pub fn put_refresh(&self, hash: &[u8; 32], r: &RefreshRecord) -> Result<()> {
        self.put(key(b'T', &[hash]), r)
    }

    pub fn refresh(&self, hash: &[u8; 32]) -> Result<Option<RefreshRecord>> {
        self.get("refresh token", key(b'T', &[hash]))
    }

    /// Mark an unused refresh token (as read: `r`) used, atomically. `false` when another
    /// exchange got there first (or it was dropped), so one token can never be exchanged twice.
    pub fn claim_refresh(&self, hash: &[u8; 32], r: &RefreshRecord) -> Result<bool> {
        let unused = RefreshRecord {
            used: false,
            ..r.clone()
        };
        let used = RefreshRecord {
            used: true,
            ..r.clone()
        };
        let won = self
            .accounts
            .compare_and_swap(
                key(b'T', &[hash]),
                Some(encode_unframed(&unused)),
                Some(encode_unframed(&used)),
            )?
            .is_ok();
        self.db.flush()?;
        Ok(won)
    }

    /// Forget every refresh token of a device (revocation, or a replayed token).
    pub fn drop_refresh_for_device(&self, device: DeviceId) -> Result<usize> {
        let mut b = sled::Batch::default();
        let mut n = 0;
        for item in self.accounts.scan_prefix([b'T']) {
            let (k, v) = item?;
            let r: RefreshRecord = decode("refresh token", &v)?;
            if r.device == device {
                b.remove(k);
                n += 1;
            }
        }
        self.accounts.apply_batch(b)?;
        self.db.flush()?;
        Ok(n)
    }
}
