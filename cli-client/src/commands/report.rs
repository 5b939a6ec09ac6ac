//! `firecheck report` and `firecheck reports`: citizen reports. An officer takes one by phone
//! (`report --text … --street …`); every report — taken here or delivered by the city
//! platform (一网统管) — is shown with how its problem is handled (`report show`), linked to
//! the hazard that already tracks its problem (`report link`), and answered (`report reply`,
//! on the hazard that follows it, which the platform reads back).

use std::io::Write;

use firecheck_shared::i18n::{words, Msg};
use firecheck_shared::query::{self, ReportProgress};
use firecheck_shared::*;

use super::{attach, find_hazard, find_venue, Ctx};
use crate::table::{clip, render};
use crate::{CliError, ReportArgs, ReportCommand, TakeReport};

/// `firecheck report …`.
pub fn run(ctx: &Ctx, args: ReportArgs, out: &mut dyn Write) -> Result<(), CliError> {
    match args.command {
        None => take(ctx, args.take, out),
        Some(ReportCommand::Show { report }) => show(ctx, &report, out),
        Some(ReportCommand::Link { report, to, note }) => link(ctx, &report, &to, note, out),
        Some(ReportCommand::Reply { report, text }) => reply(ctx, &report, text, out),
    }
}

/// A report by the platform's case number, or by its id or id prefix.
pub fn find_report<'a>(
    states: &'a [Folded],
    q: &str,
) -> Result<(&'a Folded, &'a CitizenReport), CliError> {
    let q = q.trim();
    let all: Vec<(&Folded, &CitizenReport)> = states
        .iter()
        .flat_map(|f| f.state.reports.values().map(move |r| (f, r)))
        .collect();
    let by_case: Vec<_> = all
        .iter()
        .copied()
        .filter(|(_, r)| r.case_number.as_deref() == Some(q))
        .collect();
    let found = if by_case.is_empty() {
        all.into_iter().filter(|(_, r)| r.id.matches(q)).collect()
    } else {
        by_case
    };
    match found.len() {
        0 => Err(CliError::NotFound(msg!("report-not-found", query = q))),
        1 => Ok(found[0]),
        n => Err(CliError::Invalid(msg!(
            "report-ambiguous",
            query = q,
            count = n
        ))),
    }
}

/// How a report stands, following its link across the partitions this device holds.
fn progress_of(states: &[Folded], report: ReportId) -> Option<ReportProgress> {
    let parts: Vec<&Folded> = states.iter().collect();
    query::citizen_reports(&parts)
        .into_iter()
        .find(|p| p.report.id == report)
}

/// `firecheck report --text … --street …`: a report an officer takes by phone.
fn take(ctx: &Ctx, t: TakeReport, out: &mut dyn Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let (Some(text), Some(street)) = (t.text, t.street) else {
        return Err(CliError::Invalid(msg!("report-take-needs")));
    };
    let states = ctx.states()?;
    let case = t
        .case
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty());
    let (report, venue) = match (&case, &t.venue) {
        (Some(_), Some(_)) => return Err(CliError::Invalid(msg!("report-case-with-venue"))),
        (Some(c), None) => {
            let id = ReportId::for_case(me.org.id, c);
            if states.iter().any(|f| f.state.reports.contains_key(&id)) {
                return Err(CliError::Invalid(msg!(
                    "report-case-exists",
                    case = c,
                    report = id.short()
                )));
            }
            (id, None)
        }
        (None, Some(v)) => (ReportId::new(), Some(find_venue(&states, v)?.id)),
        (None, None) => (ReportId::new(), None),
    };
    let reported_at = match &t.at {
        Some(w) => fixtures::parse_local_time(w)
            .ok_or_else(|| CliError::Invalid(msg!("bad-time", value = w)))?,
        None => Timestamp::now(),
    };
    let contact = match (t.contact_name, t.contact_phone) {
        (None, None) => None,
        (name, phone) => Some(ReporterContact {
            name: name.unwrap_or_default(),
            phone: phone.unwrap_or_default(),
        }),
    };
    let severity: Severity = t.severity.parse()?;
    let evidence = t
        .photo
        .iter()
        .map(|p| attach(ctx, p))
        .collect::<Result<Vec<_>, _>>()?;
    ctx.record(
        EntityRef::CitizenReport { venue, report },
        OpBody::CitizenCaseReported(CitizenCaseRecord {
            case_number: case.clone().unwrap_or_default(),
            channel: t.channel,
            street,
            address: t.address,
            location: None,
            description: text,
            evidence,
            reported_at,
            severity,
            contact,
        }),
    )?;
    let taken = match case {
        Some(c) => t!(
            ctx.lang,
            "report-taken-case",
            id = report.short(),
            case = c,
            hazard = HazardId::for_report(report).short()
        ),
        None => t!(
            ctx.lang,
            "report-taken",
            id = report.short(),
            hazard = HazardId::for_report(report).short()
        ),
    };
    writeln!(out, "{taken}")?;
    ctx.saved(out)
}

