//! The console's words for the domain's codes, in Chinese: one place, so every page and
//! every export names a status, a severity or an action the same way.

use firecheck_shared::query::{ReportStatus, SourceKind};
use firecheck_shared::*;

pub fn status(s: HazardStatus) -> &'static str {
    match s {
        HazardStatus::Open => "待交办",
        HazardStatus::Dispatched => "已交办",
        HazardStatus::ReportedFixed => "整改完成待复查",
        HazardStatus::Verified => "复查销项",
        HazardStatus::Closed => "已关闭",
        HazardStatus::Reopened => "重新打开",
    }
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
    match s {
        Severity::Critical => "重大",
        Severity::Major => "较大",
        Severity::Minor => "一般",
    }
}

pub const SEVERITIES: [Severity; 3] = [Severity::Critical, Severity::Major, Severity::Minor];

pub fn source(s: SourceKind) -> &'static str {
    match s {
        SourceKind::Inspection => "巡查发现",
        SourceKind::CitizenReport => "市民报告",
        SourceKind::Drill => "演练发现",
        SourceKind::Visit => "走访发现",
    }
}

pub const SOURCES: [SourceKind; 4] = [
    SourceKind::Inspection,
    SourceKind::CitizenReport,
    SourceKind::Drill,
    SourceKind::Visit,
];

pub fn venue_status(s: VenueStatus) -> &'static str {
    match s {
        VenueStatus::Active => "在营",
        VenueStatus::Closed => "已关停",
        VenueStatus::Moved => "已搬迁",
    }
}

/// Where a citizen report stands, as the platform is told.
pub fn report_status(s: ReportStatus) -> &'static str {
    match s {
        ReportStatus::Received => "已受理",
        ReportStatus::InProgress => "办理中",
        ReportStatus::Resolved => "已办结",
    }
}

pub fn role(r: Role) -> &'static str {
    match r {
        Role::Inspector => "巡查员",
        Role::Officer => "平安办",
        Role::Admin => "管理员",
    }
}

pub fn outcome(o: Outcome) -> &'static str {
    match o {
        Outcome::Pass => "合格",
        Outcome::Fail => "不合格",
        Outcome::NotApplicable => "不适用",
    }
}

/// What happened, in a few words, and its detail (unit and deadline, note, reason).
pub fn action(a: &HazardAction) -> (&'static str, String) {
    match a {
        HazardAction::Found { note } => ("发现", note.clone()),
        HazardAction::FoundAgain { note, .. } => ("再次发现", note.clone()),
        HazardAction::PassedReinspection { .. } => ("复查合格", String::new()),
        HazardAction::Dispatched { unit, due, note } => {
            let mut s = format!("交办 {unit}，限 {due} 前整改");
            if !note.is_empty() {
                s.push('；');
                s.push_str(note);
            }
            ("交办", s)
        }
        HazardAction::ReportedFixed { note, evidence } => (
            "报告整改完成",
            if evidence.is_empty() {
                note.clone()
            } else {
                format!("{note}（附照片 {} 张）", evidence.len())
            },
        ),
        HazardAction::Verified { note } => ("复查销项", note.clone()),
        HazardAction::Reopened { reason } => ("重新打开", reason.clone()),
        HazardAction::Closed { reason } => ("关闭", reason.clone()),
        HazardAction::Commented { text } => ("备注", text.clone()),
        HazardAction::Replied { text } => ("答复市民", text.clone()),
        HazardAction::Linked { hazard } => ("并入", format!("并入隐患 {}", hazard.short())),
        HazardAction::FindingCorrected { reason, .. } => ("检查更正", reason.clone()),
    }
}

/// What happened, in one line: the detail alone when it already says what happened
/// ("交办 城管斜土中队，限 … 前整改"), else both ("发现：车棚飞线充电").
pub fn action_line(a: &HazardAction) -> String {
    match action(a) {
        (what, detail) if detail.is_empty() => what.to_string(),
        (what, detail) if detail.starts_with(what) => detail,
        (what, detail) => format!("{what}：{detail}"),
    }
}

/// The units hazards are dispatched to in Xietu (DOMAIN.md), offered before any the
/// organisation has used.
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
