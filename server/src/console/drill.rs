//! Drills (`/drills`, `/drills/{id}`): the list, most recent first, and each drill's record
//! with its "must improve" points recorded as tracked items (findings), each with where it
//! stands (open, dispatched, fixed, verified; overdue) and a link to its hazard. Officers
//! record a finding from the page (`POST /drills/{id}/findings`): the same op as
//! `firecheck drill finding`. Drills are few (a handful a year per subdistrict), so a drill
//! is found by reading the drill index.

use askama::Template;
use axum::extract::{Form, Path, Query, State as AxState};
use axum::response::{IntoResponse, Redirect};
use firecheck_shared::*;
use serde::Deserialize;

use super::act::{self, Done};
use super::board::Line;
use super::hazard::ActionForm;
use super::{render, text, user_names, when, who, Frame, PageResult, Session};
use crate::api::{blocking, channels, AppError, State};

const PAGE: usize = 50;

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
    id: String,
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
    /// Its findings (named as the shared hazard table reads them).
    lines: Vec<Line>,
    message: String,
    /// The officer's form to record a finding.
    finding: Option<ActionForm>,
    severities: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    done: Option<String>,
}

/// `GET /drills/{id}`.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let id: DrillId = super::parse_id(&id)?;
    let org = session.user.org;
    let frame = Frame::of(&session);
    let finding = (session.user.role == Role::Officer).then(|| ActionForm {
        form: act::form_id(),
    });
    let message = match q.done.as_deref() {
        Some("done") => t!(super::text::LANG, "console-finding-done"),
        Some("again") => t!(super::text::LANG, "console-finding-again"),
        Some("exists") => t!(super::text::LANG, "console-finding-exists"),
        _ => String::new(),
    };
    let page = blocking(&state, move |store| {
        let detail = channels::drill_detail(store, org, id)?;
        let d = &detail.drill;
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
            id: d.id.to_string(),
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
            lines: detail.findings.iter().map(Line::of).collect(),
            message,
            finding,
            severities: text::SEVERITIES
                .iter()
                .map(|s| (s.label(), text::severity(*s)))
                .collect(),
        })
    })
    .await?;
    Ok(render(&page))
}

/// A drill's "must improve" point, as the page's form sends it.
#[derive(Debug, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    point: String,
    #[serde(default)]
    severity: String,
}

/// `POST /drills/{id}/findings`: one point, one op (`drill_finding_recorded`), its hazard id
/// derived from the drill and the point; back to the drill's page, which lists it. A point
/// already tracked records nothing.
pub async fn finding(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
    Form(f): Form<FindingForm>,
) -> PageResult {
    if let Err(refused) = session.check_csrf(&f.csrf) {
        return Ok(*refused);
    }
    session.require_officer()?;
    let id: DrillId = super::parse_id(&id)?;
    let point = f.point.trim().to_string();
    if point.is_empty() {
        return Err(
            AppError::BadRequest(msg!("console-required", what = msg!("field-point"))).into(),
        );
    }
    let severity: Severity = f
        .severity
        .parse()
        .map_err(|e: validate::ValidationError| AppError::BadRequest(e.msg()))?;
    let org = session.user.org;
    let drill = blocking(&state, move |store| {
        Ok(channels::drill_detail(store, org, id)?.drill)
    })
    .await?;
    let back = |flag: &str| Redirect::to(&format!("/drills/{id}?done={flag}#findings"));
    if drill
        .findings
        .contains(&HazardId::for_drill_finding(drill.id, &point))
    {
        return Ok(back("exists").into_response());
    }
    let seen = drill
        .amendments
        .iter()
        .map(|a| a.hlc)
        .fold(drill.hlc, Hlc::max);
    let entity = EntityRef::Drill {
        venue: drill.venue,
        drill: drill.id,
    };
    let body = OpBody::DrillFindingRecorded(DrillFindingRecord {
        point,
        severity,
        evidence: Vec::new(),
    });
    let done = act::act(&state, &session, &f.form, entity, body, seen).await?;
    Ok(back(match done {
        Done::Stored(_) => "done",
        Done::Again(_) => "again",
    })
    .into_response())
}
