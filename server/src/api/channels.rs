//! Review reads of the other channels a problem reaches the office by: a drill with its
//! findings, resident visits and an area's visit report (走访反馈), and a citizen report with
//! how it is handled (the reporter's contact for officers only). Read-only like the rest of
//! the review API ([`super::review`]); every write is an op.

use axum::extract::{Path, Query, State as AxState};
use axum::Json;
use firecheck_shared::i18n::Msg;
use firecheck_shared::query::{self, DrillDetail, ReportProgress, VisitReport};
use firecheck_shared::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::review::{missing_partition, paging, today, wait_views, Page, PageParams, WaitParams};
use super::{blocking, AppError, Caller, State};
use crate::store::{Result as StoreResult, Store};

fn not_found<T: std::str::FromStr<Err = validate::ValidationError>>(
    id: &str,
) -> Result<T, AppError> {
    id.parse()
        .map_err(|e: validate::ValidationError| AppError::NotFound(e.msg()))
}

/// One drill with its "must improve" points as tracked items and their status.
#[utoipa::path(get, path = "/v1/drills/{id}", tag = "review", params(("id" = String, Path, description = "Drill id"), WaitParams),
    responses((status = 200, description = "The drill and its findings", body = DrillDetail),
        (status = 404, description = "No such drill", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Its views could not be built", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn drill(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<WaitParams>,
) -> Result<Json<DrillDetail>, AppError> {
    let id: DrillId = not_found(&id)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| Ok(Json(drill_detail(store, org, id)?))).await
}

/// A drill of `org` with its findings and their status (what `GET /v1/drills/{id}` and the
/// console's drill page show).
pub(crate) fn drill_detail(
    store: &Store,
    org: OrgId,
    id: DrillId,
) -> Result<DrillDetail, AppError> {
    let missing = || AppError::NotFound(msg!("review-no-drill", id = id.to_string()));
    let (_, partition) = store.drill(org, id)?.ok_or_else(missing)?;
    let Some(s) = store.partition_state(org, &partition)? else {
        return Err(missing_partition(store, org, &partition)?);
    };
    query::drill_detail(&s, id, today()).ok_or_else(missing)
}

