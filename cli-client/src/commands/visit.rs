//! `firecheck visit log|report` and `firecheck visits`: resident visits (走访). A visit goes
//! to a residential area — a residential venue of the list, or an area named with no venue —
//! and the problems residents raise there are each tracked as a hazard; the visit report of
//! an area lists every earlier visit's problems and how each was handled, so the team can
//! report back at the next one.

use std::io::Write;

use chrono::NaiveDate;
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
        return Err(CliError::Invalid("name the area visited".into()));
    }
    let venues: Vec<&Venue> = states
        .iter()
        .filter_map(|f| f.state.venue.as_ref())
        .filter(|v| v.name == q || v.id.matches(q))
        .collect();
    match venues.as_slice() {
        [] => Ok((Partition::Area(AreaId::for_name(q)), q.to_string())),
        [v] if v.kind == VenueKind::Residential => Ok((Partition::Venue(v.id), v.name.clone())),
        [v] => Err(CliError::Invalid(format!(
            "{} is a {}; a visit goes to a residential area (a residential venue, or an area named with no venue)",
            v.name,
            v.kind.label()
        ))),
        more => Err(CliError::Invalid(format!(
            "{q:?} names {} venues; give the venue's id",
            more.len()
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
        Some(d) => NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| {
            CliError::Invalid(format!(
                "could not read the date {d:?}; write it as YYYY-MM-DD"
            ))
        })?,
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
        "visit {} to {area} on {visited_on} recorded, {} problem(s) raised",
        visit.short(),
        problems.len()
    )?;
    for (n, p) in problems.iter().enumerate() {
        let id = HazardId::for_visit_problem(visit, n as u32);
        writeln!(
            out,
            "  opens hazard {} {} {}",
            id.short(),
            p.severity,
            p.text
        )?;
    }
    ctx.saved(out)
}

/// How a problem was handled, in a few words.
fn handling(p: &ProblemHandling) -> String {
    let h = &p.problem.hazard;
    let mut s = match p.last.as_ref().map(|e| &e.action) {
        Some(HazardAction::Dispatched { unit, due, .. }) => {
            format!("dispatched to {unit}, due {due}")
        }
        Some(HazardAction::ReportedFixed { note, .. }) => format!("reported fixed: {note}"),
        Some(HazardAction::Verified { note }) => format!("verified {note}"),
        Some(HazardAction::Closed { reason }) => format!("closed: {reason}"),
        Some(HazardAction::Reopened { reason }) => format!("reopened: {reason}"),
        Some(HazardAction::Commented { text }) => format!("{} — {text}", h.status),
        Some(HazardAction::Replied { text }) => format!("{} — replied: {text}", h.status),
        _ => "not acted on yet".to_string(),
    };
    if p.problem.overdue {
        s.push_str(" — OVERDUE");
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
        .ok_or_else(|| {
            CliError::NotFound(format!(
                "no visit to {name} on this device; record one with `firecheck visit log --area {name}`"
            ))
        })?;
    if ctx.json {
        return ctx.print_json(&report, out);
    }
    writeln!(
        out,
        "走访反馈 {}: {} visit(s), {} problem(s) raised — {} resolved, {} in progress, {} not acted on",
        report.area,
        report.visits.len(),
        report.raised,
        report.resolved,
        report.in_progress,
        report.open
    )?;
    for e in &report.visits {
        let v = &e.visit;
        writeln!(
            out,
            "visit {} on {}: {}{}; {} residents met",
            v.id.short(),
            v.visited_on,
            v.team.join("、"),
            if v.units.is_empty() {
                String::new()
            } else {
                format!(" with {}", v.units.join("、"))
            },
            v.residents_met
        )?;
        if !v.topics.is_empty() {
            writeln!(out, "  topics: {}", v.topics.join("；"))?;
        }
        if e.problems.is_empty() {
            writeln!(out, "  no problems raised")?;
        }
        for p in &e.problems {
            let mark = match ReportStatus::of(p.problem.hazard.status) {
                ReportStatus::Resolved => "✓",
                ReportStatus::InProgress => "…",
                ReportStatus::Received => "·",
            };
            writeln!(
                out,
                "  {mark} {} {:<14} {} — {}",
                p.problem.hazard.id.short(),
                p.problem.hazard.status.label(),
                clip(&p.problem.hazard.description, 24),
                handling(p)
            )?;
        }
    }
    Ok(())
}

/// `firecheck visits`: most recent first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::visits(&refs(&states));
    if !ctx.table_wanted(&list, "no visits recorded", out)? {
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
    write!(
        out,
        "{}",
        render(
            &["ID", "DATE", "AREA", "TEAM", "RESIDENTS", "PROBLEMS"],
            &rows
        )
    )?;
    Ok(())
}
