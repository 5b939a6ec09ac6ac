//! The safety office's read-only review API. Every write goes through `/v1/sync` as an op;
//! these endpoints read the folded views. Each accepts `min_seq`: answer only once the views
//! cover that sequence number (so the office sees a sync it just made), waiting up to 5 s.

use std::time::Duration;

use axum::extract::{Path, Query, State as AxState};
use axum::Json;
use chrono::NaiveDate;
use firecheck_shared::query::{self, Coverage, HazardDetail, HazardFilter, HazardRow, VenueFilter};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{blocking, AppError, Caller, State};
use crate::store::Store;

/// Longest a review request waits for views to cover `min_seq`.
const VIEW_WAIT: Duration = Duration::from_secs(5);
const DEFAULT_PAGE: usize = 100;
const MAX_PAGE: usize = 1000;

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many match in all.
    pub total: usize,
    pub offset: usize,
    pub limit: usize,
}

fn page<T>(all: Vec<T>, offset: Option<usize>, limit: Option<usize>) -> Page<T> {
    let total = all.len();
    let offset = offset.unwrap_or(0).min(total);
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    Page {
        items: all.into_iter().skip(offset).take(limit).collect(),
        total,
        offset,
        limit,
    }
}

/// The caller's organisation's folded partitions, once they cover `min_seq`.
async fn states(
    state: &State,
    caller: &Caller,
    min_seq: Option<u64>,
) -> Result<Vec<PartitionState>, AppError> {
    if let Some(seq) = min_seq {
        wait_views(state, caller, seq).await?;
    }
    let org = caller.0.org;
    blocking(state, move |store| Ok(store.partition_states(org)?)).await
}

/// Wait until the caller's organisation's views cover `seq`.
async fn wait_views(state: &State, caller: &Caller, seq: u64) -> Result<(), AppError> {
    if state.views.wait_for(caller.0.org, seq, VIEW_WAIT).await {
        return Ok(());
    }
    Err(AppError::Unavailable(format!(
        "views do not cover sequence number {seq} yet (they cover {}); retry shortly",
        state.views.covered(caller.0.org)
    )))
}

/// Why a partition has no state: it is unknown (404), or its views could not be built
/// (503, with what the office can do about it).
fn missing_partition(store: &Store, org: OrgId, p: &Partition) -> Result<AppError, AppError> {
    Ok(match store.failed(org, p)? {
        Some(f) => AppError::Unavailable(format!(
            "the views of {p} could not be built (since sequence number {}); its records are kept — ask the administrator to restart the server or run `firecheck-server rebuild`",
            f.since_seq
        )),
        None => AppError::NotFound(format!("no {p} in this organisation")),
    })
}

fn today() -> NaiveDate {
    Timestamp::now().local_date()
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct VenueParams {
    /// Exact street, e.g. 小木桥路.
    pub street: Option<String>,
    /// street-shop, ebike-point, three-in-one, metro-station, residential, office-tower, other
    pub kind: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub min_seq: Option<u64>,
}

/// Venues, by street then address.
#[utoipa::path(get, path = "/v1/venues", tag = "review", params(VenueParams),
    responses((status = 200, description = "A page of venues", body = Page<Venue>)), security(("bearer" = [])))]
