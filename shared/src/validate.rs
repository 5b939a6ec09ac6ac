//! Validation both sides run: bounds on strings, lists and batches, the shape of each op,
//! and which role may make which change. The client checks before it queues an op (so an
//! inspector hears about a mistake at once); the server checks again before it stores one.

use crate::domain::{ItemResult, Role, Timestamp, VenueStatus};
use crate::hlc::MAX_FORWARD_DRIFT_MS;
use crate::i18n::{Arg, Msg};
use crate::msg;
use crate::op::*;

/// Longest name, street, address or unit (characters).
pub const MAX_NAME_CHARS: usize = 200;
/// Longest note, reason, description (characters).
pub const MAX_TEXT_CHARS: usize = 4000;
/// Most checklist items in a template or an inspection.
pub const MAX_ITEMS: usize = 100;
/// Most evidence hashes on one item, fix report or record.
pub const MAX_EVIDENCE: usize = 20;
/// Most entries in a short list (units, streets, kinds).
pub const MAX_LIST: usize = 100;
/// Most ops in one sync request.
pub const MAX_OPS_PER_SYNC: usize = 1000;
/// Most ops one pull page returns.
pub const MAX_PULL_LIMIT: u32 = 5000;
/// Largest sync request body in bytes.
pub const MAX_SYNC_BYTES: usize = 8 * 1024 * 1024;
/// Earliest plausible timestamp: 2000-01-01T00:00:00Z.
pub const EARLIEST_MS: i64 = 946_684_800_000;
/// How long after an inspection it may still be typed in (a late entry, `inspect --at`): its
/// `finished_at` is at most this long before the op's HLC.
pub const LATE_ENTRY_MAX_MS: i64 = 7 * 24 * 60 * 60 * 1000;
/// Most problems one visit lists, and most team members, units or topics.
pub const MAX_VISIT_PROBLEMS: usize = 50;

/// What is wrong with an input, in words a person can act on ([`ValidationError::msg`], in
/// either language; `Display` is English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ValidationError {
    BadId {
        kind: &'static str,
        value: String,
    },
    UnknownValue {
        what: &'static str,
        value: String,
        expected: &'static str,
    },
    Empty {
        field: &'static str,
    },
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    ControlCharacters {
        field: &'static str,
    },
    TooMany {
        what: &'static str,
        len: usize,
        max: usize,
    },
    DuplicateItem {
        code: String,
    },
    EntityMismatch {
        kind: &'static str,
        expected: &'static str,
    },
    ZeroDeviceSeq,
    BadTimestamp {
        field: &'static str,
        ms: i64,
    },
    InFuture {
        field: &'static str,
    },
    Invalid(Msg),
    RoleMayNot {
        role: Role,
        kind: &'static str,
    },
}

impl ValidationError {
    /// The message, to be rendered in the reader's language.
    pub fn msg(&self) -> Msg {
        use ValidationError::*;
        match self {
            BadId { kind, value } => msg!("invalid-id", value = value, kind = *kind),
            UnknownValue {
                what,
                value,
                expected,
            } => msg!(
                "invalid-unknown-value",
                what = field_word(what),
                value = value,
                expected = *expected
            ),
            Empty { field } => msg!("invalid-empty", field = field_word(field)),
            TooLong { field, len, max } => msg!(
                "invalid-too-long",
                field = field_word(field),
                len = *len,
                max = *max
            ),
            ControlCharacters { field } => {
                msg!("invalid-control-characters", field = field_word(field))
            }
            TooMany { what, len, max } => msg!(
                "invalid-too-many",
                what = field_word(what),
                len = *len,
                max = *max
            ),
            DuplicateItem { code } => msg!("invalid-duplicate-item", code = code),
            EntityMismatch { kind, expected } => msg!(
                "invalid-entity-mismatch",
                kind = *kind,
                expected = field_word(expected)
            ),
            ZeroDeviceSeq => msg!("invalid-zero-device-seq"),
            BadTimestamp { field, ms } => {
                msg!("invalid-timestamp", field = field_word(field), ms = *ms)
            }
            InFuture { field } => msg!("invalid-in-future", field = field_word(field)),
            Invalid(m) => m.clone(),
            RoleMayNot { role, kind } => {
                msg!("invalid-role-may-not", role = role.as_str(), kind = *kind)
            }
        }
    }
}

