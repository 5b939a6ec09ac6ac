//! `firecheck campaign list` and `firecheck campaign coverage`.

use std::io::Write;

use firecheck_shared::query;
use firecheck_shared::*;

use super::{find_campaign, refs, Ctx};
use crate::table::{clip, render};
use crate::CliError;

/// `firecheck campaign list`.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
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

/// `firecheck campaign coverage`: targets not yet inspected first, then hazards found,
/// rectified and overdue.
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