/// Resident visits, most recent first.
#[utoipa::path(get, path = "/v1/visits", tag = "review", params(PageParams),
    responses((status = 200, description = "A page of visits", body = Page<Visit>),
        (status = 400, description = "Bad paging parameters", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn visits(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<PageParams>,
) -> Result<Json<Page<Visit>>, AppError> {
    let paging = paging(p.offset, p.limit, None)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        let page = store.visits_page(org, paging.offset, paging.limit)?;
        Ok(Json(Page::of(page, &paging)))
    })
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitReportParams {
    /// Where: a residential venue's id (visits to a venue of the list), or the name of a
    /// residential area visited with no venue of its own (e.g. `日晖六村`).
    pub area: String,
    #[param(minimum = 0)]
    pub min_seq: Option<u64>,
}

/// The last event of a hazard's history that took effect: how it was last handled.
pub(crate) fn last_applied(
    store: &Store,
    org: OrgId,
    p: &Partition,
    h: &Hazard,
) -> StoreResult<Option<HazardEvent>> {
    let from = h.events.saturating_sub(8);
    let tail = store.hazard_history(org, p, h.id, from, 8)?;
    Ok(tail
        .into_iter()
        .rev()
        .find(|e| e.outcome == EventOutcome::Applied))
}

/// What the team reports back at a residential area (走访反馈): every visit there, newest
/// first, with the problems residents raised and how each was handled. `area` is a
/// residential venue's id or the name of an area visited with no venue.
#[utoipa::path(get, path = "/v1/visits/report", tag = "review", params(VisitReportParams),
    responses((status = 200, description = "The area's visits and their problems", body = VisitReport),
        (status = 400, description = "No `area`, or an unknown parameter", body = firecheck_shared::sync::ErrorBody),
        (status = 404, description = "No visit recorded there", body = firecheck_shared::sync::ErrorBody),
        (status = 503, description = "Its views could not be built", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn visit_report(
    AxState(state): AxState<State>,
    caller: Caller,
    Query(p): Query<VisitReportParams>,
) -> Result<Json<VisitReport>, AppError> {
    let area = p.area.trim();
    let (partition, what) = match area.parse::<VenueId>() {
        Ok(v) => (Partition::Venue(v), msg!("visit-at-venue", venue = area)),
        Err(_) => (
            Partition::Area(AreaId::for_name(area)),
            msg!("visit-at-area", area = area),
        ),
    };
    wait_views(&state, &caller, p.min_seq).await?;
    let org = caller.0.org;
    blocking(&state, move |store| {
        Ok(Json(visit_report_of(store, org, partition, &what)?))
    })
    .await
}

/// The partition a visit report is asked of — a residential venue's (`venue`, its id) or a
/// named area's (`area`), one of them — and how a message names it.
pub(crate) fn visited(
    venue: Option<&str>,
    area: Option<&str>,
) -> Result<(Partition, Msg), AppError> {
    match (venue, area) {
        (Some(v), None) => Ok((
            Partition::Venue(not_found(v)?),
            msg!("visit-at-venue", venue = v),
        )),
        (None, Some(a)) if !a.trim().is_empty() => Ok((
            Partition::Area(AreaId::for_name(a)),
            msg!("visit-at-area", area = a.trim()),
        )),
        _ => Err(AppError::BadRequest(msg!("visit-venue-or-area"))),
    }
}

/// The visit report of a residential venue's or a named area's partition (what
/// `GET /v1/visits/report` and the console's report page show); `what` names it in the
/// not-found message.
pub(crate) fn visit_report_of(
    store: &Store,
    org: OrgId,
    partition: Partition,
    what: &Msg,
) -> Result<VisitReport, AppError> {
    let missing = || AppError::NotFound(msg!("visit-none", place = what));
    let Some(s) = store.partition_state(org, &partition)? else {
        return match store.failed(org, &partition)? {
            Some(_) => Err(missing_partition(store, org, &partition)?),
            None => Err(missing()),
        };
    };
    let mut failure = None;
    let report = query::visit_report(&s, today(), |id| {
        let h = s.hazards.get(&id)?;
        match last_applied(store, org, &partition, h) {
            Ok(e) => e,
            Err(e) => {
                failure = Some(e);
                None
            }
        }
    });
    if let Some(e) = failure {
        return Err(e.into());
    }
    report.ok_or_else(missing)
}

/// A citizen report with how it is handled, and — for officers only — who reported it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CitizenReportDetail {
    #[serde(flatten)]
    pub progress: ReportProgress,
    /// How to reach the citizen: present for officers (when the report gave it), never for
    /// other roles.
    pub contact: Option<ReporterContact>,
}

/// Where a citizen report's partition is: its own, or (for reports made at a venue) the
/// venue's, found through the hazard it opened.
pub(crate) fn report_home(
    store: &Store,
    org: OrgId,
    id: ReportId,
) -> StoreResult<Option<(Partition, PartitionState)>> {
    for p in store.hazard_homes(org, HazardId::for_report(id))? {
        if let Some(s) = store.partition_state(org, &p)? {
            if s.reports.contains_key(&id) {
                return Ok(Some((p, s)));
            }
        }
    }
    let own = Partition::Report(id);
    Ok(store
        .partition_state(org, &own)?
        .filter(|s| s.reports.contains_key(&id))
        .map(|s| (own, s)))
}

/// How a report stands: following its link into the partition it names, when that is there.
pub(crate) fn progress(
    store: &Store,
    org: OrgId,
    state: &PartitionState,
    report: &CitizenReport,
) -> StoreResult<Option<ReportProgress>> {
    let followed = match report.linked_to {
        Some(l) if l.partition == state.partition => state.hazards.get(&l.hazard).cloned(),
        Some(l) => match store.partition_state(org, &l.partition)? {
            Some(s) => {
                let carrier = match s.hazards.contains_key(&l.hazard) {
                    true => Some(l.hazard),
                    false => store.alias_of(org, &l.partition, l.hazard)?,
                };
                carrier.and_then(|c| s.hazards.get(&c).cloned())
            }
            None => None,
        },
        None => None,
    };
    Ok(query::report_progress(
        report,
        state.hazards.get(&report.hazard),
        followed.as_ref(),
    ))
}

/// The reporter's contact, from the op that recorded the report (the first, in merge order).
/// Only for officers' eyes: callers check the role.
pub(crate) fn contact(
    store: &Store,
    org: OrgId,
    p: &Partition,
    id: ReportId,
) -> StoreResult<Option<ReporterContact>> {
    let mut ops = store.partition_ops(org, p)?;
    ops.sort_by_key(Op::key);
    Ok(ops
        .into_iter()
        .find_map(|op| match (op.entity, op.body) {
            (EntityRef::CitizenReport { report, .. }, OpBody::CitizenCaseReported(r))
                if report == id =>
            {
                Some(r.contact)
            }
            _ => None,
        })
        .flatten())
}

/// One citizen report: the report, the hazard that follows it (the one it was linked to,
/// else its own), that hazard's status and the reply to the citizen; the reporter's contact
/// for officers.
#[utoipa::path(get, path = "/v1/citizen-reports/{id}", tag = "review", params(("id" = String, Path, description = "Report id"), WaitParams),
    responses((status = 200, description = "The report and how it is handled", body = CitizenReportDetail),
        (status = 404, description = "No such report", body = firecheck_shared::sync::ErrorBody)),
    security(("bearer" = [])))]
pub async fn citizen_report(
    AxState(state): AxState<State>,
    caller: Caller,
    Path(id): Path<String>,
    Query(p): Query<WaitParams>,
) -> Result<Json<CitizenReportDetail>, AppError> {
    let id: ReportId = not_found(&id)?;
    wait_views(&state, &caller, p.min_seq).await?;
    let (org, officer) = (caller.0.org, caller.0.role == Role::Officer);
    blocking(&state, move |store| {
        let missing = || AppError::NotFound(msg!("review-no-report", id = id.to_string()));
        let (partition, s) = report_home(store, org, id)?.ok_or_else(missing)?;
        let report = s.reports.get(&id).ok_or_else(missing)?;
        let progress = progress(store, org, &s, report)?.ok_or_else(missing)?;
        let contact = if officer {
            contact(store, org, &partition, id)?
        } else {
            None
        };
        Ok(Json(CitizenReportDetail { progress, contact }))
    })
    .await
}
