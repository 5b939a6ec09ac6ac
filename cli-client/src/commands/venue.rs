//! `firecheck venues` and `firecheck venue add`.

use std::io::Write;

use firecheck_shared::query::{self, VenueFilter};
use firecheck_shared::*;

use super::{refs, Ctx};
use crate::table::{clip, render};
use crate::CliError;

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
            ]
        })
        .collect();
    write!(
        out,
        "{}",
        render(&["ID", "NAME", "KIND", "STREET", "ADDRESS"], &rows)
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
