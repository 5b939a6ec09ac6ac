//! A hazard (`/hazards/{id}`): its facts, its photos, its history with conflicts marked so
//! both facts stay visible, and — for officers — the actions: dispatch to a unit with a
//! deadline, verify, close with a reason, reopen, comment. Each action is one op
//! ([`super::act`]); the page offers only the actions the hazard's status allows
//! (`fold::transition`), though the fold would keep any other as a conflict note anyway.
//! `/hazards/{id}/notice` is its printable rectification notice (整改通知书).

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Form, Path, Query, State as AxState};
use axum::response::{IntoResponse, Redirect};
use chrono::NaiveDate;
use firecheck_shared::i18n::Msg;
use firecheck_shared::merge::Records;
use firecheck_shared::query::{HazardDetail, SourceKind};
use firecheck_shared::*;
use serde::Deserialize;

use super::act::{self, Done};
use super::{render, text, user_names, who, Frame, PageResult, Session};
use crate::api::review;
use crate::api::{blocking, AppError, State};
use crate::store::Store;

/// History events on one page.
const HISTORY_PAGE: usize = 200;

/// One event of a hazard's history as the page shows it.
#[derive(Debug)]
pub struct EventLine {
    pub when: String,
    pub who: String,
    pub what: &'static str,
    pub detail: String,
    pub status: &'static str,
    /// The conflict note, when the event did not take effect where it stands.
    pub conflict: Option<String>,
    pub evidence: Vec<String>,
}

/// What the facts box shows.
#[derive(Debug)]
pub struct Facts {
    pub id: String,
    pub short: String,
    pub status: &'static str,
    pub status_code: &'static str,
    pub severity: &'static str,
    pub severity_code: &'static str,
    pub venue_id: String,
    pub venue: String,
    pub address: String,
    pub street: String,
    pub item: String,
    pub item_text: String,
    pub description: String,
    pub source: &'static str,
    pub assignee: String,
    pub deadline: String,
    pub overdue: bool,
    pub found: String,
    pub found_by: String,
    pub closed_reason: String,
    pub merged: usize,
    pub conflicts: usize,
}

/// Everything a hazard's page or notice reads, in one storage call.
struct Loaded {
    detail: HazardDetail,
    venue: Option<Venue>,
    names: HashMap<UserId, String>,
    item_text: String,
    photos: Vec<String>,
    units: Vec<String>,
}

