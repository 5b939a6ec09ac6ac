//! Campaigns (`/campaigns`, `/campaigns/{id}`): "no blind spots" — per street, targets
//! inspected and not yet inspected (not inspected first), hazards found and rectified, the
//! rectification rate as progress bars, and a plan of the target venues drawn from their
//! coordinates (an SVG made here: no map tiles, nothing fetched from outside).

use askama::Template;
use axum::extract::{Path, State as AxState};
use firecheck_shared::query::CoverageRow;
use firecheck_shared::*;

use super::{render, Frame, PageResult, Session};
use crate::api::review;
use crate::api::{blocking, State};
use crate::store::PartitionKind;

/// Most target venues one campaign page lists (the export has them all).
const ROWS: usize = 1000;

#[derive(Debug)]
pub struct CampaignLine {
    pub id: String,
    pub name: String,
    pub period: String,
    pub goal: String,
}

#[derive(Template)]
#[template(path = "campaigns.html")]
struct ListPage {
    frame: Frame,
    campaigns: Vec<CampaignLine>,
}

/// `GET /campaigns`: every campaign, newest first.
pub async fn list(AxState(state): AxState<State>, session: Session) -> PageResult {
    let org = session.user.org;
    let campaigns = blocking(&state, move |store| {
        let states = store.states_of_kind(org, PartitionKind::Campaign)?;
        let refs: Vec<&PartitionState> = states.iter().collect();
        Ok(firecheck_shared::query::campaigns(&refs)
            .into_iter()
            .map(|c| CampaignLine {
                id: c.id.to_string(),
                name: c.name.clone(),
                period: t!(
                    super::text::LANG,
                    "console-period",
                    from = c.starts.to_string(),
                    to = c.ends.to_string()
                ),
                goal: c.goal.clone(),
            })
            .collect())
    })
    .await?;
    Ok(render(&ListPage {
        frame: Frame::of(&session),
        campaigns,
    }))
}

/// A percentage, 0–100, of `part` in `whole` (100 for an empty whole).
fn percent(part: usize, whole: usize) -> u32 {
    if whole == 0 {
        100
    } else {
        ((part as f64 / whole as f64) * 100.0)
            .round()
            .clamp(0.0, 100.0) as u32
    }
}

/// One street of a campaign.
#[derive(Debug)]
pub struct StreetLine {
    pub street: String,
    pub targets: usize,
    pub inspected: usize,
    pub not_inspected: usize,
    pub inspected_pct: u32,
    pub found: usize,
    pub rectified: usize,
    pub overdue: usize,
    pub rectified_pct: u32,
}

/// One target venue.
#[derive(Debug)]
pub struct TargetLine {
    pub id: String,
    pub name: String,
    pub street: String,
    pub address: String,
    pub kind: &'static str,
    pub inspected: bool,
    pub last: String,
    pub inspections: usize,
    pub found: usize,
    pub active: usize,
}

/// A venue on the plan.
#[derive(Debug)]
pub struct Dot {
    pub id: String,
    pub name: String,
    pub x: i64,
    pub y: i64,
    pub inspected: bool,
}

/// The plan's size, in SVG units.
pub const PLAN_W: i64 = 640;
pub const PLAN_H: i64 = 400;
const MARGIN: f64 = 24.0;

