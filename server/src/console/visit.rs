//! Resident visits (走访): `/visits`, the list, most recent first; `/visits/report` — of a
//! residential venue (`?venue=ID`) or a named area (`?area=名称`) — every visit there, newest
//! first, with the problems residents raised and how each was handled, which is what the
//! team reports back at the next visit (走访反馈). The report is the same read as
//! `GET /v1/visits/report` (`api::channels::visit_report_of`).

use askama::Template;
use axum::extract::{Query, State as AxState};
use firecheck_shared::query::{ProblemHandling, VisitEntry};
use firecheck_shared::*;
use serde::Deserialize;

use super::{query_string, render, text, url_encode, user_names, who, Frame, PageResult, Session};
use crate::api::{blocking, channels, State};

const PAGE: usize = 50;

/// Where a visit is reported on: its area's report page, at the visit.
pub fn report_href(v: &Visit) -> String {
    format!("/visits/report?{}#visit-{}", area_query(v), v.id)
}

/// The query string naming a visit's area: its venue, else its name.
fn area_query(v: &Visit) -> String {
    match v.venue {
        Some(id) => format!("venue={id}"),
        None => format!("area={}", url_encode(&v.area)),
    }
}

#[derive(Debug)]
pub struct VisitLine {
    pub href: String,
    pub date: String,
    pub area: String,
    pub team: String,
    pub units: String,
    pub residents: u32,
    pub problems: usize,
}

#[derive(Template)]
#[template(path = "visits.html")]
struct ListPage {
    frame: Frame,
    visits: Vec<VisitLine>,
    total: usize,
    next: Option<usize>,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<usize>,
}

/// `GET /visits`.
pub async fn list(
    AxState(state): AxState<State>,
    session: Session,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let org = session.user.org;
    let offset = q.offset.unwrap_or(0);
    let page = blocking(&state, move |store| {
        Ok(store.visits_page(org, offset, PAGE)?)
    })
    .await?;
    let total = page.total.unwrap_or(0);
    Ok(render(&ListPage {
        frame: Frame::of(&session),
        visits: page
            .items
            .iter()
            .map(|v| VisitLine {
                href: report_href(v),
                date: v.visited_on.to_string(),
                area: v.area.clone(),
                team: v.team.join("、"),
                units: v.units.join("、"),
                residents: v.residents_met,
                problems: v.problems.len(),
            })
            .collect(),
        total,
        next: (offset + PAGE < total).then_some(offset + PAGE),
    }))
}

/// One problem raised at a visit, and how it was handled.
#[derive(Debug)]
pub struct ProblemLine {
    pub hazard: String,
    pub text: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub overdue: bool,
    pub assignee: String,
    pub deadline: String,
    /// The last thing that happened to it: what, when, who.
    pub last: Option<(String, String, String)>,
}

/// One visit of the report.
#[derive(Debug)]
pub struct VisitBlock {
    pub id: String,
    pub date: String,
    pub team: String,
    pub units: String,
    pub residents: u32,
    pub topics: String,
    pub note: String,
    pub recorded_by: String,
    pub problems: Vec<ProblemLine>,
}

#[derive(Template)]
#[template(path = "visit_report.html")]
struct ReportPage {
    frame: Frame,
    area: String,
    venue: Option<String>,
    /// The area's query string (`venue=…` or `area=…`), for the exports.
    query: String,
    raised: usize,
    resolved: usize,
    in_progress: usize,
    open: usize,
    visits: Vec<VisitBlock>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default)]
    venue: String,
    #[serde(default)]
    area: String,
}

fn given(s: &str) -> Option<&str> {
    Some(s.trim()).filter(|s| !s.is_empty())
}

fn problem(p: &ProblemHandling, names: &std::collections::HashMap<UserId, String>) -> ProblemLine {
    let h = &p.problem.hazard;
    ProblemLine {
        hazard: h.id.to_string(),
        text: h.description.clone(),
        status: text::status(h.status),
        status_code: h.status.label(),
        overdue: p.problem.overdue,
        assignee: h.assignee.clone().unwrap_or_default(),
        deadline: h.deadline.map(|d| d.to_string()).unwrap_or_default(),
        last: p.last.as_ref().map(|e| {
            (
                text::action_line(&e.action),
                Timestamp::from(e.hlc).to_string(),
                who(names, e.author),
            )
        }),
    }
}

fn block(e: &VisitEntry, names: &std::collections::HashMap<UserId, String>) -> VisitBlock {
    let v = &e.visit;
    VisitBlock {
        id: v.id.to_string(),
        date: v.visited_on.to_string(),
        team: v.team.join("、"),
        units: v.units.join("、"),
        residents: v.residents_met,
        topics: v.topics.join("；"),
        note: v.note.clone(),
        recorded_by: who(names, v.recorded_by),
        problems: e.problems.iter().map(|p| problem(p, names)).collect(),
    }
}

/// `GET /visits/report?venue=ID` or `?area=名称`.
pub async fn report(
    AxState(state): AxState<State>,
    session: Session,
    Query(q): Query<ReportQuery>,
) -> PageResult {
    let (partition, what) = channels::visited(given(&q.venue), given(&q.area))?;
    let org = session.user.org;
    let frame = Frame::of(&session);
    let query = match partition {
        Partition::Venue(v) => format!("venue={v}"),
        _ => query_string([("area", q.area.trim())]),
    };
    let page = blocking(&state, move |store| {
        let r = channels::visit_report_of(store, org, partition, &what)?;
        let names = user_names(store, org)?;
        Ok(ReportPage {
            frame,
            area: r.area.clone(),
            venue: r.venue.map(|v| v.to_string()),
            query,
            raised: r.raised,
            resolved: r.resolved,
            in_progress: r.in_progress,
            open: r.open,
            visits: r.visits.iter().map(|e| block(e, &names)).collect(),
        })
    })
    .await?;
    Ok(render(&page))
}
