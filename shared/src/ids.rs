//! Newtype identifiers. Every id is a UUID; ids that a device mints are UUID v7 (time-ordered),
//! ids that must be the same on every replica (a hazard found by an inspection) are derived
//! with UUID v5 from the ids they come from.
//!
//! On the wire an id is its 16 bytes (with a length byte) in bincode and the hyphenated string in JSON.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident, $prefix:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id (UUID v7).
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }

            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// The last eight hex digits, enough for a person to tell ids apart in a list
            /// (the first digits of a UUID v7 are its timestamp, shared by ids made together).
            pub fn short(&self) -> String {
                // The simple form is always 32 ASCII hex digits: the last 8 are there.
                self.0.simple().to_string()[24..].to_string()
            }

            /// Whether a person's fragment names this id: the full id, or its first or last
            /// hex digits (at least four; hyphens ignored).
            pub fn matches(&self, fragment: &str) -> bool {
                let f = fragment.trim().to_ascii_lowercase().replace('-', "");
                let hex = self.0.simple().to_string();
                f.len() >= 4 && (hex.starts_with(&f) || hex.ends_with(&f))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, ":{}"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = crate::validate::ValidationError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| crate::validate::ValidationError::BadId {
                        kind: stringify!($name),
                        value: crate::validate::clip(s),
                    })
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                Self(u)
            }
        }
    };
}

id_type!(/// An organisation: a subdistrict's safety office and its inspectors.
    OrgId, "org");
id_type!(/// A person with an account.
    UserId, "user");
id_type!(/// A registered device (a phone, a laptop running `firecheck`).
    DeviceId, "device");
id_type!(/// One operation; UUID v7 minted by the device that created it.
    OpId, "op");
id_type!(/// Premises that get inspected.
    VenueId, "venue");
id_type!(/// One inspection of one venue.
    InspectionId, "inspection");
id_type!(/// A hazard. Derived from the finding that opened it, so replays never duplicate it.
    HazardId, "hazard");
id_type!(/// An emergency drill record.
    DrillId, "drill");
id_type!(/// An inspection campaign.
    CampaignId, "campaign");
id_type!(/// A checklist template (all of its versions share the id).
    TemplateId, "template");
id_type!(/// A citizen report from the city's unified management platform.
    ReportId, "report");
id_type!(/// A unit hazards are dispatched to (an organisation's list, kept by its admin).
    UnitId, "unit");
id_type!(/// A resident visit (走访) to a residential area.
    VisitId, "visit");
id_type!(/// A residential area visited by name, with no venue of its own: derived from the name
    /// ([`AreaId::for_name`]), so every visit to it folds in one partition.
    AreaId, "area");
id_type!(/// An intake key the city platform (一网统管) delivers citizen reports with.
    IntakeKeyId, "intake-key");

/// Namespace for the UUID v5 ids firecheck derives. Never change it: derived hazard ids
/// already stored on devices and servers depend on it.
const DERIVED_NAMESPACE: Uuid = Uuid::from_u128(0x6a1c_3f0e_9b8d_4c57_a1e2_f1c0_5e7a_d00d);

impl HazardId {
    /// The hazard a failed checklist item opens: a pure function of (inspection, item code),
    /// so the same inspection replayed anywhere names the same hazard.
    pub fn for_finding(inspection: InspectionId, item: &str) -> Self {
        let mut name = Vec::with_capacity(16 + 1 + item.len());
        name.extend_from_slice(inspection.as_bytes());
        name.push(b'/');
        name.extend_from_slice(item.as_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }

    /// The hazard a citizen report opens.
    pub fn for_report(report: ReportId) -> Self {
        let mut name = Vec::with_capacity(16 + 7);
        name.extend_from_slice(report.as_bytes());
        name.extend_from_slice(b"/report");
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }
}

impl HazardId {
    /// The tracked item a drill's "must improve" point becomes: a pure function of (drill,
    /// the point's text, trimmed), so the same point recorded twice names one hazard.
    pub fn for_drill_finding(drill: DrillId, point: &str) -> Self {
        let point = point.trim();
        let mut name = Vec::with_capacity(16 + 7 + point.len());
        name.extend_from_slice(drill.as_bytes());
        name.extend_from_slice(b"/drill/");
        name.extend_from_slice(point.as_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }

    /// The hazard problem number `n` (0, 1, …) residents raised at a visit opens.
    pub fn for_visit_problem(visit: VisitId, n: u32) -> Self {
        let mut name = Vec::with_capacity(16 + 7 + 4);
        name.extend_from_slice(visit.as_bytes());
        name.extend_from_slice(b"/visit/");
        name.extend_from_slice(&n.to_be_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }
}

impl ReportId {
    /// The report a platform case number names within an organisation: a repeated delivery
    /// of the same case (and an officer who types its number in) names the same report, and
    /// so the same hazard; another organisation's case numbers are a space of their own.
    pub fn for_case(org: OrgId, case_number: &str) -> Self {
        let case = case_number.trim();
        let mut name = Vec::with_capacity(16 + 6 + case.len());
        name.extend_from_slice(org.as_bytes());
        name.extend_from_slice(b"/case/");
        name.extend_from_slice(case.as_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &name))
    }
}

impl AreaId {
    /// A residential area named in a visit (trimmed): every visit naming it folds together.
    pub fn for_name(name: &str) -> Self {
        let name = name.trim();
        let mut bytes = Vec::with_capacity(6 + name.len());
        bytes.extend_from_slice(b"area/");
        bytes.extend_from_slice(name.as_bytes());
        Self(Uuid::new_v5(&DERIVED_NAMESPACE, &bytes))
    }
}

/// SHA-256 of an attachment's bytes (a photo, a signed notice). Ops refer to evidence only
/// by this hash; the bytes travel apart from ops.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, pattern = "^[0-9a-fA-F]{64}$", example = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"))]
pub struct BlobHash(#[serde(with = "hash_serde")] pub [u8; 32]);

impl BlobHash {
    pub fn of(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }

    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

/// Media types an attachment may have: JPEG, PNG, HEIC photos and PDF documents.
pub const EVIDENCE_MEDIA_TYPES: [&str; 4] =
    ["image/jpeg", "image/png", "image/heic", "application/pdf"];

/// The media type of an attachment, read from its first bytes; `None` when it is none of
/// [`EVIDENCE_MEDIA_TYPES`].
pub fn evidence_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G']) {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF") {
        Some("application/pdf")
    } else if bytes.len() >= 12
        && &bytes[4..8] == b"ftyp"
        && matches!(
            &bytes[8..12],
            b"heic" | b"heix" | b"mif1" | b"msf1" | b"heim" | b"heis"
        )
    {
        Some("image/heic")
    } else {
        None
    }
}

impl fmt::Display for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for BlobHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sha256:{}", self.to_hex())
    }
}