/// `firecheck report show`.
fn show(ctx: &Ctx, q: &str, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, r) = find_report(&states, q)?;
    let p = progress_of(&states, r.id)
        .ok_or_else(|| CliError::NotFound(msg!("report-no-hazard", query = q)))?;
    // The contact is in the op only, and only an officer's device has it.
    let contact = ctx
        .replica
        .partition_ops(&part.state.partition)?
        .into_iter()
        .find_map(|op| match (op.entity, op.body) {
            (EntityRef::CitizenReport { report, .. }, OpBody::CitizenCaseReported(c))
                if report == r.id =>
            {
                Some(c.contact)
            }
            _ => None,
        })
        .flatten();
    if ctx.json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            #[serde(flatten)]
            progress: &'a ReportProgress,
            contact: Option<ReporterContact>,
        }
        return ctx.print_json(
            &Shown {
                progress: &p,
                contact,
            },
            out,
        );
    }
    let l = ctx.lang;
    let title = match r.case_number.as_deref() {
        Some(c) => t!(
            l,
            "report-show-title-case",
            id = r.id.to_string(),
            case = c,
            status = status_label(&p)
        ),
        None => t!(
            l,
            "report-show-title",
            id = r.id.to_string(),
            status = status_label(&p)
        ),
    };
    writeln!(out, "{title}")?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "report-show-reported",
            when = r.reported_at.to_string(),
            channel = &r.channel
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(
            l,
            "report-show-where",
            street = &r.street,
            address = &r.address
        )
    )?;
    writeln!(
        out,
        "  {}",
        t!(l, "report-show-text", text = &r.description)
    )?;
    if let Some(c) = contact {
        writeln!(
            out,
            "  {}",
            t!(l, "report-show-reporter", name = &c.name, phone = &c.phone)
        )?;
    }
    let mut hazard = t!(
        l,
        "report-show-hazard",
        hazard = p.hazard.short(),
        status = words::status(p.hazard_status)
    );
    if p.linked {
        hazard.push_str(&t!(l, "report-show-linked"));
    }
    if let Some(a) = &p.assignee {
        hazard.push_str(&t!(l, "report-show-dispatched", unit = a));
    }
    writeln!(out, "  {hazard}")?;
    match &p.reply {
        Some(reply) => writeln!(
            out,
            "  {}",
            t!(
                l,
                "show-reply",
                when = reply.at.to_string(),
                text = &reply.text
            )
        )?,
        None => writeln!(out, "  {}", t!(l, "report-show-no-reply", query = q))?,
    }
    Ok(())
}

fn status_label(p: &ReportProgress) -> Msg {
    match p.status {
        query::ReportStatus::Received => msg!("report-status-received"),
        query::ReportStatus::InProgress => msg!("report-status-in-progress"),
        query::ReportStatus::Resolved => msg!("report-status-resolved"),
    }
}

/// `firecheck report link`: the report's problem is one the office already tracks.
fn link(ctx: &Ctx, q: &str, to: &str, note: String, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (_, r) = find_report(&states, q)?;
    let (target, h) = find_hazard(&states, to)?;
    if h.id == r.hazard {
        return Err(CliError::Invalid(msg!("report-link-own")));
    }
    ctx.record(
        EntityRef::CitizenReport {
            venue: r.venue,
            report: r.id,
        },
        OpBody::CitizenReportLinked(ReportLink {
            hazard: h.id,
            partition: target.state.partition,
            note,
        }),
    )?;
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "report-linked",
            id = r.id.short(),
            hazard = h.id.short(),
            status = words::status(h.status),
            own = r.hazard.short()
        )
    )?;
    ctx.saved(out)
}

/// `firecheck report reply`: on the hazard that follows the report.
fn reply(ctx: &Ctx, q: &str, text: String, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (part, r) = find_report(&states, q)?;
    let (partition, hazard) = match r.linked_to {
        Some(l) => {
            let followed = states
                .iter()
                .find(|f| f.state.partition == l.partition)
                .and_then(|f| f.hazard(l.hazard));
            match followed {
                Some(h) => (l.partition, h.id),
                None => {
                    return Err(CliError::NotFound(msg!(
                        "report-followed-missing",
                        hazard = l.hazard.short()
                    )))
                }
            }
        }
        None => (part.state.partition, r.hazard),
    };
    ctx.record(
        EntityRef::Hazard { partition, hazard },
        OpBody::HazardReplied { text },
    )?;
    writeln!(
        out,
        "{}",
        t!(ctx.lang, "report-replied", hazard = hazard.short())
    )?;
    ctx.saved(out)
}

/// `firecheck reports`: newest first.
pub fn list(ctx: &Ctx, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let parts: Vec<&Folded> = states.iter().collect();
    let list = query::citizen_reports(&parts);
    if !ctx.table_wanted(&list, msg!("reports-none"), out)? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|p| {
            let r = &p.report;
            vec![
                r.id.short(),
                r.case_number.clone().unwrap_or_default(),
                r.reported_at.to_string(),
                r.street.clone(),
                clip(&r.description, 20),
                if p.linked {
                    t!(ctx.lang, "report-status-linked", status = status_label(p))
                } else {
                    ctx.say(status_label(p))
                },
                p.hazard.short(),
                if p.reply.is_some() {
                    t!(ctx.lang, "reports-replied")
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-case"),
        t!(ctx.lang, "col-reported"),
        t!(ctx.lang, "col-street"),
        t!(ctx.lang, "col-text"),
        t!(ctx.lang, "col-status"),
        t!(ctx.lang, "col-hazard"),
        t!(ctx.lang, "col-reply"),
    ];
    write!(out, "{}", render(&header, &rows))?;
    writeln!(out, "{}", t!(ctx.lang, "reports-count", count = list.len()))?;
    Ok(())
}
