//! `firecheck inspect` and `firecheck templates`.
//!
//! An inspection is recorded in named steps: [`pick_template`] → [`gather_answers`] (a file,
//! the terminal, or the flags) → [`answered_items`] → [`photo_args`] → [`complete_items`]
//! (`--pass-all`) → [`attach_photos`] → [`campaign_for`] → one `InspectionSubmitted` op →
//! [`report_hazards`] (what the inspection did to the venue's hazards). Every check comes
//! before anything is copied or recorded, so a mistake saves nothing.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;

use firecheck_shared::i18n::{words, Lang, Msg};
use firecheck_shared::query;
use firecheck_shared::validate;
use firecheck_shared::*;
use serde::Deserialize;
use unicode_width::UnicodeWidthStr;

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
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
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
    let (answers, note) = gather_answers(ctx, &args, &template, out)?;
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
        writeln!(
            out,
            "{}",
            t!(ctx.lang, "inspect-late-entry", when = when.to_string())
        )?;
    }
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "inspect-saved",
            id = inspection.short(),
            venue = &venue.name,
            template = &template.code,
            version = template.version,
            pass = count(Outcome::Pass),
            fail = count(Outcome::Fail),
            na = count(Outcome::NotApplicable)
        )
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
            CliError::NotFound(msg!(
                "template-not-found",
                query = t,
                codes = query::templates(&r)
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
                CliError::Invalid(msg!(
                    "template-none-for-kind",
                    kind = words::kind(venue.kind)
                ))
            })?,
    };
    Ok(template.clone())
}