/// Venues with coordinates placed on a `PLAN_W` × `PLAN_H` plan: north up, east right, one
/// scale for both axes (longitude shrunk by the cosine of the latitude).
pub fn plan(rows: &[CoverageRow]) -> Vec<Dot> {
    let located: Vec<(&CoverageRow, GeoPoint)> = rows
        .iter()
        .filter_map(|r| r.venue.location.map(|l| (r, l)))
        .collect();
    let Some((_, first)) = located.first() else {
        return Vec::new();
    };
    let lat0 = f64::from(first.lat_e6) / 1e6;
    let k = lat0.to_radians().cos().abs().max(0.1);
    let xs = located.iter().map(|(_, l)| f64::from(l.lon_e6) * k);
    let ys = located.iter().map(|(_, l)| f64::from(l.lat_e6));
    let (min_x, max_x) = xs.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
    let (min_y, max_y) = ys.fold((f64::MAX, f64::MIN), |(a, b), y| (a.min(y), b.max(y)));
    let span = ((max_x - min_x) / (PLAN_W as f64 - 2.0 * MARGIN))
        .max((max_y - min_y) / (PLAN_H as f64 - 2.0 * MARGIN))
        .max(1e-9);
    located
        .into_iter()
        .map(|(r, l)| Dot {
            id: r.venue.id.to_string(),
            name: r.venue.name.clone(),
            x: (MARGIN + (f64::from(l.lon_e6) * k - min_x) / span).round() as i64,
            y: (PLAN_H as f64 - MARGIN - (f64::from(l.lat_e6) - min_y) / span).round() as i64,
            inspected: r.inspections > 0,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    frame: Frame,
    id: String,
    name: String,
    period: String,
    goal: String,
    targets: usize,
    inspected: usize,
    blind: usize,
    inspected_pct: u32,
    found: usize,
    rectified: usize,
    overdue: usize,
    rate_pct: u32,
    streets: Vec<StreetLine>,
    rows: Vec<TargetLine>,
    more: bool,
    dots: Vec<Dot>,
    plan_w: i64,
    plan_h: i64,
}

/// `GET /campaigns/{id}`.
pub async fn page(
    AxState(state): AxState<State>,
    session: Session,
    Path(id): Path<String>,
) -> PageResult {
    let id: CampaignId = super::parse_id(&id)?;
    let org = session.user.org;
    let mut c = blocking(&state, move |store| {
        review::coverage_page(store, org, id, 0, ROWS)
    })
    .await?;
    // Blind spots first: the streets with the most targets not yet inspected.
    c.streets.sort_by_key(|s| {
        (
            std::cmp::Reverse(s.targets.saturating_sub(s.inspected)),
            s.street.clone(),
        )
    });
    let page = CampaignPage {
        frame: Frame::of(&session),
        id: c.campaign.id.to_string(),
        name: c.campaign.name.clone(),
        period: t!(
            super::text::LANG,
            "console-period",
            from = c.campaign.starts.to_string(),
            to = c.campaign.ends.to_string()
        ),
        goal: c.campaign.goal.clone(),
        targets: c.targets,
        inspected: c.inspected,
        blind: c.targets.saturating_sub(c.inspected),
        inspected_pct: percent(c.inspected, c.targets),
        found: c.hazards_found,
        rectified: c.hazards_rectified,
        overdue: c.hazards_overdue,
        rate_pct: percent(c.hazards_rectified, c.hazards_found),
        streets: c
            .streets
            .iter()
            .map(|s| StreetLine {
                street: s.street.clone(),
                targets: s.targets,
                inspected: s.inspected,
                not_inspected: s.targets.saturating_sub(s.inspected),
                inspected_pct: percent(s.inspected, s.targets),
                found: s.hazards_found,
                rectified: s.hazards_rectified,
                overdue: s.hazards_overdue,
                rectified_pct: percent(s.hazards_rectified, s.hazards_found),
            })
            .collect(),
        dots: plan(&c.rows),
        more: c.targets > c.rows.len(),
        rows: c
            .rows
            .iter()
            .map(|r| TargetLine {
                id: r.venue.id.to_string(),
                name: r.venue.name.clone(),
                street: r.venue.street.clone(),
                address: r.venue.address.clone(),
                kind: r.venue.kind.label(),
                inspected: r.inspections > 0,
                last: r.last_inspected.map(|t| t.to_string()).unwrap_or_default(),
                inspections: r.inspections,
                found: r.hazards_found,
                active: r.hazards_active,
            })
            .collect(),
        plan_w: PLAN_W,
        plan_h: PLAN_H,
    };
    Ok(render(&page))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_and_an_empty_whole_is_done() {
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
        assert_eq!(percent(0, 0), 100);
        assert_eq!(percent(5, 5), 100);
    }
}
