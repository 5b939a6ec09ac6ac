//! The office's reference lists — its venue spreadsheet, checklist template files, campaign
//! definitions — and the identity rules that make loading one again change nothing.
//!
//! **Venue identity.** A row of the office's spreadsheet names a venue by its name and its
//! address. The importer (`firecheck venue import`) takes, in order: the id in the row's id
//! column when the sheet has one; else the venue this replica already holds whose
//! [`normalise`]d name and address are the row's (so venues recorded by hand, or by the
//! demo, are updated, not doubled); else [`VenueId::for_listing`], a UUID v5 of the
//! organisation, the normalised name and the normalised address. Derived ids make two
//! imports of one sheet on two devices, offline, name the same venues, so the log holds
//! upserts of one venue, never two venues. A rename (a new name or address for the same
//! premises) is therefore a new venue unless the sheet carries the venue's id.
//!
//! **Template identity.** All versions of a template share an id: the file's `id` when it
//! gives one; else the id of the template this replica holds with the same code; else
//! [`TemplateId::for_code`] (organisation + code). A version, once defined, is never
//! defined again with other contents: inspections name the version they were made against.
//!
//! **Campaign identity.** `--id` when given; else the campaign this replica holds with the
//! same name; else [`CampaignId::for_name`] (organisation + name).

use std::str::FromStr;

use uuid::Uuid;

use crate::domain::VenueKind;
use crate::ids::{CampaignId, OrgId, TemplateId, VenueId};
use crate::validate::ValidationError;

/// Namespace for the ids of reference data. Never change it: ids already in logs depend on it.
const LISTING_NAMESPACE: Uuid = Uuid::from_u128(0x3c7e_52a1_0f6b_4d2e_9a41_7be0_c4d2_11aa);

/// A name or address as identity compares it: full-width letters, digits and signs as their
/// ASCII forms, every kind of space removed, ASCII letters in lower case — so `小木桥路 251号`,
/// `小木桥路251号` and `小木桥路２５１号` are one address.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter_map(|c| {
            let c = match c {
                // Full-width ASCII (！ to ～) to ASCII.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                other => other,
            };
            (!c.is_whitespace()).then(|| c.to_ascii_lowercase())
        })
        .collect()
}

fn derive(kind: &str, org: OrgId, parts: &[&str]) -> Uuid {
    let mut name = Vec::new();
    name.extend_from_slice(kind.as_bytes());
    name.push(b'/');
    name.extend_from_slice(org.as_bytes());
    for p in parts {
        name.push(b'/');
        name.extend_from_slice(normalise(p).as_bytes());
    }
    Uuid::new_v5(&LISTING_NAMESPACE, &name)
}

impl VenueId {
    /// The id a venue of `org` named `name` at `address` gets when imported from a list
    /// (see the module docs): the same on every device for the same normalised name and
    /// address.
    pub fn for_listing(org: OrgId, name: &str, address: &str) -> Self {
        Self(derive("venue", org, &[name, address]))
    }
}

impl TemplateId {
    /// The id of `org`'s checklist template with this code, when its file gives none.
    pub fn for_code(org: OrgId, code: &str) -> Self {
        Self(derive("template", org, &[code]))
    }
}

impl CampaignId {
    /// The id of `org`'s campaign with this name, when none is given.
    pub fn for_name(org: OrgId, name: &str) -> Self {
        Self(derive("campaign", org, &[name]))
    }
}

/// What people call each kind of premises, beyond [`VenueKind::label`] and the code.
const KIND_NAMES: &[(&str, VenueKind)] = &[
    ("沿街门面商铺", VenueKind::StreetShop),
    ("沿街门面", VenueKind::StreetShop),
    ("沿街商户", VenueKind::StreetShop),
    ("商铺", VenueKind::StreetShop),
    ("门店", VenueKind::StreetShop),
    ("电动自行车销售维修点", VenueKind::EbikePoint),
    ("电动车维修点", VenueKind::EbikePoint),
    ("电动车销售点", VenueKind::EbikePoint),
    ("电动自行车维修点", VenueKind::EbikePoint),
    ("三合一", VenueKind::ThreeInOne),
    ("三合一场所", VenueKind::ThreeInOne),
    ("轨交站", VenueKind::MetroStation),
    ("轨道交通站", VenueKind::MetroStation),
    ("地铁车站", VenueKind::MetroStation),
    ("居民区", VenueKind::Residential),
    ("小区", VenueKind::Residential),
    ("住宅小区", VenueKind::Residential),
    ("写字楼", VenueKind::OfficeTower),
    ("办公大楼", VenueKind::OfficeTower),
    ("其它", VenueKind::Other),
];

/// A venue kind as a spreadsheet writes it: the code (`ebike-point`), the label
/// (`电动车销售维修点`), or a name people use (`电动自行车销售维修点`, `“三合一”场所`, `小区`);
/// quotation marks and spaces do not matter.
pub fn venue_kind(s: &str) -> Result<VenueKind, ValidationError> {
    let bare: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && !"“”\"'‘’「」".contains(*c))
        .collect();
    if let Ok(k) = VenueKind::from_str(&bare.to_ascii_lowercase()) {
        return Ok(k);
    }
    if let Ok(k) = VenueKind::from_str(&bare) {
        return Ok(k);
    }
    KIND_NAMES
        .iter()
        .find(|(name, _)| *name == bare)
        .map(|(_, k)| *k)
        .ok_or_else(|| ValidationError::UnknownValue {
            what: "venue kind",
            value: crate::validate::clip(s.trim()),
            expected: "沿街商铺 (street-shop), 电动车销售维修点 (ebike-point), 三合一场所 (three-in-one), 地铁站 (metro-station), 居民小区 (residential), 办公楼 (office-tower) or 其他 (other)",
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_and_width_do_not_make_another_venue() {
        let org = OrgId::new();
        let a = VenueId::for_listing(org, "老王电动车维修", "小木桥路 251号");
        assert_eq!(
            a,
            VenueId::for_listing(org, " 老王电动车维修", "小木桥路251号")
        );
        assert_eq!(
            a,
            VenueId::for_listing(org, "老王电动车维修", "小木桥路\u{3000}２５１号")
        );
        assert_ne!(
            a,
            VenueId::for_listing(org, "老王电动车维修", "小木桥路 253号")
        );
        assert_ne!(
            a,
            VenueId::for_listing(OrgId::new(), "老王电动车维修", "小木桥路 251号")
        );
        // A name and an address never run into each other.
        assert_ne!(
            VenueId::for_listing(org, "ab", "c"),
            VenueId::for_listing(org, "a", "bc")
        );
        assert_eq!(
            TemplateId::for_code(org, "ebike-point"),
            TemplateId::for_code(org, "EBIKE-POINT")
        );
        assert_ne!(
            CampaignId::for_name(org, "夜查").0,
            TemplateId::for_code(org, "夜查").0
        );
    }

    #[test]
    fn kinds_by_code_label_or_common_name() {
        for k in VenueKind::ALL {
            assert_eq!(venue_kind(k.code()).unwrap(), k);
            assert_eq!(venue_kind(k.label()).unwrap(), k);
        }
        assert_eq!(venue_kind("“三合一”场所").unwrap(), VenueKind::ThreeInOne);
        assert_eq!(
            venue_kind(" 电动自行车销售维修点 ").unwrap(),
            VenueKind::EbikePoint
        );
        assert_eq!(venue_kind("Street-Shop").unwrap(), VenueKind::StreetShop);
        let e = venue_kind("饭店").unwrap_err().to_string();
        assert!(e.contains("饭店") && e.contains("沿街商铺"), "{e}");
    }
}
