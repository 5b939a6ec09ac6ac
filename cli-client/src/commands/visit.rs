//! `firecheck visit log|report` and `firecheck visits`: resident visits (走访). A visit goes
//! to a residential area — a residential venue of the list, or an area named with no venue —
//! and the problems residents raise there are each tracked as a hazard; the visit report of
//! an area lists every earlier visit's problems and how each was handled, so the team can
//! report back at the next one.

use std::io::Write;

use chrono::NaiveDate;
use firecheck_shared::i18n::{words, Lang};
use firecheck_shared::query::{self, ProblemHandling, ReportStatus};
use firecheck_shared::*;

use super::{refs, Ctx};
use crate::table::{clip, render};
use crate::{CliError, VisitArgs};

/// Where a visit to `q` folds: a residential venue named exactly so (or by id), else the
/// named area.
fn resolve_area(states: &[Folded], q: &str) -> Result<(Partition, String), CliError> {
    let q = q.trim();
    if q.is_empty() {
        return Err(CliError::Invalid(msg!("visit-name-area")));
    }
    let venues: Vec<&Venue> = states
        .iter()
        .filter_map(|f| f.state.venue.as_ref())
        .filter(|v| v.name == q || v.id.matches(q))
        .collect();
    match venues.as_slice() {
        [] => Ok((Partition::Area(AreaId::for_name(q)), q.to_string())),
        [v] if v.kind == VenueKind::Residential => Ok((Partition::Venue(v.id), v.name.clone())),
        [v] => Err(CliError::Invalid(msg!(
            "visit-not-residential",
            name = &v.name,
            kind = words::kind(v.kind)
        ))),
        more => Err(CliError::Invalid(msg!(
            "visit-ambiguous",
            query = q,
            count = more.len()
        ))),
    }
}

/// `TEXT` or `TEXT::SEVERITY`.
fn problem(arg: &str) -> Result<VisitProblem, CliError> {
    let (text, severity) = match arg.rsplit_once("::") {
        Some((t, s)) => (t, s.parse()?),
        None => (arg, Severity::Major),
    };
    Ok(VisitProblem {
        text: text.trim().to_string(),
        severity,
        evidence: Vec::new(),
    })
}

fn trimmed(list: Vec<String>) -> Vec<String> {
    list.into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// `firecheck visit log`.
pub fn log(ctx: &Ctx, args: VisitArgs, out: &mut dyn Write) -> Result<(), CliError> {
    ctx.me()?;
    let states = ctx.states()?;
    let (partition, area) = resolve_area(&states, &args.area)?;
    let visited_on = match &args.date {
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")
            .map_err(|_| CliError::Invalid(msg!("visit-bad-date", value = d)))?,
        None => Timestamp::now().local_date(),
    };
    let problems = args
        .problem
        .iter()
        .map(|p| problem(p))
        .collect::<Result<Vec<_>, _>>()?;
    let visit = VisitId::new();
    ctx.record(
        EntityRef::Visit { partition, visit },
        OpBody::VisitRecorded(VisitRecord {
            area: area.clone(),
            visited_on,
            team: trimmed(args.team),
            units: trimmed(args.units),
            residents_met: args.residents,
            topics: trimmed(args.topic),
            problems: problems.clone(),
            note: args.note,
        }),
    )?;
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "visit-recorded",
            id = visit.short(),
            area = &area,
            date = visited_on.to_string(),
            count = problems.len()
        )
    )?;
    for (n, p) in problems.iter().enumerate() {
        let id = HazardId::for_visit_problem(visit, n as u32);
        writeln!(
            out,
            "  {} {} {} {}",
            t!(ctx.lang, "effect-opens"),
            id.short(),
            ctx.say(words::severity(p.severity)),
            p.text
        )?;
    }
    ctx.saved(out)
}

