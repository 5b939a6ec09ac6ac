//! Drills (`/drills`, `/drills/{id}`): the list, most recent first, and each drill's record.
//! Drills are few (a handful a year per subdistrict), so a drill is found by reading the
//! drill index.

use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use firecheck_shared::*;
use serde::Deserialize;

use super::{render, user_names, when, who, Frame, PageResult, Session};
use crate::api::{blocking, AppError, State};

const PAGE: usize = 50;
/// Most drills searched for one drill's page.
const MAX_DRILLS: usize = 100_000;

#[derive(Debug)]
pub struct DrillLine {
    pub id: String,
    pub when: String,
    pub place: String,
    pub organiser: String,
    pub scenario: String,
    pub participants: u32,
}

#[derive(Template)]
#[template(path = "drills.html")]
struct ListPage {
    frame: Frame,
    drills: Vec<DrillLine>,
    total: usize,
    next: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<usize>,
}

/// `GET /drills`.
pub async fn list(
    AxState(state): AxState<State>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let org = session.user.org;
    let offset = q.offset.unwrap_or(0);
    let page = blocking(&state, move |store| {
        Ok(store.drills_page(org, offset, PAGE)?)
    })
    .await?;
    let total = page.total.unwrap_or(0);
    Ok(render(&ListPage {
        frame: Frame::of(&session),
        drills: page
            .items
            .iter()
            .map(|d| DrillLine {
                id: d.id.to_string(),
                when: when(d.held_at),
                place: d.place.clone(),
                organiser: d.organiser.clone(),
                scenario: d.scenario.clone(),
                participants: d.participants,
            })
            .collect(),
        total,
        next: (offset + PAGE < total).then_some(offset + PAGE),
    }))
}

#[derive(Template)]
#[template(path = "drill.html")]
struct DrillPage {
    frame: Frame,
    when: String,
    place: String,
    venue: String,
    organiser: String,
    units: String,
    scenario: String,
    participants: u32,
    evacuation: String,
    went_well: String,
    to_improve: String,
    recorded_by: String,
    amendments: Vec<(String, String, String)>,
    photos: Vec<String>,
}

/// `GET /drills/{id}`.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let id: DrillId = super::parse_id(&id)?;
    let org = session.user.org;
    let frame = Frame::of(&session);
    let page = blocking(&state, move |store| {
        let d = store
            .drills_page(org, 0, MAX_DRILLS)?
            .items
            .into_iter()
            .find(|d| d.id == id)
            .ok_or_else(|| AppError::NotFound(msg!("review-no-drill", id = id.to_string())))?;
        let names = user_names(store, org)?;
        let venue = match d.venue {
            Some(v) => store
                .partition_state(org, &Partition::Venue(v))?
                .and_then(|s| s.venue)
                .map(|v| v.name)
                .unwrap_or_default(),
            None => String::new(),
        };
        Ok(DrillPage {
            frame,
            when: when(d.held_at),
            place: d.place.clone(),
            venue,
            organiser: d.organiser.clone(),
            units: d.units.join("、"),
            scenario: d.scenario.clone(),
            participants: d.participants,
            evacuation: t!(
                super::text::LANG,
                "console-evacuation",
                mins = d.evacuation_secs / 60,
                secs = d.evacuation_secs % 60
            ),
            went_well: d.went_well.clone(),
            to_improve: d.to_improve.clone(),
            recorded_by: who(&names, d.recorded_by),
            amendments: d
                .amendments
                .iter()
                .map(|a| {
                    (
                        Timestamp::from(a.hlc).to_string(),
                        who(&names, a.author),
                        a.reason.clone(),
                    )
                })
                .collect(),
            photos: d.evidence.iter().map(|e| e.to_hex()).collect(),
        })
    })
    .await?;
    Ok(render(&page))
}
