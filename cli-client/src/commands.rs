//! The field commands. Everything here works offline: reads come from the local replica,
//! writes become ops queued in the outbox and folded locally at once.

use std::io::{BufRead, IsTerminal, Write};

use chrono::NaiveDate;
use firecheck_shared::query::{self, HazardFilter, VenueFilter};
use firecheck_shared::validate;
use firecheck_shared::*;
use serde::Deserialize;

use crate::replica::{LocalReplica, Login};
use crate::table::{clip, render};
use crate::{CliError, HazardCommand, InspectArgs};

/// What every command gets.
#[derive(Debug)]
pub struct Ctx<'a> {
    pub replica: &'a LocalReplica,
    pub json: bool,
    pub server: Option<String>,
    /// An extra CA certificate (PEM) to trust for https servers (`--ca-cert`).
    pub ca_cert: Option<std::path::PathBuf>,
}

impl Ctx<'_> {
    /// The logged-in user, needed to author ops. A login made once, online, lasts offline.
    pub fn me(&self) -> Result<Login, CliError> {
        self.replica.login()?.ok_or_else(|| {
            CliError::NotLoggedIn("not logged in on this device: run `firecheck login USER` once while online; after that everything works offline".into())
        })
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
        writeln!(out, "saved offline, {waiting} waiting to sync")?;
        Ok(())
    }

    fn print_json<T: serde::Serialize>(&self, v: &T, out: &mut dyn Write) -> Result<(), CliError> {
        serde_json::to_writer_pretty(&mut *out, v).map_err(|e| CliError::Failed(e.to_string()))?;
        writeln!(out)?;
        Ok(())
    }
}

fn refs(parts: &[Folded]) -> Vec<&PartitionState> {
    parts.iter().map(|f| &f.state).collect()
}

