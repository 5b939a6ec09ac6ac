//! Exports of the office's lists as CSV and XLSX, for the spreadsheets handed to the
//! district: `GET /v1/exports/{hazards|inspections|coverage|visits}.{csv|xlsx}` (bearer
//! token), and the same files from the console (`/exports/…`, with the session).
//!
//! - `hazards`: the query parameters of `GET /v1/hazards`, in the same order. Without
//!   `offset`, `limit` or `after`, every matching hazard (at most [`MAX_EXPORT_ROWS`]);
//!   with them, that one page. Each row names its source (巡查发现, 市民报告, 演练发现,
//!   走访发现), the record it came from (the report's channel, the drill's or the visit's
//!   date and place) and, for a citizen report, the platform's case number.
//! - `inspections`: one row per checklist item of each inspection, newest inspection first:
//!   of one venue (`venue=ID`), or of every venue (optionally of one `street=`) in listing
//!   order; `from` / `to` (Shanghai dates) bound when the inspection finished.
//! - `coverage`: a campaign's target venues (`campaign=ID`, required), not inspected first,
//!   as its coverage page lists them.
//! - `visits`: the problems residents raised at visits (走访问题清单), one row per problem with
//!   how it was handled — a visit with none is one row of its own —, newest visit first: of
//!   one residential venue (`venue=ID`) or named area (`area=`), as its visit report lists
//!   them, or of every visit.
//!
//! CSV is UTF-8 with a byte-order mark (so Excel shows Chinese) and CRLF line ends; a cell
//! that begins with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so no
//! spreadsheet takes it for a formula. XLSX cells are written as text or numbers, never as
//! formulas.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use axum::extract::{Path, State as AxState};
use axum::http::{header, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use firecheck_shared::i18n::Msg;
use firecheck_shared::query::{SourceKind, VenueFilter};
use firecheck_shared::*;
use serde::Deserialize;
use utoipa::IntoParams;

use super::review::{self, HazardParams};
use super::{blocking, AppError, Caller, State};
use crate::console::text;
use crate::store::Store;

/// Most rows one export holds.
pub const MAX_EXPORT_ROWS: usize = 50_000;
/// Rows read from the indexes at a time.
const CHUNK: usize = 1000;

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
}

impl Cell {
    /// The cell as a page or a CSV shows it.
    pub fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
        }
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_string())
    }
}

impl From<usize> for Cell {
    fn from(n: usize) -> Self {
        Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
    }
}

/// A list as a table: what the CSV and the XLSX hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// The file's base name (`hazards`) and the sheet's name (`隐患清单`).
    pub file: &'static str,
    pub sheet: &'static str,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// What an export file name asks for: (`hazards`, CSV) from `hazards.csv`.
pub fn parse_file(file: &str) -> Result<(&str, ExportFormat), AppError> {
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| AppError::NotFound(msg!("export-unknown", file = file)))?;
    let format = match ext {
        "csv" => ExportFormat::Csv,
        "xlsx" => ExportFormat::Xlsx,
        _ => {
            return Err(AppError::NotFound(msg!(
                "export-bad-extension",
                file = file
            )))
        }
    };
    match name {
        "hazards" | "inspections" | "coverage" | "visits" => Ok((name, format)),
        _ => Err(AppError::NotFound(msg!("export-bad-name", file = file))),
    }
}

/// CSV bytes: BOM, header row, rows, CRLF; formula-like cells neutralised.
pub fn csv(t: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let line = |out: &mut String, cells: &mut dyn Iterator<Item = String>| {
        let cells: Vec<String> = cells.map(|c| csv_cell(&c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(&mut out, &mut t.headers.iter().map(|h| h.to_string()));
    for r in &t.rows {
        line(&mut out, &mut r.iter().map(Cell::as_text));
    }
    out.into_bytes()
}

/// One CSV cell: neutralised against formulas, quoted when it must be.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// XLSX bytes: one sheet, a bold frozen header row, columns fitted to their text.
pub fn xlsx(t: &Table) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Internal(format!("writing XLSX: {e}"));
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let ws = wb.add_worksheet();
    ws.set_name(t.sheet).map_err(fail)?;
    for (c, h) in t.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                Cell::Text(s) => ws.write_string(r, c, s),
                Cell::Int(n) => ws.write_number(r, c, *n as f64),
            }
            .map_err(fail)?;
        }
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    ws.autofit();
    wb.save_to_buffer().map_err(fail)
}

