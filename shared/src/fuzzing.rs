//! The bodies of the fuzz targets in `fuzz/`, as plain functions, so cargo-fuzz and the
//! normal test suite (`shared/tests/fuzz_corpus.rs`, which replays the checked-in corpus) run
//! the same code. Every function takes arbitrary bytes and panics only when it finds a bug.
//!
//! - [`decode_sync`] ([`decode_sync_bincode`], [`decode_sync_json`]): the wire decoders.
//! - [`apply_ops`]: arbitrary op sequences applied to replicas in different orders.
//!
//! Not part of the crate's API: hidden from the docs, and free to change. One file (about
//! 800 lines) because the targets share one op builder, which is most of it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;

use chrono::NaiveDate;
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

use crate::codec::{self, Format};
use crate::domain::*;
use crate::hlc::Hlc;
use crate::ids::*;
use crate::op::*;
use crate::replica::Replica;
use crate::sync::{SyncRequest, SyncResponse};

/// Most ops one [`apply_ops`] input builds or decodes.
pub const MAX_OPS: usize = 32;
/// Longest string [`apply_ops`] copies from its input (bytes).
pub const MAX_TEXT_BYTES: usize = 32;
/// Most checklist items in one built inspection or amendment.
pub const MAX_ITEMS: usize = 4;
/// First byte of an [`apply_ops`] input that holds an unframed bincode `Vec<Op>`, rather
/// than instructions for the builder.
pub const DECODED_OPS: u8 = 0xFF;

// ---------------------------------------------------------------------------------------
// Wire decoders
// ---------------------------------------------------------------------------------------

/// Both wire decoders on the same bytes.
pub fn decode_sync(data: &[u8]) {
    decode_sync_bincode(data);
    decode_sync_json(data);
}

/// `SyncRequest` and `SyncResponse` from bytes sent as bincode: framed as the server reads
/// them, and the same bytes as an unframed body (so the fuzzer need not find the frame
/// header to reach the message decoder). Must never panic; whatever decodes must survive a
/// re-encode and decode in both formats unchanged.
pub fn decode_sync_bincode(data: &[u8]) {
    if let Ok(msg) = codec::decode::<SyncRequest>(Format::Bincode, data) {
        stable(&msg);
    }
    if let Ok(msg) = codec::decode::<SyncResponse>(Format::Bincode, data) {
        stable(&msg);
    }
    if let Ok(msg) = codec::decode_unframed::<SyncRequest>(data) {
        stable(&msg);
    }
    if let Ok(msg) = codec::decode_unframed::<SyncResponse>(data) {
        stable(&msg);
    }
}

/// `SyncRequest` and `SyncResponse` from bytes sent as JSON; as [`decode_sync_bincode`].
pub fn decode_sync_json(data: &[u8]) {
    if let Ok(msg) = codec::decode::<SyncRequest>(Format::Json, data) {
        stable(&msg);
    }
    if let Ok(msg) = codec::decode::<SyncResponse>(Format::Json, data) {
        stable(&msg);
    }
}

