//! The safety office's read-only review API. Every write goes through `/v1/sync` as an op;
//! these endpoints read the views through the indexes the view updater keeps
//! (`store::index`, `store::coverage`), so each costs the page it returns. Each accepts
//! `min_seq`: answer only once the views cover that sequence number (so the office sees a
//! sync it just made), waiting up to 5 s.
//!
//! Lists are paged by `offset` and `limit`, and by `after`: the `next` cursor of the page
//! before, which stays stable while new ops arrive. `total` is given where the indexes'
//! counts know it without a scan.

use std::time::Duration;

use axum::extract::{Path, Query, State as AxState};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use firecheck_shared::query::{
    self, CoverageRow, HazardDetail, HazardFilter, HazardRow, SourceKind, StreetCounts,
    StreetCoverage, VenueFilter,
};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{blocking, AppError, Caller, State};
use crate::store::index::parse_cursor;
use crate::store::{IndexPage, PartitionKind, Store};

/// Longest a review request waits for views to cover `min_seq`.
const VIEW_WAIT: Duration = Duration::from_secs(5);
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;
/// The largest `offset` (as the document says): far past any organisation's lists.
const MAX_OFFSET: usize = 2_000_000_000;

/// A page of a list.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all, when the indexes know it without a scan (a listing filtered by
    /// two or more fields leaves it out).
    pub total: Option<usize>,
    pub offset: usize,
    pub limit: usize,
    /// Pass as `after` for the next page; absent on the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    pub(super) fn of(p: IndexPage<T>, paging: &Paging) -> Self {
        Self {
            items: p.items,
            total: p.total,
            offset: paging.offset,
            limit: paging.limit,
            next: p.next,
        }
    }

    /// A page cut from a whole (short) list.
    fn cut(all: Vec<T>, paging: &Paging) -> Self {
        let total = all.len();
        Self {
            items: all
                .into_iter()
                .skip(paging.offset)
                .take(paging.limit)
                .collect(),
            total: Some(total),
            offset: paging.offset,
            limit: paging.limit,
            next: None,
        }
    }
}

/// Paging parameters, checked.
#[derive(Debug)]
pub(crate) struct Paging {
    pub offset: usize,
    pub limit: usize,
    pub after: Option<Vec<u8>>,
}

pub(crate) fn paging(
    offset: Option<usize>,
    limit: Option<usize>,
    after: Option<&str>,
) -> Result<Paging, AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::BadRequest(msg!("review-limit", max = MAX_PAGE)));
    }
    let offset = offset.unwrap_or(0);
    if offset > MAX_OFFSET {
        return Err(AppError::BadRequest(msg!(
            "review-offset",
            max = MAX_OFFSET
        )));
    }
    let after = after
        .map(|a| parse_cursor(a).ok_or_else(|| AppError::BadRequest(msg!("review-bad-after"))))
        .transpose()?;
    Ok(Paging {
        offset,
        limit,
        after,
    })
}

/// Wait until the caller's organisation's views cover `seq`.
pub(crate) async fn wait_views(
    state: &State,
    caller: &Caller,
    seq: Option<u64>,
) -> Result<(), AppError> {
    wait_seq(state, caller.0.org, seq).await
}

/// Wait until the views of `org` cover `seq` (when given), at most 5 s. A `seq` past the
/// organisation's log (no ack ever named it) waits for the whole log: the answer then
/// holds everything stored, which is all such a caller can be waiting for.
pub(crate) async fn wait_seq(state: &State, org: OrgId, seq: Option<u64>) -> Result<(), AppError> {
    let Some(seq) = seq else { return Ok(()) };
    if seq > i64::MAX as u64 {
        return Err(AppError::BadRequest(msg!("review-min-seq", max = i64::MAX)));
    }
    let seq = if seq > state.views.covered(org) {
        let head = blocking(state, move |store| Ok(store.last_seq(org)?)).await?;
        seq.min(head)
    } else {
        seq
    };
    if state.views.wait_for(org, seq, VIEW_WAIT).await {
        return Ok(());
    }
    Err(AppError::Unavailable(msg!(
        "review-views-behind",
        seq = seq,
        covered = state.views.covered(org)
    )))
}