/// The download: the file in its format, named `firecheck-{file}-{date}.{ext}`.
pub fn respond(t: &Table, format: ExportFormat) -> Result<Response, AppError> {
    let date = review::today();
    let (body, ct, ext) = match format {
        ExportFormat::Csv => (csv(t), "text/csv; charset=utf-8", "csv"),
        ExportFormat::Xlsx => (
            xlsx(t)?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    let name = format!("firecheck-{}-{date}.{ext}", t.file);
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ct)),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InspectionExportParams {
    /// One venue's inspections (else every venue's).
    pub venue: Option<String>,
    /// Only venues on this street.
    pub street: Option<String>,
    /// First day (Shanghai date) an inspection may have finished on.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageExportParams {
    /// The campaign.
    pub campaign: String,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VisitExportParams {
    /// A residential venue's visits (else every visit).
    pub venue: Option<String>,
    /// A residential area's visits, by name, with no venue of its own.
    pub area: Option<String>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// The table an export `name` asks for, with the query string `uri` carries.
pub async fn table(state: &State, org: OrgId, name: &str, uri: &Uri) -> Result<Table, AppError> {
    let bad = |e: axum::extract::rejection::QueryRejection| {
        AppError::BadRequest(msg!("error-unreadable-request", detail = e.body_text()))
    };
    match name {
        "hazards" => {
            let axum::extract::Query(p) =
                axum::extract::Query::<HazardParams>::try_from_uri(uri).map_err(bad)?;
            review::wait_seq(state, org, p.min_seq).await?;
            blocking(state, move |store| hazards_table(store, org, &p)).await
        }
        "inspections" => {
            let axum::extract::Query(p) =
                axum::extract::Query::<InspectionExportParams>::try_from_uri(uri).map_err(bad)?;
            review::wait_seq(state, org, p.min_seq).await?;
            blocking(state, move |store| inspections_table(store, org, &p)).await
        }
        "coverage" => {
            let axum::extract::Query(p) =
                axum::extract::Query::<CoverageExportParams>::try_from_uri(uri).map_err(bad)?;
            review::wait_seq(state, org, p.min_seq).await?;
            let id: CampaignId = p
                .campaign
                .parse()
                .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
            blocking(state, move |store| coverage_table(store, org, id)).await
        }
        "visits" => {
            let axum::extract::Query(p) =
                axum::extract::Query::<VisitExportParams>::try_from_uri(uri).map_err(bad)?;
            let area = match (p.venue.as_deref(), p.area.as_deref()) {
                (None, None) => None,
                (venue, area) => Some(super::channels::visited(venue, area)?),
            };
            review::wait_seq(state, org, p.min_seq).await?;
            blocking(state, move |store| visits_table(store, org, area)).await
        }
        other => Err(AppError::NotFound(msg!("export-unknown", file = other))),
    }
}

/// The hazards a filter selects, as the board lists them (overdue first).
pub fn hazards_table(store: &Store, org: OrgId, p: &HazardParams) -> Result<Table, AppError> {
    let filter = p.filter()?;
    let today = review::today();
    let one_page = p.offset.is_some() || p.limit.is_some() || p.after.is_some();
    let mut rows = Vec::new();
    if one_page {
        let paging = review::paging(p.offset, p.limit, p.after.as_deref())?;
        rows = store
            .hazards_page(
                org,
                &filter,
                today,
                paging.after.as_deref(),
                paging.offset,
                paging.limit,
            )?
            .items;
    } else {
        let mut after: Option<Vec<u8>> = None;
        loop {
            let want = CHUNK.min(MAX_EXPORT_ROWS - rows.len());
            let page = store.hazards_page(org, &filter, today, after.as_deref(), 0, want)?;
            rows.extend(page.items);
            match page
                .next
                .as_deref()
                .and_then(crate::store::index::parse_cursor)
            {
                Some(next) if rows.len() < MAX_EXPORT_ROWS => after = Some(next),
                _ => break,
            }
        }
    }
    let names = crate::console::user_names(store, org)?;
    let mut homes = Homes::default();
    let mut sources = Vec::with_capacity(rows.len());
    for r in &rows {
        sources.push(source_record(store, org, &r.hazard, &mut homes)?);
    }
    Ok(Table {
        file: "hazards",
        sheet: "隐患清单",
        headers: vec![
            "编号",
            "街道",
            "场所",
            "检查项",
            "隐患描述",
            "严重程度",
            "状态",
            "是否逾期",
            "责任单位",
            "整改期限",
            "发现时间",
            "发现人",
            "来源",
            "来源记录",
            "案件编号",
            "冲突",
            "隐患ID",
        ],
        rows: rows
            .into_iter()
            .zip(sources)
            .map(|(r, (record, case))| {
                let h = &r.hazard;
                vec![
                    h.id.short().into(),
                    r.street.clone().into(),
                    r.venue_name.clone().into(),
                    h.item.clone().unwrap_or_default().into(),
                    h.description.clone().into(),
                    text::severity(h.severity).into(),
                    text::status(h.status).into(),
                    if r.overdue { "逾期" } else { "" }.into(),
                    h.assignee.clone().unwrap_or_default().into(),
                    h.deadline.map(|d| d.to_string()).unwrap_or_default().into(),
                    h.found_at.to_string().into(),
                    crate::console::who(&names, h.found_by).into(),
                    text::source(SourceKind::of(&h.source)).into(),
                    record.into(),
                    case.into(),
                    r.conflicts.into(),
                    h.id.to_string().into(),
                ]
            })
            .collect(),
    })
}

/// Partition states read for an export, by partition (`None`: not there).
type Homes = HashMap<Partition, Option<PartitionState>>;

/// The state of the partition a hazard lives in, read once per export.
fn home_state<'a>(
    store: &Store,
    org: OrgId,
    h: &Hazard,
    homes: &'a mut Homes,
) -> Result<Option<&'a PartitionState>, AppError> {
    let Some(p) = store.hazard_homes(org, h.id)?.into_iter().next() else {
        return Ok(None);
    };
    let state = match homes.entry(p) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => e.insert(store.partition_state(org, &p)?),
    };
    Ok(state.as_ref())
}

