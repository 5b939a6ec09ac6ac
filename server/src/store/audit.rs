//! Reading an organisation's audit log (`A | org | id` in `accounts`, written with each change
//! in `accounts` and `units`): newest first, a page at a time, never touching another
//! organisation's records (the key starts with the organisation).

use firecheck_shared::admin::AuditRecord;
use firecheck_shared::*;

use super::accounts::audit_key;
use super::{decode, Result, Store};

impl Store {
    /// Up to `limit` audit records of `org` older than `before` (all when `None`), newest
    /// first, and the id to continue from when more are left.
    pub fn audit_page(
        &self,
        org: OrgId,
        before: Option<u64>,
        limit: usize,
    ) -> Result<(Vec<AuditRecord>, Option<u64>)> {
        let lo = audit_key(org, 0);
        let hi = audit_key(org, before.unwrap_or(u64::MAX));
        let mut out = Vec::with_capacity(limit.min(512));
        for item in self.accounts.range(lo..hi).rev() {
            let (_, v) = item?;
            if out.len() == limit {
                let next = out.last().map(|r: &AuditRecord| r.id);
                return Ok((out, next));
            }
            out.push(decode("audit record", &v)?);
        }
        Ok((out, None))
    }
}
