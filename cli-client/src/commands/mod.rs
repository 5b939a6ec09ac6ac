//! The field commands, one module per family. Everything here works offline: reads come
//! from the local replica, writes become ops queued in the outbox and folded locally at once.
//!
//! - [`venue`] — list venues, add one, edit one, mark one closed, moved or active again;
//!   [`venue_import`] — the office's venue spreadsheet.
//! - [`template`] — load checklist templates from a file.
//! - [`inspect`] — record an inspection against a checklist (now, or typed in after the
//!   fact with `--at`); list the checklists.
//! - [`inspection`] — amend an inspection already recorded, show one, list a venue's.
//! - [`hazard`] — list hazards, show one, act on one (dispatch, fixed, verify, reopen, close,
//!   comment, reply to the citizen).
//! - [`drill`] — log a drill, record its findings as tracked items, show one, list drills.
//! - [`campaign`] — list campaigns, a campaign's coverage, define one.
//! - [`report`] — take a citizen report by phone, show, link and reply to one; list them.
//! - [`visit`] — record a resident visit, report back on an area; list visits.
//!
//! Here: [`Ctx`] (what every command gets: the replica, the login, recording an op) and the
//! look-ups the families share ([`find_venue`], [`find_hazard`], [`find_campaign`],
//! [`attach`]).

use std::io::Write;
use std::path::Path;

use firecheck_shared::i18n::{Lang, Msg};
use firecheck_shared::query;
use firecheck_shared::validate;
use firecheck_shared::*;

use crate::replica::{LocalReplica, Login};
use crate::CliError;

pub mod campaign;
pub mod drill;
pub mod hazard;
pub mod inspect;
pub mod inspection;
pub mod report;
pub mod template;
pub mod venue;
pub mod venue_import;
pub mod visit;

/// What every command gets.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub replica: &'a LocalReplica,
    pub json: bool,
    /// The language every sentence is printed in (`--lang`, `FIRECHECK_LANG`, the locale).
    pub lang: Lang,
    pub server: Option<String>,
    /// An extra CA certificate (PEM) to trust for https servers (`--ca-cert`).
    pub ca_cert: Option<std::path::PathBuf>,
}

impl Ctx<'_> {
    /// The logged-in user, needed to author ops. A login made once, online, lasts offline.
    pub fn me(&self) -> Result<Login, CliError> {
        self.replica.login()?.ok_or(CliError::NotLoggedIn)
    }

    /// Every partition this device holds, folded, with its records.
    pub fn states(&self) -> Result<Vec<Folded>, CliError> {
        Ok(self.replica.partitions()?)
    }

    /// Check, stamp, queue and fold one op; say so.
    pub fn record(&self, entity: EntityRef, body: OpBody) -> Result<Op, CliError> {
        let me = self.me()?;
        validate::authorize(me.user.role, &body)?;
        let now = Timestamp::now().0;
        let probe = Op {
            op_id: OpId::new(),
            device: self.replica.device()?,
            device_seq: 1,
            entity,
            hlc: Hlc::new(now.max(0) as u64, 0, 0),
            author: me.user.id,
            body,
        };
        validate::op(&probe, now)?;
        Ok(self
            .replica
            .record(me.user.id, probe.entity, probe.body, now)?)
    }

    /// "saved offline, N waiting to sync" — the last line of every recording command.
    pub fn saved(&self, out: &mut dyn Write) -> Result<(), CliError> {
        let waiting = self.replica.counts()?.waiting();
        writeln!(out, "{}", t!(self.lang, "saved-offline", waiting = waiting))?;
        Ok(())
    }

    /// `m` in this command's language.
    pub fn say(&self, m: Msg) -> String {
        m.render(self.lang)
    }

    pub(crate) fn print_json<T: serde::Serialize>(
        &self,
        v: &T,
        out: &mut dyn Write,
    ) -> Result<(), CliError> {
        serde_json::to_writer_pretty(&mut *out, v).map_err(CliError::Output)?;
        writeln!(out)?;
        Ok(())
    }

    /// A listing's first step: with `--json` the list as JSON, and an empty list as the
    /// sentence `empty`. Returns whether the rows are still to be printed as a table.
    pub(crate) fn table_wanted<T: serde::Serialize>(
        &self,
        list: &[T],
        empty: Msg,
        out: &mut dyn Write,
    ) -> Result<bool, CliError> {
        if self.json {
            self.print_json(&list, out)?;
            return Ok(false);
        }
        if list.is_empty() {
            writeln!(out, "{}", self.say(empty))?;
            return Ok(false);
        }
        Ok(true)
    }
}