/// The answers and the overall note: from `--from FILE`, else asked item by item on a
/// terminal when no answer flag is given, else from `--fail` and `--na`.
fn gather_answers(
    ctx: &Ctx,
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
        ask(template, ctx.lang, &mut std::io::stdin().lock(), out)?
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
            CliError::Invalid(msg!(
                "template-no-item",
                template = &template.code,
                code = code,
                codes = template
                    .items
                    .iter()
                    .map(|i| i.code.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        if items.iter().any(|i: &ItemResult| &i.code == code) {
            return Err(CliError::Invalid(msg!("item-answered-twice", code = code)));
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
            let (code, path) = p
                .split_once('=')
                .ok_or_else(|| CliError::Invalid(msg!("photo-arg", value = p)))?;
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
        return Err(CliError::Invalid(msg!(
            "items-not-answered",
            codes = missing
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
            return Err(CliError::Invalid(msg!(
                "photo-no-item",
                code = code,
                template = &template.code
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
    let t = fixtures::parse_local_time(at)
        .ok_or_else(|| CliError::Invalid(msg!("inspect-bad-at", value = at)))?;
    if t.0 > now.0 + 60_000 {
        return Err(CliError::Invalid(msg!("inspect-at-future", value = at)));
    }
    if t.0 < now.0 - validate::LATE_ENTRY_MAX_MS {
        return Err(CliError::Invalid(msg!("inspect-at-too-old", value = at)));
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
                "  {} {} {} {} {}",
                ctx.say(what),
                h.id.short(),
                h.item.as_deref().unwrap_or(""),
                ctx.say(words::severity(h.severity)),
                text
            )?;
        }
    }
    Ok(())
}

/// What a finding or a passed item did to its hazard (`before`: the status before it).
fn effect(e: &HazardEvent, before: Option<HazardStatus>) -> Option<Msg> {
    Some(match (&e.action, &e.outcome) {
        (HazardAction::Found { .. }, _) => msg!("effect-opens"),
        (HazardAction::FoundAgain { .. }, EventOutcome::Conflict { .. }) => {
            msg!("effect-reopens-conflict")
        }
        (HazardAction::FoundAgain { .. }, _)
            if e.status == HazardStatus::Reopened && before != Some(HazardStatus::Reopened) =>
        {
            msg!("effect-reopens")
        }
        (HazardAction::FoundAgain { .. }, _) => msg!("effect-joins"),
        (HazardAction::PassedReinspection { .. }, _) if e.status == HazardStatus::Verified => {
            msg!("effect-verifies")
        }
        (HazardAction::PassedReinspection { .. }, _) => msg!("effect-passes"),
        _ => return None,
    })
}

/// What a line typed at an item means.
#[derive(Debug, PartialEq, Eq)]
enum Reply {
    Answer(Outcome),
    /// Back to the item before.
    Back,
    /// Nothing typed: keep the answer the item has (after going back), if any.
    Keep,
    Unknown,
}

fn reply(line: &str) -> Reply {
    match line.trim() {
        "p" | "P" | "y" | "pass" | "通过" | "合格" => Reply::Answer(Outcome::Pass),
        "f" | "F" | "fail" | "不合格" => Reply::Answer(Outcome::Fail),
        "n" | "N" | "na" | "不适用" => Reply::Answer(Outcome::NotApplicable),
        "b" | "B" | "back" | "返回" | "上一项" => Reply::Back,
        "" => Reply::Keep,
        _ => Reply::Unknown,
    }
}

/// A line, or the error that ends the inspection with nothing saved.
fn read_line(lines: &mut std::io::Lines<&mut dyn BufRead>) -> Result<String, CliError> {
    lines
        .next()
        .transpose()?
        .ok_or_else(|| CliError::Invalid(msg!("ask-input-ended")))
}

/// Ask item by item on the terminal, in `lang`. `b` goes back to the item before (its
/// answer is shown and kept on Enter); at the end the answers are listed and saved only on
/// `y` — a number there changes that item and comes back to the list. Every answer given
/// stays until it is changed.
fn ask(
    template: &ChecklistTemplate,
    lang: Lang,
    input: &mut dyn BufRead,
    out: &mut dyn Write,
) -> Result<Vec<Answer>, CliError> {
    let mut lines = input.lines();
    let items = &template.items;
    let mut answers: Vec<Option<Answer>> = vec![None; items.len()];
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "ask-intro",
            name = &template.name,
            version = template.version
        )
    )?;
    let mut i = 0;
    // Changing one item from the summary goes back to the summary once it is answered.
    let mut from_summary = false;
    loop {
        if i >= items.len() {
            if confirm(items, &answers, lang, &mut lines, out, &mut i)? {
                return Ok(answers.into_iter().flatten().collect());
            }
            from_summary = true;
            continue;
        }
        let item = &items[i];
        let current = answers[i].as_ref();
        let now = current
            .map(|a| t!(lang, "ask-current", outcome = words::outcome(a.outcome)))
            .unwrap_or_default();
        write!(
            out,
            "{} ",
            t!(
                lang,
                "ask-item",
                n = i + 1,
                total = items.len(),
                code = &item.code,
                text = &item.text,
                severity = words::severity(item.severity),
                current = now
            )
        )?;
        out.flush()?;
        let outcome = match reply(&read_line(&mut lines)?) {
            Reply::Back if i == 0 => {
                writeln!(out, "  {}", t!(lang, "ask-first-item"))?;
                continue;
            }
            Reply::Back => {
                i -= 1;
                from_summary = false;
                continue;
            }
            Reply::Keep if current.is_some() => {
                i = if from_summary { items.len() } else { i + 1 };
                continue;
            }
            Reply::Keep | Reply::Unknown => {
                writeln!(out, "  {}", t!(lang, "ask-retype"))?;
                continue;
            }
            Reply::Answer(o) => o,
        };
        let mut note = String::new();
        if outcome == Outcome::Fail {
            let before = current
                .filter(|a| a.outcome == Outcome::Fail)
                .map(|a| a.note.clone())
                .unwrap_or_default();
            let hint = if before.is_empty() {
                String::new()
            } else {
                t!(lang, "ask-note-keep", note = &before)
            };
            write!(out, "  {} ", t!(lang, "ask-note", current = hint))?;
            out.flush()?;
            note = read_line(&mut lines)?.trim().to_string();
            if note.is_empty() {
                note = before;
            }
        }
        answers[i] = Some(Answer {
            code: item.code.clone(),
            outcome,
            note,
        });
        i = if from_summary { items.len() } else { i + 1 };
    }
}

/// The answers listed, then: `y` saves (true); `b` or an item's number goes back to change
/// it (`i` set, false).
fn confirm(
    items: &[ChecklistItem],
    answers: &[Option<Answer>],
    lang: Lang,
    lines: &mut std::io::Lines<&mut dyn BufRead>,
    out: &mut dyn Write,
    i: &mut usize,
) -> Result<bool, CliError> {
    let count = |o: Outcome| answers.iter().flatten().filter(|a| a.outcome == o).count();
    writeln!(out)?;
    writeln!(
        out,
        "{}",
        t!(
            lang,
            "ask-summary",
            pass = count(Outcome::Pass),
            fail = count(Outcome::Fail),
            na = count(Outcome::NotApplicable)
        )
    )?;
    for (n, (item, a)) in items.iter().zip(answers).enumerate() {
        let Some(a) = a else { continue };
        let outcome = words::outcome(a.outcome).render(lang);
        let mark = if a.outcome == Outcome::Fail {
            "✗"
        } else {
            " "
        };
        writeln!(
            out,
            "{mark} {:>2}. [{}] {outcome}  {}",
            n + 1,
            item.code,
            item.text
        )?;
        if !a.note.is_empty() {
            writeln!(
                out,
                "        {}",
                t!(lang, "ask-summary-note", note = &a.note)
            )?;
        }
    }
    loop {
        write!(out, "{} ", t!(lang, "ask-confirm", total = items.len()))?;
        out.flush()?;
        let line = read_line(lines)?;
        match line.trim() {
            "y" | "Y" | "yes" | "是" | "保存" => return Ok(true),
            "b" | "B" | "back" | "返回" | "上一项" => {
                *i = items.len().saturating_sub(1);
                return Ok(false);
            }
            other => match other.parse::<usize>() {
                Ok(n) if (1..=items.len()).contains(&n) => {
                    *i = n - 1;
                    return Ok(false);
                }
                _ => writeln!(
                    out,
                    "  {}",
                    t!(lang, "ask-confirm-retype", total = items.len())
                )?,
            },
        }
    }
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
            "{}",
            t!(
                ctx.lang,
                "template-line",
                code = &t.code,
                version = t.version,
                name = &t.name,
                kinds = t
                    .kinds
                    .iter()
                    .map(|k| ctx.say(words::kind(*k)))
                    .collect::<Vec<_>>()
                    .join("、")
            )
        )?;
        for i in &t.items {
            let severity = ctx.say(words::severity(i.severity));
            let pad = 8usize.saturating_sub(severity.width());
            writeln!(
                out,
                "  {:<10} {severity}{} {}",
                i.code,
                " ".repeat(pad),
                i.text
            )?;
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
        // Item 1 fails with a note, item 2 gets a typo and then a pass, the rest n / p; then
        // the summary is confirmed.
        let mut typed = "f\n住人区与经营区未分隔\nx\np\n".to_string();
        for i in 2..t.items.len() {
            typed.push_str(if i % 2 == 0 { "n\n" } else { "P\n" });
        }
        typed.push_str("y\n");
        let mut out = Vec::new();
        let answers = ask(&t, Lang::En, &mut typed.as_bytes(), &mut out).unwrap();
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
        assert_eq!(
            shown.matches("please type p, f, n or b").count(),
            1,
            "{shown}"
        );
        assert!(shown.contains(&format!("[{}]", t.items[0].code)), "{shown}");
        assert!(shown.contains("Save this inspection?"), "{shown}");
    }

    #[test]
    fn the_interactive_checklist_saves_nothing_when_input_ends_early() {
        let t = three_in_one();
        let e = ask(&t, Lang::En, &mut "p\nf\n".as_bytes(), &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("nothing was saved"), "{e}");
        // Every item answered, the summary never confirmed: nothing either.
        let all = "p\n".repeat(t.items.len());
        let e = ask(&t, Lang::En, &mut all.as_bytes(), &mut Vec::new()).unwrap_err();
        assert!(e.to_string().contains("nothing was saved"), "{e}");
    }

    #[test]
    fn going_back_changes_an_answer_and_keeps_the_others() {
        let t = three_in_one();
        let n = t.items.len();
        // Pass item 1, fail item 2 with a note, go back twice (to item 1), fail item 1,
        // keep item 2 with Enter (its answer and note stay), pass the rest; at the summary
        // change item 2 to n/a by its number (back to the summary at once), then save.
        let mut typed = "p\nf\n灭火器过期\nb\nb\nf\n人住在店里\n\n".to_string();
        typed.push_str(&"p\n".repeat(n - 2));
        typed.push_str("2\nn\ny\n");
        let mut out = Vec::new();
        let answers = ask(&t, Lang::Zh, &mut typed.as_bytes(), &mut out).unwrap();
        let shown = String::from_utf8(out).unwrap();
        assert_eq!(answers.len(), n, "{shown}");
        assert_eq!(answers[0].outcome, Outcome::Fail);
        assert_eq!(answers[0].note, "人住在店里");
        assert_eq!(answers[1].outcome, Outcome::NotApplicable, "{shown}");
        assert!(answers[2..].iter().all(|a| a.outcome == Outcome::Pass));
        // The summary before the change, and again after it.
        assert_eq!(shown.matches("本次检查：").count(), 2, "{shown}");
        // In Chinese throughout, with the summary before saving.
        for zh in [
            "通过 p / 不合格 f / 不适用 n",
            "返回 b",
            "发现了什么问题",
            "现为：不合格",
            "保存这次检查吗",
        ] {
            assert!(shown.contains(zh), "{zh} missing:\n{shown}");
        }
        for en in ["pass", "fail", "what did you find", "Save this"] {
            assert!(!shown.contains(en), "{en} in Chinese output:\n{shown}");
        }
    }

    #[test]
    fn chinese_words_answer_too() {
        assert_eq!(reply("通过"), Reply::Answer(Outcome::Pass));
        assert_eq!(reply(" 不合格 "), Reply::Answer(Outcome::Fail));
        assert_eq!(reply("不适用"), Reply::Answer(Outcome::NotApplicable));
        assert_eq!(reply("返回"), Reply::Back);
        assert_eq!(reply(""), Reply::Keep);
        assert_eq!(reply("x"), Reply::Unknown);
    }
}