/// A decoded message re-encodes, in either format, to bytes that decode to the same message
/// and encode to the same bytes again (the server relays what it decoded to clients that
/// speak the other format).
fn stable<T>(msg: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    for format in [Format::Bincode, Format::Json] {
        let bytes = codec::encode(format, msg);
        let back: T = match codec::decode(format, &bytes) {
            Ok(back) => back,
            Err(e) => panic!(
                "{format:?}: a decoded message does not decode after re-encoding: {e}\n{msg:?}"
            ),
        };
        assert_eq!(
            &back, msg,
            "{format:?}: the message changed in a round trip"
        );
        assert_eq!(
            codec::encode(format, &back),
            bytes,
            "{format:?}: re-encoding is not a function of the value"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Replicas
// ---------------------------------------------------------------------------------------

/// Arbitrary bytes as a sequence of at most [`MAX_OPS`] ops, applied to replicas in
/// different orders (as built; reversed with every op delivered twice; shuffled by a seed
/// taken from the input). Every replica must show the same state, equal to each partition
/// folded from scratch, and nothing may panic.
///
/// An input whose first byte is [`DECODED_OPS`] is an unframed bincode `Vec<Op>` (any field
/// values at all); any other input drives a small builder over a few venues, inspections,
/// checklist items, hazards, drills and their findings, reports (with case numbers, links
/// and replies), visits and venue closures, so ops collide and refer to each other.
pub fn apply_ops(data: &[u8]) {
    let ops = match data.split_first() {
        Some((&DECODED_OPS, rest)) => decoded_ops(rest),
        _ => Builder::new(data).build(),
    };
    check_convergence(&ops, seed(data));
}

/// The ops of a bincode `Vec<Op>`, cut to [`MAX_OPS`]; of ops that share an [`OpKey`] only
/// the first is kept: the server stores one op per (device, device_seq), so a set never holds
/// two different ops under one key (which replicas would each keep whichever came first).
fn decoded_ops(data: &[u8]) -> Vec<Op> {
    let Ok(ops) = codec::decode_unframed::<Vec<Op>>(data) else {
        return Vec::new();
    };
    let mut seen = BTreeSet::new();
    ops.into_iter()
        .take(MAX_OPS)
        .filter(|op| seen.insert(op.key()))
        .collect()
}

fn check_convergence(ops: &[Op], seed: u64) {
    let mut in_order = Replica::new();
    in_order.apply_all(ops.iter().cloned());

    let mut reversed = Replica::new();
    for op in ops.iter().rev() {
        reversed.apply(op.clone());
        reversed.apply(op.clone());
    }

    let mut shuffled = Replica::new();
    shuffled.apply_all(shuffle(ops, seed));

    let distinct: BTreeSet<(Partition, OpKey)> =
        ops.iter().map(|op| (op.partition(), op.key())).collect();
    for (name, replica) in [("reversed", &reversed), ("shuffled", &shuffled)] {
        assert_eq!(
            replica.op_count(),
            distinct.len(),
            "{name}: op count differs"
        );
        assert!(
            in_order.ops().eq(replica.ops()),
            "{name}: the op sets differ"
        );
        if *replica != in_order {
            let diff = in_order
                .partitions()
                .zip(replica.partitions())
                .find(|(a, b)| a != b);
            panic!("{name}: replicas diverged; first differing partition: {diff:#?}");
        }
    }

    // A non-officer's device pulls citizen reports without the reporter's contact: its
    // partitions must fold to exactly the same states and records.
    let mut stripped = Replica::new();
    stripped.apply_all(ops.iter().cloned().map(Op::without_contact));
    assert!(
        in_order.partitions().eq(stripped.partitions()),
        "the reporter's contact changed a folded state"
    );

    // Each partition's state is its ops folded from scratch.
    let mut by_partition: BTreeMap<Partition, Vec<&Op>> = BTreeMap::new();
    for op in ops {
        by_partition.entry(op.partition()).or_default().push(op);
    }
    assert_eq!(in_order.states().count(), by_partition.len());
    for (partition, list) in by_partition {
        let folded = in_order
            .partition(&partition)
            .expect("every partition with ops has a state");
        let state = &folded.state;
        let reference = crate::merge::Folded::fold(partition, list.iter().copied());
        assert_eq!(
            folded, &reference,
            "incremental apply differs from a fold from scratch"
        );
        let count = list
            .iter()
            .map(|op| op.key())
            .collect::<BTreeSet<_>>()
            .len();
        assert_eq!(state.op_count, count as u64);
    }
}

/// FNV-1a of the input: the seed of the shuffled order.
fn seed(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A permutation fixed by `seed`, so the same input always replays the same order.
fn shuffle(ops: &[Op], seed: u64) -> Vec<Op> {
    let mut v = ops.to_vec();
    v.shuffle(&mut SmallRng::seed_from_u64(seed));
    v
}

// ---------------------------------------------------------------------------------------
// The byte-driven op builder
// ---------------------------------------------------------------------------------------

const VENUES: u8 = 3;
const INSPECTIONS: u8 = 4;
const DRILLS: u8 = 2;
const REPORTS: u8 = 2;
const VISITS: u8 = 2;
const AREAS: [&str; 2] = ["恒益居民区", "日晖六村"];
const CODES: [&str; 3] = ["EXIT-01", "EXT-02", "ELEC-03"];
const NAMES: [&str; 4] = ["老王五金店", "小李电动车行", "", "三合一仓库"];
const TEXTS: [&str; 4] = ["限期整改", "已清理", "复查合格", "商户已搬离"];
/// 2023-11-14T22:13:20Z: the builder's HLC walls are a few ms after it.
const T0: u64 = 1_700_000_000_000;

fn id(prefix: u128, n: u8) -> Uuid {
    Uuid::from_u128((prefix << 120) | (u128::from(n) + 1))
}

fn venue(n: u8) -> VenueId {
    VenueId(id(0x7e, n % VENUES))
}

fn inspection(n: u8) -> InspectionId {
    InspectionId(id(0x15, n % INSPECTIONS))
}

fn drill(n: u8) -> DrillId {
    DrillId(id(0xd5, n % DRILLS))
}

fn report(n: u8) -> ReportId {
    ReportId(id(0x5e, n % REPORTS))
}

fn visit(n: u8) -> VisitId {
    VisitId(id(0x71, n % VISITS))
}

fn area(n: u8) -> AreaId {
    AreaId::for_name(AREAS[usize::from(n) % AREAS.len()])
}

/// Reads the input a byte at a time; past its end every read is 0.
#[derive(Debug)]
struct Builder<'a> {
    data: &'a [u8],
    pos: usize,
    /// The last `device_seq` given to each node's device.
    seqs: BTreeMap<u64, u64>,
}

impl<'a> Builder<'a> {
    fn new(data: &'a [u8]) -> Self {
        Self {
            data,
            pos: 0,
            seqs: BTreeMap::new(),
        }
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }

    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), 0, 0])
    }

    /// Mostly one of a few fixed strings (so values collide); sometimes up to
    /// [`MAX_TEXT_BYTES`] of the input itself, as lossy UTF-8.
    fn text(&mut self, table: &[&str]) -> String {
        let b = self.byte();
        if b < 0xF0 {
            return table[usize::from(b) % table.len()].to_string();
        }
        let len = usize::from(self.byte()) % (MAX_TEXT_BYTES + 1);
        let start = self.pos.min(self.data.len());
        let end = (start + len).min(self.data.len());
        self.pos = start + len;
        String::from_utf8_lossy(&self.data[start..end]).into_owned()
    }

    fn opt_text(&mut self, table: &[&str]) -> Option<String> {
        self.bool().then(|| self.text(table))
    }

    fn code(&mut self) -> String {
        self.text(&CODES)
    }

    fn severity(&mut self) -> Severity {
        [Severity::Critical, Severity::Major, Severity::Minor][usize::from(self.byte() % 3)]
    }

    fn items(&mut self) -> Vec<ItemResult> {
        let n = usize::from(self.byte()) % (MAX_ITEMS + 1);
        (0..n)
            .map(|_| ItemResult {
                code: self.code(),
                outcome: match self.byte() % 4 {
                    0 | 1 => Outcome::Fail,
                    2 => Outcome::Pass,
                    _ => Outcome::NotApplicable,
                },
                severity: self.severity(),
                note: self.text(&TEXTS),
                evidence: self.evidence(),
            })
            .collect()
    }

    fn evidence(&mut self) -> Vec<BlobHash> {
        let n = self.byte() % 3;
        (0..n).map(|_| BlobHash([self.byte() % 4; 32])).collect()
    }

    fn date(&mut self) -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 11, 1 + u32::from(self.byte() % 30))
            .expect("November has 30 days")
    }

    fn timestamp(&mut self) -> Timestamp {
        Timestamp(T0 as i64 - i64::from(self.u32()) * 1000)
    }

    fn kinds(&mut self) -> Vec<VenueKind> {
        let n = self.byte() % 3;
        (0..n)
            .map(|_| VenueKind::ALL[usize::from(self.byte()) % VenueKind::ALL.len()])
            .collect()
    }

    fn opt_venue(&mut self) -> Option<VenueId> {
        let b = self.byte();
        (b & 0x80 == 0).then(|| venue(b))
    }

    /// The venue an inspection (`n` modulo the few there are) is usually made at, so its
    /// amendments and the hazards it opens land in its partition.
    fn home(n: u8) -> VenueId {
        venue(n % INSPECTIONS)
    }

    /// An inspection and its venue: usually its home venue; a venue byte of 0xC0 or more
    /// picks any venue.
    fn inspection_entity(&mut self) -> EntityRef {
        let n = self.byte();
        let v = self.byte();
        EntityRef::Inspection {
            venue: if v < 0xC0 { Self::home(n) } else { venue(v) },
            inspection: inspection(n),
        }
    }

    /// A hazard the ops refer to, with the partition it is sought in: mostly one a finding
    /// opens (inspection, item code), sometimes a citizen report's, sometimes one nothing
    /// opens; in the partition it lives in, or (a first byte of 0xE0 or more) any one.
    fn hazard_target(&mut self) -> (Partition, HazardId) {
        let b = self.byte();
        let (home, hazard) = match b % 10 {
            0 => {
                let r = report(self.byte());
                (Partition::Report(r), HazardId::for_report(r))
            }
            1 => (
                Partition::Venue(venue(0)),
                HazardId(id(0x4a, self.byte() % 2)),
            ),
            8 => {
                let n = self.byte();
                let point = self.text(&TEXTS);
                (
                    Self::drill_home(n),
                    HazardId::for_drill_finding(drill(n), &point),
                )
            }
            9 => {
                let n = self.byte();
                let k = u32::from(self.byte() % 3);
                (
                    Self::visit_home(n),
                    HazardId::for_visit_problem(visit(n), k),
                )
            }
            _ => {
                let n = self.byte();
                let code = self.code();
                (
                    Partition::Venue(Self::home(n)),
                    HazardId::for_finding(inspection(n), &code),
                )
            }
        };
        let partition = if b < 0xE0 { home } else { self.partition() };
        (partition, hazard)
    }

    fn hazard_entity(&mut self) -> EntityRef {
        let (partition, hazard) = self.hazard_target();
        EntityRef::Hazard { partition, hazard }
    }

    /// A drill and its venue: usually its home (none for even drills, venue 1 for odd
    /// ones); a venue byte of 0xC0 or more picks any venue or none.
    fn drill_entity(&mut self) -> EntityRef {
        let n = self.byte();
        let v = self.byte();
        let venue = if v < 0xC0 {
            (n % DRILLS == 1).then(|| venue(1))
        } else {
            (v & 0x20 == 0).then(|| venue(v))
        };
        EntityRef::Drill {
            venue,
            drill: drill(n),
        }
    }

    /// The partition a drill folds in when recorded at its home (see [`Self::drill_entity`]).
    fn drill_home(n: u8) -> Partition {
        if n % DRILLS == 1 {
            Partition::Venue(venue(1))
        } else {
            Partition::Drill(drill(n))
        }
    }

    /// The partition a visit folds in at its home: a named area for even visits, venue 2
    /// (a residential venue, say) for odd ones.
    fn visit_home(n: u8) -> Partition {
        if n % VISITS == 1 {
            Partition::Venue(venue(2))
        } else {
            Partition::Area(area(n))
        }
    }

    /// A visit and its partition: usually its home; a byte of 0xC0 or more picks any
    /// partition.
    fn visit_entity(&mut self) -> EntityRef {
        let n = self.byte();
        let b = self.byte();
        EntityRef::Visit {
            partition: if b < 0xC0 {
                Self::visit_home(n)
            } else {
                self.partition()
            },
            visit: visit(n),
        }
    }

    /// A citizen report's venue: mostly none (so it has a partition of its own).
    fn report_venue(&mut self) -> Option<VenueId> {
        let b = self.byte();
        (b & 0xC0 == 0xC0).then(|| venue(b))
    }

    fn partition(&mut self) -> Partition {
        match self.byte() % 8 {
            0 => Partition::Report(report(self.byte())),
            1 => Partition::Drill(drill(self.byte())),
            2 => Partition::Area(area(self.byte())),
            _ => Partition::Venue(venue(self.byte())),
        }
    }

    /// Any entity at all: for bodies sent to an entity they do not belong to.
    fn entity(&mut self) -> EntityRef {
        match self.byte() % 8 {
            7 => self.visit_entity(),
            0 => EntityRef::Venue(venue(self.byte())),
            1 => self.inspection_entity(),
            2 => self.hazard_entity(),
            3 => EntityRef::Drill {
                venue: self.opt_venue(),
                drill: drill(self.byte()),
            },
            4 => EntityRef::Campaign(CampaignId(id(0xca, 0))),
            5 => EntityRef::Template(TemplateId(id(0x7f, 0))),
            _ => EntityRef::CitizenReport {
                venue: self.opt_venue(),
                report: report(self.byte()),
            },
        }
    }

    fn hazard_body(&mut self) -> OpBody {
        match self.byte() % 6 {
            0 => OpBody::HazardDispatched {
                unit: self.text(&["城管斜土中队", "物业"]),
                due: self.date(),
                note: self.text(&TEXTS),
            },
            1 => OpBody::HazardReportedFixed {
                note: self.text(&TEXTS),
                evidence: self.evidence(),
            },
            2 => OpBody::HazardVerified {
                note: self.text(&TEXTS),
            },
            3 => OpBody::HazardReopened {
                reason: self.text(&TEXTS),
            },
            4 => OpBody::HazardClosed {
                reason: self.text(&TEXTS),
            },
            _ => OpBody::HazardCommented {
                text: self.text(&TEXTS),
            },
        }
    }

    /// The next op: its kind, then its stamp, then what the kind needs.
    fn op(&mut self, n: usize) -> Op {
        let kind = self.byte();
        // Few walls, counters and nodes: HLC ties are common and op ids break them.
        let stamp = self.byte();
        let node = 1 + u64::from((stamp >> 4) & 3);
        let hlc = Hlc::new(T0 + u64::from(stamp & 7), u32::from((stamp >> 3) & 1), node);
        let id_bits = self.byte();
        let (entity, body) = match kind % 22 {
            0 | 1 => (
                EntityRef::Venue(venue(self.byte())),
                OpBody::VenueUpserted(VenueFields {
                    name: self.opt_text(&NAMES),
                    kind: self
                        .bool()
                        .then(|| VenueKind::ALL[usize::from(self.byte()) % VenueKind::ALL.len()]),
                    address: self.opt_text(&["小木桥路 9号", "斜土路 1001号"]),
                    street: self.opt_text(&["小木桥路", "斜土路"]),
                    location: self.bool().then(|| GeoPoint {
                        lat_e6: 31_190_000 + i32::from(self.byte() % 4),
                        lon_e6: 121_450_000 + i32::from(self.byte() % 4),
                    }),
                }),
            ),
            2..=4 => (
                self.inspection_entity(),
                OpBody::InspectionSubmitted(InspectionRecord {
                    template: TemplateId(id(0x7f, 0)),
                    template_version: 1,
                    started_at: self.timestamp(),
                    finished_at: self.timestamp(),
                    items: self.items(),
                    note: self.text(&TEXTS),
                    campaign: self.bool().then(|| CampaignId(id(0xca, 0))),
                }),
            ),
            5 | 6 => (
                self.inspection_entity(),
                OpBody::InspectionAmended(InspectionAmendment {
                    reason: self.text(&TEXTS),
                    items: self.items(),
                    note: self.opt_text(&TEXTS),
                }),
            ),
            7..=10 => (self.hazard_entity(), self.hazard_body()),
            11 => (
                self.drill_entity(),
                OpBody::DrillRecorded(DrillRecord {
                    held_at: self.timestamp(),
                    place: self.text(&NAMES),
                    organiser: self.text(&["社区平安办"]),
                    units: (0..self.byte() % 3)
                        .map(|_| self.text(&["斜土消防站", "物业"]))
                        .collect(),
                    scenario: self.text(&TEXTS),
                    participants: self.u32(),
                    evacuation_secs: self.u32(),
                    went_well: self.text(&TEXTS),
                    to_improve: self.text(&TEXTS),
                    evidence: self.evidence(),
                }),
            ),
            12 => (
                self.drill_entity(),
                OpBody::DrillAmended(DrillAmendment {
                    reason: self.text(&TEXTS),
                    participants: self.bool().then(|| self.u32()),
                    evacuation_secs: self.bool().then(|| self.u32()),
                    went_well: self.opt_text(&TEXTS),
                    to_improve: self.opt_text(&TEXTS),
                }),
            ),
            13 => (
                EntityRef::CitizenReport {
                    venue: self.report_venue(),
                    report: report(self.byte()),
                },
                OpBody::CitizenReported(CitizenReportRecord {
                    street: self.text(&["小木桥路", "斜土路"]),
                    address: self.text(&NAMES),
                    description: self.text(&TEXTS),
                    evidence: self.evidence(),
                    reported_at: self.timestamp(),
                    channel: self.text(&["一网统管", ""]),
                    severity: self.severity(),
                }),
            ),
            14 => (
                EntityRef::Campaign(CampaignId(id(0xca, 0))),
                OpBody::CampaignDefined(CampaignDefinition {
                    name: self.text(&NAMES),
                    starts: self.date(),
                    ends: self.date(),
                    streets: (0..self.byte() % 3)
                        .map(|_| self.text(&["小木桥路", "斜土路"]))
                        .collect(),
                    kinds: self.kinds(),
                    goal: self.text(&TEXTS),
                }),
            ),
            16 => (
                EntityRef::CitizenReport {
                    venue: self.report_venue(),
                    report: report(self.byte()),
                },
                OpBody::CitizenCaseReported(CitizenCaseRecord {
                    case_number: self.text(&["XH-0001", "XH-0002", ""]),
                    channel: self.text(&["随手拍", "电话"]),
                    street: self.text(&["小木桥路", "斜土路"]),
                    address: self.text(&NAMES),
                    location: self.bool().then(|| GeoPoint {
                        lat_e6: 31_190_000 + i32::from(self.byte() % 4),
                        lon_e6: 121_450_000,
                    }),
                    description: self.text(&TEXTS),
                    evidence: self.evidence(),
                    reported_at: self.timestamp(),
                    severity: self.severity(),
                    // Present or not, the fold must come out the same (pulls strip it).
                    contact: self.bool().then(|| ReporterContact {
                        name: self.text(&["王女士", ""]),
                        phone: self.text(&["13800000000"]),
                    }),
                }),
            ),
            17 => {
                let report_entity = EntityRef::CitizenReport {
                    venue: self.report_venue(),
                    report: report(self.byte()),
                };
                let (partition, hazard) = self.hazard_target();
                (
                    report_entity,
                    OpBody::CitizenReportLinked(ReportLink {
                        hazard,
                        partition,
                        note: self.text(&TEXTS),
                    }),
                )
            }
            18 => (
                self.hazard_entity(),
                OpBody::HazardReplied {
                    text: self.text(&["已整改，感谢反映", "已转城管处理"]),
                },
            ),
            19 => (
                self.drill_entity(),
                OpBody::DrillFindingRecorded(DrillFindingRecord {
                    point: self.text(&TEXTS),
                    severity: self.severity(),
                    evidence: self.evidence(),
                }),
            ),
            20 => {
                let entity = self.visit_entity();
                let n = self.byte() % 4;
                (
                    entity,
                    OpBody::VisitRecorded(VisitRecord {
                        area: self.text(&AREAS),
                        visited_on: self.date(),
                        team: (0..self.byte() % 3)
                            .map(|_| self.text(&["街道领导", "区人大代表"]))
                            .collect(),
                        units: (0..self.byte() % 2)
                            .map(|_| self.text(&["城管斜土中队"]))
                            .collect(),
                        residents_met: self.u32(),
                        topics: (0..self.byte() % 2)
                            .map(|_| self.text(&["电动车充电安全"]))
                            .collect(),
                        problems: (0..n)
                            .map(|_| VisitProblem {
                                text: self.text(&TEXTS),
                                severity: self.severity(),
                                evidence: self.evidence(),
                            })
                            .collect(),
                        note: self.text(&TEXTS),
                    }),
                )
            }
            21 => (
                EntityRef::Venue(venue(self.byte())),
                OpBody::VenueStatusChanged(VenueStatusChange {
                    status: [VenueStatus::Active, VenueStatus::Closed, VenueStatus::Moved]
                        [usize::from(self.byte() % 3)],
                    reason: self.text(&TEXTS),
                }),
            ),
            _ => (
                EntityRef::Template(TemplateId(id(0x7f, 0))),
                OpBody::TemplateDefined(TemplateDefinition {
                    code: self.text(&["three-in-one"]),
                    name: self.text(&NAMES),
                    version: u32::from(self.byte() % 3),
                    kinds: self.kinds(),
                    items: (0..self.byte() % 3)
                        .map(|_| ChecklistItem {
                            code: self.code(),
                            text: self.text(&TEXTS),
                            severity: self.severity(),
                        })
                        .collect(),
                }),
            ),
        };
        // A kind byte of 0xF0 or more sends the body to any entity, where it may not belong.
        let entity = if kind >= 0xF0 { self.entity() } else { entity };
        let seq = self.seqs.entry(node).or_insert(0);
        *seq += 1;
        Op {
            // Unique per op (the low bits), in an order unrelated to the sequence (the high).
            op_id: OpId(Uuid::from_u128(
                (u128::from(id_bits) << 64) | (0x0bu128 << 120) | n as u128,
            )),
            device: DeviceId(id(0xde, node as u8)),
            device_seq: *seq,
            entity,
            hlc,
            author: UserId(id(0xa0, node as u8)),
            body,
        }
    }

    fn build(mut self) -> Vec<Op> {
        let mut ops = Vec::new();
        while !self.done() && ops.len() < MAX_OPS {
            ops.push(self.op(ops.len()));
        }
        ops
    }
}

/// The ops [`apply_ops`] builds from `data` (for tests and seed corpora).
pub fn built_ops(data: &[u8]) -> Vec<Op> {
    Builder::new(data).build()
}
