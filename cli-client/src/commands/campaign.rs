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

/// What `firecheck campaign define` is given.
#[derive(Debug, Clone)]
pub struct Define {
    pub name: String,
    pub from: String,
    pub to: String,
    pub streets: Vec<String>,
    pub kinds: Vec<String>,
    pub goal: String,
    pub id: Option<String>,
}

/// `firecheck campaign define`: a campaign's period, target streets and kinds and goal, as a
/// `campaign_defined` op (an officer's). The campaign is the one named by `--id`, else the one
/// this device holds with the same name (defining it again replaces its definition), else a
/// new one whose id derives from the organisation and the name — so running the same command
/// twice defines one campaign. Targets are the venues on those streets of those kinds (an
/// empty list matches all); a campaign names no venues one by one.
pub fn define(ctx: &Ctx, d: Define, out: &mut dyn Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let date = |s: &str, flag: &str| {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| CliError::Invalid(msg!("campaign-bad-date", flag = flag, value = s)))
    };
    let starts = date(&d.from, "--from")?;
    let ends = date(&d.to, "--to")?;
    let clean = |list: Vec<String>| -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in list.iter().flat_map(|s| s.split([',', '，', '、'])) {
            let s = s.trim().to_string();
            if !s.is_empty() && !out.contains(&s) {
                out.push(s);
            }
        }
        out
    };
    let streets = clean(d.streets);
    let kinds = clean(d.kinds)
        .iter()
        .map(|k| firecheck_shared::listing::venue_kind(k))
        .collect::<Result<Vec<_>, _>>()?;
    let states = ctx.states()?;
    let campaign = match &d.id {
        Some(q) => Some(super::find_campaign(&states, Some(q))?.id),
        None => query::campaigns(&refs(&states))
            .into_iter()
            .find(|c| c.name == d.name.trim())
            .map(|c| c.id),
    };
    let id = campaign.unwrap_or_else(|| CampaignId::for_name(me.org.id, &d.name));
    let def = CampaignDefinition {
        name: d.name.trim().to_string(),
        starts,
        ends,
        streets,
        kinds,
        goal: d.goal.trim().to_string(),
    };
    let current = states
        .iter()
        .filter_map(|f| f.state.campaign.as_ref())
        .find(|c| c.id == id);
    let unchanged = current.is_some_and(|c| {
        c.name == def.name
            && c.starts == def.starts
            && c.ends == def.ends
            && c.streets == def.streets
            && c.kinds == def.kinds
            && c.goal == def.goal
    });
    let proposed = Campaign {
        id,
        name: def.name.clone(),
        starts,
        ends,
        streets: def.streets.clone(),
        kinds: def.kinds.clone(),
        goal: def.goal.clone(),
        updated: Hlc::default(),
    };
    let venues: Vec<&Venue> = states
        .iter()
        .filter_map(|f| f.state.venue.as_ref())
        .collect();
    let targets = venues.iter().filter(|v| proposed.targets(v)).count();
    let empty_streets: Vec<String> = def
        .streets
        .iter()
        .filter(|s| !venues.iter().any(|v| &v.street == *s))
        .cloned()
        .collect();
    if !unchanged {
        ctx.record(EntityRef::Campaign(id), OpBody::CampaignDefined(def))?;
    }
    let what = if unchanged {
        msg!("campaign-unchanged")
    } else if current.is_some() {
        msg!("campaign-redefined")
    } else {
        msg!("campaign-defined")
    };
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "campaign-define-done",
            id = id.short(),
            name = &proposed.name,
            starts = starts.to_string(),
            ends = ends.to_string(),
            what = what,
            targets = targets
        )
    )?;
    for s in empty_streets {
        writeln!(out, "{}", t!(ctx.lang, "campaign-empty-street", street = s))?;
    }
    if !unchanged {
        ctx.saved(out)?;
    }
    Ok(())
}
