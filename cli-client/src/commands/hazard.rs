//! `firecheck hazards` and `firecheck hazard …`.

use std::io::Write;

use chrono::NaiveDate;
use firecheck_shared::query::{self, HazardFilter};
use firecheck_shared::*;

use super::{attach, find_hazard, refs, Ctx};
use crate::table::{clip, render};
use crate::{CliError, HazardCommand};

/// What `firecheck hazards` filters by.
#[derive(Debug, Default)]
pub struct ListArgs {
    pub open: bool,
    pub overdue: bool,
    pub street: Option<String>,
    pub mine: bool,
    pub status: Option<String>,
    pub source: Option<String>,
}

/// `firecheck hazards`: overdue first, then by deadline.
pub fn list(ctx: &Ctx, args: ListArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let me = if args.mine {
        Some(ctx.me()?.user.id)
    } else {
        None
    };
    let filter = HazardFilter {
        statuses: args
            .status
            .as_deref()
            .map(str::parse)
            .transpose()?
            .into_iter()
            .collect(),
        sources: args
            .source
            .as_deref()
            .map(str::parse)
            .transpose()?
            .into_iter()
            .collect(),
        active: args.open,
        overdue: args.overdue,
        street: args.street,
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
    if !ctx.table_wanted(&list, "no hazards match", out)? {
        return Ok(());
    }
    print_rows(&list, out)?;
    writeln!(out, "{} hazards", list.len())?;
    Ok(())
}

/// Hazard rows as a table: id, status (overdue marked), severity, venue, street, what,
/// deadline, unit, conflicts.
pub fn print_rows(list: &[query::HazardRow], out: &mut dyn Write) -> Result<(), CliError> {
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
                what(h),
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
    Ok(())
}

/// What a hazard is about in a listing: its checklist item, or where it came from and what
/// was said.
pub fn what(h: &Hazard) -> String {
    let from = match (&h.item, &h.source) {
        (Some(item), _) => return item.clone(),
        (None, HazardSource::CitizenReport(_)) => "citizen report",
        (None, HazardSource::DrillFinding(_)) => "drill",
        (None, HazardSource::Visit(_)) => "visit",
        (None, HazardSource::Inspection(_)) => "inspection",
    };
    format!("{from}: {}", clip(&h.description, 16))
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

/// `firecheck hazard …`: show one hazard, or act on it.
pub fn act(ctx: &Ctx, cmd: HazardCommand, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (id, body) = match cmd {
        HazardCommand::Show { id } => return show(ctx, &states, &id, out),
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
        HazardCommand::Reply { id, text } => (id, OpBody::HazardReplied { text }),
    };
    let (state, h) = find_hazard(&states, &id)?;
    // Cannot fail: every arm above but `Show` (which returned) builds a `Hazard…` body, and
    // those are exactly the bodies `hazard_action` maps.
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

/// `firecheck hazard show`: the hazard and its whole history, conflict notes included.
fn show(ctx: &Ctx, states: &[Folded], id: &str, out: &mut dyn Write) -> Result<(), CliError> {
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
        what(h),
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
    // The citizen reports it follows: its own, and those linked to it.
    let reports: Vec<String> = states
        .iter()
        .flat_map(|f| f.state.reports.values())
        .filter(|r| {
            r.linked_to.map(|l| l.hazard) == Some(h.id)
                || (r.hazard == h.id && r.linked_to.is_none())
        })
        .map(|r| {
            r.case_number
                .clone()
                .unwrap_or_else(|| format!("report {}", r.id.short()))
        })
        .collect();
    if !reports.is_empty() {
        writeln!(out, "  reports:   {}", reports.join(", "))?;
    }
    if let Some(r) = &h.reply {
        writeln!(out, "  reply:     {} — {}", r.at, r.text)?;
    }
    if let Some(reason) = h
        .closed_reason
        .as_deref()
        .filter(|_| h.status == HazardStatus::Closed)
    {
        writeln!(out, "  closed:    {reason}")?;
    }
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
            HazardAction::Replied { text } => format!("replied to the citizen: {text}"),
            HazardAction::Linked { hazard } => {
                format!(
                    "the same problem as hazard {}: followed there",
                    hazard.short()
                )
            }
            HazardAction::FindingCorrected { inspection, reason } => format!(
                "finding corrected by an amendment of inspection {}: {reason}",
                inspection.short()
            ),
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
}
