//! The board (`/`): hazard counts per street, then the hazard list — overdue first —
//! filtered by street, status, severity, overdue, unit, source and campaign. Every filter is
//! in the query string (the same names as `GET /v1/hazards`), so a view is a bookmarkable
//! URL and its export one click; the list pages by `after` (the index's keyset cursor).

use askama::Template;
use axum::extract::{Path, Query, State as AxState};
use axum::http::Uri;
use axum::response::IntoResponse;
use firecheck_shared::query::{HazardRow, SourceKind, StreetCounts};
use firecheck_shared::*;
use serde::Deserialize;

use super::{query_string, render, text, Frame, PageResult, Session};
use crate::api::exports;
use crate::api::review::{self, HazardParams};
use crate::api::{blocking, State};
use crate::store::PartitionKind;

/// Hazards on one page of the board.
pub const PAGE: usize = 50;

/// The board's query string. Every field may be empty (an HTML form sends empty fields);
/// empty means "any".
#[derive(Debug, Default, Deserialize, Clone)]
pub struct BoardQuery {
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub overdue: String,
    #[serde(default)]
    pub active: String,
    #[serde(default)]
    pub after: String,
}

fn some(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

impl BoardQuery {
    /// The same question as `GET /v1/hazards` asks.
    pub fn params(&self) -> HazardParams {
        HazardParams {
            status: some(&self.status),
            active: (self.active == "true").then_some(true),
            overdue: (self.overdue == "true").then_some(true),
            street: some(&self.street),
            venue: None,
            assignee: some(&self.assignee),
            severity: some(&self.severity),
            source: some(&self.source),
            campaign: some(&self.campaign),
            offset: None,
            limit: Some(PAGE),
            after: some(&self.after),
            min_seq: None,
        }
    }

    /// The filters as a query string (no cursor): the export links' and the next page's.
    pub fn filters(&self) -> String {
        query_string([
            ("street", self.street.trim()),
            ("status", self.status.trim()),
            ("severity", self.severity.trim()),
            ("source", self.source.trim()),
            ("assignee", self.assignee.trim()),
            ("campaign", self.campaign.trim()),
            ("overdue", if self.overdue == "true" { "true" } else { "" }),
            ("active", if self.active == "true" { "true" } else { "" }),
        ])
    }
}

/// One choice of a filter's menu.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

fn choices(current: &str, all: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    all.into_iter()
        .map(|(value, label)| Choice {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// A hazard as a list shows it.
#[derive(Debug)]
pub struct Line {
    pub id: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub severity: &'static str,
    pub severity_code: &'static str,
    pub street: String,
    pub venue: String,
    pub item: String,
    pub description: String,
    pub assignee: String,
    pub deadline: String,
    pub overdue: bool,
    pub found: String,
    pub conflicts: usize,
}

impl Line {
    pub fn of(r: &HazardRow) -> Self {
        let h = &r.hazard;
        Self {
            id: h.id.to_string(),
            status: text::status(h.status),
            status_code: h.status.label(),
            severity: text::severity(h.severity),
            severity_code: h.severity.label(),
            street: r.street.clone(),
            venue: r.venue_name.clone(),
            item: h
                .item
                .clone()
                .unwrap_or_else(|| text::source(SourceKind::of(&h.source)).into()),
            description: h.description.clone(),
            assignee: h.assignee.clone().unwrap_or_default(),
            deadline: h.deadline.map(|d| d.to_string()).unwrap_or_default(),
            overdue: r.overdue,
            found: h.found_at.local_date().to_string(),
            conflicts: r.conflicts,
        }
    }
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    frame: Frame,
    today: String,
    period: String,
    streets: Vec<StreetCounts>,
    total: StreetCounts,
    street_choices: Vec<Choice>,
    status_choices: Vec<Choice>,
    severity_choices: Vec<Choice>,
    source_choices: Vec<Choice>,
    campaign_choices: Vec<Choice>,
    units: Vec<String>,
    q: BoardQuery,
    lines: Vec<Line>,
    total_matching: Option<usize>,
    filters: String,
    next: Option<String>,
}

/// `GET /`: the board.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Query(q): Query<BoardQuery>,
) -> PageResult {
    let params = q.params();
    let filter = params.filter()?;
    let paging = review::paging(None, Some(PAGE), params.after.as_deref())?;
    let (today, from, to) = review::board_period(None, None)?;
    let org = session.user.org;
    let (board, page, campaigns) = blocking(&state, move |store| {
        let board = review::board_counts(store, org, today, from, to)?;
        let page = store.hazards_page(org, &filter, today, paging.after.as_deref(), 0, PAGE)?;
        let states = store.states_of_kind(org, PartitionKind::Campaign)?;
        let refs: Vec<&PartitionState> = states.iter().collect();
        let campaigns: Vec<(String, String)> = firecheck_shared::query::campaigns(&refs)
            .into_iter()
            .map(|c| (c.id.to_string(), c.name.clone()))
            .collect();
        Ok((board, page, campaigns))
    })
    .await?;
    let mut units: Vec<String> = text::UNITS.iter().map(|u| u.to_string()).collect();
    for r in &page.items {
        if let Some(a) = &r.hazard.assignee {
            if !units.contains(a) {
                units.push(a.clone());
            }
        }
    }
    let filters = q.filters();
    let next = page.next.as_ref().map(|n| {
        let mut s = filters.clone();
        if !s.is_empty() {
            s.push('&');
        }
        s.push_str(&query_string([("after", n.as_str())]));
        s
    });
    let street_choices = choices(
        q.street.trim(),
        board
            .streets
            .iter()
            .filter(|s| !s.street.is_empty())
            .map(|s| (s.street.clone(), s.street.clone())),
    );
    let page = BoardPage {
        frame: Frame::of(&session),
        today: board.today.to_string(),
        period: t!(
            text::LANG,
            "console-period",
            from = board.from.to_string(),
            to = board.to.to_string()
        ),
        street_choices,
        status_choices: choices(
            q.status.trim(),
            text::STATUSES
                .iter()
                .map(|s| (s.label().to_string(), text::status(*s).to_string())),
        ),
        severity_choices: choices(
            q.severity.trim(),
            text::SEVERITIES
                .iter()
                .map(|s| (s.label().to_string(), text::severity(*s).to_string())),
        ),
        source_choices: choices(
            q.source.trim(),
            text::SOURCES
                .iter()
                .map(|s| (s.code().to_string(), text::source(*s).to_string())),
        ),
        campaign_choices: choices(q.campaign.trim(), campaigns),
        units,
        lines: page.items.iter().map(Line::of).collect(),
        total_matching: page.total,
        streets: board.streets,
        total: board.total,
        q,
        filters,
        next,
    };
    Ok(render(&page))
}

/// `GET /exports/{file}`: an export of the console's lists, with the session (the same
/// files as `GET /v1/exports/{file}`).
pub async fn export(
    AxState(state): AxState<State>,
    session: Session,
    Path(file): Path<String>,
    uri: Uri,
) -> PageResult {
    let (name, format) = exports::parse_file(&file)?;
    let t = exports::table(&state, session.user.org, name, &uri).await?;
    Ok(exports::respond(&t, format)?.into_response())
}
