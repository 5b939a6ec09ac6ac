//! Typed loading of the seed data in the repository's `fixtures/` folder: the Xietu venues,
//! checklist templates, the CIIE night-inspection campaign, a drill and demo accounts.
//!
//! Parsing takes the files' text (this crate does no I/O: the files are compiled in, see
//! [`file`] and [`Fixtures::demo`]); [`Fixtures::ops`] turns the data into ordinary ops,
//! checked by the same validation as any pushed op, so seeding a server goes through the same
//! path as a device's sync.
//!
//! The records the demo, the README and the tests name have typed ids in [`ids`], and the
//! demo logins' passwords come from [`demo_password`]: tests use these instead of repeating
//! the files' values.

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

/// The repository's fixture files, compiled in (so `firecheck-server --demo` needs no other
/// files), by name; `None` for a name not in [`FILES`].
pub fn file(name: &str) -> Option<&'static str> {
    Some(match name {
        "accounts.json" => include_str!("../../fixtures/accounts.json"),
        "venues.json" => include_str!("../../fixtures/venues.json"),
        "templates.json" => include_str!("../../fixtures/templates.json"),
        "campaigns.json" => include_str!("../../fixtures/campaigns.json"),
        "drills.json" => include_str!("../../fixtures/drills.json"),
        _ => return None,
    })
}

/// The demo password of a fixture account (`demo-zhangwei-2026`, …): public demo values from
/// `fixtures/accounts.json`, not secrets. `None` for a user the fixtures do not have.
pub fn demo_password(username: &str) -> Option<String> {
    let accounts: AccountsFile = parse("accounts.json", file("accounts.json")?).ok()?;
    accounts
        .accounts
        .into_iter()
        .find(|a| a.username == username)
        .map(|a| a.password)
}

/// Typed ids of the fixture records that the demo, the README and the tests name.
/// `shared/tests/fixtures.rs` checks each against the files.
pub mod ids {
    use uuid::Uuid;

    use crate::ids::{CampaignId, DrillId, TemplateId, VenueId};

    /// Every fixture id is `0193a000-0000-7000-8000-` followed by twelve digits.
    const fn fixture(tail: u128) -> Uuid {
        Uuid::from_u128(0x0193a000_0000_7000_8000_000000000000 | tail)
    }

    /// 老王电动车维修, 小木桥路 251号: an e-bike repair point, a campaign target.
    pub const LAOWANG_EBIKE: VenueId = VenueId(fixture(0x01));
    /// 小木桥路便利店, 小木桥路 263号: a street shop, a campaign target.
    pub const XIAOMUQIAO_SHOP: VenueId = VenueId(fixture(0x02));
    /// 阿芳服装加工, 小木桥路 275号: a “three-in-one” premises, a campaign target.
    pub const AFANG_THREE_IN_ONE: VenueId = VenueId(fixture(0x03));
    /// 龙华中路站: the metro station of the drill; not a campaign target.
    pub const LONGHUA_METRO: VenueId = VenueId(fixture(0x04));
    /// 沪味早餐店, 小木桥路 203号: a street shop, a campaign target.
    pub const HUWEI_BREAKFAST: VenueId = VenueId(fixture(0x06));
    /// 恒益居民区: a residential area, where the resident visits go.
    pub const HENGYI_RESIDENTIAL: VenueId = VenueId(fixture(0x43));

    /// The checklist template `three-in-one`.
    pub const THREE_IN_ONE_TEMPLATE: TemplateId = TemplateId(fixture(0x0a_0001));
    /// The checklist template `ebike-point`.
    pub const EBIKE_TEMPLATE: TemplateId = TemplateId(fixture(0x0a_0002));
    /// The checklist template `night-shop`.
    pub const NIGHT_SHOP_TEMPLATE: TemplateId = TemplateId(fixture(0x0a_0003));

    /// 进博会“三合一”场所夜查整治: the CIIE night-inspection campaign.
    pub const CIIE_CAMPAIGN: CampaignId = CampaignId(fixture(0x0c_0001));

    /// The 龙华中路站 “四长联动” drill.
    pub const LONGHUA_DRILL: DrillId = DrillId(fixture(0x0d_0001));

    /// Fixture venue number `n` (1..=48 in the files): its id ends in `n` written in twelve
    /// decimal digits, e.g. venue 12 is `0193a000-0000-7000-8000-000000000012`.
    pub fn venue(n: u32) -> VenueId {
        format!("0193a000-0000-7000-8000-{n:012}")
            .parse()
            .expect("twelve decimal digits make a valid UUID")
    }
}

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
    /// The repository's fixtures, compiled in (see [`file`]).
    pub fn demo() -> Result<Self, FixtureError> {
        Self::load(|name| file(name).map(str::to_string))
    }

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