/// Why a partition has no state: it is unknown (404), or its views could not be built
/// (503, with what the office can do about it).
pub(crate) fn missing_partition(
    store: &Store,
    org: OrgId,
    p: &Partition,
) -> Result<AppError, AppError> {
    Ok(match store.failed(org, p)? {
        Some(f) => AppError::Unavailable(msg!(
            "review-partition-failed",
            partition = p.to_string(),
            since = f.since_seq
        )),
        None => AppError::NotFound(msg!("review-no-partition", partition = p.to_string())),
    })
}

/// Today's date in Shanghai: what "overdue" is judged on.
pub(crate) fn today() -> NaiveDate {
    Timestamp::now().local_date()
}

fn parse_list<T: std::str::FromStr<Err = validate::ValidationError>>(
    s: Option<&str>,
) -> Result<Vec<T>, AppError> {
    s.map(|s| {
        s.split(',')
            .filter(|x| !x.trim().is_empty())
            .map(str::parse)
            .collect::<Result<Vec<T>, _>>()
    })
    .transpose()
    .map(Option::unwrap_or_default)
    .map_err(Into::into)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VenueParams {
    /// Exact street, e.g. 小木桥路.
    pub street: Option<String>,
    /// street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
    #[param(
        pattern = "^(street-shop|ebike-point|three-in-one|metro-station|residential|office-tower|other)$"
    )]
    pub kind: Option<String>,
    /// Part of the name, e.g. 老王.
    pub name: Option<String>,
    #[param(minimum = 0, maximum = 2_000_000_000)]
    pub offset: Option<usize>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// The `next` of the page before.
    #[param(pattern = "^([0-9a-fA-F]{2})*$")]
    pub after: Option<String>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// Venues, by street then address (house numbers in order) then name.
#[utoipa::path(get, path = "/v1/venues", tag = "review", params(VenueParams),
    responses((status = 200, description = "A page of venues", body = Page<Venue>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "Unknown venue kind", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn venues(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<VenueParams>,
) -> Result<Json<Page<Venue>>, AppError> {
    let kind: Option<VenueKind> = p.kind.as_deref().map(str::parse).transpose()?;
    let paging = paging(p.offset, p.limit, p.after.as_deref())?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let filter = VenueFilter {
            street: p.street,
            kind,
            name: p.name,
        };
        let page = store.venues_page(
            org,
            &filter,
            paging.after.as_deref(),
            paging.offset,
            paging.limit,
        )?;
        Ok(Json(Page::of(page, &paging)))
    })
    .await
}

