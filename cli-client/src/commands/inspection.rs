//! `firecheck inspection amend|show|list`: corrections to an inspection already recorded.
//! An amendment is an op of its own, with its reason; the original stays (the inspection
//! lists each amendment with the answers it changed). A failed item corrected to pass or n/a
//! withdraws its finding: the hazard it opened closes, with the reason in its history.

use std::io::Write;

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
        return Err(CliError::Invalid(format!(
            "inspection id {q:?} is too short; give at least 4 characters"
        )));
    }
    let found: Vec<(&Folded, &Inspection)> = states
        .iter()
        .flat_map(|f| f.records.inspections.values().map(move |i| (f, i)))
        .filter(|(_, i)| i.id.matches(q))
        .collect();
    match found.len() {
        0 => Err(CliError::NotFound(format!(
            "no inspection {q:?} on this device; list a venue's with `firecheck inspection list VENUE`"
        ))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(format!(
            "{q:?} matches {n} inspections; give more of the id"
        ))),
    }
}

/// `pass`, `fail`, `na`.
fn outcome(s: &str) -> Result<Outcome, CliError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "pass" | "p" => Ok(Outcome::Pass),
        "fail" | "f" => Ok(Outcome::Fail),
        "na" | "n/a" | "n" | "not_applicable" | "not-applicable" => Ok(Outcome::NotApplicable),
        other => Err(CliError::Invalid(format!(
            "unknown outcome {other:?}; write pass, fail or na"
        ))),
    }
}

/// `CODE=OUTCOME[:NOTE]` against the inspection's items.
fn corrected_items(inspection: &Inspection, args: &[String]) -> Result<Vec<ItemResult>, CliError> {
    let mut items: Vec<ItemResult> = Vec::new();
    for a in args {
        let (code, rest) = a.split_once('=').ok_or_else(|| {
            CliError::Invalid(format!(
                "--item {a:?}: write it as CODE=pass, CODE=na or CODE=fail:note"
            ))
        })?;
        let (o, note) = rest.split_once(':').unwrap_or((rest, ""));
        let code = code.trim();
        let old = inspection
            .items
            .iter()
            .find(|i| i.code == code)
            .ok_or_else(|| {
                CliError::Invalid(format!(
                    "inspection {} has no item {code:?}; its items are {}",
                    inspection.id.short(),
                    inspection
                        .items
                        .iter()
                        .map(|i| i.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
        if items.iter().any(|i| i.code == code) {
            return Err(CliError::Invalid(format!("item {code} is corrected twice")));
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
        return Err(CliError::Invalid(
            "nothing to correct: give --item CODE=OUTCOME or --note".into(),
        ));
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
    writeln!(out, "inspection {} amended", inspection.id.short())?;
    if let Some(after) = ctx.replica.partition(&p)? {
        for h in after.state.hazards.values() {
            for e in after.history(h.id).iter().filter(|e| e.op == op.op_id) {
                let what = match (&e.action, e.status) {
                    (HazardAction::FindingCorrected { .. }, HazardStatus::Closed) => {
                        "closes hazard"
                    }
                    (HazardAction::FindingCorrected { .. }, _) => {
                        "withdraws its finding (other findings stand) from hazard"
                    }
                    (HazardAction::Found { .. }, _) => "opens hazard",
                    (HazardAction::FoundAgain { .. }, _) => "finds again hazard",
                    (HazardAction::PassedReinspection { .. }, HazardStatus::Verified) => {
                        "verifies hazard"
                    }
                    _ => "records on hazard",
                };
                writeln!(
                    out,
                    "  {what} {} {} {}",
                    h.id.short(),
                    h.item.as_deref().unwrap_or(""),
                    h.status
                )?;
            }
        }
    }
    ctx.saved(out)
}

fn label(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::NotApplicable => "n/a",
    }
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
    writeln!(
        out,
        "inspection {}  {}  finished {}  (recorded {})",
        i.id,
        venue,
        i.finished_at,
        Timestamp::from(i.hlc)
    )?;
    if !i.note.is_empty() {
        writeln!(out, "  note: {}", i.note)?;
    }
    for item in &i.items {
        writeln!(
            out,
            "  {:<10} {:<5} {}",
            item.code,
            label(item.outcome),
            item.note
        )?;
    }
    for a in &i.amendments {
        writeln!(out, "amended {}: {}", Timestamp::from(a.hlc), a.reason)?;
        for c in &a.changes {
            writeln!(
                out,
                "  {:<10} {} {} → {} {}",
                c.code,
                c.from.map(label).unwrap_or("(none)"),
                c.from_note,
                label(c.to),
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
    if !ctx.table_wanted(
        &list,
        &format!("no inspections of {} on this device", v.name),
        out,
    )? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|i| {
            let fails = i.failed().count();
            vec![
                i.id.short(),
                i.finished_at.to_string(),
                format!("{} items, {fails} failed", i.items.len()),
                if i.amendments.is_empty() {
                    String::new()
                } else {
                    format!("amended ×{}", i.amendments.len())
                },
                clip(&i.note, 30),
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(&["ID", "FINISHED", "ITEMS", "", "NOTE"], &rows)
    )?;
    Ok(())
}
