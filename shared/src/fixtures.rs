//! Typed loading of the seed data in the repository's `fixtures/` folder: the Xietu venues,
//! checklist templates, the CIIE night-inspection campaign, a drill and demo accounts.
//!
//! Parsing takes the files' text (this crate does no I/O); [`Fixtures::ops`] turns the data
//! into ordinary ops, checked by the same validation as any pushed op, so seeding a server
//! goes through the same path as a device's sync.

use chrono::NaiveDate;
use serde::Deserialize;

use crate::domain::*;
use crate::hlc::HlcClock;
use crate::ids::*;
use crate::op::*;
use crate::validate::{self, ValidationError};

/// The files, by name, as the server and the tests read them.
pub const FILES: [&str; 5] = [
    "accounts.json",
    "venues.json",
    "templates.json",
    "campaigns.json",
    "drills.json",
];

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsFile {
    pub org: String,
    pub accounts: Vec<DemoAccount>,
}

/// A demo login. The passwords are public demo values, not secrets.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VenueFixture {
    pub id: VenueId,
    pub name: String,
    pub kind: VenueKind,
    pub street: String,
    pub address: String,
    #[serde(default)]
    pub location: Option<GeoPoint>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateFixture {
    pub id: TemplateId,
    pub code: String,
    pub name: String,
    pub version: u32,
    pub kinds: Vec<VenueKind>,
    pub items: Vec<ChecklistItem>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFixture {
    pub id: CampaignId,
    pub name: String,
    pub starts: NaiveDate,
    pub ends: NaiveDate,
    pub streets: Vec<String>,
    pub kinds: Vec<VenueKind>,
    pub goal: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DrillFixture {
    pub id: DrillId,
    /// The venue it was held at, if it is one of the fixture venues.
    #[serde(default)]
    pub venue: Option<VenueId>,
    /// Shanghai local time, `YYYY-MM-DD HH:MM`.
    pub held_at: String,
    pub place: String,
    pub organiser: String,
    pub units: Vec<String>,
    pub scenario: String,
    pub participants: u32,
    pub evacuation_secs: u32,
    pub went_well: String,
    pub to_improve: String,
}

/// All seed data, parsed and cross-checked.
#[derive(Clone, Debug)]
pub struct Fixtures {
    pub accounts: AccountsFile,
    pub venues: Vec<VenueFixture>,
    pub templates: Vec<TemplateFixture>,
    pub campaigns: Vec<CampaignFixture>,
    pub drills: Vec<DrillFixture>,
}

#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    #[error("fixtures/{file}: {message}")]
    Parse { file: &'static str, message: String },
    #[error("fixtures: {0}")]
    Invalid(String),
    #[error("fixtures: {0}")]
    Validation(#[from] ValidationError),
}

fn parse<T: serde::de::DeserializeOwned>(
    file: &'static str,
    text: &str,
) -> Result<T, FixtureError> {
    serde_json::from_str(text).map_err(|e| FixtureError::Parse {
        file,
        message: e.to_string(),
    })
}

/// Parse `YYYY-MM-DD HH:MM` as Shanghai local time.
pub fn parse_local_time(s: &str) -> Option<Timestamp> {
    let naive = chrono::NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M").ok()?;
    let local = naive.and_local_timezone(local_offset()).single()?;
    Some(Timestamp(local.timestamp_millis()))
}

impl Fixtures {
    /// Parse the five files. `read` returns a file's text by name (one of [`FILES`]).
    pub fn load(mut read: impl FnMut(&str) -> Option<String>) -> Result<Self, FixtureError> {
        let mut text = |file: &'static str| {
            read(file).ok_or(FixtureError::Parse {
                file,
                message: "file is missing".into(),
            })
        };
        let fixtures = Self {
            accounts: parse("accounts.json", &text("accounts.json")?)?,
            venues: parse("venues.json", &text("venues.json")?)?,
            templates: parse("templates.json", &text("templates.json")?)?,
            campaigns: parse("campaigns.json", &text("campaigns.json")?)?,
            drills: parse("drills.json", &text("drills.json")?)?,
        };
        fixtures.check()?;
        Ok(fixtures)
    }

    fn check(&self) -> Result<(), FixtureError> {
        let mut ids = std::collections::BTreeSet::new();
        for v in &self.venues {
            if !ids.insert(v.id) {
                return Err(FixtureError::Invalid(format!(
                    "venue id {} appears twice",
                    v.id
                )));
            }
        }
        let mut names = std::collections::BTreeSet::new();
        for a in &self.accounts.accounts {
            if !names.insert(a.username.as_str()) {
                return Err(FixtureError::Invalid(format!(
                    "account {} appears twice",
                    a.username
                )));
            }
            if a.password.len() < 8 {
                return Err(FixtureError::Invalid(format!(
                    "account {}: password shorter than 8",
                    a.username
                )));
            }
        }
        for d in &self.drills {
            if parse_local_time(&d.held_at).is_none() {
                return Err(FixtureError::Invalid(format!(
                    "drill {}: held_at {:?} is not YYYY-MM-DD HH:MM",
                    d.id, d.held_at
                )));
            }
            if let Some(v) = d.venue {
                if !ids.contains(&v) {
                    return Err(FixtureError::Invalid(format!(
                        "drill {} names unknown venue {v}",
                        d.id
                    )));
                }
            }
        }
        Ok(())
    }

    /// The seed as ops made by `author` on `device`, in a valid order (templates, campaigns,
    /// venues, drills), each checked by [`validate::op`].
    pub fn ops(
        &self,
        author: UserId,
        device: DeviceId,
        clock: &mut HlcClock,
        now_ms: i64,
    ) -> Result<Vec<Op>, FixtureError> {
        let mut bodies: Vec<(EntityRef, OpBody)> = Vec::new();
        for t in &self.templates {
            bodies.push((
                EntityRef::Template(t.id),
                OpBody::TemplateDefined(TemplateDefinition {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    version: t.version,
                    kinds: t.kinds.clone(),
                    items: t.items.clone(),
                }),
            ));
        }
        for c in &self.campaigns {
            bodies.push((
                EntityRef::Campaign(c.id),
                OpBody::CampaignDefined(CampaignDefinition {
                    name: c.name.clone(),
                    starts: c.starts,
                    ends: c.ends,
                    streets: c.streets.clone(),
                    kinds: c.kinds.clone(),
                    goal: c.goal.clone(),
                }),
            ));
        }
        for v in &self.venues {
            bodies.push((
                EntityRef::Venue(v.id),
                OpBody::VenueUpserted(VenueFields {
                    name: Some(v.name.clone()),
                    kind: Some(v.kind),
                    address: Some(v.address.clone()),
                    street: Some(v.street.clone()),
                    location: v.location,
                }),
            ));
        }
        for d in &self.drills {
            bodies.push((
                EntityRef::Drill {
                    venue: d.venue,
                    drill: d.id,
                },
                OpBody::DrillRecorded(DrillRecord {
                    held_at: parse_local_time(&d.held_at).expect("checked in load"),
                    place: d.place.clone(),
                    organiser: d.organiser.clone(),
                    units: d.units.clone(),
                    scenario: d.scenario.clone(),
                    participants: d.participants,
                    evacuation_secs: d.evacuation_secs,
                    went_well: d.went_well.clone(),
                    to_improve: d.to_improve.clone(),
                    evidence: Vec::new(),
                }),
            ));
        }
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, (entity, body))| {
                let op = Op {
                    op_id: OpId::new(),
                    device,
                    device_seq: i as u64 + 1,
                    entity,
                    hlc: clock.send(now_ms.max(0) as u64),
                    author,
                    body,
                };
                validate::op(&op, now_ms)?;
                Ok(op)
            })
            .collect()
    }
}
