//! The units an organisation dispatches hazards to (in `db/`, tree `accounts`):
//! `N | org | unit` → [`Unit`]. Kept by the organisation's admin like its accounts, each
//! change with its audit record in one batch (see `accounts`).
//!
//! A unit is never deleted: retiring it takes it off the list offered for new dispatches,
//! while hazards dispatched to it keep the name they were dispatched with (a dispatch op
//! carries the unit's name, so nothing here can change a hazard's history).

use firecheck_shared::admin::{AuditAction, Unit};
use firecheck_shared::codec::encode_unframed;
use firecheck_shared::*;

use super::kv;
use super::{decode, key, AccountError, AuditStamp, Result, Store};

/// Most units one organisation may have (retired ones included).
pub const MAX_UNITS: usize = 1000;

fn unit_key(org: OrgId, unit: UnitId) -> Vec<u8> {
    key(b'N', &[org.as_bytes(), unit.as_bytes()])
}

/// Names are compared as people read them: surrounding spaces do not count.
fn same_name(a: &str, b: &str) -> bool {
    a.trim() == b.trim()
}

impl Store {
    /// The organisation's units, retired ones included, by name.
    pub fn units(&self, org: OrgId) -> Result<Vec<Unit>> {
        let mut units: Vec<Unit> = self
            .accounts
            .scan_prefix(key(b'N', &[org.as_bytes()]))
            .values()
            .map(|v| decode("unit", &v?))
            .collect::<Result<_>>()?;
        units.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        Ok(units)
    }

    fn org_unit(&self, org: OrgId, id: UnitId) -> Result<Unit, AccountError> {
        self.accounts
            .get(unit_key(org, id))?
            .map(|v| decode("unit", &v))
            .transpose()?
            .ok_or_else(|| AccountError::NotFound(msg!("store-no-unit", unit = id.to_string())))
    }

    /// A name no other unit in service has.
    fn check_free(
        &self,
        org: OrgId,
        name: &str,
        except: Option<UnitId>,
    ) -> Result<(), AccountError> {
        let taken = self
            .units(org)?
            .into_iter()
            .any(|u| u.retired_ms.is_none() && Some(u.id) != except && same_name(&u.name, name));
        if taken {
            return Err(AccountError::Conflict(msg!(
                "store-unit-name-taken",
                name = name
            )));
        }
        Ok(())
    }

    /// Add a unit to `stamp.org`'s list.
    pub fn add_unit(&self, stamp: &AuditStamp, name: &str) -> Result<Unit, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let name = name.trim();
        self.check_free(stamp.org, name, None)?;
        if self.units(stamp.org)?.len() >= MAX_UNITS {
            return Err(AccountError::Conflict(msg!(
                "store-too-many-units",
                max = MAX_UNITS
            )));
        }
        let unit = Unit {
            id: UnitId::new(),
            name: name.to_string(),
            created_ms: stamp.at_ms,
            retired_ms: None,
        };
        let mut b = kv::Batch::default();
        b.insert(unit_key(stamp.org, unit.id), encode_unframed(&unit));
        self.apply_audited(
            b,
            stamp,
            AuditAction::UnitAdded {
                unit: unit.id,
                name: unit.name.clone(),
            },
        )?;
        Ok(unit)
    }

    /// Rename a unit in service. The same name again changes nothing.
    pub fn rename_unit(
        &self,
        stamp: &AuditStamp,
        id: UnitId,
        name: &str,
    ) -> Result<Unit, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let name = name.trim();
        let mut unit = self.org_unit(stamp.org, id)?;
        if unit.retired_ms.is_some() {
            return Err(AccountError::Conflict(msg!(
                "store-unit-retired",
                name = &unit.name
            )));
        }
        if unit.name == name {
            return Ok(unit);
        }
        self.check_free(stamp.org, name, Some(id))?;
        let from = std::mem::replace(&mut unit.name, name.to_string());
        let mut b = kv::Batch::default();
        b.insert(unit_key(stamp.org, id), encode_unframed(&unit));
        self.apply_audited(
            b,
            stamp,
            AuditAction::UnitRenamed {
                unit: id,
                from,
                to: unit.name.clone(),
            },
        )?;
        Ok(unit)
    }

    /// Retire a unit: it stays on old hazards and in the list (marked), and is no longer
    /// offered. Retiring it again changes nothing.
    pub fn retire_unit(&self, stamp: &AuditStamp, id: UnitId) -> Result<Unit, AccountError> {
        let _one_at_a_time = crate::lock(&self.account_writes);
        let _nodes = self.db.hold("accounts")?;
        let mut unit = self.org_unit(stamp.org, id)?;
        if unit.retired_ms.is_some() {
            return Ok(unit);
        }
        unit.retired_ms = Some(stamp.at_ms);
        let mut b = kv::Batch::default();
        b.insert(unit_key(stamp.org, id), encode_unframed(&unit));
        self.apply_audited(
            b,
            stamp,
            AuditAction::UnitRetired {
                unit: id,
                name: unit.name.clone(),
            },
        )?;
        Ok(unit)
    }
}