fn load(store: &Store, org: OrgId, id: HazardId, offset: usize) -> Result<Loaded, AppError> {
    let (home, detail) = review::hazard_detail(store, org, id, offset, HISTORY_PAGE)?;
    let state = store.partition_state(org, &home)?;
    let venue = state.as_ref().and_then(|s| s.venue.clone());
    let names = user_names(store, org)?;
    let h = &detail.row.hazard;
    let mut photos = Vec::new();
    let mut item_text = String::new();
    match h.source {
        HazardSource::Inspection(iid) => {
            if let Some(i) = store.partition_records(org, home).inspection(iid)? {
                if let Some(item) = i.items.iter().find(|it| Some(&it.code) == h.item.as_ref()) {
                    photos.extend(item.evidence.iter().map(|e| e.to_hex()));
                }
                let items = crate::api::exports::template_items(store, org)?;
                if let Some(code) = &h.item {
                    item_text = items
                        .get(&(i.template, code.clone()))
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
        HazardSource::CitizenReport(r) => {
            if let Some(rep) = state.as_ref().and_then(|s| s.reports.get(&r)) {
                photos.extend(rep.evidence.iter().map(|e| e.to_hex()));
            }
        }
        // A drill's finding and a visit's problem carry no photos of their own.
        HazardSource::DrillFinding(_) | HazardSource::Visit(_) => {}
    }
    let mut units: Vec<String> = text::UNITS.iter().map(|u| u.to_string()).collect();
    if let Some(s) = &state {
        for other in s.hazards.values() {
            if let Some(a) = &other.assignee {
                if !units.contains(a) {
                    units.push(a.clone());
                }
            }
        }
    }
    Ok(Loaded {
        detail,
        venue,
        names,
        item_text,
        photos,
        units,
    })
}

fn facts(l: &Loaded) -> Facts {
    let r = &l.detail.row;
    let h = &r.hazard;
    Facts {
        id: h.id.to_string(),
        short: h.id.short(),
        status: text::status(h.status),
        status_code: h.status.label(),
        severity: text::severity(h.severity),
        severity_code: h.severity.label(),
        venue_id: h.venue.map(|v| v.to_string()).unwrap_or_default(),
        venue: r.venue_name.clone(),
        address: super::full_address(
            &r.street,
            &l.venue
                .as_ref()
                .map(|v| v.address.clone())
                .unwrap_or_default(),
        ),
        street: r.street.clone(),
        item: h.item.clone().unwrap_or_default(),
        item_text: l.item_text.clone(),
        description: h.description.clone(),
        source: text::source(SourceKind::of(&h.source)),
        assignee: h.assignee.clone().unwrap_or_default(),
        deadline: h.deadline.map(|d| d.to_string()).unwrap_or_default(),
        overdue: r.overdue,
        found: h.found_at.to_string(),
        found_by: who(&l.names, h.found_by),
        closed_reason: h.closed_reason.clone().unwrap_or_default(),
        merged: h.merged_findings as usize,
        conflicts: r.conflicts,
    }
}

/// An action form: its kind and its one-time id.
#[derive(Debug)]
pub struct ActionForm {
    pub form: String,
}

#[derive(Template)]
#[template(path = "hazard.html")]
struct HazardPage {
    frame: Frame,
    f: Facts,
    photos: Vec<String>,
    events: Vec<EventLine>,
    history_total: usize,
    history_offset: usize,
    older: Option<usize>,
    newer: Option<usize>,
    message: String,
    units: Vec<String>,
    default_due: String,
    dispatch: Option<ActionForm>,
    verify: Option<ActionForm>,
    close: Option<ActionForm>,
    reopen: Option<ActionForm>,
    comment: Option<ActionForm>,
}

#[derive(Debug, Deserialize)]
pub struct PageQuery {
    #[serde(default)]
    offset: Option<usize>,
    #[serde(default)]
    done: Option<String>,
}

/// `GET /hazards/{id}`.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> PageResult {
    let id: HazardId = super::parse_id(&id)?;
    let org = session.user.org;
    let offset = q.offset.unwrap_or(0);
    let l = blocking(&state, move |store| load(store, org, id, offset)).await?;
    let h = &l.detail.row.hazard;
    let allowed = |a: HazardAction| {
        (session.user.role == Role::Officer && fold::transition(h.status, &a).is_ok()).then(|| {
            ActionForm {
                form: act::form_id(),
            }
        })
    };
    let dispatch = allowed(HazardAction::Dispatched {
        unit: String::new(),
        due: review::today(),
        note: String::new(),
    });
    let verify = allowed(HazardAction::Verified {
        note: String::new(),
    });
    let close = allowed(HazardAction::Closed {
        reason: String::new(),
    });
    let reopen = allowed(HazardAction::Reopened {
        reason: String::new(),
    });
    let comment = allowed(HazardAction::Commented {
        text: String::new(),
    });
    let events = l
        .detail
        .history
        .iter()
        .map(|e| {
            let (what, detail) = text::action(&e.action);
            let evidence = match &e.action {
                HazardAction::ReportedFixed { evidence, .. } => {
                    evidence.iter().map(|h| h.to_hex()).collect()
                }
                _ => Vec::new(),
            };
            EventLine {
                when: Timestamp::from(e.hlc).to_string(),
                who: who(&l.names, e.author),
                what,
                detail,
                status: text::status(e.status),
                conflict: match &e.outcome {
                    EventOutcome::Conflict { note } => Some(note.clone()),
                    EventOutcome::Applied => None,
                },
                evidence,
            }
        })
        .collect();
    let d = &l.detail;
    let message = match q.done.as_deref() {
        Some("again") => t!(text::LANG, "console-form-again"),
        Some("done") => t!(text::LANG, "console-form-done"),
        _ => String::new(),
    };
    let page = HazardPage {
        frame: Frame::of(&session),
        f: facts(&l),
        photos: l.photos.clone(),
        events,
        history_total: d.history_total,
        history_offset: d.history_offset,
        older: (d.history_offset > 0).then(|| d.history_offset.saturating_sub(HISTORY_PAGE)),
        newer: (d.history_offset + d.history.len() < d.history_total)
            .then_some(d.history_offset + HISTORY_PAGE),
        message,
        units: l.units.clone(),
        default_due: (review::today() + chrono::Days::new(7)).to_string(),
        dispatch,
        verify,
        close,
        reopen,
        comment,
    };
    Ok(render(&page))
}

/// An officer's action on a hazard, as the page's forms send it.
#[derive(Debug, Deserialize)]
pub struct ActForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    text: String,
}

impl ActForm {
    fn body(&self) -> Result<OpBody, AppError> {
        let need = |v: &str, what: Msg| {
            if v.trim().is_empty() {
                Err(AppError::BadRequest(msg!("console-required", what = what)))
            } else {
                Ok(v.trim().to_string())
            }
        };
        Ok(match self.action.as_str() {
            "dispatch" => OpBody::HazardDispatched {
                unit: need(&self.unit, msg!("field-unit"))?,
                due: NaiveDate::parse_from_str(self.due.trim(), "%Y-%m-%d")
                    .map_err(|_| AppError::BadRequest(msg!("console-bad-due")))?,
                note: self.note.trim().to_string(),
            },
            "verify" => OpBody::HazardVerified {
                note: self.note.trim().to_string(),
            },
            "close" => OpBody::HazardClosed {
                reason: need(&self.reason, msg!("console-close-reason"))?,
            },
            "reopen" => OpBody::HazardReopened {
                reason: need(&self.reason, msg!("console-reopen-reason"))?,
            },
            "comment" => OpBody::HazardCommented {
                text: need(&self.text, msg!("field-comment"))?,
            },
            other => {
                return Err(AppError::BadRequest(msg!(
                    "console-unknown-action",
                    action = other
                )))
            }
        })
    }
}

/// `POST /hazards/{id}/act`: one action, one op; back to the hazard's page, which shows it.
pub async fn act(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
    Form(f): Form<ActForm>,
) -> PageResult {
    if let Err(refused) = session.check_csrf(&f.csrf) {
        return Ok(*refused);
    }
    session.require_officer()?;
    let id: HazardId = super::parse_id(&id)?;
    let body = f.body()?;
    let org = session.user.org;
    let (home, hazard) = blocking(&state, move |store| {
        let (home, d) = review::hazard_detail(store, org, id, 0, 1)?;
        Ok((home, d.row.hazard))
    })
    .await?;
    let entity = EntityRef::Hazard {
        partition: home,
        hazard: hazard.id,
    };
    let done = act::act(&state, &session, &f.form, entity, body, hazard.updated).await?;
    let flag = match done {
        Done::Stored(_) => "done",
        Done::Again(_) => "again",
    };
    Ok(Redirect::to(&format!("/hazards/{}?done={flag}#history", hazard.id)).into_response())
}

/// One hazard on a rectification notice.
#[derive(Debug)]
pub struct NoticeItem {
    pub item: String,
    pub description: String,
    pub severity: &'static str,
    pub found: String,
    pub deadline: String,
    pub assignee: String,
}

impl NoticeItem {
    pub fn of(h: &Hazard, item_text: &str) -> Self {
        Self {
            item: match (&h.item, item_text.is_empty()) {
                (Some(code), false) => format!("{code} {item_text}"),
                (Some(code), true) => code.clone(),
                (None, _) => text::source(SourceKind::CitizenReport).into(),
            },
            description: h.description.clone(),
            severity: text::severity(h.severity),
            found: h.found_at.local_date().to_string(),
            deadline: h.deadline.map(|d| d.to_string()).unwrap_or_default(),
            assignee: h.assignee.clone().unwrap_or_default(),
        }
    }
}

/// A rectification notice (整改通知书), printable on A4.
#[derive(Debug, Template)]
#[template(path = "notice.html")]
pub struct NoticePage {
    pub frame: Frame,
    pub number: String,
    pub venue: String,
    pub address: String,
    pub items: Vec<NoticeItem>,
    pub deadline: String,
    pub units: String,
    pub date: String,
    pub back: String,
}

/// `GET /hazards/{id}/notice`.
pub async fn notice(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let id: HazardId = super::parse_id(&id)?;
    let org = session.user.org;
    let l = blocking(&state, move |store| load(store, org, id, 0)).await?;
    let h = &l.detail.row.hazard;
    let page = NoticePage {
        frame: Frame::of(&session),
        number: format!("{}-{}", review::today().format("%Y%m%d"), h.id.short()),
        venue: l.detail.row.venue_name.clone(),
        address: l
            .venue
            .as_ref()
            .map(|v| super::full_address(&v.street, &v.address))
            .unwrap_or_else(|| l.detail.row.street.clone()),
        items: vec![NoticeItem::of(h, &l.item_text)],
        deadline: h.deadline.map(|d| d.to_string()).unwrap_or_default(),
        units: h.assignee.clone().unwrap_or_default(),
        date: review::today().format("%Y年%m月%d日").to_string(),
        back: format!("/hazards/{}", h.id),
    };
    Ok(render(&page))
}