/// How a problem was handled, in a few words.
fn handling(p: &ProblemHandling, l: Lang) -> String {
    let h = &p.problem.hazard;
    let status = words::status(h.status);
    let mut s = match p.last.as_ref().map(|e| &e.action) {
        Some(HazardAction::Dispatched { unit, due, .. }) => {
            t!(l, "handling-dispatched", unit = unit, due = due.to_string())
        }
        Some(HazardAction::ReportedFixed { note, .. }) => t!(l, "event-fixed", note = note),
        Some(HazardAction::Verified { note }) => t!(l, "event-verified", note = note),
        Some(HazardAction::Closed { reason }) => t!(l, "event-closed", reason = reason),
        Some(HazardAction::Reopened { reason }) => t!(l, "event-reopened", reason = reason),
        Some(HazardAction::Commented { text }) => {
            t!(l, "handling-commented", status = status, text = text)
        }
        Some(HazardAction::Replied { text }) => {
            t!(l, "handling-replied", status = status, text = text)
        }
        _ => t!(l, "handling-none"),
    };
    if p.problem.overdue {
        s.push_str(&t!(l, "handling-overdue"));
    }
    s
}

/// `firecheck visit report AREA`.
pub fn report(ctx: &Ctx, area: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (partition, name) = resolve_area(&states, area)?;
    let today = Timestamp::now().local_date();
    let report = states
        .iter()
        .find(|f| f.state.partition == partition)
        .and_then(|f| query::visit_report_of(f, today))
        .ok_or_else(|| CliError::NotFound(msg!("visit-none-here", area = &name)))?;
    if ctx.json {
        return ctx.print_json(&report, out);
    }
    let l = ctx.lang;
    writeln!(
        out,
        "{}",
        t!(
            l,
            "visit-report-title",
            area = &report.area,
            visits = report.visits.len(),
            raised = report.raised,
            resolved = report.resolved,
            in_progress = report.in_progress,
            open = report.open
        )
    )?;
    for e in &report.visits {
        let v = &e.visit;
        let team = if v.units.is_empty() {
            v.team.join("、")
        } else {
            t!(
                l,
                "visit-team-with-units",
                team = v.team.join("、"),
                units = v.units.join("、")
            )
        };
        writeln!(
            out,
            "{}",
            t!(
                l,
                "visit-line",
                id = v.id.short(),
                date = v.visited_on.to_string(),
                team = team,
                residents = v.residents_met
            )
        )?;
        if !v.topics.is_empty() {
            writeln!(
                out,
                "  {}",
                t!(l, "visit-topics", topics = v.topics.join("；"))
            )?;
        }
        if e.problems.is_empty() {
            writeln!(out, "  {}", t!(l, "visit-no-problems"))?;
        }
        for p in &e.problems {
            let mark = match ReportStatus::of(p.problem.hazard.status) {
                ReportStatus::Resolved => "✓",
                ReportStatus::InProgress => "…",
                ReportStatus::Received => "·",
            };
            let status = ctx.say(words::status(p.problem.hazard.status));
            let pad =
                14usize.saturating_sub(unicode_width::UnicodeWidthStr::width(status.as_str()));
            writeln!(
                out,
                "  {mark} {} {status}{} {} — {}",
                p.problem.hazard.id.short(),
                " ".repeat(pad),
                clip(&p.problem.hazard.description, 24),
                handling(p, l)
            )?;
        }
    }
    Ok(())
}

/// `firecheck visits`: most recent first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::visits(&refs(&states));
    if !ctx.table_wanted(&list, msg!("visits-none"), out)? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            vec![
                v.id.short(),
                v.visited_on.to_string(),
                clip(&v.area, 16),
                clip(&v.team.join("、"), 24),
                v.residents_met.to_string(),
                v.problems.len().to_string(),
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-date"),
        t!(ctx.lang, "col-area"),
        t!(ctx.lang, "col-team"),
        t!(ctx.lang, "col-residents"),
        t!(ctx.lang, "col-problems"),
    ];
    write!(out, "{}", render(&header, &rows))?;
    Ok(())
}
