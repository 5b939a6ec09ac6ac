//! `firecheck hazards` and `firecheck hazard …`.

use std::io::Write;

use chrono::NaiveDate;
use firecheck_shared::i18n::{words, Lang, Msg};
use firecheck_shared::query::{self, HazardFilter, SourceKind};
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
    if !ctx.table_wanted(&list, msg!("hazards-none"), out)? {
        return Ok(());
    }
    print_rows(ctx, &list, out)?;
    writeln!(out, "{}", t!(ctx.lang, "hazards-count", count = list.len()))?;
    Ok(())
}

/// Hazard rows as a table: id, status (overdue marked), severity, venue, street, what,
/// deadline, unit, conflicts.
pub fn print_rows(
    ctx: &Ctx,
    list: &[query::HazardRow],
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|r| {
            let h = &r.hazard;
            vec![
                h.id.short(),
                if r.overdue {
                    t!(
                        ctx.lang,
                        "hazard-status-overdue",
                        status = words::status(h.status)
                    )
                } else {
                    ctx.say(words::status(h.status))
                },
                ctx.say(words::severity(h.severity)),
                clip(&r.venue_name, 20),
                r.street.clone(),
                what(h, ctx.lang),
                h.deadline
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| "-".into()),
                h.assignee.clone().unwrap_or_else(|| "-".into()),
                if r.conflicts > 0 {
                    t!(ctx.lang, "hazard-conflicts", count = r.conflicts)
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-status"),
        t!(ctx.lang, "col-severity"),
        t!(ctx.lang, "col-venue"),
        t!(ctx.lang, "col-street"),
        t!(ctx.lang, "col-item"),
        t!(ctx.lang, "col-deadline"),
        t!(ctx.lang, "col-assignee"),
        String::new(),
    ];
    write!(out, "{}", render(&header, &rows))?;
    Ok(())
}

/// What a hazard is about in a listing: its checklist item, or where it came from and what
/// was said.
pub fn what(h: &Hazard, lang: Lang) -> String {
    let from = match (&h.item, &h.source) {
        (Some(item), _) => return item.clone(),
        (None, HazardSource::CitizenReport(_)) => words::source(SourceKind::CitizenReport),
        (None, HazardSource::DrillFinding(_)) => words::source(SourceKind::Drill),
        (None, HazardSource::Visit(_)) => words::source(SourceKind::Visit),
        (None, HazardSource::Inspection(_)) => words::source(SourceKind::Inspection),
    };
    t!(
        lang,
        "hazard-what",
        from = from,
        description = clip(&h.description, 16)
    )
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
    CliError::Invalid(msg!("bad-date", value = s))
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
    if fold::transition(h.status, &action).is_err() {
        return Err(CliError::Invalid(msg!(
            "hazard-not-now",
            id = h.id.short(),
            status = words::status(h.status),
            action = action_word(&action)
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
        writeln!(
            out,
            "{}",
            t!(
                ctx.lang,
                "hazard-now",
                id = after.id.short(),
                status = words::status(after.status)
            )
        )?;
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
    let l = ctx.lang;
    let none = || "-".to_string();
    let overdue = if h.is_overdue(today) {
        t!(l, "hazard-overdue")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}",
        t!(
            l,
            "show-title",
            id = h.id.to_string(),
            status = words::status(h.status),
            overdue = overdue
        )
        .trim_end()
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "show-venue",
            name = venue.map(|v| v.name.clone()).unwrap_or_else(none),
            address = venue.map(|v| v.address.clone()).unwrap_or_else(none)
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "show-item",
            item = what(h, l),
            text = text,
            severity = words::severity(h.severity)
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "show-found",
            when = h.found_at.to_string(),
            description = &h.description
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "show-assigned",
            unit = h.assignee.clone().unwrap_or_else(none),
            deadline = h.deadline.map(|d| d.to_string()).unwrap_or_else(none)
        )
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
                .unwrap_or_else(|| t!(l, "show-report-id", id = r.id.short()))
        })
        .collect();
    if !reports.is_empty() {
        writeln!(
            out,
            "  {}",
            t!(l, "show-reports", reports = reports.join(", "))
        )?;
    }
    if let Some(r) = &h.reply {
        writeln!(
            out,
            "  {}",
            t!(l, "show-reply", when = r.at.to_string(), text = &r.text)
        )?;
    }
    if let Some(reason) = h
        .closed_reason
        .as_deref()
        .filter(|_| h.status == HazardStatus::Closed)
    {
        writeln!(out, "  {}", t!(l, "show-closed", reason = reason))?;
    }
    if h.merged_findings > 0 {
        writeln!(out, "  {}", t!(l, "show-merged", count = h.merged_findings))?;
    }
    writeln!(out, "{}", t!(l, "show-history"))?;
    for e in part.history(h.id) {
        let what = match &e.action {
            HazardAction::Found { note } => t!(l, "event-found", note = note),
            HazardAction::FoundAgain { note, .. } => t!(l, "event-found-again", note = note),
            HazardAction::PassedReinspection { .. } => t!(l, "event-passed"),
            HazardAction::Dispatched { unit, due, note } => t!(
                l,
                "event-dispatched",
                unit = unit,
                due = due.to_string(),
                note = note
            ),
            HazardAction::ReportedFixed { note, evidence } if !evidence.is_empty() => t!(
                l,
                "event-fixed-evidence",
                note = note,
                evidence = evidence
                    .iter()
                    .map(|h| h.to_hex())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            HazardAction::ReportedFixed { note, .. } => t!(l, "event-fixed", note = note),
            HazardAction::Verified { note } => t!(l, "event-verified", note = note),
            HazardAction::Reopened { reason } => t!(l, "event-reopened", reason = reason),
            HazardAction::Closed { reason } => t!(l, "event-closed", reason = reason),
            HazardAction::Commented { text } => t!(l, "event-comment", text = text),
            HazardAction::Replied { text } => t!(l, "event-replied", text = text),
            HazardAction::Linked { hazard } => t!(l, "event-linked", hazard = hazard.short()),
            HazardAction::FindingCorrected { inspection, reason } => t!(
                l,
                "event-finding-corrected",
                inspection = inspection.short(),
                reason = reason
            ),
        };
        let status = ctx.say(words::status(e.status));
        // Pad by display width, so Chinese statuses line up too.
        let pad = 15usize.saturating_sub(unicode_width::UnicodeWidthStr::width(status.as_str()));
        writeln!(
            out,
            "  {}  {status}{} {}",
            Timestamp::from(e.hlc),
            " ".repeat(pad),
            what.trim_end()
        )?;
        if let EventOutcome::Conflict { note } = &e.outcome {
            writeln!(out, "      {}", t!(l, "event-conflict", note = note))?;
        }
    }
    Ok(())
}

/// The office's or an inspector's action, in words (for "not possible now").
fn action_word(a: &HazardAction) -> Msg {
    match a {
        HazardAction::Dispatched { .. } => msg!("act-dispatch"),
        HazardAction::ReportedFixed { .. } => msg!("act-fixed"),
        HazardAction::Verified { .. } => msg!("act-verify"),
        HazardAction::Reopened { .. } => msg!("act-reopen"),
        HazardAction::Closed { .. } => msg!("act-close"),
        HazardAction::Commented { .. } => msg!("act-comment"),
        HazardAction::Replied { .. } => msg!("act-reply"),
        HazardAction::Linked { .. } => msg!("act-link"),
        HazardAction::FindingCorrected { .. } => msg!("act-correct"),
        HazardAction::Found { .. }
        | HazardAction::FoundAgain { .. }
        | HazardAction::PassedReinspection { .. } => msg!("act-inspect"),
    }
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