impl FromStr for BlobHash {
    type Err = crate::validate::ValidationError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || crate::validate::ValidationError::BadId {
            kind: "BlobHash",
            value: crate::validate::clip(s),
        };
        let s = s.trim();
        if s.len() != 64 {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(s, &mut out).map_err(|_| bad())?;
        Ok(Self(out))
    }
}

/// Hex in human-readable formats (JSON), raw bytes in compact ones (bincode).
mod hash_serde {
    use serde::{de, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.serialize_str(&hex::encode(bytes))
        } else {
            serde::Serialize::serialize(bytes, s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        if d.is_human_readable() {
            let s: std::borrow::Cow<'de, str> = serde::Deserialize::deserialize(d)?;
            let mut out = [0u8; 32];
            hex::decode_to_slice(s.as_bytes(), &mut out)
                .map_err(|_| de::Error::custom("a blob hash is 64 hex digits (SHA-256)"))?;
            Ok(out)
        } else {
            serde::Deserialize::deserialize(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED_EXIT_01: &str = "8755e595-9a90-50de-ac69-fd42567a6d5a";

    #[test]
    fn derived_hazard_ids_are_stable_and_distinct() {
        let inspection = InspectionId(Uuid::from_u128(1));
        let a = HazardId::for_finding(inspection, "EXIT-01");
        assert_eq!(a, HazardId::for_finding(inspection, "EXIT-01"));
        assert_ne!(a, HazardId::for_finding(inspection, "EXIT-02"));
        assert_ne!(
            a,
            HazardId::for_finding(InspectionId(Uuid::from_u128(2)), "EXIT-01")
        );
        // Pinned: a change of namespace or name layout would split hazards already stored.
        assert_eq!(a.to_string(), PINNED_EXIT_01);
    }

    #[test]
    fn derived_ids_of_the_other_channels_are_stable_and_apart() {
        let org = OrgId(Uuid::from_u128(7));
        let other = OrgId(Uuid::from_u128(8));
        let a = ReportId::for_case(org, "XH2026-0001");
        assert_eq!(a, ReportId::for_case(org, " XH2026-0001 "));
        assert_ne!(a, ReportId::for_case(other, "XH2026-0001"));
        assert_ne!(a, ReportId::for_case(org, "XH2026-0002"));
        let drill = DrillId(Uuid::from_u128(3));
        assert_eq!(
            HazardId::for_drill_finding(drill, "广播音量偏小"),
            HazardId::for_drill_finding(drill, " 广播音量偏小")
        );
        assert_ne!(
            HazardId::for_drill_finding(drill, "广播音量偏小"),
            HazardId::for_drill_finding(drill, "志愿者培训")
        );
        let visit = VisitId(Uuid::from_u128(4));
        assert_ne!(
            HazardId::for_visit_problem(visit, 0),
            HazardId::for_visit_problem(visit, 1)
        );
        assert_eq!(
            AreaId::for_name("恒益居民区"),
            AreaId::for_name("恒益居民区 ")
        );
        // Pinned, like the finding ids: stored reports, hazards and areas depend on them.
        assert_eq!(
            ReportId::for_case(org, "XH2026-0001").to_string(),
            PINNED_CASE
        );
    }

    const PINNED_CASE: &str = "79ccdca8-8028-586b-b679-0a520fbaf3a2";

    #[test]
    fn evidence_types_are_read_from_the_bytes() {
        assert_eq!(
            evidence_media_type(&[0xFF, 0xD8, 0xFF, 0xE0]),
            Some("image/jpeg")
        );
        assert_eq!(evidence_media_type(b"\x89PNG\r\n"), Some("image/png"));
        assert_eq!(evidence_media_type(b"%PDF-1.7"), Some("application/pdf"));
        assert_eq!(
            evidence_media_type(b"\0\0\0\x18ftypheic\0\0"),
            Some("image/heic")
        );
        assert_eq!(evidence_media_type(b"MZ\x90\0"), None);
    }

    #[test]
    fn blob_hash_parses_its_own_hex() {
        let h = BlobHash::of(b"photo");
        assert_eq!(h.to_hex().parse::<BlobHash>().unwrap(), h);
        assert!("zz".parse::<BlobHash>().is_err());
    }
}