pub async fn venues(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<VenueParams>,
) -> Result<Json<Page<Venue>>, AppError> {
    let filter = VenueFilter {
        street: p.street.clone(),
        kind: p.kind.as_deref().map(str::parse).transpose()?,
    };
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    let list = query::venues(&refs, &filter).into_iter().cloned().collect();
    Ok(Json(page(list, p.offset, p.limit)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub min_seq: Option<u64>,
}

/// A venue's inspections, newest first.
#[utoipa::path(get, path = "/v1/venues/{id}/inspections", tag = "review", params(("id" = String, Path, description = "Venue id"), PageParams),
    responses((status = 200, description = "A page of inspections", body = Page<Inspection>), (status = 404, description = "No such venue", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn inspections(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Inspection>>, AppError> {
    let id: VenueId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.to_string()))?;
    if let Some(seq) = p.min_seq {
        wait_views(&state, &caller, seq).await?;
    }
    let org = caller.0.org;
    let partition = Partition::Venue(id);
    let offset = p.offset.unwrap_or(0);
    let limit = p.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let (total, items) = blocking(&state, move |store| {
        let Some(venue) = store.partition_state(org, &partition)? else {
            return Err(missing_partition(store, org, &partition)?);
        };
        let items = store.venue_inspections(org, &partition, offset, limit)?;
        Ok((venue.inspections as usize, items))
    })
    .await?;
    Ok(Json(Page {
        items,
        total,
        offset: offset.min(total),
        limit,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HazardParams {
    /// Comma-separated statuses: open, dispatched, reported-fixed, verified, closed, reopened.
    pub status: Option<String>,
    /// Only hazards still needing work.
    pub active: Option<bool>,
    /// Only hazards past their deadline and not yet verified or closed.
    pub overdue: Option<bool>,
    pub street: Option<String>,
    pub venue: Option<String>,
    /// The unit it was dispatched to, e.g. 城管斜土中队.
    pub assignee: Option<String>,
    pub offset: Option<usize>,
    pub limit: Option<usize>,
    pub min_seq: Option<u64>,
}

/// Hazards, overdue first (oldest deadline first), then by deadline, severity, age.
#[utoipa::path(get, path = "/v1/hazards", tag = "review", params(HazardParams),
    responses((status = 200, description = "A page of hazards", body = Page<HazardRow>)), security(("bearer" = [])))]
pub async fn hazards(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<HazardParams>,
) -> Result<Json<Page<HazardRow>>, AppError> {
    let statuses = p
        .status
        .as_deref()
        .map(|s| {
            s.split(',')
                .filter(|x| !x.trim().is_empty())
                .map(str::parse)
                .collect::<Result<Vec<HazardStatus>, _>>()
        })
        .transpose()?
        .unwrap_or_default();
    let filter = HazardFilter {
        statuses,
        active: p.active.unwrap_or(false),
        overdue: p.overdue.unwrap_or(false),
        street: p.street.clone(),
        venue: p.venue.as_deref().map(str::parse).transpose()?,
        assignee: p.assignee.clone(),
    };
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    Ok(Json(page(
        query::hazards(&refs, &filter, today()),
        p.offset,
        p.limit,
    )))
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WaitParams {
    pub min_seq: Option<u64>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryParams {
    /// First event of the history to return (0: the oldest).
    pub offset: Option<usize>,
    /// Most events to return (default 100, at most 1000).
    pub limit: Option<usize>,
    pub min_seq: Option<u64>,
}

/// Most merged findings' ids listed with a hazard (their number is in `merged_findings`).
const MERGED_SHOWN: usize = 100;

/// One hazard with a page of its history (conflict notes included) and the ids of findings
/// merged into it. The id of a finding that was merged into another hazard finds that hazard.
#[utoipa::path(get, path = "/v1/hazards/{id}", tag = "review", params(("id" = String, Path, description = "Hazard id"), HistoryParams),
    responses((status = 200, description = "The hazard", body = HazardDetail), (status = 404, description = "No such hazard", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn hazard(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<HistoryParams>,
) -> Result<Json<HazardDetail>, AppError> {
    let id: HazardId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.to_string()))?;
    if let Some(seq) = p.min_seq {
        wait_views(&state, &caller, seq).await?;
    }
    let org = caller.0.org;
    let offset = p.offset.unwrap_or(0);
    let limit = p.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE);
    let missing = move || AppError::NotFound(format!("no hazard {id} in this organisation"));
    blocking(&state, move |store| {
        let home = store.hazard_home(org, id)?.ok_or_else(missing)?;
        let Some(part) = store.partition_state(org, &home)? else {
            return Err(missing_partition(store, org, &home)?);
        };
        let carrier = match part.hazards.contains_key(&id) {
            true => id,
            false => store.alias_of(org, &home, id)?.ok_or_else(missing)?,
        };
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
        Ok(Json(HazardDetail {
            history_total: row.hazard.events as usize,
            history_offset: offset,
            history,
            merged,
            row,
        }))
    })
    .await
}

/// Drills, most recent first.
#[utoipa::path(get, path = "/v1/drills", tag = "review", params(PageParams),
    responses((status = 200, description = "A page of drills", body = Page<Drill>)), security(("bearer" = [])))]
pub async fn drills(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Drill>>, AppError> {
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    Ok(Json(page(
        query::drills(&refs).into_iter().cloned().collect(),
        p.offset,
        p.limit,
    )))
}

/// Campaigns, newest first.
#[utoipa::path(get, path = "/v1/campaigns", tag = "review", params(PageParams),
    responses((status = 200, description = "A page of campaigns", body = Page<Campaign>)), security(("bearer" = [])))]
pub async fn campaigns(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Campaign>>, AppError> {
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    Ok(Json(page(
        query::campaigns(&refs).into_iter().cloned().collect(),
        p.offset,
        p.limit,
    )))
}

/// A campaign's coverage: targets not yet inspected first ("no blind spots"), hazards found,
/// rectified and overdue, and the rectification rate.
#[utoipa::path(get, path = "/v1/campaigns/{id}/coverage", tag = "review", params(("id" = String, Path, description = "Campaign id"), WaitParams),
    responses((status = 200, description = "Coverage", body = Coverage), (status = 404, description = "No such campaign", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn coverage(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<WaitParams>,
) -> Result<Json<Coverage>, AppError> {
    let id: CampaignId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.to_string()))?;
    if let Some(seq) = p.min_seq {
        wait_views(&state, &caller, seq).await?;
    }
    let org = caller.0.org;
    blocking(&state, move |store| {
        let states = store.partition_states(org)?;
        let refs: Vec<&PartitionState> = states.iter().collect();
        let mut failed = None;
        let cov = query::coverage(&refs, id, today(), |s, c| {
            store
                .counted_inspections(org, &s.partition, c)
                .unwrap_or_else(|e| {
                    failed = Some(e);
                    (0, None)
                })
        });
        if let Some(e) = failed {
            return Err(e.into());
        }
        cov.map(Json)
            .ok_or_else(|| AppError::NotFound(format!("no campaign {id} in this organisation")))
    })
    .await
}

/// Checklist templates (newest version of each).
#[utoipa::path(get, path = "/v1/templates", tag = "review", params(WaitParams),
    responses((status = 200, description = "Templates", body = Vec<ChecklistTemplate>)), security(("bearer" = [])))]
pub async fn templates(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<WaitParams>,
) -> Result<Json<Vec<ChecklistTemplate>>, AppError> {
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    Ok(Json(query::templates(&refs).into_iter().cloned().collect()))
}
