//! Intake keys (in `db/`, tree `accounts`): the keys an organisation's city platform (一网统管)
//! delivers citizen reports with. `K | org | key id` → [`IntakeKeyRecord`], and
//! `k | sha256(key)` → the organisation and key id, so a delivery finds its key (and with it
//! its organisation) from the key alone. Only the key's hash is stored; the key is shown once,
//! when it is made.
//!
//! Kept by the organisation's admin like its accounts and units: creating and revoking a key
//! are each one atomic batch with their audit record. A key is never deleted: revoked, it
//! stays listed (and its deliveries in the log keep naming its device and author).

use firecheck_shared::admin::{AuditAction, IntakeKey};
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::{decode, key, AccountError, AuditStamp, Result, Store};

/// Most intake keys one organisation may have (revoked ones included).
pub const MAX_INTAKE_KEYS: usize = 100;

/// An intake key as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntakeKeyRecord {
    pub key: IntakeKey,
    pub org: OrgId,
    /// SHA-256 of the key.
    pub hash: [u8; 32],
}

fn record_key(org: OrgId, id: IntakeKeyId) -> Vec<u8> {
    key(b'K', &[org.as_bytes(), id.as_bytes()])
}

fn hash_key(hash: &[u8; 32]) -> Vec<u8> {
    key(b'k', &[hash])
}

impl Store {
    /// The organisation's intake keys, newest first.
    pub fn intake_keys(&self, org: OrgId) -> Result<Vec<IntakeKeyRecord>> {
        let mut keys: Vec<IntakeKeyRecord> = self
            .accounts
            .scan_prefix(key(b'K', &[org.as_bytes()]))
            .values()
            .map(|v| decode("intake key", &v?))
            .collect::<Result<_>>()?;
        keys.sort_by_key(|k| std::cmp::Reverse((k.key.created_ms, k.key.id)));
        Ok(keys)
    }

    /// The key whose hash this is, whatever its organisation (a delivery names only its key).
    pub fn intake_key_by_hash(&self, hash: &[u8; 32]) -> Result<Option<IntakeKeyRecord>> {
        let Some(v) = self.accounts.get(hash_key(hash))? else {
            return Ok(None);
        };
        let (org, id): (OrgId, IntakeKeyId) = decode("intake key hash", &v)?;
        self.accounts
            .get(record_key(org, id))?
            .map(|v| decode("intake key", &v))
            .transpose()
    }

    /// An admin makes an intake key for `stamp.org` (its hash given), with its audit record.
    pub fn create_intake_key(
        &self,
        stamp: &AuditStamp,
        name: &str,
        hash: [u8; 32],
    ) -> Result<IntakeKey, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        if self.intake_keys(stamp.org)?.len() >= MAX_INTAKE_KEYS {
            return Err(AccountError::Conflict(msg!(
                "store-too-many-intake-keys",
                max = MAX_INTAKE_KEYS
            )));
        }
        let record = IntakeKeyRecord {
            key: IntakeKey {
                id: IntakeKeyId::new(),
                name: name.trim().to_string(),
                device: DeviceId::new(),
                author: UserId::new(),
                created_ms: stamp.at_ms,
                revoked_ms: None,
            },
            org: stamp.org,
            hash,
        };
        let mut b = super::kv::Batch::default();
        b.insert(
            record_key(stamp.org, record.key.id),
            encode_unframed(&record),
        );
        b.insert(
            hash_key(&hash),
            encode_unframed(&(stamp.org, record.key.id)),
        );
        self.apply_audited(
            b,
            stamp,
            AuditAction::IntakeKeyCreated {
                key: record.key.id,
                name: record.key.name.clone(),
            },
        )?;
        Ok(record.key)
    }

    /// Revoke an intake key of `stamp.org`: deliveries with it are refused from now on.
    /// Revoking it again changes nothing and records nothing.
    pub fn revoke_intake_key(
        &self,
        stamp: &AuditStamp,
        id: IntakeKeyId,
    ) -> Result<IntakeKey, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let mut record: IntakeKeyRecord = self
            .accounts
            .get(record_key(stamp.org, id))?
            .map(|v| decode("intake key", &v))
            .transpose()?
            .ok_or_else(|| {
                AccountError::NotFound(msg!("store-no-intake-key", id = id.to_string()))
            })?;
        if record.key.revoked_ms.is_some() {
            return Ok(record.key);
        }
        record.key.revoked_ms = Some(stamp.at_ms);
        let mut b = super::kv::Batch::default();
        b.insert(record_key(stamp.org, id), encode_unframed(&record));
        self.apply_audited(
            b,
            stamp,
            AuditAction::IntakeKeyRevoked {
                key: id,
                name: record.key.name.clone(),
            },
        )?;
        Ok(record.key)
    }
}