impl std::fmt::Display for ValidationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.msg().fmt(f)
    }
}

impl std::error::Error for ValidationError {}

/// A field's or a thing's name in words, for the messages above; a name not listed here is
/// shown as it is (it is then a wire field's own name).
pub fn field_word(field: &str) -> Arg {
    Arg::Msg(match field {
        "venue name" => msg!("field-venue-name"),
        "address" => msg!("field-address"),
        "street" => msg!("field-street"),
        "streets" => msg!("field-streets"),
        "note" => msg!("field-note"),
        "reason" => msg!("field-reason"),
        "comment" => msg!("field-comment"),
        "items" | "checklist items" => msg!("field-items"),
        "item code" => msg!("field-item-code"),
        "item note" => msg!("field-item-note"),
        "item text" => msg!("field-item-text"),
        "evidence" | "evidence on one item" => msg!("field-evidence"),
        "unit" => msg!("field-unit"),
        "units" => msg!("field-units"),
        "place" => msg!("field-place"),
        "organiser" => msg!("field-organiser"),
        "scenario" => msg!("field-scenario"),
        "went_well" => msg!("field-went-well"),
        "to_improve" => msg!("field-to-improve"),
        "drill text" => msg!("field-drill-text"),
        "campaign name" => msg!("field-campaign-name"),
        "kinds" => msg!("field-kinds"),
        "goal" => msg!("field-goal"),
        "template code" => msg!("field-template-code"),
        "template name" => msg!("field-template-name"),
        "template items" => msg!("field-template-items"),
        "description" => msg!("field-description"),
        // The wire's own names for times: a device's clock is what to check.
        "held_at" | "started_at" | "finished_at" | "reported_at" | "visited_on" | "hlc" => {
            msg!("field-time-of", name = field)
        }
        "role" => msg!("field-role"),
        "case number" => msg!("field-case-number"),
        "contact name" => msg!("field-contact-name"),
        "contact phone" => msg!("field-contact-phone"),
        "channel" => msg!("field-channel"),
        "reply" => msg!("field-reply"),
        "point" => msg!("field-point"),
        "area" => msg!("field-area"),
        "problem" => msg!("field-problem"),
        "problems" => msg!("field-problems"),
        "topic" => msg!("field-topic"),
        "topics" => msg!("field-topics"),
        "team members" => msg!("field-team"),
        "name" => msg!("field-name"),
        "evidence on one problem" => msg!("field-evidence"),
        "venue kind" => msg!("field-venue-kind"),
        "severity" => msg!("field-severity"),
        "hazard status" => msg!("field-hazard-status"),
        "hazard source" => msg!("field-hazard-source"),
        "a venue" => msg!("field-a-venue"),
        "an inspection" => msg!("field-an-inspection"),
        "a hazard" => msg!("field-a-hazard"),
        "a drill" => msg!("field-a-drill"),
        "a campaign" => msg!("field-a-campaign"),
        "a template" => msg!("field-a-template"),
        "a citizen report" => msg!("field-a-citizen-report"),
        other => return Arg::Str(other.to_string()),
    })
}

/// "a venue_upserted", "an inspection_submitted": the article English wants before a word.
pub fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

/// Shorten a bad value for an error message.
pub fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        s.chars().take(MAX).chain("…".chars()).collect()
    }
}

fn text(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    let len = s.chars().count();
    if len > max {
        return Err(ValidationError::TooLong { field, len, max });
    }
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r')
    {
        return Err(ValidationError::ControlCharacters { field });
    }
    Ok(())
}

fn required(field: &'static str, s: &str, max: usize) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Err(ValidationError::Empty { field });
    }
    text(field, s, max)
}

fn name(field: &'static str, s: &str) -> Result<(), ValidationError> {
    required(field, s, MAX_NAME_CHARS)
}

fn count(what: &'static str, len: usize, max: usize) -> Result<(), ValidationError> {
    if len > max {
        return Err(ValidationError::TooMany { what, len, max });
    }
    Ok(())
}

fn time(field: &'static str, t: Timestamp, now_ms: i64) -> Result<(), ValidationError> {
    if t.0 < EARLIEST_MS {
        return Err(ValidationError::BadTimestamp { field, ms: t.0 });
    }
    if t.0 > now_ms.saturating_add(MAX_FORWARD_DRIFT_MS as i64) {
        return Err(ValidationError::InFuture { field });
    }
    Ok(())
}

