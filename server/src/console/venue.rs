//! Venues (`/venues`, `/venues/{id}`): the list by street (closed and moved venues marked),
//! and one venue's details — with its status and why, when it closed or moved —, its
//! inspections over time with each item's outcome, its hazards (open ones first), its
//! drills, its visits' report; `/venues/{id}/notice` is the rectification notice of all its
//! open hazards.

use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use firecheck_shared::query::{self, VenueFilter};
use firecheck_shared::*;
use serde::Deserialize;

use super::board::Line;
use super::hazard::{NoticeItem, NoticePage};
use super::{query_string, render, text, user_names, when, who, Frame, PageResult, Session};
use crate::api::review;
use crate::api::{blocking, AppError, State};

const VENUES_PAGE: usize = 100;
const INSPECTIONS_PAGE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    street: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    after: String,
}

#[derive(Debug)]
pub struct VenueLine {
    pub id: String,
    pub name: String,
    pub street: String,
    pub address: String,
    pub kind: &'static str,
    /// Closed or moved (empty while active), and why.
    pub gone: &'static str,
    pub reason: String,
}

/// How a venue no longer at its address is marked: its status (empty while active).
fn gone(v: &Venue) -> &'static str {
    match v.status {
        VenueStatus::Active => "",
        other => text::venue_status(other),
    }
}

#[derive(Template)]
#[template(path = "venues.html")]
struct ListPage {
    frame: Frame,
    street: String,
    name: String,
    venues: Vec<VenueLine>,
    total: Option<usize>,
    next: Option<String>,
}

