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
        Some(w) => fixtures::parse_local_time(w)
            .ok_or_else(|| CliError::Invalid(msg!("bad-time", value = w)))?,
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
        "{}",
        t!(
            ctx.lang,
            "drill-logged",
            id = drill.short(),
            place = &args.place,
            participants = args.participants,
            secs = args.evacuation_secs
        )
    )?;
    ctx.saved(out)
}

/// `firecheck drills`: most recent first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::drills(&refs(&states));
    if !ctx.table_wanted(&list, msg!("drills-none"), out)? {
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
                t!(ctx.lang, "seconds", secs = d.evacuation_secs),
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-held"),
        t!(ctx.lang, "col-place"),
        t!(ctx.lang, "col-scenario"),
        t!(ctx.lang, "col-people"),
        t!(ctx.lang, "col-evacuation"),
    ];
    write!(out, "{}", render(&header, &rows))?;
    Ok(())
}

/// A drill by id or id prefix, with the partition it folds in.
fn find_drill<'a>(states: &'a [Folded], q: &str) -> Result<(&'a Folded, &'a Drill), CliError> {
    if q.trim().replace('-', "").len() < 4 {
        return Err(CliError::Invalid(msg!("drill-id-too-short", query = q)));
    }
    let found: Vec<(&Folded, &Drill)> = states
        .iter()
        .flat_map(|f| f.state.drills.values().map(move |d| (f, d)))
        .filter(|(_, d)| d.id.matches(q))
        .collect();
    match found.len() {
        0 => Err(CliError::NotFound(msg!("drill-not-found", query = q))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(msg!(
            "drill-ambiguous",
            query = q,
            count = n
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
        return Err(CliError::Invalid(msg!(
            "drill-finding-exists",
            hazard = id.short()
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
        "{}",
        t!(
            ctx.lang,
            "drill-finding-tracked",
            drill = drill.id.short(),
            place = &drill.place,
            hazard = id.short()
        )
    )?;
    ctx.saved(out)
}

/// `firecheck drill show`: the drill, and each finding with where it stands.
pub fn show(ctx: &Ctx, q: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, drill) = find_drill(&states, q)?;
    let today = Timestamp::now().local_date();
    let detail = query::drill_detail(&part.state, drill.id, today)
        .ok_or_else(|| CliError::NotFound(msg!("drill-not-found", query = q)))?;
    if ctx.json {
        return ctx.print_json(&detail, out);
    }
    let d = &detail.drill;
    let l = ctx.lang;
    writeln!(
        out,
        "{}",
        t!(
            l,
            "drill-show-title",
            id = d.id.to_string(),
            when = d.held_at.to_string(),
            place = &d.place
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(l, "drill-show-organiser", organiser = &d.organiser)
    )?;
    writeln!(
        out,
        "  {}",
        t!(l, "drill-show-units", units = d.units.join("、"))
    )?;
    writeln!(
        out,
        "  {}",
        t!(l, "drill-show-scenario", scenario = &d.scenario)
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "drill-show-people",
            participants = d.participants,
            secs = d.evacuation_secs
        )
    )?;
    if !d.went_well.is_empty() {
        writeln!(
            out,
            "  {}",
            t!(l, "drill-show-went-well", text = &d.went_well)
        )?;
    }
    if !d.to_improve.is_empty() {
        writeln!(
            out,
            "  {}",
            t!(l, "drill-show-to-improve", text = &d.to_improve)
        )?;
    }
    if detail.findings.is_empty() {
        writeln!(out, "{}", t!(l, "drill-no-findings", id = d.id.short()))?;
        return Ok(());
    }
    writeln!(out, "{}", t!(l, "drill-findings"))?;
    print_rows(ctx, &detail.findings, out)
}