/// What a hazard came from beyond its kind — a citizen report's channel, a drill's or a
/// visit's date and place — and a citizen report's case number.
fn source_record(
    store: &Store,
    org: OrgId,
    h: &Hazard,
    homes: &mut Homes,
) -> Result<(String, String), AppError> {
    if matches!(h.source, HazardSource::Inspection(_)) {
        return Ok(Default::default());
    }
    let Some(s) = home_state(store, org, h, homes)? else {
        return Ok(Default::default());
    };
    Ok(match h.source {
        HazardSource::CitizenReport(r) => s
            .reports
            .get(&r)
            .map(|r| (r.channel.clone(), r.case_number.clone().unwrap_or_default()))
            .unwrap_or_default(),
        HazardSource::DrillFinding(d) => s
            .drills
            .get(&d)
            .map(|d| {
                (
                    format!("{} {}", d.held_at.local_date(), d.place),
                    String::new(),
                )
            })
            .unwrap_or_default(),
        HazardSource::Visit(v) => s
            .visits
            .get(&v)
            .map(|v| (format!("{} {}", v.visited_on, v.area), String::new()))
            .unwrap_or_default(),
        HazardSource::Inspection(_) => Default::default(),
    })
}

/// The problems raised at visits, one row per problem (a visit with none, one row): of one
/// area (its partition and how a message names it), or of every visit, newest first.
pub fn visits_table(
    store: &Store,
    org: OrgId,
    area: Option<(Partition, Msg)>,
) -> Result<Table, AppError> {
    use super::channels::visit_report_of;
    let names = crate::console::user_names(store, org)?;
    let entries: Vec<firecheck_shared::query::VisitEntry> = match area {
        Some((p, what)) => visit_report_of(store, org, p, &what)?.visits,
        None => {
            // Every visit, newest first; each area's report read once.
            let visits = store.visits_page(org, 0, MAX_EXPORT_ROWS)?.items;
            let mut reports: HashMap<Partition, Vec<firecheck_shared::query::VisitEntry>> =
                HashMap::new();
            let mut out = Vec::with_capacity(visits.len());
            for v in &visits {
                let p = match v.venue {
                    Some(id) => Partition::Venue(id),
                    None => Partition::Area(AreaId::for_name(&v.area)),
                };
                let entries = match reports.entry(p) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => e.insert(
                        visit_report_of(store, org, p, &msg!("visit-at-area", area = &v.area))?
                            .visits,
                    ),
                };
                if let Some(e) = entries.iter().find(|e| e.visit.id == v.id) {
                    out.push(e.clone());
                }
            }
            out
        }
    };
    let mut rows = Vec::new();
    'visits: for e in &entries {
        let v = &e.visit;
        let visit: Vec<Cell> = vec![
            v.visited_on.to_string().into(),
            v.area.clone().into(),
            v.team.join("、").into(),
            v.units.join("、").into(),
            Cell::Int(i64::from(v.residents_met)),
            v.topics.join("；").into(),
        ];
        // No problem: its cells and the hazard id empty.
        let blank = || -> Vec<Cell> { (0..8).map(|_| Cell::from("")).collect() };
        if e.problems.is_empty() {
            if rows.len() == MAX_EXPORT_ROWS {
                break;
            }
            rows.push([visit.clone(), blank(), vec![v.id.to_string().into()]].concat());
        }
        for p in &e.problems {
            if rows.len() == MAX_EXPORT_ROWS {
                break 'visits;
            }
            let h = &p.problem.hazard;
            let last = p
                .last
                .as_ref()
                .map(|ev| {
                    let who = crate::console::who(&names, ev.author);
                    let at = Timestamp::from(ev.hlc);
                    format!("{}（{who} {at}）", text::action_line(&ev.action))
                })
                .unwrap_or_default();
            let problem: Vec<Cell> = vec![
                h.description.clone().into(),
                text::severity(h.severity).into(),
                text::status(h.status).into(),
                if p.problem.overdue { "逾期" } else { "" }.into(),
                h.assignee.clone().unwrap_or_default().into(),
                h.deadline.map(|d| d.to_string()).unwrap_or_default().into(),
                last.into(),
            ];
            rows.push(
                [
                    visit.clone(),
                    problem,
                    vec![h.id.to_string().into(), v.id.to_string().into()],
                ]
                .concat(),
            );
        }
    }
    Ok(Table {
        file: "visits",
        sheet: "走访问题清单",
        headers: vec![
            "走访日期",
            "居民区",
            "走访人员",
            "参加单位",
            "见到居民",
            "宣讲内容",
            "反映问题",
            "严重程度",
            "状态",
            "是否逾期",
            "责任单位",
            "整改期限",
            "最近处理",
            "隐患ID",
            "走访ID",
        ],
        rows,
    })
}

