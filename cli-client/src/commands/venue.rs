//! `firecheck venues` and `firecheck venue add|edit|close|reopen`.

use std::io::Write;

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
    if !ctx.table_wanted(&list, "no venues match (sync to get the latest list)", out)? {
        return Ok(());
    }
    let rows: Vec<Vec<String>> = list
        .iter()
        .map(|v| {
            vec![
                v.id.short(),
                clip(&v.name, 24),
                v.kind.label().to_string(),
                v.street.clone(),
                v.address.clone(),
                match v.status {
                    VenueStatus::Active => String::new(),
                    other => other.label().to_string(),
                },
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(&["ID", "NAME", "KIND", "STREET", "ADDRESS", ""], &rows)
    )?;
    writeln!(out, "{} venues", list.len())?;
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
        "venue {} {name} ({}) added; inspect it with `firecheck inspect {}`",
        id.short(),
        kind.label(),
        id.short()
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
                return Err(CliError::Invalid(
                    "nothing to change: give --name, --kind, --street or --address".into(),
                ));
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
        writeln!(
            out,
            "venue {} {} ({}, {} {}){}",
            a.id.short(),
            a.name,
            a.kind.label(),
            a.street,
            a.address,
            match a.status {
                VenueStatus::Active => String::new(),
                s => format!(
                    " is now {s}: no longer a campaign target; its open hazards stay on the lists"
                ),
            }
        )?;
    }
    ctx.saved(out)
}
