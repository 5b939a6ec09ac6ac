//! Accounts (in `db/`, tree `accounts`): `O | org` → org, `U | username` → user with password
//! hash and account state, `D | device` → device, `T | sha256(refresh token)` → refresh token
//! record, and `A | org | id` → [`AuditRecord`], the organisation's audit log. Each write is
//! flushed before it returns.
//!
//! Every change an admin or the operator makes goes through a method here that takes an
//! [`AuditStamp`] and writes the change and its audit record in one atomic batch: an action
//! is never stored without its record, nor recorded without having happened. Audit records
//! are only ever inserted, under ids from sled's monotonic id generator (newer is larger).

use firecheck_shared::admin::{self, AuditAction, AuditRecord};
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use super::kv;
use super::{decode, key, Result, Store, StoreError};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRecord {
    pub user: User,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_ms: i64,
    pub status: AccountStatus,
}

/// The state of an account, besides who it is.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountStatus {
    /// Cannot log in; its tokens are refused at once.
    pub disabled: bool,
    /// The password is a one-time password an admin set: login is refused until the user
    /// changes it.
    pub must_change_password: bool,
    /// Raised whenever the account's sessions must end (disabled, password reset or changed).
    /// Access tokens carry the generation they were issued in; an older one is refused.
    pub sessions: u32,
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

/// Who does an audited change, in which organisation, and when (the server's clock).
#[derive(Clone, Debug)]
pub struct AuditStamp {
    pub org: OrgId,
    pub actor: admin::Actor,
    pub at_ms: i64,
}

/// An account or unit change that was refused, or the store's trouble.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// Nothing of that name in the caller's organisation (another organisation's records
    /// are reported the same way, so none is revealed).
    #[error("{0}")]
    NotFound(firecheck_shared::i18n::Msg),
    /// The change contradicts what is stored (a taken name, the last admin).
    #[error("{0}")]
    Conflict(firecheck_shared::i18n::Msg),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sled::Error> for AccountError {
    fn from(e: sled::Error) -> Self {
        AccountError::Store(e.into())
    }
}

pub(super) fn audit_key(org: OrgId, id: u64) -> Vec<u8> {
    key(b'A', &[org.as_bytes(), &id.to_be_bytes()])
}

