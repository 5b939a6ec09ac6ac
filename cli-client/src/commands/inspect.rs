//! `firecheck inspect` and `firecheck templates`.
//!
//! An inspection is recorded in named steps: [`pick_template`] → [`gather_answers`] (a file,
//! the terminal, or the flags) → [`answered_items`] → [`photo_args`] → [`complete_items`]
//! (`--pass-all`) → [`attach_photos`] → [`campaign_for`] → one `InspectionSubmitted` op →
//! [`report_hazards`] (what the inspection did to the venue's hazards). Every check comes
//! before anything is copied or recorded, so a mistake saves nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use firecheck_shared::query;
use firecheck_shared::validate;
use firecheck_shared::*;
use serde::Deserialize;

use super::{attach, find_campaign, find_venue, refs, Ctx};
use crate::{CliError, InspectArgs};

/// The answers file of `--from`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerFile {
    items: Vec<Answer>,
    #[serde(default)]
    note: Option<String>,
}

/// One item's answer, however it was given.
#[derive(Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    code: String,
    outcome: Outcome,
    #[serde(default)]
    note: String,
}

/// `firecheck inspect`: record an inspection of a venue against a checklist template.
pub fn inspect(ctx: &Ctx, args: InspectArgs, out: &mut dyn Write) -> Result<(), CliError> {
    ctx.me()?;
    let states = ctx.states()?;
    let venue = find_venue(&states, &args.venue)?.clone();
    let template = pick_template(&states, &venue, args.template.as_deref())?;
    let (answers, note) = gather_answers(&args, &template, out)?;
    let mut items = answered_items(&template, &answers)?;
    // Photos are attached after every item is known, so a typo in a code is caught first.
    let photos = photo_args(&args.photo)?;
    complete_items(&template, &mut items, args.pass_all)?;
    attach_photos(ctx, &template, &mut items, &photos)?;
    // Keep the template's order.
    items.sort_by_key(|i| template.items.iter().position(|t| t.code == i.code));
    let now = Timestamp::now();
    let when = when(args.at.as_deref(), now)?;
    let campaign = campaign_for(&states, &venue, args.campaign.as_deref(), when)?;

    let inspection = InspectionId::new();
    let op = ctx.record(
        EntityRef::Inspection {
            venue: venue.id,
            inspection,
        },
        OpBody::InspectionSubmitted(InspectionRecord {
            template: template.id,
            template_version: template.version,
            started_at: when,
            finished_at: when,
            items: items.clone(),
            note,
            campaign,
        }),
    )?;
    let count = |o: Outcome| items.iter().filter(|i| i.outcome == o).count();
    if when != now {
        writeln!(out, "typed in after the fact: it took place at {when}")?;
    }
    writeln!(
        out,
        "inspection {} of {} ({} v{}): {} pass, {} fail, {} n/a",
        inspection.short(),
        venue.name,
        template.code,
        template.version,
        count(Outcome::Pass),
        count(Outcome::Fail),
        count(Outcome::NotApplicable)
    )?;
    report_hazards(ctx, &venue, &template, &op, out)?;
    ctx.saved(out)
}

