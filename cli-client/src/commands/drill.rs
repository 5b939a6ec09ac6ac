//! `firecheck drill log` and `firecheck drills`.

use std::io::Write;

use firecheck_shared::query;
use firecheck_shared::*;

use super::{attach, find_venue, refs, Ctx};
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
