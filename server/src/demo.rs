//! The demo: accounts, venues, templates, the CIIE campaign and the 龙华中路站 drill from the
//! repository's `fixtures/` (compiled into [`firecheck_shared::fixtures`], so
//! `firecheck-server --demo` needs no other files). The seed goes through the sequencer like
//! any device's push.

use firecheck_shared::fixtures::Fixtures;
use firecheck_shared::sync::AckResult;
use firecheck_shared::*;

use crate::api::State;
use crate::store::{DeviceRecord, UserRecord};
use crate::ServerError;

#[derive(Debug, Default)]
pub struct SeedReport {
    pub logins: Vec<(String, Role, String)>,
    pub ops: usize,
}

/// Create the demo accounts that do not exist yet and, when the organisation's log is
/// empty, store the seed ops.
pub async fn seed(state: &State) -> Result<SeedReport, ServerError> {
    let fixtures = Fixtures::demo().map_err(|e| ServerError::Demo(e.to_string()))?;
    let store = &state.store;
    let org = store
        .orgs()?
        .into_iter()
        .next()
        .ok_or_else(|| ServerError::Demo("no organisation to seed".into()))?;
    let mut report = SeedReport::default();
    for a in &fixtures.accounts.accounts {
        // The banner shows the password actually in force: an account that already existed
        // (the first start's `admin` with FIRECHECK_ADMIN_PASSWORD, or a changed password)
        // does not get the fixture's printed.
        let in_force = match store.user(&a.username)? {
            None => {
                let hash = crate::auth::hash_password_bounded(a.password.clone())
                    .await
                    .map_err(|e| ServerError::Demo(e.to_string()))?;
                store.insert_user(&UserRecord {
                    user: User {
                        id: UserId::new(),
                        org: org.id,
                        username: a.username.clone(),
                        display_name: a.display_name.clone(),
                        role: a.role,
                    },
                    password_hash: hash,
                    created_ms: Timestamp::now().0,
                    status: Default::default(),
                })?;
                true
            }
            Some(rec) => {
                crate::auth::verify_password_bounded(rec.password_hash, a.password.clone())
                    .await
                    .map_err(|e| ServerError::Demo(e.to_string()))?
            }
        };
        let shown = if in_force {
            a.password.clone()
        } else {
            "(not the demo password: set by FIRECHECK_ADMIN_PASSWORD or changed since)".into()
        };
        report.logins.push((a.username.clone(), a.role, shown));
    }
    if store.last_seq(org.id)? > 0 {
        return Ok(report);
    }
    let officer = fixtures
        .accounts
        .accounts
        .iter()
        .find(|a| a.role == Role::Officer)
        .and_then(|a| store.user(&a.username).transpose())
        .transpose()?
        .ok_or_else(|| {
            ServerError::Demo("the fixtures name no officer to author the seed".into())
        })?;
    let device = DeviceRecord {
        id: DeviceId::new(),
        org: org.id,
        user: officer.user.id,
        name: "firecheck-server demo seed".into(),
        registered_ms: Timestamp::now().0,
        revoked: false,
    };
    store.put_device(&device)?;
    let now = Timestamp::now().0;
    let mut clock = HlcClock::new(hlc::node_of(&device.id));
    let ops = fixtures
        .ops(officer.user.id, device.id, &mut clock, now)
        .map_err(|e| ServerError::Demo(e.to_string()))?;
    let count = ops.len();
    let acks = state
        .sequencer
        .push(org.id, ops, now)
        .await
        .map_err(|e| ServerError::Demo(e.to_string()))?;
    if let Some(bad) = acks
        .iter()
        .find(|a| !matches!(a, AckResult::Accepted { .. }))
    {
        return Err(ServerError::Demo(format!("seed op not accepted: {bad:?}")));
    }
    report.ops = count;
    tracing::info!(ops = count, "demo data seeded");
    Ok(report)
}
