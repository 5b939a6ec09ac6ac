//! `firecheck inspection amend|show|list`: corrections to an inspection already recorded.
//! An amendment is an op of its own, with its reason; the original stays (the inspection
//! lists each amendment with the answers it changed). A failed item corrected to pass or n/a
//! withdraws its finding: the hazard it opened closes, with the reason in its history.

use std::io::Write;

use firecheck_shared::i18n::words;
use firecheck_shared::query;
use firecheck_shared::*;

use super::{find_venue, Ctx};
use crate::table::{clip, render};
use crate::{CliError, InspectionCommand};

/// `firecheck inspection …`.
pub fn run(ctx: &Ctx, cmd: InspectionCommand, out: &mut dyn Write) -> Result<(), CliError> {
    match cmd {
        InspectionCommand::Amend {
            inspection,
            reason,
            item,
            note,
        } => amend(ctx, &inspection, reason, &item, note, out),
        InspectionCommand::Show { inspection } => show(ctx, &inspection, out),
        InspectionCommand::List { venue } => list(ctx, &venue, out),
    }
}

/// An inspection by id or id prefix, with the partition it is recorded in.
pub fn find_inspection<'a>(
    states: &'a [Folded],
    q: &str,
) -> Result<(&'a Folded, &'a Inspection), CliError> {
    if q.trim().replace('-', "").len() < 4 {
        return Err(CliError::Invalid(msg!(
            "inspection-id-too-short",
            query = q
        )));
    }
    let found: Vec<(&Folded, &Inspection)> = states
        .iter()
        .flat_map(|f| f.records.inspections.values().map(move |i| (f, i)))
        .filter(|(_, i)| i.id.matches(q))
        .collect();
    match found.len() {
        0 => Err(CliError::NotFound(msg!("inspection-not-found", query = q))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(msg!(
            "inspection-ambiguous",
            query = q,
            count = n
        ))),
    }
}

/// `pass`, `fail`, `na`.
fn outcome(s: &str) -> Result<Outcome, CliError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "pass" | "p" => Ok(Outcome::Pass),
        "fail" | "f" => Ok(Outcome::Fail),
        "na" | "n/a" | "n" | "not_applicable" | "not-applicable" => Ok(Outcome::NotApplicable),
        other => Err(CliError::Invalid(msg!(
            "inspection-bad-outcome",
            value = other
        ))),
    }
}