/// Inspections, one row per checklist item.
pub fn inspections_table(
    store: &Store,
    org: OrgId,
    p: &InspectionExportParams,
) -> Result<Table, AppError> {
    let names = crate::console::user_names(store, org)?;
    let templates = template_items(store, org)?;
    let venues: Vec<Venue> = match &p.venue {
        Some(v) => {
            let id: VenueId = v
                .parse()
                .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
            let state = store
                .partition_state(org, &Partition::Venue(id))?
                .and_then(|s| s.venue)
                .ok_or_else(|| AppError::NotFound(msg!("review-no-venue", id = id.to_string())))?;
            vec![state]
        }
        None => {
            let filter = VenueFilter {
                street: p.street.clone().filter(|s| !s.is_empty()),
                ..Default::default()
            };
            let mut all = Vec::new();
            let mut after: Option<Vec<u8>> = None;
            loop {
                let page = store.venues_page(org, &filter, after.as_deref(), 0, CHUNK)?;
                all.extend(page.items);
                match page
                    .next
                    .as_deref()
                    .and_then(crate::store::index::parse_cursor)
                {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            all
        }
    };
    let in_period = |t: Timestamp| {
        let d = t.local_date();
        p.from.is_none_or(|f| d >= f) && p.to.is_none_or(|to| d <= to)
    };
    let mut rows = Vec::new();
    'venues: for v in &venues {
        let part = Partition::Venue(v.id);
        let mut offset = 0;
        loop {
            let page = store.venue_inspections(org, &part, offset, CHUNK)?;
            offset += page.len();
            for i in page.iter().filter(|i| in_period(i.finished_at)) {
                for item in &i.items {
                    if rows.len() == MAX_EXPORT_ROWS {
                        break 'venues;
                    }
                    rows.push(vec![
                        v.street.clone().into(),
                        v.name.clone().into(),
                        v.address.clone().into(),
                        i.finished_at.to_string().into(),
                        crate::console::who(&names, i.inspector).into(),
                        item.code.clone().into(),
                        templates
                            .get(&(i.template, item.code.clone()))
                            .cloned()
                            .unwrap_or_default()
                            .into(),
                        text::outcome(item.outcome).into(),
                        text::severity(item.severity).into(),
                        item.note.clone().into(),
                        i.id.to_string().into(),
                    ]);
                }
            }
            if page.len() < CHUNK {
                break;
            }
        }
    }
    Ok(Table {
        file: "inspections",
        sheet: "检查记录",
        headers: vec![
            "街道",
            "场所",
            "地址",
            "完成时间",
            "巡查员",
            "检查项",
            "检查内容",
            "结果",
            "严重程度",
            "备注",
            "检查ID",
        ],
        rows,
    })
}

/// Every template's item texts, by (template, item code).
pub fn template_items(
    store: &Store,
    org: OrgId,
) -> Result<HashMap<(TemplateId, String), String>, AppError> {
    let states = store.states_of_kind(org, crate::store::PartitionKind::Template)?;
    Ok(states
        .iter()
        .filter_map(|s| s.latest_template())
        .flat_map(|t| {
            t.items
                .iter()
                .map(|i| ((t.id, i.code.clone()), i.text.clone()))
        })
        .collect())
}

/// A campaign's target venues, not inspected first.
pub fn coverage_table(store: &Store, org: OrgId, id: CampaignId) -> Result<Table, AppError> {
    let page = review::coverage_page(store, org, id, 0, MAX_EXPORT_ROWS)?;
    Ok(Table {
        file: "coverage",
        sheet: "活动覆盖",
        headers: vec![
            "街道",
            "场所",
            "地址",
            "类型",
            "是否已检查",
            "检查次数",
            "最近检查",
            "发现隐患",
            "未整改隐患",
        ],
        rows: page
            .rows
            .into_iter()
            .map(|r| {
                vec![
                    r.venue.street.clone().into(),
                    r.venue.name.clone().into(),
                    r.venue.address.clone().into(),
                    r.venue.kind.label().into(),
                    if r.inspections > 0 {
                        "已检查"
                    } else {
                        "未检查"
                    }
                    .into(),
                    r.inspections.into(),
                    r.last_inspected
                        .map(|t| t.to_string())
                        .unwrap_or_default()
                        .into(),
                    r.hazards_found.into(),
                    r.hazards_active.into(),
                ]
            })
            .collect(),
    })
}

/// Download a list as CSV or XLSX: `hazards` (the query parameters of `GET /v1/hazards`),
/// `inspections` (`venue`, or every venue of a `street` or all; `from`, `to`), `coverage`
/// (`campaign`), `visits` (`venue` or `area`, else every visit). See the module docs for the
/// rows.
#[utoipa::path(get, path = "/v1/exports/{file}", tag = "review",
    params(("file" = String, Path, description = "hazards.csv, hazards.xlsx, inspections.csv, inspections.xlsx, coverage.csv, coverage.xlsx, visits.csv or visits.xlsx")),
    responses((status = 200, description = "The file (text/csv with a BOM, or XLSX)"),
        (status = 400, description = "Bad query parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such export, venue, campaign or visited area", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "An unknown status, severity, source or id", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn export(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(file): Path<String>,
    uri: Uri,
) -> Result<Response, AppError> {
    let (name, format) = parse_file(&file)?;
    let t = table(&state, caller.0.org, name, &uri).await?;
    respond(&t, format)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_are_neutralised_and_quoted() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(csv_cell("+1"), "'+1");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("小木桥路, 12号"), "\"小木桥路, 12号\"");
        assert_eq!(csv_cell("2026-11-30"), "2026-11-30");
    }

    #[test]
    fn csv_starts_with_a_bom_and_ends_lines_with_crlf() {
        let t = Table {
            file: "t",
            sheet: "t",
            headers: vec!["街道", "数"],
            rows: vec![vec!["小木桥路".into(), Cell::Int(3)]],
        };
        let bytes = csv(&t);
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
        assert_eq!(
            String::from_utf8(bytes).unwrap(),
            "\u{feff}街道,数\r\n小木桥路,3\r\n"
        );
        assert!(xlsx(&t).unwrap().starts_with(b"PK"));
    }

    #[test]
    fn export_names_are_checked() {
        assert_eq!(
            parse_file("hazards.csv").unwrap(),
            ("hazards", ExportFormat::Csv)
        );
        assert_eq!(
            parse_file("coverage.xlsx").unwrap(),
            ("coverage", ExportFormat::Xlsx)
        );
        assert!(parse_file("hazards.pdf").is_err());
        assert_eq!(
            parse_file("visits.csv").unwrap(),
            ("visits", ExportFormat::Csv)
        );
        assert!(parse_file("users.csv").is_err());
        assert!(parse_file("hazards").is_err());
    }
}