/// The states of `parts`, as the listings in `shared::query` take them.
fn refs(parts: &[Folded]) -> Vec<&PartitionState> {
    parts.iter().map(|f| &f.state).collect()
}

/// Copy a photo or PDF into this device's blob store; its hash goes into the op.
pub fn attach(ctx: &Ctx, path: &Path) -> Result<BlobHash, CliError> {
    let bytes = std::fs::read(path).map_err(|source| CliError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
        return Err(CliError::AttachmentTooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    let entry = ctx
        .replica
        .add_blob(&bytes)
        .map_err(|source| CliError::Attachment {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(entry.hash)
}

/// Largest attachment the client takes (the server's default limit).
pub const MAX_ATTACHMENT_BYTES: u64 = 20 * 1024 * 1024;

/// A venue by id, id prefix, exact name, or a name fragment that matches one venue.
pub fn find_venue<'a>(states: &'a [Folded], q: &str) -> Result<&'a Venue, CliError> {
    let q = q.trim();
    let all: Vec<&Venue> = states
        .iter()
        .filter_map(|f| f.state.venue.as_ref())
        .collect();
    let by_id: Vec<&Venue> = all.iter().copied().filter(|v| v.id.matches(q)).collect();
    let pick = |found: Vec<&'a Venue>| -> Option<Result<&'a Venue, CliError>> {
        match found.len() {
            0 => None,
            1 => Some(Ok(found[0])),
            _ => Some(Err(CliError::Invalid(msg!(
                "venue-ambiguous",
                query = q,
                count = found.len(),
                some = found
                    .iter()
                    .take(5)
                    .map(|v| format!("{} {}", v.id.short(), v.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            )))),
        }
    };
    if let Some(r) = pick(by_id) {
        return r;
    }
    if let Some(r) = pick(all.iter().copied().filter(|v| v.name == q).collect()) {
        return r;
    }
    if let Some(r) = pick(all.iter().copied().filter(|v| v.name.contains(q)).collect()) {
        return r;
    }
    Err(CliError::NotFound(msg!("venue-not-found", query = q)))
}

/// A hazard by id or id prefix (ids of merged findings find the hazard that carries them).
pub fn find_hazard<'a>(
    states: &'a [Folded],
    q: &str,
) -> Result<(&'a Folded, &'a Hazard), CliError> {
    if q.trim().replace('-', "").len() < 4 {
        return Err(CliError::Invalid(msg!("hazard-id-too-short", query = q)));
    }
    let mut found: Vec<(&Folded, &Hazard)> = Vec::new();
    for s in states {
        for h in s.state.hazards.values() {
            if h.id.matches(q) {
                found.push((s, h));
            }
        }
        for (alias, target) in &s.records.aliases {
            if alias.matches(q) {
                if let Some(h) = s.state.hazards.get(target) {
                    if !found.iter().any(|(_, f)| f.id == h.id) {
                        found.push((s, h));
                    }
                }
            }
        }
    }
    match found.len() {
        0 => Err(CliError::NotFound(msg!("hazard-not-found", query = q))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(msg!(
            "hazard-ambiguous",
            query = q,
            count = n
        ))),
    }
}

/// A campaign by id, id prefix or name; the newest one when none is named.
pub fn find_campaign<'a>(states: &'a [Folded], id: Option<&str>) -> Result<&'a Campaign, CliError> {
    let r = refs(states);
    let all = query::campaigns(&r);
    match id {
        None => all
            .first()
            .copied()
            .ok_or_else(|| CliError::NotFound(msg!("campaign-none"))),
        Some(q) => {
            let found: Vec<&Campaign> = all
                .into_iter()
                .filter(|c| c.id.matches(q) || c.name == q)
                .collect();
            match found.len() {
                1 => Ok(found[0]),
                0 => Err(CliError::NotFound(msg!("campaign-not-found", query = q))),
                _ => Err(CliError::Invalid(msg!("campaign-ambiguous", query = q))),
            }
        }
    }
}
