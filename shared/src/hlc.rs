//! Hybrid logical clock: physical milliseconds plus a logical counter, tie-broken by node.
//!
//! Each device keeps one [`HlcClock`]. Stamping a local event ([`HlcClock::send`]) never goes
//! backwards even if the wall clock does; seeing a remote stamp ([`HlcClock::receive`]) moves
//! the clock past it, so an amendment is always ordered after what it amends. The order of
//! [`Hlc`] (wall, counter, node) is total, which the merge relies on.
//!
//! A remote stamp far in the future would drag every clock it touches along with it, so
//! `receive` refuses stamps more than [`MAX_FORWARD_DRIFT_MS`] ahead of local wall time; the
//! server refuses such ops outright (see [`crate::validate`]).

use crate::i18n::Msg;
use crate::msg;
use serde::{Deserialize, Serialize};

/// How far ahead of the receiver's wall clock a stamp may be before it is refused.
pub const MAX_FORWARD_DRIFT_MS: u64 = 24 * 60 * 60 * 1000;

/// Skew beyond which a device is told its clock is off.
pub const SKEW_WARNING_MS: i64 = 2 * 60 * 1000;

/// A hybrid logical timestamp. Field order is the sort order: wall, then counter, then node.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hlc {
    /// Milliseconds since the Unix epoch, as the stamping clock believed (never behind the
    /// largest stamp that clock has seen).
    pub wall_ms: u64,
    /// Logical counter for events within one millisecond.
    pub counter: u32,
    /// The stamping node (derived from the device id), breaking ties between devices.
    pub node: u64,
}

impl Hlc {
    pub fn new(wall_ms: u64, counter: u32, node: u64) -> Self {
        Self {
            wall_ms,
            counter,
            node,
        }
    }
}

/// Why a remote stamp was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("timestamp is {ahead_ms} ms ahead of this clock (limit {limit_ms} ms); check the device's date and time")]
    TooFarAhead { ahead_ms: u64, limit_ms: u64 },
}

/// One node's clock state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HlcClock {
    last: Hlc,
}

impl HlcClock {
    pub fn new(node: u64) -> Self {
        Self {
            last: Hlc::new(0, 0, node),
        }
    }