/// `GET /venues`.
pub async fn list(
    AxState(state): AxState<State>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let org = session.user.org;
    let filter = VenueFilter {
        street: Some(q.street.trim().to_string()).filter(|s| !s.is_empty()),
        kind: None,
        name: Some(q.name.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let paging = review::paging(
        None,
        Some(VENUES_PAGE),
        Some(q.after.trim()).filter(|a| !a.is_empty()),
    )?;
    let page = blocking(&state, move |store| {
        Ok(store.venues_page(org, &filter, paging.after.as_deref(), 0, VENUES_PAGE)?)
    })
    .await?;
    let next = page.next.as_ref().map(|n| {
        query_string([
            ("street", q.street.trim()),
            ("name", q.name.trim()),
            ("after", n.as_str()),
        ])
    });
    Ok(render(&ListPage {
        frame: Frame::of(&session),
        venues: page
            .items
            .iter()
            .map(|v| VenueLine {
                id: v.id.to_string(),
                name: v.name.clone(),
                street: v.street.clone(),
                address: v.address.clone(),
                kind: v.kind.label(),
                gone: gone(v),
                reason: v.status_reason.clone(),
            })
            .collect(),
        total: page.total,
        street: q.street,
        name: q.name,
        next,
    }))
}

/// One checklist item of an inspection.
#[derive(Debug)]
pub struct ItemLine {
    pub code: String,
    pub text: String,
    pub outcome: &'static str,
    pub failed: bool,
    pub note: String,
}

#[derive(Debug)]
pub struct InspectionLine {
    pub when: String,
    pub who: String,
    pub note: String,
    pub failed: usize,
    pub items: Vec<ItemLine>,
    pub amended: usize,
}

#[derive(Debug)]
pub struct DrillLine {
    pub id: String,
    pub when: String,
    pub scenario: String,
}

#[derive(Template)]
#[template(path = "venue.html")]
struct VenuePage {
    frame: Frame,
    id: String,
    name: String,
    kind: &'static str,
    /// Closed or moved (empty while active), and why.
    gone: &'static str,
    reason: String,
    address: String,
    location: String,
    /// The venue's hazards (named as the shared hazard table reads them).
    lines: Vec<Line>,
    active: usize,
    inspections: Vec<InspectionLine>,
    inspections_total: u64,
    older: Option<usize>,
    newer: Option<usize>,
    drills: Vec<DrillLine>,
    /// Its visits' report (走访反馈), when residents were visited there.
    visits: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct VenueQuery {
    #[serde(default)]
    offset: Option<usize>,
}

/// A venue's state, or why there is none.
fn venue_state(
    store: &crate::store::Store,
    org: OrgId,
    id: VenueId,
) -> Result<(PartitionState, Venue), AppError> {
    let p = Partition::Venue(id);
    let state = match store.partition_state(org, &p)? {
        Some(s) => s,
        None => return Err(review::missing_partition(store, org, &p)?),
    };
    let venue = state
        .venue
        .clone()
        .ok_or_else(|| AppError::NotFound(msg!("review-no-venue", id = id.to_string())))?;
    Ok((state, venue))
}

/// `GET /venues/{id}`.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<VenueQuery>,
) -> PageResult {
    let id: VenueId = super::parse_id(&id)?;
    let org = session.user.org;
    let offset = q.offset.unwrap_or(0);
    let today = review::today();
    let page = blocking(&state, move |store| {
        let (part, venue) = venue_state(store, org, id)?;
        let names = user_names(store, org)?;
        let items = crate::api::exports::template_items(store, org)?;
        let inspections =
            store.venue_inspections(org, &Partition::Venue(id), offset, INSPECTIONS_PAGE)?;
        let mut rows: Vec<query::HazardRow> = part
            .hazards
            .keys()
            .filter_map(|h| query::hazard_row(&part, *h, today))
            .collect();
        rows.sort_by(|a, b| {
            (
                !a.hazard.status.is_active(),
                !a.overdue,
                query::hazard_order(&a.hazard),
            )
                .cmp(&(
                    !b.hazard.status.is_active(),
                    !b.overdue,
                    query::hazard_order(&b.hazard),
                ))
        });
        let mut drills: Vec<&Drill> = part.drills.values().collect();
        drills.sort_by_key(|d| std::cmp::Reverse(d.held_at));
        let total = part.inspections;
        Ok(VenuePage {
            frame: Frame::of(&session),
            id: venue.id.to_string(),
            name: venue.name.clone(),
            kind: venue.kind.label(),
            gone: gone(&venue),
            reason: venue.status_reason.clone(),
            address: super::full_address(&venue.street, &venue.address),
            location: venue
                .location
                .map(|l| {
                    format!(
                        "{:.6}, {:.6}",
                        f64::from(l.lat_e6) / 1e6,
                        f64::from(l.lon_e6) / 1e6
                    )
                })
                .unwrap_or_default(),
            active: rows.iter().filter(|r| r.hazard.status.is_active()).count(),
            lines: rows.iter().map(Line::of).collect(),
            inspections: inspections
                .iter()
                .map(|i| InspectionLine {
                    when: when(i.finished_at),
                    who: who(&names, i.inspector),
                    note: i.note.clone(),
                    failed: i.failed().count(),
                    amended: i.amendments.len(),
                    items: i
                        .items
                        .iter()
                        .map(|it| ItemLine {
                            code: it.code.clone(),
                            text: items
                                .get(&(i.template, it.code.clone()))
                                .cloned()
                                .unwrap_or_default(),
                            outcome: text::outcome(it.outcome),
                            failed: it.outcome == Outcome::Fail,
                            note: it.note.clone(),
                        })
                        .collect(),
                })
                .collect(),
            inspections_total: total,
            older: (offset as u64 + (INSPECTIONS_PAGE as u64) < total)
                .then_some(offset + INSPECTIONS_PAGE),
            newer: (offset > 0).then(|| offset.saturating_sub(INSPECTIONS_PAGE)),
            drills: drills
                .iter()
                .map(|d| DrillLine {
                    id: d.id.to_string(),
                    when: when(d.held_at),
                    scenario: d.scenario.clone(),
                })
                .collect(),
            visits: (!part.visits.is_empty()).then(|| format!("/visits/report?venue={}", venue.id)),
        })
    })
    .await?;
    Ok(render(&page))
}

/// `GET /venues/{id}/notice`: the notice of every hazard of the venue still needing work.
pub async fn notice(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let id: VenueId = super::parse_id(&id)?;
    let org = session.user.org;
    let frame = Frame::of(&session);
    let page = blocking(&state, move |store| {
        let (part, venue) = venue_state(store, org, id)?;
        let texts = crate::api::exports::template_items(store, org)?;
        let mut hazards: Vec<&Hazard> = part
            .hazards
            .values()
            .filter(|h| h.status.is_active())
            .collect();
        hazards.sort_by_key(|h| query::hazard_order(h));
        // An item's text from whichever template has that code.
        let item_text = |code: &Option<String>| {
            code.as_ref()
                .and_then(|c| {
                    texts
                        .iter()
                        .find(|((_, k), _)| k == c)
                        .map(|(_, t)| t.clone())
                })
                .unwrap_or_default()
        };
        let deadline = hazards.iter().filter_map(|h| h.deadline).min();
        let mut units: Vec<String> = hazards.iter().filter_map(|h| h.assignee.clone()).collect();
        units.sort();
        units.dedup();
        Ok(NoticePage {
            frame,
            number: format!("{}-{}", review::today().format("%Y%m%d"), venue.id.short()),
            address: super::full_address(&venue.street, &venue.address),
            items: hazards
                .iter()
                .map(|h| NoticeItem::of(h, &item_text(&h.item)))
                .collect(),
            deadline: deadline.map(|d| d.to_string()).unwrap_or_default(),
            units: units.join("、"),
            date: review::today().format("%Y年%m月%d日").to_string(),
            back: format!("/venues/{}", venue.id),
            venue: venue.name,
        })
    })
    .await?;
    Ok(render(&page))
}