/// `CODE=OUTCOME[:NOTE]` against the inspection's items.
fn corrected_items(inspection: &Inspection, args: &[String]) -> Result<Vec<ItemResult>, CliError> {
    let mut items: Vec<ItemResult> = Vec::new();
    for a in args {
        let (code, rest) = a
            .split_once('=')
            .ok_or_else(|| CliError::Invalid(msg!("inspection-item-arg", value = a)))?;
        let (o, note) = rest.split_once(':').unwrap_or((rest, ""));
        let code = code.trim();
        let old = inspection
            .items
            .iter()
            .find(|i| i.code == code)
            .ok_or_else(|| {
                CliError::Invalid(msg!(
                    "inspection-no-item",
                    id = inspection.id.short(),
                    code = code,
                    codes = inspection
                        .items
                        .iter()
                        .map(|i| i.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        if items.iter().any(|i| i.code == code) {
            return Err(CliError::Invalid(msg!("item-corrected-twice", code = code)));
        }
        items.push(ItemResult {
            code: code.to_string(),
            outcome: outcome(o)?,
            severity: old.severity,
            note: note.trim().to_string(),
            evidence: old.evidence.clone(),
        });
    }
    Ok(items)
}

fn amend(
    ctx: &Ctx,
    q: &str,
    reason: String,
    item_args: &[String],
    note: Option<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, inspection) = find_inspection(&states, q)?;
    let items = corrected_items(inspection, item_args)?;
    if items.is_empty() && note.is_none() {
        return Err(CliError::Invalid(msg!("inspection-nothing-to-correct")));
    }
    let p = part.state.partition;
    let op = ctx.record(
        EntityRef::Inspection {
            venue: inspection.venue,
            inspection: inspection.id,
        },
        OpBody::InspectionAmended(InspectionAmendment {
            reason,
            items,
            note,
        }),
    )?;
    writeln!(
        out,
        "{}",
        t!(ctx.lang, "inspection-amended", id = inspection.id.short())
    )?;
    if let Some(after) = ctx.replica.partition(&p)? {
        for h in after.state.hazards.values() {
            for e in after.history(h.id).iter().filter(|e| e.op == op.op_id) {
                let what = match (&e.action, e.status) {
                    (HazardAction::FindingCorrected { .. }, HazardStatus::Closed) => {
                        msg!("effect-closes")
                    }
                    (HazardAction::FindingCorrected { .. }, _) => msg!("effect-withdraws"),
                    (HazardAction::Found { .. }, _) => msg!("effect-opens"),
                    (HazardAction::FoundAgain { .. }, _) => msg!("effect-finds-again"),
                    (HazardAction::PassedReinspection { .. }, HazardStatus::Verified) => {
                        msg!("effect-verifies")
                    }
                    _ => msg!("effect-records"),
                };
                writeln!(
                    out,
                    "  {} {} {} {}",
                    ctx.say(what),
                    h.id.short(),
                    h.item.as_deref().unwrap_or(""),
                    ctx.say(words::status(h.status))
                )?;
            }
        }
    }
    ctx.saved(out)
}

/// An outcome in words, padded to `width` display columns.
fn label(ctx: &Ctx, o: Outcome, width: usize) -> String {
    let s = ctx.say(words::outcome(o));
    let pad = width.saturating_sub(unicode_width::UnicodeWidthStr::width(s.as_str()));
    format!("{s}{}", " ".repeat(pad))
}

fn show(ctx: &Ctx, q: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, i) = find_inspection(&states, q)?;
    if ctx.json {
        return ctx.print_json(i, out);
    }
    let venue = part
        .state
        .venue
        .as_ref()
        .map(|v| v.name.as_str())
        .unwrap_or("-");
    let l = ctx.lang;
    writeln!(
        out,
        "{}",
        t!(
            l,
            "inspection-show-title",
            id = i.id.to_string(),
            venue = venue,
            finished = i.finished_at.to_string(),
            recorded = Timestamp::from(i.hlc).to_string()
        )
    )?;
    if !i.note.is_empty() {
        writeln!(out, "  {}", t!(l, "inspection-show-note", note = &i.note))?;
    }
    for item in &i.items {
        writeln!(
            out,
            "  {:<10} {} {}",
            item.code,
            label(ctx, item.outcome, 8),
            item.note
        )?;
    }
    for a in &i.amendments {
        writeln!(
            out,
            "{}",
            t!(
                l,
                "inspection-show-amended",
                when = Timestamp::from(a.hlc).to_string(),
                reason = &a.reason
            )
        )?;
        for c in &a.changes {
            writeln!(
                out,
                "  {:<10} {} {} → {} {}",
                c.code,
                c.from
                    .map(|o| label(ctx, o, 0))
                    .unwrap_or_else(|| t!(l, "inspection-show-none")),
                c.from_note,
                label(ctx, c.to, 0),
                c.to_note
            )?;
        }
    }
    Ok(())
}

fn list(ctx: &Ctx, venue: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let v = find_venue(&states, venue)?;
    let list = states
        .iter()
        .find(|f| f.state.partition == Partition::Venue(v.id))
        .map(query::inspections_of)
        .unwrap_or_default();
    if !ctx.table_wanted(&list, msg!("inspections-none", venue = &v.name), out)? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            let fails = i.failed().count();
            vec![
                i.id.short(),
                i.finished_at.to_string(),
                t!(
                    ctx.lang,
                    "inspections-items",
                    items = i.items.len(),
                    failed = fails
                ),
                if i.amendments.is_empty() {
                    String::new()
                } else {
                    t!(ctx.lang, "inspections-amended", count = i.amendments.len())
                },
                clip(&i.note, 30),
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-finished"),
        t!(ctx.lang, "col-items"),
        String::new(),
        t!(ctx.lang, "col-note"),
    ];
    write!(out, "{}", render(&header, &rows))?;
    Ok(())
}
