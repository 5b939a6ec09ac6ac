//! `firecheck venues` and `firecheck venue add|edit|close|reopen`.

use std::io::Write;

use firecheck_shared::i18n::words;
use firecheck_shared::query::{self, VenueFilter};
use firecheck_shared::*;

use super::{find_venue, refs, Ctx};
use crate::table::{clip, render};
use crate::{CliError, VenueCommand};

/// `firecheck venues`: by street then address.
pub fn list(
    ctx: &Ctx,
    street: Option<String>,
    kind: Option<String>,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let filter = VenueFilter {
        street,
        kind: kind.as_deref().map(str::parse).transpose()?,
        name: None,
    };
    let states = ctx.states()?;
    let list = query::venues(&refs(&states), &filter);
    if !ctx.table_wanted(&list, msg!("venues-none"), out)? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            vec![
                v.id.short(),
                clip(&v.name, 24),
                ctx.say(words::kind(v.kind)),
                v.street.clone(),
                v.address.clone(),
                match v.status {
                    VenueStatus::Active => String::new(),
                    other => ctx.say(words::venue_status(other)),
                },
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-name"),
        t!(ctx.lang, "col-kind"),
        t!(ctx.lang, "col-street"),
        t!(ctx.lang, "col-address"),
        String::new(),
    ];
    write!(out, "{}", render(&header, &rows))?;
    writeln!(out, "{}", t!(ctx.lang, "venues-count", count = list.len()))?;
    Ok(())
}

/// `firecheck venue add`: premises that are not on the list yet.
pub fn add(
    ctx: &Ctx,
    name: String,
    kind: String,
    street: String,
    address: String,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let kind: VenueKind = kind.parse()?;
    let id = VenueId::new();
    ctx.record(
        EntityRef::Venue(id),
        OpBody::VenueUpserted(VenueFields {
            name: Some(name.clone()),
            kind: Some(kind),
            address: Some(address),
            street: Some(street),
            location: None,
        }),
    )?;
    writeln!(
        out,
        "{}",
        t!(
            ctx.lang,
            "venue-added",
            id = id.short(),
            name = &name,
            kind = words::kind(kind)
        )
    )?;
    ctx.saved(out)
}

/// `firecheck venue edit|close|reopen`: a change to a venue on the list.
pub fn change(ctx: &Ctx, cmd: VenueCommand, out: &mut dyn Write) -> Result<(), CliError> {
    let states = ctx.states()?;
    let (query, body) = match cmd {
        VenueCommand::Add { .. } | VenueCommand::Import { .. } => {
            unreachable!("`venue add` and `venue import` have commands of their own (lib.rs `run`)")
        }
        VenueCommand::Edit {
            venue,
            name,
            kind,
            street,
            address,
        } => {
            let kind: Option<VenueKind> = kind.as_deref().map(str::parse).transpose()?;
            if name.is_none() && kind.is_none() && street.is_none() && address.is_none() {
                return Err(CliError::Invalid(msg!("venue-nothing-to-change")));
            }
            (
                venue,
                OpBody::VenueUpserted(VenueFields {
                    name,
                    kind,
                    address,
                    street,
                    location: None,
                }),
            )
        }
        VenueCommand::Close {
            venue,
            reason,
            moved,
        } => (
            venue,
            OpBody::VenueStatusChanged(VenueStatusChange {
                status: if moved {
                    VenueStatus::Moved
                } else {
                    VenueStatus::Closed
                },
                reason,
            }),
        ),
        VenueCommand::Reopen { venue, reason } => (
            venue,
            OpBody::VenueStatusChanged(VenueStatusChange {
                status: VenueStatus::Active,
                reason,
            }),
        ),
    };
    let v = find_venue(&states, &query)?.clone();
    ctx.record(EntityRef::Venue(v.id), body)?;
    let after = ctx
        .replica
        .partition(&Partition::Venue(v.id))?
        .and_then(|f| f.state.venue);
    if let Some(a) = after {
        let line = t!(
            ctx.lang,
            "venue-line",
            id = a.id.short(),
            name = &a.name,
            kind = words::kind(a.kind),
            street = &a.street,
            address = &a.address
        );
        match a.status {
            VenueStatus::Active => writeln!(out, "{line}")?,
            s => writeln!(
                out,
                "{}",
                t!(
                    ctx.lang,
                    "venue-line-status",
                    venue = line,
                    status = words::venue_status(s)
                )
            )?,
        }
    }
    ctx.saved(out)
}
