//! `firecheck drill log|finding|show` and `firecheck drills`.

use std::io::Write;

use firecheck_shared::query;
use firecheck_shared::*;

use super::{attach, find_venue, refs, Ctx};
use crate::commands::hazard::print_rows;
use crate::table::{clip, render};
use crate::{CliError, DrillArgs};

/// `firecheck drill log`: a drill that took place.
pub fn log(ctx: &Ctx, args: DrillArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let states = ctx.states()?;
    let venue = args
        .venue
        .as_deref()
        .map(|v| find_venue(&states, v).map(|v| v.id))
        .transpose()?;
    let held_at = match &args.when {
        Some(w) => fixtures::parse_local_time(w).ok_or_else(|| {
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

/// `firecheck drills`: most recent first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::drills(&refs(&states));
    if !ctx.table_wanted(&list, "no drills recorded", out)? {
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

/// A drill by id or id prefix, with the partition it folds in.
fn find_drill<'a>(states: &'a [Folded], q: &str) -> Result<(&'a Folded, &'a Drill), CliError> {
    if q.trim().replace('-', "").len() < 4 {
        return Err(CliError::Invalid(format!(
            "drill id {q:?} is too short; give at least 4 characters"
        )));
    }
    let found: Vec<(&Folded, &Drill)> = states
        .iter()
        .flat_map(|f| f.state.drills.values().map(move |d| (f, d)))
        .filter(|(_, d)| d.id.matches(q))
        .collect();
    match found.len() {
        0 => Err(CliError::NotFound(format!(
            "no drill {q:?} on this device; list them with `firecheck drills`"
        ))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(format!(
            "{q:?} matches {n} drills; give more of the id"
        ))),
    }
}

/// `firecheck drill finding`: a "must improve" point as a tracked item.
pub fn finding(
    ctx: &Ctx,
    q: &str,
    point: String,
    severity: &str,
    photo: &[std::path::PathBuf],
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (_, drill) = find_drill(&states, q)?;
    let severity: Severity = severity.parse()?;
    let id = HazardId::for_drill_finding(drill.id, &point);
    if drill.findings.contains(&id) {
        return Err(CliError::Invalid(format!(
            "this point of the drill is already tracked as hazard {}",
            id.short()
        )));
    }
    let evidence = photo
        .iter()
        .map(|p| attach(ctx, p))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.record(
        EntityRef::Drill {
            venue: drill.venue,
            drill: drill.id,
        },
        OpBody::DrillFindingRecorded(DrillFindingRecord {
            point: point.trim().to_string(),
            severity,
            evidence,
        }),
    )?;
    writeln!(
        out,
        "finding of drill {} at {} tracked as hazard {}; dispatch it with `firecheck hazard dispatch {}`",
        drill.id.short(),
        drill.place,
        id.short(),
        id.short()
    )?;
    ctx.saved(out)
}

/// `firecheck drill show`: the drill, and each finding with where it stands.
pub fn show(ctx: &Ctx, q: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, drill) = find_drill(&states, q)?;
    let today = Timestamp::now().local_date();
    let detail = query::drill_detail(&part.state, drill.id, today)
        .ok_or_else(|| CliError::NotFound(format!("no drill {q:?}")))?;
    if ctx.json {
        return ctx.print_json(&detail, out);
    }
    let d = &detail.drill;
    writeln!(out, "drill {}  {}  {}", d.id, d.held_at, d.place)?;
    writeln!(out, "  organiser: {}", d.organiser)?;
    writeln!(out, "  units:     {}", d.units.join("、"))?;
    writeln!(out, "  scenario:  {}", d.scenario)?;
    writeln!(
        out,
        "  {} participants, evacuation {} s",
        d.participants, d.evacuation_secs
    )?;
    if !d.went_well.is_empty() {
        writeln!(out, "  went well: {}", d.went_well)?;
    }
    if !d.to_improve.is_empty() {
        writeln!(out, "  to improve: {}", d.to_improve)?;
    }
    if detail.findings.is_empty() {
        writeln!(
            out,
            "no findings tracked yet; add one with `firecheck drill finding {} --point …`",
            d.id.short()
        )?;
        return Ok(());
    }
    writeln!(out, "findings:")?;
    print_rows(&detail.findings, out)
}
