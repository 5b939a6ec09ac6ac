//! `firecheck venue import FILE`: the office's venue spreadsheet (`.xlsx` or `.csv`) as venue
//! upserts — ordinary ops, authored by whoever ran it, pushed by the next `firecheck sync`.
//!
//! Columns are found by their headers, Chinese or English (see [`COLUMNS`]); other columns are
//! ignored and named. Each row is checked on its own: a row with a mistake is reported with
//! its row number, its column and what is wrong, and nothing of it is stored; the other rows
//! are imported. Each row is compared with the venue this device holds: new, changed (only
//! the changed fields are written), or unchanged (nothing written) — so importing the same
//! file again changes nothing, and importing a corrected one writes only the corrections.
//! Which venue a row is follows `firecheck_shared::listing` (id column, else name and
//! address, else an id derived from them). `--dry-run` shows all of it and records nothing.
//!
//! Importing the reference list is the office's act: officers import; an inspector adds one
//! venue with `firecheck venue add`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::Path;

use firecheck_shared::i18n::{words, Lang, Msg};
use firecheck_shared::listing::{normalise, venue_kind};
use firecheck_shared::validate::MAX_NAME_CHARS;
use firecheck_shared::*;
use serde::Serialize;

use super::Ctx;
use crate::sheet::{self, Sheet};
use crate::CliError;

/// A column of the venue spreadsheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Column {
    Id,
    Name,
    Kind,
    Address,
    Street,
    Lat,
    Lon,
}

/// Headers each column is known by (compared without spaces, brackets' contents and case).
const COLUMNS: &[(Column, &[&str])] = &[
    (Column::Id, &["编号", "场所编号", "id", "venueid"]),
    (
        Column::Name,
        &[
            "名称",
            "场所名称",
            "单位名称",
            "店名",
            "店招",
            "name",
            "venue",
            "venuename",
        ],
    ),
    (
        Column::Kind,
        &["类型", "场所类型", "类别", "场所类别", "kind", "type"],
    ),
    (
        Column::Address,
        &["地址", "详细地址", "场所地址", "门牌", "address"],
    ),
    (
        Column::Street,
        &[
            "街道",
            "路段",
            "道路",
            "所在道路",
            "所在路段",
            "street",
            "road",
        ],
    ),
    (Column::Lat, &["纬度", "lat", "latitude"]),
    (Column::Lon, &["经度", "lon", "lng", "long", "longitude"]),
];

const REQUIRED: [Column; 4] = [Column::Name, Column::Kind, Column::Address, Column::Street];