    /// Resume from the last stamp this node issued (persisted by the replica).
    pub fn resume(last: Hlc) -> Self {
        Self { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    pub fn node(&self) -> u64 {
        self.last.node
    }

    /// Stamp a local event at wall time `now_ms`. Strictly greater than every stamp this
    /// clock issued or received, whatever the wall clock did.
    pub fn send(&mut self, now_ms: u64) -> Hlc {
        let node = self.last.node;
        self.last = if now_ms > self.last.wall_ms {
            Hlc::new(now_ms, 0, node)
        } else {
            Hlc::new(self.last.wall_ms, self.last.counter.saturating_add(1), node)
        };
        if self.last.counter == u32::MAX {
            // Counter exhausted within one millisecond: borrow the next millisecond.
            self.last = Hlc::new(self.last.wall_ms + 1, 0, node);
        }
        self.last
    }

    /// Take in a stamp seen from another node at local wall time `now_ms`. Afterwards this
    /// clock is ahead of `remote` and of everything it issued before.
    pub fn receive(&mut self, remote: Hlc, now_ms: u64) -> Result<Hlc, ClockError> {
        if remote.wall_ms > now_ms.saturating_add(MAX_FORWARD_DRIFT_MS) {
            return Err(ClockError::TooFarAhead {
                ahead_ms: remote.wall_ms - now_ms,
                limit_ms: MAX_FORWARD_DRIFT_MS,
            });
        }
        let node = self.last.node;
        let local = self.last;
        let wall = now_ms.max(local.wall_ms).max(remote.wall_ms);
        let counter = if wall == local.wall_ms && wall == remote.wall_ms {
            local.counter.max(remote.counter).saturating_add(1)
        } else if wall == local.wall_ms {
            local.counter.saturating_add(1)
        } else if wall == remote.wall_ms {
            remote.counter.saturating_add(1)
        } else {
            0
        };
        self.last = Hlc::new(wall, counter, node);
        Ok(self.last)
    }
}

/// How far a remote clock is ahead (positive) or behind (negative) the local one, in ms,
/// judged from a stamp it just made and the local wall time it arrived at.
pub fn skew_ms(remote_wall_ms: u64, local_now_ms: u64) -> i64 {
    remote_wall_ms as i64 - local_now_ms as i64
}

/// A readable warning when a skew is beyond [`SKEW_WARNING_MS`], to be rendered in the
/// device's language.
pub fn skew_warning(skew_ms: i64) -> Option<Msg> {
    if skew_ms.abs() <= SKEW_WARNING_MS {
        return None;
    }
    let secs = skew_ms.unsigned_abs() / 1000;
    let (amount, unit) = if secs >= 3600 {
        (secs / 3600, msg!("unit-hours"))
    } else if secs >= 60 {
        (secs / 60, msg!("unit-minutes"))
    } else {
        (secs, msg!("unit-seconds"))
    };
    Some(if skew_ms > 0 {
        msg!("clock-ahead", amount = amount, unit = unit)
    } else {
        msg!("clock-behind", amount = amount, unit = unit)
    })
}

/// A stable 64-bit node number for a device id.
pub fn node_of(device: &crate::ids::DeviceId) -> u64 {
    let b = device.as_bytes();
    u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
        ^ u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;
    use proptest::prelude::*;

    #[test]
    fn order_is_wall_then_counter_then_node() {
        assert!(Hlc::new(1, 9, 9) < Hlc::new(2, 0, 0));
        assert!(Hlc::new(1, 1, 9) < Hlc::new(1, 2, 0));
        assert!(Hlc::new(1, 1, 1) < Hlc::new(1, 1, 2));
    }

    #[test]
    fn far_future_stamp_is_refused_and_clock_unchanged() {
        let mut c = HlcClock::new(1);
        let before = c.send(1_000);
        let err = c
            .receive(Hlc::new(1_000 + MAX_FORWARD_DRIFT_MS + 1, 0, 2), 1_000)
            .unwrap_err();
        assert!(matches!(err, ClockError::TooFarAhead { .. }));
        assert_eq!(c.last(), before);
    }

    #[test]
    fn skew_is_reported_beyond_the_threshold_only() {
        assert_eq!(skew_ms(10_000, 4_000), 6_000);
        assert!(skew_warning(SKEW_WARNING_MS).is_none());
        let w = skew_warning(-3 * 3_600_000).unwrap();
        assert!(w.to_string().contains("3 h behind"), "{w}");
        assert!(w.render(Lang::Zh).contains("慢约 3 小时"), "{w}");
        let w = skew_warning(5 * 60_000).unwrap();
        assert!(w.to_string().contains("5 min ahead"), "{w}");
    }

    proptest! {
        /// A wall clock that jumps backwards and forwards never makes `send` go backwards.
        #[test]
        fn send_is_strictly_monotonic(walls in proptest::collection::vec(0u64..10_000, 1..200)) {
            let mut c = HlcClock::new(7);
            let mut prev = c.last();
            for w in walls {
                let t = c.send(w);
                prop_assert!(t > prev);
                prop_assert!(t.wall_ms >= w);
                prev = t;
            }
        }

        /// After receiving, the clock is ahead of both the remote stamp and its own past.
        #[test]
        fn receive_never_goes_backwards(
            events in proptest::collection::vec((any::<bool>(), 0u64..10_000, 0u64..10_000, 0u32..5), 1..200)
        ) {
            let mut c = HlcClock::new(3);
            let mut prev = c.last();
            for (remote_event, now, remote_wall, remote_counter) in events {
                let t = if remote_event {
                    let remote = Hlc::new(remote_wall, remote_counter, 4);
                    let t = c.receive(remote, now).unwrap();
                    prop_assert!(t > remote);
                    t
                } else {
                    c.send(now)
                };
                prop_assert!(t > prev);
                prev = t;
            }
        }
    }
}