/// Copy a photo or PDF into this device's blob store; its hash goes into the op.
pub fn attach(ctx: &Ctx, path: &std::path::Path) -> Result<BlobHash, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_ATTACHMENT_BYTES {
        return Err(CliError::Invalid(format!(
            "{} is {} MiB; attachments may be at most {} MiB",
            path.display(),
            bytes.len() / (1024 * 1024),
            MAX_ATTACHMENT_BYTES / (1024 * 1024)
        )));
    }
    let entry = ctx
        .replica
        .add_blob(&bytes)
        .map_err(|e| CliError::Invalid(format!("{}: {e}", path.display())))?;
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
            _ => Some(Err(CliError::Invalid(format!(
                "{q:?} matches {} venues ({}); give more of the id or the full name",
                found.len(),
                found
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
    Err(CliError::NotFound(format!(
        "no venue {q:?} on this device; list them with `firecheck venues`, or sync to get the latest"
    )))
}

/// A hazard by id or id prefix (ids of merged findings find the hazard that carries them).
pub fn find_hazard<'a>(
    states: &'a [Folded],
    q: &str,
) -> Result<(&'a Folded, &'a Hazard), CliError> {
    if q.trim().replace('-', "").len() < 4 {
        return Err(CliError::Invalid(format!(
            "hazard id {q:?} is too short; give at least 4 characters"
        )));
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
        0 => Err(CliError::NotFound(format!(
            "no hazard {q:?} on this device; list them with `firecheck hazards`"
        ))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(format!(
            "{q:?} matches {n} hazards; give more of the id"
        ))),
    }
}

pub fn venues(
    ctx: &Ctx,
    street: Option<String>,
    kind: Option<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let filter = VenueFilter {
        street,
        kind: kind.as_deref().map(str::parse).transpose()?,
        name: None,
    };
    let states = ctx.states()?;
    let list = query::venues(&refs(&states), &filter);
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    if list.is_empty() {
        writeln!(out, "no venues match (sync to get the latest list)")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            vec![
                v.id.short(),
                clip(&v.name, 24),
                v.kind.label().to_string(),
                v.street.clone(),
                v.address.clone(),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(&["ID", "NAME", "KIND", "STREET", "ADDRESS"], &rows)
    )?;
    writeln!(out, "{} venues", list.len())?;
    Ok(())
}

pub fn venue_add(
    ctx: &Ctx,
    name: String,
    kind: String,
    street: String,
    address: String,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let kind: VenueKind = kind.parse()?;
    let id = VenueId::new();
    ctx.record(
        EntityRef::Venue(id),
        OpBody::VenueUpserted(VenueFields {
            name: Some(name.clone()),
            kind: Some(kind),
            address: Some(address),
            street: Some(street),
            location: None,
        }),
    )?;
    writeln!(
        out,
        "venue {} {name} ({}) added; inspect it with `firecheck inspect {}`",
        id.short(),
        kind.label(),
        id.short()
    )?;
    ctx.saved(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFile {
    items: Vec<Answer>,
    #[serde(default)]
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    code: String,
    outcome: Outcome,
    #[serde(default)]
    note: String,
}

pub fn inspect(ctx: &Ctx, args: InspectArgs, out: &mut dyn Write) -> Result<(), CliError> {
    ctx.me()?;
    let states = ctx.states()?;
    let r = refs(&states);
    let venue = find_venue(&states, &args.venue)?.clone();
    let template = match &args.template {
        Some(t) => query::template(&r, t).ok_or_else(|| {
            CliError::NotFound(format!(
                "no checklist template {t:?}; the templates are: {}",
                query::templates(&r)
                    .iter()
                    .map(|t| t.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => query::templates(&r)
            .into_iter()
            .find(|t| t.kinds.contains(&venue.kind))
            .ok_or_else(|| {
                CliError::Invalid(format!(
                    "no template is meant for {} venues; choose one with --template",
                    venue.kind.label()
                ))
            })?,
    }
    .clone();

    let mut note = args.note.clone();
    let answers: Vec<(String, Outcome, String)> = if let Some(path) = &args.from {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CliError::Invalid(format!("cannot read {}: {e}", path.display())))?;
        let file: AnswerFile = serde_json::from_str(&text)
            .map_err(|e| CliError::Invalid(format!("{}: {e}", path.display())))?;
        if let Some(n) = file.note {
            note = n;
        }
        file.items
            .into_iter()
            .map(|a| (a.code, a.outcome, a.note))
            .collect()
    } else if !args.pass_all
        && args.fail.is_empty()
        && args.na.is_empty()
        && std::io::stdin().is_terminal()
    {
        ask(&template, &mut std::io::stdin().lock(), out)?
    } else {
        let mut v = Vec::new();
        for f in &args.fail {
            let (code, n) = f.split_once(':').unwrap_or((f.as_str(), ""));
            v.push((code.trim().to_string(), Outcome::Fail, n.trim().to_string()));
        }
        for code in &args.na {
            v.push((
                code.trim().to_string(),
                Outcome::NotApplicable,
                String::new(),
            ));
        }
        v
    };
    let mut items = Vec::with_capacity(template.items.len());
    for (code, outcome, n) in &answers {
        let item = template.item(code).ok_or_else(|| {
            CliError::Invalid(format!(
                "template {} has no item {code:?}; its items are {}",
                template.code,
                template
                    .items
                    .iter()
                    .map(|i| i.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if items.iter().any(|i: &ItemResult| &i.code == code) {
            return Err(CliError::Invalid(format!("item {code} is answered twice")));
        }
        items.push(ItemResult {
            code: code.clone(),
            outcome: *outcome,
            severity: item.severity,
            note: n.clone(),
            evidence: Vec::new(),
        });
    }
    // Photos are attached after every item is known, so a typo in a code is caught first.
    let mut photos = Vec::new();
    for p in &args.photo {
        let (code, path) = p.split_once('=').ok_or_else(|| {
            CliError::Invalid(format!(
                "--photo {p:?}: write it as CODE=PATH, e.g. EB-EXIT=exit.jpg"
            ))
        })?;
        photos.push((
            code.trim().to_string(),
            std::path::PathBuf::from(path.trim()),
        ));
    }
    let missing: Vec<&str> = template
        .items
        .iter()
        .filter(|i| !items.iter().any(|r| r.code == i.code))
        .map(|i| i.code.as_str())
        .collect();
    if !missing.is_empty() {
        if args.pass_all {
            for code in &missing {
                let item = template.item(code).expect("from the template");
                items.push(ItemResult {
                    code: code.to_string(),
                    outcome: Outcome::Pass,
                    severity: item.severity,
                    note: String::new(),
                    evidence: Vec::new(),
                });
            }
        } else {
            return Err(CliError::Invalid(format!(
                "items not answered: {}; add --pass-all to pass the rest",
                missing.join(", ")
            )));
        }
    }
    for (code, path) in &photos {
        let Some(item) = items.iter_mut().find(|i| &i.code == code) else {
            return Err(CliError::Invalid(format!(
                "--photo names item {code:?}, which template {} does not have",
                template.code
            )));
        };
        item.evidence.push(attach(ctx, path)?);
    }
    // Keep the template's order.
    items.sort_by_key(|i| template.items.iter().position(|t| t.code == i.code));

    let today = Timestamp::now().local_date();
    let campaign = match &args.campaign {
        Some(c) => Some(find_campaign(&states, Some(c))?.id),
        None => query::campaigns(&r)
            .into_iter()
            .find(|c| (c.starts..=c.ends).contains(&today) && c.targets(&venue))
            .map(|c| c.id),
    };
    let now = Timestamp::now();
    let inspection = InspectionId::new();
    let op = ctx.record(
        EntityRef::Inspection {
            venue: venue.id,
            inspection,
        },
        OpBody::InspectionSubmitted(InspectionRecord {
            template: template.id,
            template_version: template.version,
            started_at: now,
            finished_at: now,
            items: items.clone(),
            note,
            campaign,
        }),
    )?;
    let count = |o: Outcome| items.iter().filter(|i| i.outcome == o).count();
    writeln!(
        out,
        "inspection {} of {} ({} v{}): {} pass, {} fail, {} n/a",
        inspection.short(),
        venue.name,
        template.code,
        template.version,
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::NotApplicable)
    )?;
    if let Some(part) = ctx.replica.partition(&Partition::Venue(venue.id))? {
        for h in part.state.hazards.values() {
            let history = part.history(h.id);
            for (i, e) in history.iter().enumerate().filter(|(_, e)| e.op == op.op_id) {
                let before = i.checked_sub(1).map(|p| history[p].status);
                let text = h
                    .item
                    .as_deref()
                    .and_then(|c| template.item(c))
                    .map(|i| i.text.as_str())
                    .unwrap_or("");
                let what = match (&e.action, &e.outcome) {
                    (HazardAction::Found { .. }, _) => "opens hazard",
                    (HazardAction::FoundAgain { .. }, EventOutcome::Conflict { .. }) => {
                        "reopens (conflict with a close) hazard"
                    }
                    (HazardAction::FoundAgain { .. }, _)
                        if e.status == HazardStatus::Reopened
                            && before != Some(HazardStatus::Reopened) =>
                    {
                        "reopens hazard"
                    }
                    (HazardAction::FoundAgain { .. }, _) => "joins open hazard",
                    (HazardAction::PassedReinspection { .. }, _)
                        if e.status == HazardStatus::Verified =>
                    {
                        "verifies hazard"
                    }
                    (HazardAction::PassedReinspection { .. }, _) => {
                        "passes the item of open hazard"
                    }
                    _ => continue,
                };
                writeln!(
                    out,
                    "  {what} {} {} {} {}",
                    h.id.short(),
                    h.item.as_deref().unwrap_or(""),
                    h.severity,
                    text
                )?;
            }
        }
    }
    ctx.saved(out)
}

/// Ask item by item on the terminal.
fn ask(
    template: &ChecklistTemplate,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Vec<(String, Outcome, String)>, CliError> {
    let mut lines = input.lines();
    let mut answers = Vec::new();
    writeln!(
        out,
        "{} (v{}): answer p = pass, f = fail, n = not applicable",
        template.name, template.version
    )?;
    for item in &template.items {
        loop {
            write!(
                out,
                "[{}] {} ({}) p/f/n? ",
                item.code, item.text, item.severity
            )?;
            out.flush()?;
            let Some(line) = lines.next().transpose()? else {
                return Err(CliError::Invalid(
                    "input ended before every item was answered; nothing was saved".into(),
                ));
            };
            let outcome = match line.trim() {
                "p" | "P" | "y" | "pass" => Outcome::Pass,
                "f" | "F" | "fail" => Outcome::Fail,
                "n" | "N" | "na" => Outcome::NotApplicable,
                _ => {
                    writeln!(out, "  please type p, f or n")?;
                    continue;
                }
            };
            let mut note = String::new();
            if outcome == Outcome::Fail {
                write!(out, "  what did you find? ")?;
                out.flush()?;
                note = lines
                    .next()
                    .transpose()?
                    .unwrap_or_default()
                    .trim()
                    .to_string();
            }
            answers.push((item.code.clone(), outcome, note));
            break;
        }
    }
    Ok(answers)
}

pub fn hazards(
    ctx: &Ctx,
    open: bool,
    overdue: bool,
    street: Option<String>,
    mine: bool,
    status: Option<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let me = if mine { Some(ctx.me()?.user.id) } else { None };
    let filter = HazardFilter {
        statuses: status
            .as_deref()
            .map(str::parse)
            .transpose()?
            .into_iter()
            .collect(),
        active: open,
        overdue,
        street,
        ..Default::default()
    };
    let states = ctx.states()?;
    let today = Timestamp::now().local_date();
    let mut list = query::hazards(&refs(&states), &filter, today);
    if let Some(me) = me {
        // Only hazards this user found or acted on (their history is among the records).
        list.retain(|row| {
            states.iter().any(|f| {
                f.state.hazards.contains_key(&row.hazard.id) && query::involves(f, &row.hazard, me)
            })
        });
    }
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    if list.is_empty() {
        writeln!(out, "no hazards match")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            let h = &r.hazard;
            vec![
                h.id.short(),
                format!(
                    "{}{}",
                    h.status.label(),
                    if r.overdue { " OVERDUE" } else { "" }
                ),
                h.severity.to_string(),
                clip(&r.venue_name, 20),
                r.street.clone(),
                h.item.clone().unwrap_or_else(|| "citizen report".into()),
                h.deadline
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                h.assignee.clone().unwrap_or_else(|| "-".into()),
                if r.conflicts > 0 {
                    format!("{} conflict(s)", r.conflicts)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(
            &[
                "ID",
                "STATUS",
                "SEVERITY",
                "VENUE",
                "STREET",
                "ITEM",
                "DEADLINE",
                "ASSIGNED TO",
                ""
            ],
            &rows
        )
    )?;
    writeln!(out, "{} hazards", list.len())?;
    Ok(())
}

/// A deadline: `YYYY-MM-DD` or `+N` days from today.
pub fn parse_due(s: &str, today: NaiveDate) -> Result<NaiveDate, CliError> {
    let s = s.trim();
    if let Some(days) = s.strip_prefix('+') {
        let n: u32 = days
            .trim_end_matches('d')
            .parse()
            .map_err(|_| bad_date(s))?;
        return today
            .checked_add_days(chrono::Days::new(n.into()))
            .ok_or_else(|| bad_date(s));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| bad_date(s))
}

fn bad_date(s: &str) -> CliError {
    CliError::Invalid(format!("could not read the date {s:?}; write it as YYYY-MM-DD (e.g. 2026-12-01) or +7 for a week from today"))
}

pub fn hazard(ctx: &Ctx, cmd: HazardCommand, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (id, body) = match cmd {
        HazardCommand::Show { id } => return hazard_show(ctx, &states, &id, out),
        HazardCommand::Dispatch { id, to, due, note } => {
            let due = parse_due(&due, Timestamp::now().local_date())?;
            (
                id,
                OpBody::HazardDispatched {
                    unit: to,
                    due,
                    note,
                },
            )
        }
        HazardCommand::Fixed { id, note, photo } => {
            let evidence = photo
                .iter()
                .map(|p| attach(ctx, p))
                .collect::<Result<_, _>>()?;
            (id, OpBody::HazardReportedFixed { note, evidence })
        }
        HazardCommand::Verify { id, note } => (id, OpBody::HazardVerified { note }),
        HazardCommand::Reopen { id, reason } => (id, OpBody::HazardReopened { reason }),
        HazardCommand::Close { id, reason } => (id, OpBody::HazardClosed { reason }),
        HazardCommand::Comment { id, text } => (id, OpBody::HazardCommented { text }),
    };
    let (state, h) = find_hazard(&states, &id)?;
    let action = fold::hazard_action(&body).expect("hazard commands make hazard ops");
    if let Err(note) = fold::transition(h.status, &action) {
        return Err(CliError::Invalid(format!(
            "hazard {} is {}: {note}",
            h.id.short(),
            h.status
        )));
    }
    ctx.record(
        EntityRef::Hazard {
            partition: state.state.partition,
            hazard: h.id,
        },
        body,
    )?;
    let after = ctx
        .replica
        .partition(&state.state.partition)?
        .and_then(|s| s.hazard(h.id).cloned());
    if let Some(after) = after {
        writeln!(out, "hazard {} is now {}", after.id.short(), after.status)?;
    }
    ctx.saved(out)
}

fn hazard_show(
    ctx: &Ctx,
    states: &[Folded],
    id: &str,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let (part, h) = find_hazard(states, id)?;
    let state = &part.state;
    let today = Timestamp::now().local_date();
    if ctx.json {
        let detail = query::hazard_detail(part, h.id, today);
        return ctx.print_json(&detail, out);
    }
    let r = refs(states);
    let text = h
        .item
        .as_deref()
        .and_then(|c| {
            query::templates(&r)
                .into_iter()
                .find_map(|t| t.item(c).map(|i| i.text.clone()))
        })
        .unwrap_or_default();
    let venue = state.venue.as_ref();
    writeln!(
        out,
        "hazard {}  [{}]  {}",
        h.id,
        h.status,
        if h.is_overdue(today) { "OVERDUE" } else { "" }
    )?;
    writeln!(
        out,
        "  venue:     {} ({})",
        venue.map(|v| v.name.as_str()).unwrap_or("-"),
        venue.map(|v| v.address.as_str()).unwrap_or("-")
    )?;
    writeln!(
        out,
        "  item:      {} {}  severity {}",
        h.item.as_deref().unwrap_or("citizen report"),
        text,
        h.severity
    )?;
    writeln!(out, "  found:     {} — {}", h.found_at, h.description)?;
    writeln!(
        out,
        "  assigned:  {}  deadline {}",
        h.assignee.as_deref().unwrap_or("-"),
        h.deadline
            .map(|d| d.to_string())
            .unwrap_or_else(|| "-".into())
    )?;
    if h.merged_findings > 0 {
        writeln!(
            out,
            "  merged:    {} other finding(s) of the same problem",
            h.merged_findings
        )?;
    }
    writeln!(out, "history:")?;
    for e in part.history(h.id) {
        let what = match &e.action {
            HazardAction::Found { note } => format!("found: {note}"),
            HazardAction::FoundAgain { note, .. } => format!("found again: {note}"),
            HazardAction::PassedReinspection { .. } => "re-inspection passed".to_string(),
            HazardAction::Dispatched { unit, due, note } => {
                format!("dispatched to {unit}, due {due} {note}")
            }
            HazardAction::ReportedFixed { note, evidence } if !evidence.is_empty() => format!(
                "reported fixed: {note}  [evidence: {}]",
                evidence
                    .iter()
                    .map(|h| h.to_hex())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            HazardAction::ReportedFixed { note, .. } => format!("reported fixed: {note}"),
            HazardAction::Verified { note } => format!("verified {note}"),
            HazardAction::Reopened { reason } => format!("reopened: {reason}"),
            HazardAction::Closed { reason } => format!("closed: {reason}"),
            HazardAction::Commented { text } => format!("comment: {text}"),
        };
        writeln!(
            out,
            "  {}  {:<15} {}",
            Timestamp::from(e.hlc),
            e.status.label(),
            what.trim_end()
        )?;
        if let EventOutcome::Conflict { note } = &e.outcome {
            writeln!(out, "      CONFLICT: {note}")?;
        }
    }
    Ok(())
}

pub fn drill_log(ctx: &Ctx, args: crate::DrillArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let states = ctx.states()?;
    let venue = args
        .venue
        .as_deref()
        .map(|v| find_venue(&states, v).map(|v| v.id))
        .transpose()?;
    let held_at = match &args.when {
        Some(w) => firecheck_shared::fixtures::parse_local_time(w).ok_or_else(|| {
            CliError::Invalid(format!(
                "could not read the time {w:?}; write it as YYYY-MM-DD HH:MM"
            ))
        })?,
        None => Timestamp::now(),
    };
    let evidence = args
        .photo
        .iter()
        .map(|p| attach(ctx, p))
        .collect::<Result<Vec<_>, _>>()?;
    let drill = DrillId::new();
    ctx.record(
        EntityRef::Drill { venue, drill },
        OpBody::DrillRecorded(DrillRecord {
            held_at,
            place: args.place.clone(),
            organiser: args.organiser.clone().unwrap_or(me.org.name.clone()),
            units: args
                .units
                .iter()
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect(),
            scenario: args.scenario.clone(),
            participants: args.participants,
            evacuation_secs: args.evacuation_secs,
            went_well: args.went_well.clone(),
            to_improve: args.to_improve.clone(),
            evidence,
        }),
    )?;
    writeln!(
        out,
        "drill {} at {} logged ({} participants, evacuation {} s)",
        drill.short(),
        args.place,
        args.participants,
        args.evacuation_secs
    )?;
    ctx.saved(out)
}

pub fn drills(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::drills(&refs(&states));
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    if list.is_empty() {
        writeln!(out, "no drills recorded")?;
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|d| {
            vec![
                d.id.short(),
                d.held_at.to_string(),
                clip(&d.place, 24),
                clip(&d.scenario, 30),
                d.participants.to_string(),
                format!("{} s", d.evacuation_secs),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(
            &["ID", "HELD", "PLACE", "SCENARIO", "PEOPLE", "EVACUATION"],
            &rows
        )
    )?;
    Ok(())
}

fn find_campaign<'a>(states: &'a [Folded], id: Option<&str>) -> Result<&'a Campaign, CliError> {
    let r = refs(states);
    let all = query::campaigns(&r);
    match id {
        None => all
            .first()
            .copied()
            .ok_or_else(|| CliError::NotFound("no campaigns on this device; sync first".into())),
        Some(q) => {
            let found: Vec<&Campaign> = all
                .into_iter()
                .filter(|c| c.id.matches(q) || c.name == q)
                .collect();
            match found.len() {
                1 => Ok(found[0]),
                0 => Err(CliError::NotFound(format!(
                    "no campaign {q:?}; list them with `firecheck campaign list`"
                ))),
                _ => Err(CliError::Invalid(format!(
                    "{q:?} matches several campaigns; give more of the id"
                ))),
            }
        }
    }
}

pub fn campaigns(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::campaigns(&refs(&states));
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|c| {
            vec![
                c.id.short(),
                c.name.clone(),
                format!("{} – {}", c.starts, c.ends),
                c.streets.join("、"),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(&["ID", "NAME", "PERIOD", "STREETS"], &rows)
    )?;
    Ok(())
}

pub fn coverage(ctx: &Ctx, id: Option<String>, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let campaign = find_campaign(&states, id.as_deref())?.id;
    let today = Timestamp::now().local_date();
    let parts: Vec<&Folded> = states.iter().collect();
    let cov = query::coverage_of(&parts, campaign, today)
        .ok_or_else(|| CliError::NotFound("campaign vanished".into()))?;
    if ctx.json {
        return ctx.print_json(&cov, out);
    }
    writeln!(
        out,
        "{} ({} – {})",
        cov.campaign.name, cov.campaign.starts, cov.campaign.ends
    )?;
    writeln!(
        out,
        "inspected {}/{} targets; hazards found {}, rectified {}, overdue {}; rectification rate {:.0}%",
        cov.inspected,
        cov.targets,
        cov.hazards_found,
        cov.hazards_rectified,
        cov.hazards_overdue,
        cov.rectification_rate * 100.0
    )?;
    let rows: Vec<Vec<String>> = cov
        .rows
        .iter()
        .map(|r| {
            vec![
                if r.inspections == 0 {
                    "NOT INSPECTED".into()
                } else {
                    "inspected".into()
                },
                r.venue.id.short(),
                clip(&r.venue.name, 24),
                r.venue.kind.label().into(),
                r.venue.address.clone(),
                r.last_inspected
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".into()),
                format!("{}/{}", r.hazards_active, r.hazards_found),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(
            &[
                "",
                "ID",
                "VENUE",
                "KIND",
                "ADDRESS",
                "LAST INSPECTED",
                "HAZARDS OPEN/FOUND"
            ],
            &rows
        )
    )?;
    Ok(())
}

pub fn templates(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::templates(&refs(&states));
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    for t in list {
        writeln!(
            out,
            "{} (v{}) {} — for {}",
            t.code,
            t.version,
            t.name,
            t.kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join("、")
        )?;
        for i in &t.items {
            writeln!(out, "  {:<10} {:<8} {}", i.code, i.severity.label(), i.text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_parse_or_say_how() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(
            parse_due("2026-12-01", today).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
        );
        assert_eq!(
            parse_due("+7", today).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
        );
        let e = parse_due("next friday", today).unwrap_err();
        assert_eq!(e.exit_code(), 6);
        assert!(e.to_string().contains("YYYY-MM-DD"), "{e}");
    }

    fn three_in_one() -> ChecklistTemplate {
        let fixtures = firecheck_shared::fixtures::Fixtures::demo().unwrap();
        let t = fixtures
            .templates
            .into_iter()
            .find(|t| t.code == "three-in-one")
            .expect("the three-in-one template is a fixture");
        ChecklistTemplate {
            id: t.id,
            code: t.code,
            name: t.name,
            version: t.version,
            kinds: t.kinds,
            items: t.items,
        }
    }

    #[test]
    fn the_interactive_checklist_asks_every_item_and_asks_again_on_a_typo() {
        let t = three_in_one();
        // Item 1 fails with a note, item 2 gets a typo and then a pass, the rest n / p.
        let mut typed = "f\n住人区与经营区未分隔\nx\np\n".to_string();
        for i in 2..t.items.len() {
            typed.push_str(if i % 2 == 0 { "n\n" } else { "P\n" });
        }
        let mut out = Vec::new();
        let answers = ask(&t, &mut typed.as_bytes(), &mut out).unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert_eq!(answers.len(), t.items.len());
        assert_eq!(
            answers[0],
            (
                t.items[0].code.clone(),
                Outcome::Fail,
                "住人区与经营区未分隔".into()
            )
        );
        assert_eq!(answers[1].1, Outcome::Pass);
        assert_eq!(answers[2].1, Outcome::NotApplicable);
        assert_eq!(shown.matches("please type p, f or n").count(), 1, "{shown}");
        assert!(shown.contains(&format!("[{}]", t.items[0].code)), "{shown}");
    }

    #[test]
    fn the_interactive_checklist_saves_nothing_when_input_ends_early() {
        let t = three_in_one();
        let e = ask(&t, &mut "p\nf\n".as_bytes(), &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("nothing was saved"), "{e}");
    }
}
