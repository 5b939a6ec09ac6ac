//! `firecheck campaign list` and `firecheck campaign coverage`.

use std::io::Write;

use firecheck_shared::i18n::words;
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
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-name"),
        t!(ctx.lang, "col-period"),
        t!(ctx.lang, "col-streets"),
    ];
    write!(out, "{}", render(&header, &rows))?;
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
        .ok_or_else(|| CliError::NotFound(msg!("campaign-none")))?;
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
        "{}",
        t!(
            ctx.lang,
            "coverage-summary",
            inspected = cov.inspected,
            targets = cov.targets,
            found = cov.hazards_found,
            rectified = cov.hazards_rectified,
            overdue = cov.hazards_overdue,
            rate = format!("{:.0}", cov.rectification_rate * 100.0)
        )
    )?;
    let rows: Vec<Vec<String>> = cov
        .rows
        .iter()
        .map(|r| {
            vec![
                if r.inspections == 0 {
                    t!(ctx.lang, "coverage-not-inspected")
                } else {
                    t!(ctx.lang, "coverage-inspected")
                },
                r.venue.id.short(),
                clip(&r.venue.name, 24),
                ctx.say(words::kind(r.venue.kind)),
                r.venue.address.clone(),
                r.last_inspected
                    .map(|t| t.to_string())
                    .unwrap_or_else(|| "-".into()),
                format!("{}/{}", r.hazards_active, r.hazards_found),
            ]
        })
        .collect();
    let header = [
        String::new(),
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-venue"),
        t!(ctx.lang, "col-kind"),
        t!(ctx.lang, "col-address"),
        t!(ctx.lang, "col-last-inspected"),
        t!(ctx.lang, "col-hazards-open-found"),
    ];
    write!(out, "{}", render(&header, &rows))?;
    Ok(())
}