/// A header as compared: no spaces, nothing in brackets (`纬度(WGS84)`), lower case, no `_`.
fn header_key(h: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in h.chars() {
        match c {
            '(' | '（' | '[' | '【' => depth += 1,
            ')' | '）' | ']' | '】' => depth = (depth - 1).max(0),
            _ if depth > 0 => {}
            c if c.is_whitespace() || c == '_' || c == '-' => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

/// What a row of the spreadsheet says about one venue.
#[derive(Clone, Debug, PartialEq)]
struct Row {
    number: usize,
    id: Option<VenueId>,
    name: String,
    kind: VenueKind,
    address: String,
    street: String,
    location: Option<GeoPoint>,
}

/// A mistake in one cell (or one row).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub row: usize,
    /// The column's header as the spreadsheet writes it.
    pub column: String,
    pub problem: String,
}

/// What became (or would become) of one row: `{"outcome": "changed", "fields": […]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    New,
    Changed { fields: Vec<String> },
    Unchanged,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RowReport {
    pub row: usize,
    pub venue: VenueId,
    pub name: String,
    #[serde(flatten)]
    pub outcome: Outcome,
}

/// The whole import, as `--json` prints it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub file: String,
    pub sheet: Option<String>,
    pub dry_run: bool,
    pub rows: Vec<RowReport>,
    pub errors: Vec<RowError>,
    pub ignored_columns: Vec<String>,
    pub new: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Rows searched for the headers (a title or a date may stand above them).
const HEADER_SEARCH: usize = 10;

/// The header row: the first of the sheet's first rows that names every required column
/// (else the first row, for the message).
fn header_row(sheet: &Sheet) -> (usize, &[String]) {
    let found = sheet
        .rows
        .iter()
        .take(HEADER_SEARCH)
        .position(|(_, cells)| {
            let (cols, _) = map_columns(cells);
            REQUIRED.iter().all(|c| cols.contains_key(c))
        });
    (found.unwrap_or(0), &sheet.rows[found.unwrap_or(0)].1)
}

/// Where each known column is, and the headers of the others.
fn map_columns(header: &[String]) -> (BTreeMap<Column, usize>, Vec<String>) {
    let mut found = BTreeMap::new();
    let mut ignored = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let key = header_key(h);
        match COLUMNS
            .iter()
            .find(|(_, names)| names.iter().any(|n| header_key(n) == key))
        {
            Some((col, _)) if !found.contains_key(col) => {
                found.insert(*col, i);
            }
            _ if h.trim().is_empty() => {}
            _ => ignored.push(h.clone()),
        }
    }
    (found, ignored)
}

/// A coordinate in degrees within `max` of zero, as millionths.
fn degrees(text: &str, max: f64) -> Result<i32, Msg> {
    let t = text.trim().trim_end_matches('°');
    let v: f64 = t
        .parse()
        .map_err(|_| msg!("import-not-degrees", value = text))?;
    if !v.is_finite() || v.abs() > max {
        return Err(msg!(
            "import-degrees-range",
            value = v.to_string(),
            max = max.to_string()
        ));
    }
    Ok((v * 1_000_000.0).round() as i32)
}

/// Read one row; every mistake in it.
fn parse_row(
    header: &[String],
    cols: &BTreeMap<Column, usize>,
    number: usize,
    cells: &[String],
    lang: Lang,
) -> Result<Row, Vec<RowError>> {
    let mut errors = Vec::new();
    let header = |c: Column| {
        cols.get(&c)
            .and_then(|i| header.get(*i))
            .cloned()
            .unwrap_or_default()
    };
    let cell = |c: Column| -> &str {
        cols.get(&c)
            .and_then(|i| cells.get(*i))
            .map(String::as_str)
            .unwrap_or("")
    };
    let mut err = |c: Column, problem: Msg| {
        errors.push(RowError {
            row: number,
            column: header(c),
            problem: problem.render(lang),
        })
    };
    let mut text = |c: Column, what: Msg| -> String {
        let v = cell(c).trim().to_string();
        if v.is_empty() {
            err(c, msg!("invalid-empty", field = what));
        } else if v.chars().count() > MAX_NAME_CHARS {
            err(
                c,
                msg!("import-too-long", field = what, max = MAX_NAME_CHARS),
            );
        } else if v.chars().any(char::is_control) {
            err(c, msg!("invalid-control-characters", field = what));
        }
        v
    };
    let name = text(Column::Name, msg!("field-name"));
    let address = text(Column::Address, msg!("field-address"));
    let street = text(Column::Street, msg!("field-street"));
    let kind = match venue_kind(cell(Column::Kind)) {
        Ok(k) => Some(k),
        Err(e) => {
            err(
                Column::Kind,
                if cell(Column::Kind).trim().is_empty() {
                    msg!("invalid-empty", field = msg!("field-venue-kind"))
                } else {
                    e.msg()
                },
            );
            None
        }
    };
    let id = match cell(Column::Id).trim() {
        "" => None,
        s => match s.parse::<VenueId>() {
            Ok(id) => Some(id),
            Err(_) => {
                err(Column::Id, msg!("import-bad-id", value = s));
                None
            }
        },
    };
    let (lat, lon) = (cell(Column::Lat).trim(), cell(Column::Lon).trim());
    let location = match (lat.is_empty(), lon.is_empty()) {
        (true, true) => None,
        (false, true) => {
            err(Column::Lon, msg!("import-lon-empty"));
            None
        }
        (true, false) => {
            err(Column::Lat, msg!("import-lat-empty"));
            None
        }
        (false, false) => match (degrees(lat, 90.0), degrees(lon, 180.0)) {
            (Ok(lat_e6), Ok(lon_e6)) => Some(GeoPoint { lat_e6, lon_e6 }),
            (a, b) => {
                if let Err(e) = a {
                    err(Column::Lat, e);
                }
                if let Err(e) = b {
                    err(Column::Lon, e);
                }
                None
            }
        },
    };
    match kind {
        Some(kind) if errors.is_empty() => Ok(Row {
            number,
            id,
            name,
            kind,
            address,
            street,
            location,
        }),
        _ => Err(errors),
    }
}

/// The fields of `row` that differ from `venue`, as an upsert, with their names.
fn changes(row: &Row, venue: &Venue, l: Lang) -> (VenueFields, Vec<String>) {
    let mut f = VenueFields::default();
    let mut names = Vec::new();
    if row.name != venue.name {
        f.name = Some(row.name.clone());
        names.push(t!(
            l,
            "import-change-name",
            from = &venue.name,
            to = &row.name
        ));
    }
    if row.kind != venue.kind {
        f.kind = Some(row.kind);
        names.push(t!(
            l,
            "import-change-kind",
            from = words::kind(venue.kind),
            to = words::kind(row.kind)
        ));
    }
    if row.address != venue.address {
        f.address = Some(row.address.clone());
        names.push(t!(
            l,
            "import-change-address",
            from = &venue.address,
            to = &row.address
        ));
    }
    if row.street != venue.street {
        f.street = Some(row.street.clone());
        names.push(t!(
            l,
            "import-change-street",
            from = &venue.street,
            to = &row.street
        ));
    }
    if row.location.is_some() && row.location != venue.location {
        f.location = row.location;
        names.push(t!(l, "import-change-location"));
    }
    (f, names)
}

/// `firecheck venue import FILE [--sheet NAME] [--dry-run]`.
pub fn import(
    ctx: &Ctx,
    file: &Path,
    sheet_name: Option<&str>,
    dry_run: bool,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    let me = ctx.me()?;
    if me.user.role != Role::Officer {
        return Err(CliError::Invalid(msg!(
            "import-officer-only",
            role = me.user.role.as_str()
        )));
    }
    let sheet = sheet::read(file, sheet_name)?;
    let (at, header) = header_row(&sheet);
    let header_number = sheet.rows[at].0;
    let (cols, ignored_columns) = map_columns(header);
    let missing: Vec<&str> = REQUIRED
        .iter()
        .filter(|c| !cols.contains_key(c))
        .map(|c| match c {
            Column::Name => "名称 / 场所名称 / name",
            Column::Kind => "类型 / 场所类型 / kind",
            Column::Address => "地址 / address",
            _ => "街道 / 路段 / street",
        })
        .collect();
    if !missing.is_empty() {
        return Err(CliError::Invalid(msg!(
            "import-no-header",
            file = file.display().to_string(),
            rows = HEADER_SEARCH,
            missing = missing.join("; "),
            row = header_number,
            has = header.join(", ")
        )));
    }
    let states = ctx.states()?;
    let venues: Vec<&Venue> = states
        .iter()
        .filter_map(|f| f.state.venue.as_ref())
        .collect();
    let by_id: HashMap<VenueId, &Venue> = venues.iter().map(|v| (v.id, *v)).collect();
    let by_key: HashMap<(String, String), &Venue> = venues
        .iter()
        .map(|v| ((normalise(&v.name), normalise(&v.address)), *v))
        .collect();

    let mut report = ImportReport {
        file: file.display().to_string(),
        sheet: sheet.name.clone(),
        dry_run,
        rows: Vec::new(),
        errors: Vec::new(),
        ignored_columns,
        new: 0,
        changed: 0,
        unchanged: 0,
    };
    // Which row first named each venue, so a sheet naming one twice is told.
    let mut seen: HashMap<VenueId, usize> = HashMap::new();
    let mut writes: Vec<(VenueId, VenueFields)> = Vec::new();
    for (number, cells) in &sheet.rows[at + 1..] {
        let row = match parse_row(header, &cols, *number, cells, ctx.lang) {
            Ok(r) => r,
            Err(errs) => {
                report.errors.extend(errs);
                continue;
            }
        };
        let key = (normalise(&row.name), normalise(&row.address));
        let existing = match row.id {
            Some(id) => by_id.get(&id).copied(),
            None => by_key.get(&key).copied(),
        };
        let id = row
            .id
            .or(existing.map(|v| v.id))
            .unwrap_or_else(|| VenueId::for_listing(me.org.id, &row.name, &row.address));
        if let Some(first) = seen.insert(id, row.number) {
            report.errors.push(RowError {
                row: row.number,
                column: cols
                    .get(&Column::Name)
                    .and_then(|i| header.get(*i))
                    .cloned()
                    .unwrap_or_default(),
                problem: t!(ctx.lang, "import-same-venue", first = first),
            });
            continue;
        }
        let outcome = match existing {
            None => {
                writes.push((
                    id,
                    VenueFields {
                        name: Some(row.name.clone()),
                        kind: Some(row.kind),
                        address: Some(row.address.clone()),
                        street: Some(row.street.clone()),
                        location: row.location,
                    },
                ));
                report.new += 1;
                Outcome::New
            }
            Some(v) => {
                let (fields, names) = changes(&row, v, ctx.lang);
                if names.is_empty() {
                    report.unchanged += 1;
                    Outcome::Unchanged
                } else {
                    writes.push((id, fields));
                    report.changed += 1;
                    Outcome::Changed { fields: names }
                }
            }
        };
        report.rows.push(RowReport {
            row: row.number,
            venue: id,
            name: row.name,
            outcome,
        });
    }
    report.errors.sort_by_key(|e| e.row);
    if !dry_run {
        for (id, fields) in writes {
            ctx.record(EntityRef::Venue(id), OpBody::VenueUpserted(fields))?;
        }
    }
    if ctx.json {
        ctx.print_json(&report, out)?;
    } else {
        render(ctx, &report, out)?;
    }
    if report.errors.is_empty() {
        Ok(())
    } else {
        Err(CliError::RowsRefused {
            rows: report
                .errors
                .iter()
                .map(|e| e.row)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            file: file.to_path_buf(),
        })
    }
}

fn render(ctx: &Ctx, r: &ImportReport, out: &mut dyn Write) -> Result<(), CliError> {
    let l = ctx.lang;
    let sheet = r
        .sheet
        .as_ref()
        .map(|s| t!(l, "import-sheet", sheet = s))
        .unwrap_or_default();
    let refused = r
        .errors
        .iter()
        .map(|e| e.row)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let read = t!(
        l,
        "import-read",
        file = &r.file,
        sheet = sheet,
        rows = r.rows.len() + refused
    );
    if r.dry_run {
        writeln!(out, "{}", t!(l, "import-dry-run", line = read))?;
    } else {
        writeln!(out, "{read}")?;
    }
    for row in &r.rows {
        match &row.outcome {
            Outcome::New => writeln!(
                out,
                "  {}",
                t!(
                    l,
                    "import-row-new",
                    row = format!("{:>4}", row.row),
                    name = &row.name
                )
            )?,
            Outcome::Changed { fields } => writeln!(
                out,
                "  {}",
                t!(
                    l,
                    "import-row-changed",
                    row = format!("{:>4}", row.row),
                    name = &row.name,
                    fields = fields.join("; ")
                )
            )?,
            Outcome::Unchanged => {}
        }
    }
    for e in &r.errors {
        writeln!(
            out,
            "  {}",
            t!(
                l,
                "import-row-error",
                row = format!("{:>4}", e.row),
                column = &e.column,
                problem = &e.problem
            )
        )?;
    }
    if !r.ignored_columns.is_empty() {
        writeln!(
            out,
            "{}",
            t!(l, "import-ignored", columns = r.ignored_columns.join(", "))
        )?;
    }
    let would = if r.dry_run {
        t!(l, "import-would-be")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}",
        t!(
            l,
            "import-totals",
            new = r.new,
            changed = r.changed,
            unchanged = r.unchanged,
            would = would,
            refused = refused
        )
    )?;
    if !r.dry_run && r.new + r.changed > 0 {
        ctx.saved(out)?;
    }
    Ok(())
}