fn items(list: &[ItemResult], allow_empty: bool) -> Result<(), ValidationError> {
    if list.is_empty() && !allow_empty {
        return Err(ValidationError::Empty { field: "items" });
    }
    count("checklist items", list.len(), MAX_ITEMS)?;
    let mut seen = std::collections::BTreeSet::new();
    for i in list {
        name("item code", &i.code)?;
        text("item note", &i.note, MAX_TEXT_CHARS)?;
        count("evidence on one item", i.evidence.len(), MAX_EVIDENCE)?;
        if !seen.insert(i.code.as_str()) {
            return Err(ValidationError::DuplicateItem {
                code: i.code.clone(),
            });
        }
    }
    Ok(())
}

/// Check one op's shape, bounds and timestamps. `now_ms` is the checker's wall clock.
pub fn op(op: &Op, now_ms: i64) -> Result<(), ValidationError> {
    if op.device_seq == 0 {
        return Err(ValidationError::ZeroDeviceSeq);
    }
    time(
        "hlc",
        Timestamp(op.hlc.wall_ms.min(i64::MAX as u64) as i64),
        now_ms,
    )?;
    let kind = op.body.kind();
    let mismatch = |expected| Err(ValidationError::EntityMismatch { kind, expected });
    match (&op.body, &op.entity) {
        (OpBody::VenueUpserted(f), EntityRef::Venue(_)) => {
            for (field, v) in [
                ("venue name", &f.name),
                ("address", &f.address),
                ("street", &f.street),
            ] {
                if let Some(v) = v {
                    name(field, v)?;
                }
            }
            if f.name.is_none()
                && f.kind.is_none()
                && f.address.is_none()
                && f.street.is_none()
                && f.location.is_none()
            {
                return Err(ValidationError::Invalid(msg!("invalid-venue-upsert-empty")));
            }
            Ok(())
        }
        (OpBody::VenueUpserted(_), _) => mismatch("a venue"),
        (OpBody::InspectionSubmitted(r), EntityRef::Inspection { .. }) => {
            time("started_at", r.started_at, now_ms)?;
            time("finished_at", r.finished_at, now_ms)?;
            if r.finished_at < r.started_at {
                return Err(ValidationError::Invalid(msg!("invalid-inspection-times")));
            }
            let stamped = i64::try_from(op.hlc.wall_ms).unwrap_or(i64::MAX);
            if r.finished_at.0 < stamped.saturating_sub(LATE_ENTRY_MAX_MS) {
                return Err(ValidationError::Invalid(msg!("invalid-late-entry")));
            }
            text("note", &r.note, MAX_TEXT_CHARS)?;
            items(&r.items, false)
        }
        (OpBody::InspectionAmended(a), EntityRef::Inspection { .. }) => {
            required("reason", &a.reason, MAX_TEXT_CHARS)?;
            if let Some(n) = &a.note {
                text("note", n, MAX_TEXT_CHARS)?;
            }
            items(&a.items, a.note.is_some())
        }
        (OpBody::InspectionSubmitted(_) | OpBody::InspectionAmended(_), _) => {
            mismatch("an inspection")
        }
        (OpBody::HazardDispatched { unit, note, .. }, EntityRef::Hazard { .. }) => {
            name("unit", unit)?;
            text("note", note, MAX_TEXT_CHARS)
        }
        (OpBody::HazardReportedFixed { note, evidence }, EntityRef::Hazard { .. }) => {
            required("note", note, MAX_TEXT_CHARS)?;
            count("evidence", evidence.len(), MAX_EVIDENCE)
        }
        (OpBody::HazardVerified { note }, EntityRef::Hazard { .. }) => {
            text("note", note, MAX_TEXT_CHARS)
        }
        (
            OpBody::HazardReopened { reason } | OpBody::HazardClosed { reason },
            EntityRef::Hazard { .. },
        ) => required("reason", reason, MAX_TEXT_CHARS),
        (OpBody::HazardCommented { text: t }, EntityRef::Hazard { .. }) => {
            required("comment", t, MAX_TEXT_CHARS)
        }
        (
            OpBody::HazardDispatched { .. }
            | OpBody::HazardReportedFixed { .. }
            | OpBody::HazardVerified { .. }
            | OpBody::HazardReopened { .. }
            | OpBody::HazardClosed { .. }
            | OpBody::HazardCommented { .. },
            _,
        ) => mismatch("a hazard"),
        (OpBody::DrillRecorded(d), EntityRef::Drill { .. }) => {
            time("held_at", d.held_at, now_ms)?;
            name("place", &d.place)?;
            name("organiser", &d.organiser)?;
            required("scenario", &d.scenario, MAX_TEXT_CHARS)?;
            count("units", d.units.len(), MAX_LIST)?;
            for u in &d.units {
                name("unit", u)?;
            }
            text("went_well", &d.went_well, MAX_TEXT_CHARS)?;
            text("to_improve", &d.to_improve, MAX_TEXT_CHARS)?;
            count("evidence", d.evidence.len(), MAX_EVIDENCE)
        }
        (OpBody::DrillAmended(a), EntityRef::Drill { .. }) => {
            required("reason", &a.reason, MAX_TEXT_CHARS)?;
            for v in [&a.went_well, &a.to_improve].into_iter().flatten() {
                text("drill text", v, MAX_TEXT_CHARS)?;
            }
            Ok(())
        }
        (OpBody::DrillRecorded(_) | OpBody::DrillAmended(_), _) => mismatch("a drill"),
        (OpBody::CampaignDefined(c), EntityRef::Campaign(_)) => {
            name("campaign name", &c.name)?;
            if c.ends < c.starts {
                return Err(ValidationError::Invalid(msg!("invalid-campaign-period")));
            }
            count("streets", c.streets.len(), MAX_LIST)?;
            for s in &c.streets {
                name("street", s)?;
            }
            count("kinds", c.kinds.len(), MAX_LIST)?;
            text("goal", &c.goal, MAX_TEXT_CHARS)
        }
        (OpBody::CampaignDefined(_), _) => mismatch("a campaign"),
        (OpBody::TemplateDefined(t), EntityRef::Template(_)) => {
            name("template code", &t.code)?;
            name("template name", &t.name)?;
            if t.version == 0 {
                return Err(ValidationError::Invalid(msg!("invalid-template-version")));
            }
            if t.items.is_empty() {
                return Err(ValidationError::Empty {
                    field: "template items",
                });
            }
            count("template items", t.items.len(), MAX_ITEMS)?;
            let mut seen = std::collections::BTreeSet::new();
            for i in &t.items {
                name("item code", &i.code)?;
                required("item text", &i.text, MAX_TEXT_CHARS)?;
                if !seen.insert(i.code.as_str()) {
                    return Err(ValidationError::DuplicateItem {
                        code: i.code.clone(),
                    });
                }
            }
            Ok(())
        }
        (OpBody::TemplateDefined(_), _) => mismatch("a template"),
        (OpBody::CitizenReported(r), EntityRef::CitizenReport { .. }) => {
            name("street", &r.street)?;
            text("address", &r.address, MAX_NAME_CHARS)?;
            required("description", &r.description, MAX_TEXT_CHARS)?;
            text("channel", &r.channel, MAX_NAME_CHARS)?;
            time("reported_at", r.reported_at, now_ms)?;
            count("evidence", r.evidence.len(), MAX_EVIDENCE)
        }
        (OpBody::CitizenReported(_), _) => mismatch("a citizen report"),
        (OpBody::CitizenCaseReported(r), EntityRef::CitizenReport { venue, .. }) => {
            text("case number", &r.case_number, MAX_NAME_CHARS)?;
            if venue.is_some() && !r.case_number.trim().is_empty() {
                return Err(ValidationError::Invalid(msg!("invalid-case-with-venue")));
            }
            name("street", &r.street)?;
            text("address", &r.address, MAX_NAME_CHARS)?;
            required("description", &r.description, MAX_TEXT_CHARS)?;
            text("channel", &r.channel, MAX_NAME_CHARS)?;
            time("reported_at", r.reported_at, now_ms)?;
            count("evidence", r.evidence.len(), MAX_EVIDENCE)?;
            if let Some(c) = &r.contact {
                text("contact name", &c.name, MAX_NAME_CHARS)?;
                text("contact phone", &c.phone, MAX_NAME_CHARS)?;
            }
            Ok(())
        }
        (OpBody::CitizenReportLinked(l), EntityRef::CitizenReport { .. }) => {
            text("note", &l.note, MAX_TEXT_CHARS)?;
            match l.partition {
                Partition::Venue(_)
                | Partition::Report(_)
                | Partition::Drill(_)
                | Partition::Area(_) => Ok(()),
                Partition::Campaign(_) | Partition::Template(_) => {
                    Err(ValidationError::Invalid(msg!("invalid-link-target")))
                }
            }
        }
        (OpBody::CitizenCaseReported(_) | OpBody::CitizenReportLinked(_), _) => {
            mismatch("a citizen report")
        }
        (OpBody::HazardReplied { text: t }, EntityRef::Hazard { .. }) => {
            required("reply", t, MAX_TEXT_CHARS)
        }
        (OpBody::HazardReplied { .. }, _) => mismatch("a hazard"),
        (OpBody::DrillFindingRecorded(f), EntityRef::Drill { .. }) => {
            required("point", &f.point, MAX_TEXT_CHARS)?;
            count("evidence", f.evidence.len(), MAX_EVIDENCE)
        }
        (OpBody::DrillFindingRecorded(_), _) => mismatch("a drill"),
        (OpBody::VisitRecorded(v), EntityRef::Visit { partition, .. }) => {
            if !matches!(partition, Partition::Venue(_) | Partition::Area(_)) {
                return Err(ValidationError::Invalid(msg!("invalid-visit-partition")));
            }
            name("area", &v.area)?;
            if let Partition::Area(area) = partition {
                if *area != crate::ids::AreaId::for_name(&v.area) {
                    return Err(ValidationError::Invalid(msg!("invalid-visit-area")));
                }
            }
            time("visited_on", Timestamp::start_of(v.visited_on), now_ms)?;
            for (what, list) in [("team members", &v.team), ("units", &v.units)] {
                count(what, list.len(), MAX_LIST)?;
                for x in list {
                    name("name", x)?;
                }
            }
            count("topics", v.topics.len(), MAX_LIST)?;
            for t in &v.topics {
                required("topic", t, MAX_TEXT_CHARS)?;
            }
            text("note", &v.note, MAX_TEXT_CHARS)?;
            count("problems", v.problems.len(), MAX_VISIT_PROBLEMS)?;
            for p in &v.problems {
                required("problem", &p.text, MAX_TEXT_CHARS)?;
                count("evidence on one problem", p.evidence.len(), MAX_EVIDENCE)?;
            }
            Ok(())
        }
        (OpBody::VisitRecorded(_), _) => mismatch("a visit"),
        (OpBody::VenueStatusChanged(c), EntityRef::Venue(_)) => {
            if c.status != VenueStatus::Active {
                required("reason", &c.reason, MAX_TEXT_CHARS)
            } else {
                text("reason", &c.reason, MAX_TEXT_CHARS)
            }
        }
        (OpBody::VenueStatusChanged(_), _) => mismatch("a venue"),
    }
}

/// Whether `role` may make this kind of change.
///
/// Inspectors record what they see (venues and whether they closed, inspections and their
/// corrections, fixes, drills and their findings, visits, citizen reports, comments); the
/// safety office also dispatches, verifies, reopens, closes, defines campaigns and templates,
/// takes citizen reports with a reporter's contact, links them and replies to citizens.
/// Admins manage accounts and devices and make no records.
pub fn authorize(role: Role, body: &OpBody) -> Result<(), ValidationError> {
    let office_only = matches!(
        body,
        OpBody::HazardDispatched { .. }
            | OpBody::HazardVerified { .. }
            | OpBody::HazardReopened { .. }
            | OpBody::HazardClosed { .. }
            | OpBody::CampaignDefined(_)
            | OpBody::TemplateDefined(_)
            | OpBody::CitizenCaseReported(_)
            | OpBody::CitizenReportLinked(_)
            | OpBody::HazardReplied { .. }
    );
    let allowed = match role {
        Role::Officer => true,
        Role::Inspector => !office_only,
        Role::Admin => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(ValidationError::RoleMayNot {
            role,
            kind: body.kind(),
        })
    }
}
