//! Realistic ops: a 12-item "三合一" night inspection with Chinese notes, stamped by one device
//! (its own device id, `device_seq` from 1, its user as author, an HLC from its own clock).

use firecheck_shared::fixtures::ids::THREE_IN_ONE_TEMPLATE;
use firecheck_shared::*;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;
/// Venue ids are `VENUE_BASE + i` for i in 0..venues: the same venues for every device of an
/// organisation, so inspections pile up per venue as they would in a real subdistrict.
const VENUE_BASE: u128 = 0x0193a000_0000_7000_8000_00b000000000;

/// (code, severity, note when it passes, note when it fails).
const ITEMS: [(&str, Severity, &str, &str); 12] = [
    (
        "3IN1-01",
        Severity::Critical,
        "住宿与经营部分已用实体墙分隔",
        "二层住宿区与仓库之间仅用木板隔断，无独立疏散出口",
    ),
    (
        "3IN1-02",
        Severity::Critical,
        "",
        "仓库内发现两张床铺，店主称夜间有员工留宿",
    ),
    (
        "3IN1-03",
        Severity::Critical,
        "",
        "室内停放电动自行车一辆，电瓶正在充电",
    ),
    (
        "3IN1-EXIT",
        Severity::Critical,
        "后门已打开，通道宽约1.2米",
        "后门上锁，疏散通道被纸箱堵塞",
    ),
    ("3IN1-04", Severity::Major, "", "安全出口标志灯不亮"),
    (
        "3IN1-05",
        Severity::Major,
        "灭火器2具，压力正常，有效期至2026年10月",
        "灭火器压力指针在红区，已要求三日内更换",
    ),
    ("3IN1-06", Severity::Major, "", "发现飞线充电，已当场拆除"),
    (
        "3IN1-07",
        Severity::Major,
        "",
        "插排串接使用，电暖器与热水壶共用一个插座",
    ),
    ("3IN1-08", Severity::Minor, "", "燃气软管老化开裂"),
    ("3IN1-09", Severity::Minor, "", "未张贴消防安全告知书"),
    ("3IN1-10", Severity::Minor, "", "员工不会使用灭火器"),
    ("3IN1-11", Severity::Minor, "", "消防安全巡查记录未按周填写"),
];

const NOTES: [&str; 4] = [
    "夜查，店主在场配合检查，已告知整改要求和复查时间",
    "店主不在，由店员陪同检查，整改通知已拍照留存",
    "复查，上次发现的问题已整改",
    "",
];

/// One device's op factory.
#[derive(Debug, Clone)]
pub struct OpGen {
    pub device: DeviceId,
    pub author: UserId,
    clock: HlcClock,
    next_seq: u64,
    rng: SmallRng,
    venues: u64,
}

impl OpGen {
    pub fn new(device: DeviceId, author: UserId, venues: u32) -> Self {
        Self {
            device,
            author,
            clock: HlcClock::new(hlc::node_of(&device)),
            next_seq: 1,
            rng: SmallRng::seed_from_u64(hlc::node_of(&device)),
            venues: u64::from(venues.max(1)),
        }
    }

    /// Start the outbox over (a fresh server: nothing of this device is stored).
    pub fn restart_seq(&mut self) {
        self.next_seq = 1;
    }

    pub fn next_op(&mut self) -> Op {
        let now = Timestamp::now().0;
        let venue = VenueId(Uuid::from_u128(
            VENUE_BASE + u128::from(self.rng.gen_range(0..self.venues)),
        ));
        // About one inspection in four finds one problem; one item is often not applicable.
        let fail = if self.rng.gen_ratio(1, 4) {
            Some(self.rng.gen_range(0..ITEMS.len()))
        } else {
            None
        };
        let na = self.rng.gen_range(0..ITEMS.len());
        let items = ITEMS
            .iter()
            .enumerate()
            .map(|(i, (code, severity, pass, failed))| {
                let (outcome, note) = if fail == Some(i) {
                    (Outcome::Fail, *failed)
                } else if i == na {
                    (Outcome::NotApplicable, "")
                } else {
                    (Outcome::Pass, *pass)
                };
                ItemResult {
                    code: (*code).to_string(),
                    outcome,
                    severity: *severity,
                    note: note.to_string(),
                    evidence: Vec::new(),
                }
            })
            .collect();
        let note = NOTES[self.rng.gen_range(0..NOTES.len())].to_string();
        let seq = self.next_seq;
        self.next_seq += 1;
        Op {
            op_id: OpId::new(),
            device: self.device,
            device_seq: seq,
            entity: EntityRef::Inspection {
                venue,
                inspection: InspectionId::new(),
            },
            hlc: self.clock.send(now.max(0) as u64),
            author: self.author,
            body: OpBody::InspectionSubmitted(InspectionRecord {
                template: THREE_IN_ONE_TEMPLATE,
                template_version: 1,
                started_at: Timestamp(now - 25 * 60 * 1000),
                finished_at: Timestamp(now - self.rng.gen_range(0..60_000)),
                items,
                note,
                campaign: None,
            }),
        }
    }

    pub fn batch(&mut self, n: usize) -> Vec<Op> {
        (0..n).map(|_| self.next_op()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_are_valid_and_numbered() {
        let mut g = OpGen::new(DeviceId::new(), UserId::new(), 100);
        let ops = g.batch(50);
        for (i, op) in ops.iter().enumerate() {
            assert_eq!(op.device_seq, i as u64 + 1);
            validate::op(op, Timestamp::now().0).expect("valid op");
            validate::authorize(Role::Inspector, &op.body).expect("an inspector may");
        }
        assert!(ops.windows(2).all(|w| w[0].hlc < w[1].hlc));
    }
}
