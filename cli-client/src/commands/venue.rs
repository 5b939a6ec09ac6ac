//! `firecheck venues` and `firecheck venue add`.

use std::io::Write;

use firecheck_shared::i18n::words;
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
            ]
        })
        .collect();
    let header = [
        t!(ctx.lang, "col-id"),
        t!(ctx.lang, "col-name"),
        t!(ctx.lang, "col-kind"),
        t!(ctx.lang, "col-street"),
        t!(ctx.lang, "col-address"),
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
