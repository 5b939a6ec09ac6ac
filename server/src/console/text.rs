//! The console's words for the domain's codes: one place, so every page and every export
//! names a status, a severity or an action the same way. The words themselves are the
//! catalogs' (`shared/locales/*/domain.ftl`, `console.ftl`), in [`LANG`].

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use firecheck_shared::i18n::{words, Lang, Msg};
use firecheck_shared::query::{ReportStatus, SourceKind};
use firecheck_shared::*;

/// The console's language. DESIGN.md: the office console is in Chinese.
pub const LANG: Lang = Lang::Zh;

/// `m` in [`LANG`], for the fixed words that take no values: rendered once per key and kept
/// for the life of the process (a few dozen short strings), so pages keep `&'static str`.
fn word(m: Msg) -> &'static str {
    static WORDS: LazyLock<Mutex<HashMap<&'static str, &'static str>>> =
        LazyLock::new(Default::default);
    let mut words = WORDS.lock().unwrap_or_else(|p| p.into_inner());
    words
        .entry(m.key())
        .or_insert_with(|| Box::leak(m.render(LANG).into_boxed_str()))
}

pub fn status(s: HazardStatus) -> &'static str {
    word(words::status(s))
}

pub const STATUSES: [HazardStatus; 6] = [
    HazardStatus::Open,
    HazardStatus::Dispatched,
    HazardStatus::ReportedFixed,
    HazardStatus::Reopened,
    HazardStatus::Verified,
    HazardStatus::Closed,
];

pub fn severity(s: Severity) -> &'static str {
    word(words::severity(s))
}

pub const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Major, Severity::Minor];

pub fn source(s: SourceKind) -> &'static str {
    word(words::source(s))
}

pub const SOURCES: [SourceKind; 4] = [
    SourceKind::Inspection,
    SourceKind::CitizenReport,
    SourceKind::Drill,
    SourceKind::Visit,
];

pub fn venue_status(s: VenueStatus) -> &'static str {
    word(words::venue_status(s))
}

/// Where a citizen report stands, as the platform is told.
pub fn report_status(s: ReportStatus) -> &'static str {
    word(match s {
        ReportStatus::Received => msg!("report-status-received"),
        ReportStatus::InProgress => msg!("report-status-in-progress"),
        ReportStatus::Resolved => msg!("report-status-resolved"),
    })
}

pub fn role(r: Role) -> &'static str {
    word(words::role(r))
}

pub fn outcome(o: Outcome) -> &'static str {
    word(words::outcome(o))
}

/// What happened, in a few words, and its detail (unit and deadline, note, reason).
pub fn action(a: &HazardAction) -> (&'static str, String) {
    match a {
        HazardAction::Found { note } => (word(msg!("console-action-found")), note.clone()),
        HazardAction::FoundAgain { note, .. } => {
            (word(msg!("console-action-found-again")), note.clone())
        }
        HazardAction::PassedReinspection { .. } => {
            (word(msg!("console-action-passed")), String::new())
        }
        HazardAction::Dispatched { unit, due, note } => {
            let detail = if note.is_empty() {
                t!(
                    LANG,
                    "console-dispatched-detail",
                    unit = unit,
                    due = due.to_string()
                )
            } else {
                t!(
                    LANG,
                    "console-dispatched-detail-note",
                    unit = unit,
                    due = due.to_string(),
                    note = note
                )
            };
            (word(msg!("console-action-dispatched")), detail)
        }
        HazardAction::ReportedFixed { note, evidence } => (
            word(msg!("console-action-fixed")),
            if evidence.is_empty() {
                note.clone()
            } else {
                t!(
                    LANG,
                    "console-fixed-detail",
                    note = note,
                    photos = evidence.len()
                )
            },
        ),
        HazardAction::Verified { note } => {
            (word(words::status(HazardStatus::Verified)), note.clone())
        }
        HazardAction::Reopened { reason } => {
            (word(words::status(HazardStatus::Reopened)), reason.clone())
        }
        HazardAction::Closed { reason } => (word(msg!("console-action-closed")), reason.clone()),
        HazardAction::Commented { text } => (word(msg!("console-action-comment")), text.clone()),
        HazardAction::Replied { text } => (word(msg!("console-action-replied")), text.clone()),
        HazardAction::Linked { hazard } => (
            word(msg!("console-action-linked")),
            t!(LANG, "console-linked-detail", hazard = hazard.short()),
        ),
        HazardAction::FindingCorrected { reason, .. } => {
            (word(msg!("console-action-corrected")), reason.clone())
        }
    }
}

/// What happened, in one line: the detail alone when it already says what happened
/// ("交办 城管斜土中队，限 … 前整改"), else both ("发现：车棚飞线充电").
pub fn action_line(a: &HazardAction) -> String {
    match action(a) {
        (what, detail) if detail.is_empty() => what.to_string(),
        (what, detail) if detail.starts_with(what) => detail,
        (what, detail) => t!(LANG, "console-action-line", what = what, detail = detail),
    }
}

/// The units hazards are dispatched to in Xietu (DOMAIN.md), offered before any the
/// organisation has used. Names, not words: the same in every language.
pub const UNITS: [&str; 5] = [
    "城管斜土中队",
    "斜土路派出所",
    "居委",
    "消防救援站",
    "龙华中路站",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_action_in_one_line_says_what_happened_once() {
        let due = chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let dispatched = HazardAction::Dispatched {
            unit: "斜土路居委".into(),
            due,
            note: String::new(),
        };
        assert_eq!(
            action_line(&dispatched),
            "交办 斜土路居委，限 2026-12-07 前整改"
        );
        let found = HazardAction::Found {
            note: "车棚飞线充电".into(),
        };
        assert_eq!(action_line(&found), "发现：车棚飞线充电");
        let verified = HazardAction::Verified {
            note: String::new(),
        };
        assert_eq!(action_line(&verified), "复查销项");
    }
}