fn user_key(username: &str) -> Vec<u8> {
    key(b'U', &[username.as_bytes()])
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

    /// Add the audit record of `action` to `batch`, apply it atomically and flush.
    pub(super) fn apply_audited(
        &self,
        mut batch: kv::Batch,
        stamp: &AuditStamp,
        action: AuditAction,
    ) -> Result<AuditRecord> {
        let record = AuditRecord {
            id: self.db.generate_id()?,
            at_ms: stamp.at_ms,
            actor: stamp.actor.clone(),
            action,
        };
        batch.insert(audit_key(stamp.org, record.id), encode_unframed(&record));
        self.accounts.apply_batch(batch)?;
        self.db.flush()?;
        Ok(record)
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

    /// The operator creates an organisation with its first admin: both and the audit record
    /// (in the new organisation's log) in one batch. Refused when the username is taken.
    pub fn create_org(
        &self,
        org: &Org,
        admin: &UserRecord,
        at_ms: i64,
    ) -> Result<AuditRecord, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let k = user_key(&admin.user.username);
        if self.accounts.contains_key(&k)? {
            return Err(AccountError::Conflict(firecheck_shared::msg!(
                "store-username-taken",
                username = &admin.user.username
            )));
        }
        let mut b = kv::Batch::default();
        b.insert(key(b'O', &[org.id.as_bytes()]), encode_unframed(org));
        b.insert(k, encode_unframed(admin));
        let stamp = AuditStamp {
            org: org.id,
            actor: admin::Actor::Operator,
            at_ms,
        };
        Ok(self.apply_audited(
            b,
            &stamp,
            AuditAction::OrgCreated {
                org: org.id,
                name: org.name.clone(),
                admin: admin.user.username.clone(),
            },
        )?)
    }

    /// Insert a user unless the username is taken; returns whether it was inserted. For
    /// accounts nobody creates by an admin action (first start, the demo); an admin's go
    /// through [`Store::create_user`].
    pub fn insert_user(&self, rec: &UserRecord) -> Result<bool> {
        let k = user_key(&rec.user.username);
        let inserted = self
            .accounts
            .compare_and_swap(k, None, Some(encode_unframed(rec)))?;
        self.db.flush()?;
        Ok(inserted)
    }

    /// An admin creates an account in their organisation (`stamp.org`), with its audit record.
    pub fn create_user(
        &self,
        rec: &UserRecord,
        stamp: &AuditStamp,
    ) -> Result<AuditRecord, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let k = user_key(&rec.user.username);
        if self.accounts.contains_key(&k)? {
            return Err(AccountError::Conflict(firecheck_shared::msg!(
                "store-username-taken",
                username = &rec.user.username
            )));
        }
        let mut b = kv::Batch::default();
        b.insert(k, encode_unframed(rec));
        Ok(self.apply_audited(
            b,
            stamp,
            AuditAction::UserCreated {
                user: rec.user.id,
                username: rec.user.username.clone(),
                role: rec.user.role,
            },
        )?)
    }

    /// Change an account of `stamp.org`: `change` gets the record and every account of the
    /// organisation (for rules such as "keep one enabled admin"), edits the record and says
    /// what to record — `None` when nothing changed (nothing is written then). The account's
    /// refresh tokens are dropped when its sessions end (`status.sessions` raised).
    pub fn change_user(
        &self,
        stamp: &AuditStamp,
        username: &str,
        change: impl FnOnce(&mut UserRecord, &[UserRecord]) -> Result<Option<AuditAction>, AccountError>,
    ) -> Result<UserRecord, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let mut rec = self
            .user(username)?
            .filter(|r| r.user.org == stamp.org)
            .ok_or_else(|| {
                AccountError::NotFound(firecheck_shared::msg!(
                    "store-no-account",
                    username = username
                ))
            })?;
        let org_users: Vec<UserRecord> = self
            .users()?
            .into_iter()
            .filter(|u| u.user.org == stamp.org)
            .collect();
        let sessions = rec.status.sessions;
        let Some(action) = change(&mut rec, &org_users)? else {
            return Ok(rec);
        };
        let mut b = kv::Batch::default();
        b.insert(user_key(username), encode_unframed(&rec));
        self.apply_audited(b, stamp, action)?;
        if rec.status.sessions != sessions {
            self.drop_refresh_where(|r| r.username == username)?;
        }
        Ok(rec)
    }

    pub fn user(&self, username: &str) -> Result<Option<UserRecord>> {
        self.get("user", user_key(username))
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

    /// An admin revokes a device of their organisation: it and its audit record, then its
    /// refresh tokens. Revoking a revoked device changes nothing and records nothing.
    pub fn revoke_device(
        &self,
        stamp: &AuditStamp,
        id: DeviceId,
    ) -> Result<DeviceRecord, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let mut d = self
            .device(id)?
            .filter(|d| d.org == stamp.org)
            .ok_or_else(|| {
                AccountError::NotFound(firecheck_shared::msg!(
                    "store-no-device",
                    device = id.to_string()
                ))
            })?;
        if !d.revoked {
            d.revoked = true;
            let mut b = kv::Batch::default();
            b.insert(key(b'D', &[d.id.as_bytes()]), encode_unframed(&d));
            self.apply_audited(
                b,
                stamp,
                AuditAction::DeviceRevoked {
                    device: d.id,
                    name: d.name.clone(),
                    user: d.user,
                },
            )?;
        }
        self.drop_refresh_for_device(id)?;
        Ok(d)
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
        let won = self.accounts.compare_and_swap(
            key(b'T', &[hash]),
            Some(&encode_unframed(&unused)),
            Some(encode_unframed(&used)),
        )?;
        self.db.flush()?;
        Ok(won)
    }

    /// Forget every refresh token of a device (revocation, or a replayed token).
    pub fn drop_refresh_for_device(&self, device: DeviceId) -> Result<usize> {
        self.drop_refresh_where(|r| r.device == device)
    }

    fn drop_refresh_where(&self, drop: impl Fn(&RefreshRecord) -> bool) -> Result<usize> {
        let mut b = kv::Batch::default();
        let mut n = 0;
        for item in self.accounts.scan_prefix([b'T']) {
            let (k, v) = item?;
            let r: RefreshRecord = decode("refresh token", &v)?;
            if drop(&r) {
                b.remove(k);
                n += 1;
            }
        }
        self.accounts.apply_batch(b)?;
        self.db.flush()?;
        Ok(n)
    }
}
