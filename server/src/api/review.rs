//! The safety office's read-only review API. Every write goes through `/v1/sync` as an op;
//! these endpoints read the folded views. Each accepts `min_seq`: answer only once the views
//! cover that sequence number (so the office sees a sync it just made), waiting up to 5 s.

use std::time::Duration;

use axum::extract::{Path, Query, State as AxState};
use axum::Json;
use chrono::NaiveDate;
use firecheck_shared::query::{self, Coverage, HazardFilter, HazardRow, VenueFilter};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{AppError, Caller, State};

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
    Ok(state.store.partition_states(caller.0.org)?)
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
    if state.store.partition_state(org, &partition)?.is_none() {
        return Err(AppError::NotFound(format!(
            "no venue {id} in this organisation"
        )));
    }
    // Full records come from the venue's own ops (the folded state keeps summaries).
    let store = state.store.clone();
    let ops = tokio::task::spawn_blocking(move || -> Result<Vec<Op>, crate::store::StoreError> {
        let mut ops = Vec::new();
        for seq in store.partition_seqs(org, &partition)? {
            if let Some(e) = store.entry(org, seq)? {
                ops.push(e.op);
            }
        }
        Ok(ops)
    })
    .await
    .map_err(|e| AppError::Internal(e.to_string()))??;
    let list = query::inspections_of(&ops);
    Ok(Json(page(list, p.offset, p.limit)))
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
        involving: None,
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

/// One hazard with its full history, conflict notes included. The id of a finding that was
/// merged into another hazard finds that hazard.
#[utoipa::path(get, path = "/v1/hazards/{id}", tag = "review", params(("id" = String, Path, description = "Hazard id"), WaitParams),
    responses((status = 200, description = "The hazard", body = HazardRow), (status = 404, description = "No such hazard", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn hazard(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<WaitParams>,
) -> Result<Json<HazardRow>, AppError> {
    let id: HazardId = id
        .parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.to_string()))?;
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    query::hazard(&refs, id, today())
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no hazard {id} in this organisation")))
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
    let states = states(&state, &caller, p.min_seq).await?;
    let refs: Vec<&PartitionState> = states.iter().collect();
    query::coverage(&refs, id, today())
        .map(Json)
        .ok_or_else(|| AppError::NotFound(format!("no campaign {id} in this organisation")))
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
