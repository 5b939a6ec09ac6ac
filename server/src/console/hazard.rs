//! A hazard (`/hazards/{id}`): its facts, its photos, where it came from (the citizen report
//! with its case number — the reporter's contact for officers only —, the drill, the visit),
//! the citizen reports linked to it and the reply to them (反馈), its history with conflicts
//! marked so both facts stay visible, and — for officers — the actions: dispatch to a unit
//! with a deadline, verify, close with a reason, reopen, comment, reply to the citizens.
//! Each action is one op ([`super::act`]); the page offers only the actions the hazard's
//! status allows (`fold::transition`), though the fold would keep any other as a conflict
//! note anyway. `/hazards/{id}/notice` is its printable rectification notice (整改通知书).

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
use super::{render, text, user_names, when, who, Frame, PageResult, Session};
use crate::api::{blocking, AppError, State};
use crate::api::{channels, review};
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

/// The citizen report a hazard came from.
#[derive(Debug)]
pub struct ReportFacts {
    pub case_number: String,
    pub channel: String,
    pub text: String,
    pub address: String,
    pub reported: String,
    /// How the platform is told it stands.
    pub status: &'static str,
    /// The reporter (name, phone): read only for officers.
    pub contact: Option<(String, String)>,
    /// The hazard that follows the problem when the report was linked to one: (id, short
    /// id, its status).
    pub followed: Option<(String, String, &'static str)>,
}

/// A citizen report that follows this hazard (linked to it).
#[derive(Debug)]
pub struct ReportLine {
    /// The report's own hazard (closed by the link), where its facts are shown.
    pub hazard: String,
    pub case_number: String,
    pub channel: String,
    pub reported: String,
    pub text: String,
}

/// The drill or the visit a hazard came from: a link, what it was, and more.
#[derive(Debug)]
pub struct SourceLink {
    pub href: String,
    pub what: String,
    pub detail: String,
}

/// The reply to the citizens (反馈).
#[derive(Debug)]
pub struct Reply {
    pub text: String,
    pub when: String,
    pub who: String,
}

/// Everything a hazard's page or notice reads, in one storage call.
struct Loaded {
    detail: HazardDetail,
    venue: Option<Venue>,
    names: HashMap<UserId, String>,
    item_text: String,
    photos: Vec<String>,
    units: Vec<String>,
    report: Option<ReportFacts>,
    linked: Vec<ReportLine>,
    drill: Option<SourceLink>,
    visit: Option<SourceLink>,
    reply: Option<Reply>,
}

/// The reply a hazard's page shows.
fn reply_of(r: &CitizenReply, names: &HashMap<UserId, String>) -> Reply {
    Reply {
        text: r.text.clone(),
        when: when(r.at),
        who: who(names, r.by),
    }
}

/// Read what the page shows of a hazard; the reporter's contact only when `officer`.
fn load(
    store: &Store,
    org: OrgId,
    id: HazardId,
    offset: usize,
    officer: bool,
) -> Result<Loaded, AppError> {
    let (home, detail) = review::hazard_detail(store, org, id, offset, HISTORY_PAGE)?;
    let state = store.partition_state(org, &home)?;
    let venue = state.as_ref().and_then(|s| s.venue.clone());
    let names = user_names(store, org)?;
    let h = &detail.row.hazard;
    let mut photos = Vec::new();
    let mut item_text = String::new();
    let (mut report, mut drill, mut visit) = (None, None, None);
    let mut reply = h.reply.as_ref().map(|r| reply_of(r, &names));
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
            if let Some((s, rep)) = state.as_ref().and_then(|s| Some((s, s.reports.get(&r)?))) {
                photos.extend(rep.evidence.iter().map(|e| e.to_hex()));
                let progress = channels::progress(store, org, s, rep)?;
                let followed = match (&progress, rep.linked_to) {
                    (Some(p), Some(_)) if p.linked => {
                        // The reply the citizen reads is the followed hazard's.
                        reply = p.reply.as_ref().map(|r| reply_of(r, &names));
                        Some((
                            p.hazard.to_string(),
                            p.hazard.short(),
                            text::status(p.hazard_status),
                        ))
                    }
                    (_, Some(l)) => Some((l.hazard.to_string(), l.hazard.short(), "")),
                    _ => None,
                };
                let contact = match officer {
                    true => channels::contact(store, org, &home, r)?.map(|c| (c.name, c.phone)),
                    false => None,
                };
                report = Some(ReportFacts {
                    case_number: rep.case_number.clone().unwrap_or_default(),
                    channel: rep.channel.clone(),
                    text: rep.description.clone(),
                    address: super::full_address(&rep.street, &rep.address),
                    reported: when(rep.reported_at),
                    status: progress
                        .map(|p| text::report_status(p.status))
                        .unwrap_or_default(),
                    contact,
                    followed,
                });
            }
        }
        HazardSource::DrillFinding(d) => {
            // Photos sent with a drill's finding or a visit's problem stay in its op: the fold
            // keeps none, so the page shows none (the drill's own are on the drill's page).
            if let Some(d) = state.as_ref().and_then(|s| s.drills.get(&d)) {
                drill = Some(SourceLink {
                    href: format!("/drills/{}", d.id),
                    what: format!("{} {}", when(d.held_at), d.place),
                    detail: d.scenario.clone(),
                });
            }
        }
        HazardSource::Visit(v) => {
            if let Some(v) = state.as_ref().and_then(|s| s.visits.get(&v)) {
                visit = Some(SourceLink {
                    href: super::visit::report_href(v),
                    what: format!("{} {}", v.visited_on, v.area),
                    detail: v.team.join("、"),
                });
            }
        }
    }
    // Reports linked to it, or to a finding merged into it.
    let mut linked = Vec::new();
    for target in std::iter::once(h.id).chain(detail.merged.iter().copied()) {
        for (_, r) in store.linked_reports(org, target)? {
            linked.push(ReportLine {
                hazard: r.hazard.to_string(),
                case_number: r.case_number.clone().unwrap_or_default(),
                channel: r.channel.clone(),
                reported: when(r.reported_at),
                text: r.description.clone(),
            });
        }
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
        report,
        linked,
        drill,
        visit,
        reply,
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
    report: Option<ReportFacts>,
    linked: Vec<ReportLine>,
    drill: Option<SourceLink>,
    visit: Option<SourceLink>,
    reply: Option<Reply>,
    /// Whether citizens wait for a reply: its own report (not linked away) or linked ones.
    replies_due: bool,
    default_due: String,
    dispatch: Option<ActionForm>,
    verify: Option<ActionForm>,
    close: Option<ActionForm>,
    reopen: Option<ActionForm>,
    comment: Option<ActionForm>,
    reply_form: Option<ActionForm>,
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
    let officer = session.user.role == Role::Officer;
    let l = blocking(&state, move |store| load(store, org, id, offset, officer)).await?;
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
    let replies_due =
        !l.linked.is_empty() || l.report.as_ref().is_some_and(|r| r.followed.is_none());
    let reply_form = allowed(HazardAction::Replied {
        text: String::new(),
    })
    .filter(|_| replies_due);
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
    let message = match q.done.as_deref() {
        Some("again") => t!(text::LANG, "console-form-again"),
        Some("done") => t!(text::LANG, "console-form-done"),
        _ => String::new(),
    };
    let f = facts(&l);
    let d = &l.detail;
    let (history_total, history_offset) = (d.history_total, d.history_offset);
    let older = (history_offset > 0).then(|| history_offset.saturating_sub(HISTORY_PAGE));
    let newer =
        (history_offset + d.history.len() < history_total).then_some(history_offset + HISTORY_PAGE);
    let page = HazardPage {
        frame: Frame::of(&session),
        f,
        photos: l.photos,
        events,
        history_total,
        history_offset,
        older,
        newer,
        message,
        units: l.units,
        report: l.report,
        linked: l.linked,
        drill: l.drill,
        visit: l.visit,
        reply: l.reply,
        replies_due,
        default_due: (review::today() + chrono::Days::new(7)).to_string(),
        dispatch,
        verify,
        close,
        reopen,
        comment,
        reply_form,
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
            "reply" => OpBody::HazardReplied {
                text: need(&self.text, msg!("field-reply"))?,
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
                (None, _) => text::source(SourceKind::of(&h.source)).into(),
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
    let l = blocking(&state, move |store| load(store, org, id, 0, false)).await?;
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