/// The template named by `--template` (code or id), else the first meant for the venue's kind.
fn pick_template(
    states: &[Folded],
    venue: &Venue,
    named: Option<&str>,
) -> Result<ChecklistTemplate, CliError> {
    let r = refs(states);
    let template = match named {
        Some(t) => query::template(&r, t).ok_or_else(|| {
            CliError::NotFound(format!(
                "no checklist template {t:?}; the templates are: {}",
                query::templates(&r)
                    .iter()
                    .map(|t| t.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => query::templates(&r)
            .into_iter()
            .find(|t| t.kinds.contains(&venue.kind))
            .ok_or_else(|| {
                CliError::Invalid(format!(
                    "no template is meant for {} venues; choose one with --template",
                    venue.kind.label()
                ))
            })?,
    };
    Ok(template.clone())
}

/// The answers and the overall note: from `--from FILE`, else asked item by item on a
/// terminal when no answer flag is given, else from `--fail` and `--na`.
fn gather_answers(
    args: &InspectArgs,
    template: &ChecklistTemplate,
    out: &mut dyn Write,
) -> Result<(Vec<Answer>, String), CliError> {
    if let Some(path) = &args.from {
        let file = read_answer_file(path)?;
        return Ok((file.items, file.note.unwrap_or_else(|| args.note.clone())));
    }
    let answers = if !args.pass_all
        && args.fail.is_empty()
        && args.na.is_empty()
        && std::io::stdin().is_terminal()
    {
        ask(template, &mut std::io::stdin().lock(), out)?
    } else {
        flag_answers(&args.fail, &args.na)
    };
    Ok((answers, args.note.clone()))
}

fn read_answer_file(path: &std::path::Path) -> Result<AnswerFile, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| CliError::AnswerFile {
        path: path.to_path_buf(),
        source,
    })
}

/// `--fail CODE[:note]` and `--na CODE`.
fn flag_answers(fail: &[String], na: &[String]) -> Vec<Answer> {
    let failed = fail.iter().map(|f| {
        let (code, note) = f.split_once(':').unwrap_or((f.as_str(), ""));
        Answer {
            code: code.trim().to_string(),
            outcome: Outcome::Fail,
            note: note.trim().to_string(),
        }
    });
    let not_applicable = na.iter().map(|code| Answer {
        code: code.trim().to_string(),
        outcome: Outcome::NotApplicable,
        note: String::new(),
    });
    failed.chain(not_applicable).collect()
}

/// Each answer as an item result: its code must be the template's, and answered once.
fn answered_items(
    template: &ChecklistTemplate,
    answers: &[Answer],
) -> Result<Vec<ItemResult>, CliError> {
    let mut items = Vec::with_capacity(template.items.len());
    for a in answers {
        let code = &a.code;
        let item = template.item(code).ok_or_else(|| {
            CliError::Invalid(format!(
                "template {} has no item {code:?}; its items are {}",
                template.code,
                template
                    .items
                    .iter()
                    .map(|i| i.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if items.iter().any(|i: &ItemResult| &i.code == code) {
            return Err(CliError::Invalid(format!("item {code} is answered twice")));
        }
        items.push(ItemResult {
            code: code.clone(),
            outcome: a.outcome,
            severity: item.severity,
            note: a.note.clone(),
            evidence: Vec::new(),
        });
    }
    Ok(items)
}

/// `--photo CODE=PATH`, read but not yet copied.
fn photo_args(photo: &[String]) -> Result<Vec<(String, PathBuf)>, CliError> {
    photo
        .iter()
        .map(|p| {
            let (code, path) = p.split_once('=').ok_or_else(|| {
                CliError::Invalid(format!(
                    "--photo {p:?}: write it as CODE=PATH, e.g. EB-EXIT=exit.jpg"
                ))
            })?;
            Ok((code.trim().to_string(), PathBuf::from(path.trim())))
        })
        .collect()
}

/// Items not answered pass with `--pass-all`; without it, they are an error naming them.
fn complete_items(
    template: &ChecklistTemplate,
    items: &mut Vec<ItemResult>,
    pass_all: bool,
) -> Result<(), CliError> {
    let missing: Vec<&ChecklistItem> = template
        .items
        .iter()
        .filter(|i| !items.iter().any(|r| r.code == i.code))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !pass_all {
        return Err(CliError::Invalid(format!(
            "items not answered: {}; add --pass-all to pass the rest",
            missing
                .iter()
                .map(|i| i.code.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    for item in missing {
        items.push(ItemResult {
            code: item.code.clone(),
            outcome: Outcome::Pass,
            severity: item.severity,
            note: String::new(),
            evidence: Vec::new(),
        });
    }
    Ok(())
}

/// Copy each photo into this device and name it in its item's evidence.
fn attach_photos(
    ctx: &Ctx,
    template: &ChecklistTemplate,
    items: &mut [ItemResult],
    photos: &[(String, PathBuf)],
) -> Result<(), CliError> {
    for (code, path) in photos {
        let Some(item) = items.iter_mut().find(|i| &i.code == code) else {
            return Err(CliError::Invalid(format!(
                "--photo names item {code:?}, which template {} does not have",
                template.code
            )));
        };
        item.evidence.push(attach(ctx, path)?);
    }
    Ok(())
}

/// When the inspection took place: `--at` (a late entry, at most 7 days ago, and not in the
/// future), else now.
fn when(at: Option<&str>, now: Timestamp) -> Result<Timestamp, CliError> {
    let Some(at) = at else { return Ok(now) };
    let t = fixtures::parse_local_time(at).ok_or_else(|| {
        CliError::Invalid(format!(
            "could not read the time {at:?}; write it as YYYY-MM-DD HH:MM (Shanghai time)"
        ))
    })?;
    if t.0 > now.0 + 60_000 {
        return Err(CliError::Invalid(format!(
            "--at {at} is in the future; give the time the inspection took place"
        )));
    }
    if t.0 < now.0 - validate::LATE_ENTRY_MAX_MS {
        return Err(CliError::Invalid(format!(
            "--at {at} is more than 7 days ago; an inspection may be typed in at most 7 days after it took place"
        )));
    }
    Ok(t)
}

/// The campaign named by `--campaign`, else the campaign that was running when the
/// inspection took place and targets the venue.
fn campaign_for(
    states: &[Folded],
    venue: &Venue,
    named: Option<&str>,
    when: Timestamp,
) -> Result<Option<CampaignId>, CliError> {
    if let Some(c) = named {
        return Ok(Some(find_campaign(states, Some(c))?.id));
    }
    let today = when.local_date();
    Ok(query::campaigns(&refs(states))
        .into_iter()
        .find(|c| (c.starts..=c.ends).contains(&today) && c.targets(venue))
        .map(|c| c.id))
}

/// One line per hazard the inspection `op` opened, joined, reopened or verified.
fn report_hazards(
    ctx: &Ctx,
    venue: &Venue,
    template: &ChecklistTemplate,
    op: &Op,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let Some(part) = ctx.replica.partition(&Partition::Venue(venue.id))? else {
        return Ok(());
    };
    for h in part.state.hazards.values() {
        let history = part.history(h.id);
        for (i, e) in history.iter().enumerate().filter(|(_, e)| e.op == op.op_id) {
            let before = i
                .checked_sub(1)
                .and_then(|p| history.get(p))
                .map(|e| e.status);
            let Some(what) = effect(e, before) else {
                continue;
            };
            let text = h
                .item
                .as_deref()
                .and_then(|c| template.item(c))
                .map(|i| i.text.as_str())
                .unwrap_or("");
            writeln!(
                out,
                "  {what} {} {} {} {}",
                h.id.short(),
                h.item.as_deref().unwrap_or(""),
                h.severity,
                text
            )?;
        }
    }
    Ok(())
}

/// What a finding or a passed item did to its hazard (`before`: the status before it).
fn effect(e: &HazardEvent, before: Option<HazardStatus>) -> Option<&'static str> {
    Some(match (&e.action, &e.outcome) {
        (HazardAction::Found { .. }, _) => "opens hazard",
        (HazardAction::FoundAgain { .. }, EventOutcome::Conflict { .. }) => {
            "reopens (conflict with a close) hazard"
        }
        (HazardAction::FoundAgain { .. }, _)
            if e.status == HazardStatus::Reopened && before != Some(HazardStatus::Reopened) =>
        {
            "reopens hazard"
        }
        (HazardAction::FoundAgain { .. }, _) => "joins open hazard",
        (HazardAction::PassedReinspection { .. }, _) if e.status == HazardStatus::Verified => {
            "verifies hazard"
        }
        (HazardAction::PassedReinspection { .. }, _) => "passes the item of open hazard",
        _ => return None,
    })
}

/// Ask item by item on the terminal.
fn ask(
    template: &ChecklistTemplate,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Vec<Answer>, CliError> {
    let mut lines = input.lines();
    let mut answers = Vec::new();
    writeln!(
        out,
        "{} (v{}): answer p = pass, f = fail, n = not applicable",
        template.name, template.version
    )?;
    for item in &template.items {
        loop {
            write!(
                out,
                "[{}] {} ({}) p/f/n? ",
                item.code, item.text, item.severity
            )?;
            out.flush()?;
            let Some(line) = lines.next().transpose()? else {
                return Err(CliError::Invalid(
                    "input ended before every item was answered; nothing was saved".into(),
                ));
            };
            let outcome = match line.trim() {
                "p" | "P" | "y" | "pass" => Outcome::Pass,
                "f" | "F" | "fail" => Outcome::Fail,
                "n" | "N" | "na" => Outcome::NotApplicable,
                _ => {
                    writeln!(out, "  please type p, f or n")?;
                    continue;
                }
            };
            let mut note = String::new();
            if outcome == Outcome::Fail {
                write!(out, "  what did you find? ")?;
                out.flush()?;
                note = lines
                    .next()
                    .transpose()?
                    .unwrap_or_default()
                    .trim()
                    .to_string();
            }
            answers.push(Answer {
                code: item.code.clone(),
                outcome,
                note,
            });
            break;
        }
    }
    Ok(answers)
}

/// `firecheck templates`: the checklists and their items.
pub fn templates(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let list = query::templates(&refs(&states));
    if ctx.json {
        return ctx.print_json(&list, out);
    }
    for t in list {
        writeln!(
            out,
            "{} (v{}) {} — for {}",
            t.code,
            t.version,
            t.name,
            t.kinds
                .iter()
                .map(|k| k.label())
                .collect::<Vec<_>>()
                .join("、")
        )?;
        for i in &t.items {
            writeln!(out, "  {:<10} {:<8} {}", i.code, i.severity.label(), i.text)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three_in_one() -> ChecklistTemplate {
        let fixtures = firecheck_shared::fixtures::Fixtures::demo().unwrap();
        let t = fixtures
            .templates
            .into_iter()
            .find(|t| t.code == "three-in-one")
            .expect("the three-in-one template is a fixture");
        ChecklistTemplate {
            id: t.id,
            code: t.code,
            name: t.name,
            version: t.version,
            kinds: t.kinds,
            items: t.items,
        }
    }

    #[test]
    fn the_interactive_checklist_asks_every_item_and_asks_again_on_a_typo() {
        let t = three_in_one();
        // Item 1 fails with a note, item 2 gets a typo and then a pass, the rest n / p.
        let mut typed = "f\n住人区与经营区未分隔\nx\np\n".to_string();
        for i in 2..t.items.len() {
            typed.push_str(if i % 2 == 0 { "n\n" } else { "P\n" });
        }
        let mut out = Vec::new();
        let answers = ask(&t, &mut typed.as_bytes(), &mut out).unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert_eq!(answers.len(), t.items.len());
        assert_eq!(
            answers[0],
            Answer {
                code: t.items[0].code.clone(),
                outcome: Outcome::Fail,
                note: "住人区与经营区未分隔".into()
            }
        );
        assert_eq!(answers[1].outcome, Outcome::Pass);
        assert_eq!(answers[2].outcome, Outcome::NotApplicable);
        assert_eq!(shown.matches("please type p, f or n").count(), 1, "{shown}");
        assert!(shown.contains(&format!("[{}]", t.items[0].code)), "{shown}");
    }

    #[test]
    fn the_interactive_checklist_saves_nothing_when_input_ends_early() {
        let t = three_in_one();
        let e = ask(&t, &mut "p\nf\n".as_bytes(), &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("nothing was saved"), "{e}");
    }
}