/// A venue with how often it was inspected.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct VenueDetail {
    pub venue: Venue,
    pub inspections: u64,
    pub last_inspected: Option<Timestamp>,
    /// Its hazards (all), and those still needing work.
    pub hazards: usize,
    pub hazards_active: usize,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WaitParams {
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// One venue.
#[utoipa::path(get, path = "/v1/venues/{id}", tag = "review", params(("id" = String, Path, description = "Venue id"), WaitParams),
    responses((status = 200, description = "The venue", body = VenueDetail),
        (status = 404, description = "No such venue", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Its views could not be built", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn venue(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<WaitParams>,
) -> Result<Json<VenueDetail>, AppError> {
    let id: VenueId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let partition = Partition::Venue(id);
        let Some(s) = store.partition_state(org, &partition)? else {
            return Err(missing_partition(store, org, &partition)?);
        };
        let venue = s
            .venue
            .clone()
            .ok_or_else(|| AppError::NotFound(msg!("review-no-venue", id = id.to_string())))?;
        Ok(Json(VenueDetail {
            venue,
            inspections: s.inspections,
            last_inspected: s.last_inspected,
            hazards: s.hazards.len(),
            hazards_active: s.hazards.values().filter(|h| h.status.is_active()).count(),
        }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    #[param(minimum = 0, maximum = 2_000_000_000)]
    pub offset: Option<usize>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// A venue's inspections, newest first, each with every item's outcome and its amendments.
#[utoipa::path(get, path = "/v1/venues/{id}/inspections", tag = "review", params(("id" = String, Path, description = "Venue id"), PageParams),
    responses((status = 200, description = "A page of inspections", body = Page<Inspection>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such venue", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Its views could not be built", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn inspections(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Inspection>>, AppError> {
    let id: VenueId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    let partition = Partition::Venue(id);
    blocking(&state, move |store| {
        let Some(venue) = store.partition_state(org, &partition)? else {
            return Err(missing_partition(store, org, &partition)?);
        };
        let items = store.venue_inspections(org, &partition, paging.offset, paging.limit)?;
        Ok(Json(Page {
            items,
            total: Some(venue.inspections as usize),
            offset: paging.offset,
            limit: paging.limit,
            next: None,
        }))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HazardParams {
    /// Comma-separated statuses: open, dispatched, reported-fixed, verified, closed, reopened.
    #[param(
        pattern = "^(open|dispatched|reported-fixed|reported_fixed|verified|closed|reopened)?(,(open|dispatched|reported-fixed|reported_fixed|verified|closed|reopened)?)*$"
    )]
    pub status: Option<String>,
    /// Only hazards still needing work.
    pub active: Option<bool>,
    /// Only hazards past their deadline and not yet verified or closed.
    pub overdue: Option<bool>,
    pub street: Option<String>,
    /// A venue's id.
    #[param(value_type = Option<uuid::Uuid>)]
    pub venue: Option<String>,
    /// The unit it was dispatched to, e.g. 城管斜土中队.
    pub assignee: Option<String>,
    /// Comma-separated severities: critical, major, minor.
    #[param(pattern = "^(critical|major|minor)?(,(critical|major|minor)?)*$")]
    pub severity: Option<String>,
    /// Comma-separated sources: inspection, citizen_report, drill, visit.
    #[param(
        pattern = "^(inspection|citizen_report|citizen-report|drill|visit)?(,(inspection|citizen_report|citizen-report|drill|visit)?)*$"
    )]
    pub source: Option<String>,
    /// Only hazards a campaign counts (found by an inspection it counts at one of its
    /// targets).
    #[param(value_type = Option<uuid::Uuid>)]
    pub campaign: Option<String>,
    #[param(minimum = 0, maximum = 2_000_000_000)]
    pub offset: Option<usize>,
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    /// The `next` of the page before.
    #[param(pattern = "^([0-9a-fA-F]{2})*$")]
    pub after: Option<String>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

impl HazardParams {
    /// The filter these parameters ask for.
    pub fn filter(&self) -> Result<HazardFilter, AppError> {
        Ok(HazardFilter {
            statuses: parse_list(self.status.as_deref())?,
            active: self.active.unwrap_or(false),
            overdue: self.overdue.unwrap_or(false),
            street: self.street.clone(),
            venue: self.venue.as_deref().map(str::parse).transpose()?,
            assignee: self.assignee.clone(),
            severities: parse_list(self.severity.as_deref())?,
            sources: parse_list::<SourceKind>(self.source.as_deref())?,
            campaign: self.campaign.as_deref().map(str::parse).transpose()?,
        })
    }
}

/// Hazards, overdue first (oldest deadline first), then by deadline, severity, age. Rows are
/// summaries; a hazard's history comes with `GET /v1/hazards/{id}`.
#[utoipa::path(get, path = "/v1/hazards", tag = "review", params(HazardParams),
    responses((status = 200, description = "A page of hazards", body = Page<HazardRow>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 422, description = "An unknown status, severity, source or id", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn hazards(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<HazardParams>,
) -> Result<Json<Page<HazardRow>>, AppError> {
    let filter = p.filter()?;
    let paging = paging(p.offset, p.limit, p.after.as_deref())?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let page = store.hazards_page(
            org,
            &filter,
            today(),
            paging.after.as_deref(),
            paging.offset,
            paging.limit,
        )?;
        Ok(Json(Page::of(page, &paging)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// First event of the history to return (0: the oldest).
    #[param(minimum = 0, maximum = 2_000_000_000)]
    pub offset: Option<usize>,
    /// Most events to return (default 100, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<usize>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// Most merged findings' ids listed with a hazard (their number is in `merged_findings`).
const MERGED_SHOWN: usize = 100;

/// One hazard with a page of its history (conflict notes included) and the ids of findings
/// merged into it. The id of a finding that was merged into another hazard finds that hazard.
#[utoipa::path(get, path = "/v1/hazards/{id}", tag = "review", params(("id" = String, Path, description = "Hazard id"), HistoryParams),
    responses((status = 200, description = "The hazard", body = HazardDetail),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such hazard", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Its views could not be built", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn hazard(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<HistoryParams>,
) -> Result<Json<HazardDetail>, AppError> {
    let id: HazardId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        hazard_detail(store, org, id, paging.offset, paging.limit).map(|(_, d)| Json(d))
    })
    .await
}

/// One hazard of `org` by its id or the id of a finding merged into it, with the events
/// `offset..offset + limit` of its history: the partition it lives in and its detail.
pub(crate) fn hazard_detail(
    store: &Store,
    org: OrgId,
    id: HazardId,
    offset: usize,
    limit: usize,
) -> Result<(Partition, HazardDetail), AppError> {
    let missing = move || AppError::NotFound(msg!("review-no-hazard", id = id.to_string()));
    // Its partition: the first (in key order) that holds it, as a hazard or an alias.
    let mut found = None;
    for home in store.hazard_homes(org, id)? {
        let Some(part) = store.partition_state(org, &home)? else {
            return Err(missing_partition(store, org, &home)?);
        };
        let carrier = match part.hazards.contains_key(&id) {
            true => Some(id),
            false => store.alias_of(org, &home, id)?,
        };
        if let Some(carrier) = carrier {
            found = Some((home, part, carrier));
            break;
        }
    }
    let (home, part, carrier) = found.ok_or_else(missing)?;
    let row = query::hazard_row(&part, carrier, today()).ok_or_else(missing)?;
    let offset = offset.min(row.hazard.events as usize);
    let history = store.hazard_history(
        org,
        &home,
        carrier,
        u32::try_from(offset).unwrap_or(u32::MAX),
        limit,
    )?;
    let merged = store.merged_into(org, &home, carrier, MERGED_SHOWN)?;
    Ok((
        home,
        HazardDetail {
            history_total: row.hazard.events as usize,
            history_offset: offset,
            history,
            merged,
            row,
        },
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardParams {
    /// First day (Shanghai date, YYYY-MM-DD) "verified in period" counts; default: this
    /// week's Monday.
    pub from: Option<NaiveDate>,
    /// Last day it counts; default: today.
    pub to: Option<NaiveDate>,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// The board: hazard counts per street.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Board {
    /// The Shanghai date "overdue" was judged on.
    pub today: NaiveDate,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Per street, by street (hazards with no street under "").
    pub streets: Vec<StreetCounts>,
    /// Every street together.
    pub total: StreetCounts,
}

/// Counts per street: open, dispatched, awaiting re-inspection, verified, closed, overdue,
/// and verified within a period (this week by default) — the board's top, from counts
/// alone.
#[utoipa::path(get, path = "/v1/board", tag = "review", params(BoardParams),
    responses((status = 200, description = "Counts per street", body = Board),
        (status = 400, description = "Bad dates", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn board(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<BoardParams>,
) -> Result<Json<Board>, AppError> {
    let (today, from, to) = board_period(p.from, p.to)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        board_counts(store, org, today, from, to).map(Json)
    })
    .await
}

/// Today (Shanghai) and the period "verified in period" counts: `from` (default: this
/// week's Monday) to `to` (default: today), earlier day first whichever way it was given.
pub(crate) fn board_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<(NaiveDate, NaiveDate, NaiveDate), AppError> {
    let today = today();
    let monday = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
    let (from, to) = (from.unwrap_or(monday), to.unwrap_or(today));
    // A period given backwards (or only a `to` before this week's Monday) is the same days.
    let (from, to) = if from > to { (to, from) } else { (from, to) };
    Ok((today, from, to))
}

/// The board's counts per street and in all.
pub(crate) fn board_counts(
    store: &Store,
    org: OrgId,
    today: NaiveDate,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Board, AppError> {
    let streets = store.street_counts(org, today, (from, to))?;
    let mut total = StreetCounts::default();
    for s in &streets {
        total.open += s.open;
        total.dispatched += s.dispatched;
        total.reported_fixed += s.reported_fixed;
        total.reopened += s.reopened;
        total.verified += s.verified;
        total.closed += s.closed;
        total.active += s.active;
        total.overdue += s.overdue;
        total.verified_in_period += s.verified_in_period;
    }
    Ok(Board {
        today,
        from,
        to,
        streets,
        total,
    })
}

/// Drills, most recent first.
#[utoipa::path(get, path = "/v1/drills", tag = "review", params(PageParams),
    responses((status = 200, description = "A page of drills", body = Page<Drill>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn drills(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Drill>>, AppError> {
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let page = store.drills_page(org, paging.offset, paging.limit)?;
        Ok(Json(Page::of(page, &paging)))
    })
    .await
}

/// Campaigns, newest first.
#[utoipa::path(get, path = "/v1/campaigns", tag = "review", params(PageParams),
    responses((status = 200, description = "A page of campaigns", body = Page<Campaign>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn campaigns(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Campaign>>, AppError> {
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let states = store.states_of_kind(org, PartitionKind::Campaign)?;
        let refs: Vec<&PartitionState> = states.iter().collect();
        let list = query::campaigns(&refs).into_iter().cloned().collect();
        Ok(Json(Page::cut(list, &paging)))
    })
    .await
}

/// A campaign's coverage with one page of its target venues.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CoveragePage {
    pub campaign: Campaign,
    pub targets: usize,
    pub inspected: usize,
    pub hazards_found: usize,
    /// Verified or closed.
    pub hazards_rectified: usize,
    pub hazards_overdue: usize,
    /// Rectified ÷ found; 1.0 when nothing was found.
    pub rectification_rate: f64,
    /// The same figures per street, by street.
    pub streets: Vec<StreetCoverage>,
    /// Target venues not yet inspected first, then the inspected ones; each group by street
    /// and address. `targets` in all, from `rows_offset`.
    pub rows: Vec<CoverageRow>,
    pub rows_offset: usize,
}

/// A campaign's coverage: targets not yet inspected first ("no blind spots"), hazards found,
/// rectified and overdue, and the rectification rate, in all and per street.
#[utoipa::path(get, path = "/v1/campaigns/{id}/coverage", tag = "review", params(("id" = String, Path, description = "Campaign id"), PageParams),
    responses((status = 200, description = "Coverage", body = CoveragePage),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No such campaign", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn coverage(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Json<CoveragePage>, AppError> {
    let id: CampaignId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))?;
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        coverage_page(store, org, id, paging.offset, paging.limit).map(Json)
    })
    .await
}

/// A campaign's figures with its target venues `offset..offset + limit`.
pub(crate) fn coverage_page(
    store: &Store,
    org: OrgId,
    id: CampaignId,
    offset: usize,
    limit: usize,
) -> Result<CoveragePage, AppError> {
    let campaign = store
        .partition_state(org, &Partition::Campaign(id))?
        .and_then(|s| s.campaign)
        .ok_or_else(|| AppError::NotFound(msg!("review-no-campaign", id = id.to_string())))?;
    let f = store.coverage(org, id, today(), offset, limit)?;
    Ok(CoveragePage {
        campaign,
        targets: f.targets,
        inspected: f.inspected,
        hazards_found: f.hazards_found,
        hazards_rectified: f.hazards_rectified,
        hazards_overdue: f.hazards_overdue,
        rectification_rate: if f.hazards_found == 0 {
            1.0
        } else {
            f.hazards_rectified as f64 / f.hazards_found as f64
        },
        streets: f.streets,
        rows: f.rows.items,
        rows_offset: offset,
    })
}

/// Checklist templates (newest version of each).
#[utoipa::path(get, path = "/v1/templates", tag = "review", params(WaitParams),
    responses((status = 200, description = "Templates", body = Vec<ChecklistTemplate>)), security(("bearer" = [])))]
pub async fn templates(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<WaitParams>,
) -> Result<Json<Vec<ChecklistTemplate>>, AppError> {
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let states = store.states_of_kind(org, PartitionKind::Template)?;
        let refs: Vec<&PartitionState> = states.iter().collect();
        Ok(Json(query::templates(&refs).into_iter().cloned().collect()))
    })
    .await
}
