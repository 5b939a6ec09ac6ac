//! A rejected op stays on the device, visible, until the user deals with it.
//!
//! The case: a phone restored from a backup reuses outbox positions (`device_seq`) the server
//! has already stored with other ops. The server refuses the op (DeviceSeqReused), `status`
//! shows it with the reason, and logging in again registers the device anew so the same op
//! (same id) goes through.

use firecheck_cli::replica::{LocalReplica, OutboxState};
use serde_json::Value;

use crate::util::*;

#[test]
fn restored_backup_op_is_rejected_kept_and_resent_after_login() {
    let w = World::demo();
    let phone = w.phone("zhangwei", "zhangwei");
    let out = phone.run(&["inspect", &AFANG_THREE_IN_ONE.to_string(), "--pass-all"]);
    assert!(out.contains("1 waiting"), "{out}");
    phone.run(&["sync"]);

    // The backup, taken now (no command is running, so the replica is closed).
    let backup = Phone {
        who: "zhangwei-restored".into(),
        dev: firecheck_demo::Device::new(&w.dir.path().join("zhangwei-restored"), &w.server.url),
    };
    copy_dir(phone.home(), backup.home());
    let device_before = backup.status()["device"].clone();
    assert_eq!(
        device_before,
        phone.status()["device"],
        "a backup is the same device"
    );

    // The original goes on and syncs an op at the next position.
    phone.run(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
    let s = parse_sync(&phone.run(&["sync"]));
    assert_eq!((s.sent, s.acked, s.rejected), (1, 1, 0), "original: {s:?}");

    // The restored copy makes a different op at that same position.
    backup.run(&[
        "venue",
        "add",
        "--name",
        "新开电动车充电站",
        "--kind",
        "ebike-point",
        "--street",
        "小木桥路",
        "--address",
        "小木桥路 299号",
    ]);
    let out = backup.run(&["sync"]);
    let s = parse_sync(&out);
    assert_eq!(
        (s.sent, s.acked, s.rejected),
        (1, 0, 1),
        "restored copy:\n{out}"
    );
    assert!(
        out.contains("firecheck status"),
        "the sync should point at `status` for the reasons:\n{out}"
    );

    // `status` shows it, with the reason, in text and JSON.
    let text = backup.run(&["status"]);
    assert!(
        text.contains("1 rejected")
            && text.contains("rejected ops (kept on this device)")
            && text.contains("venue_upserted")
            && text.contains("log in again"),
        "status should show the rejected op and what to do:\n{text}"
    );
    let st = backup.status();
    let rejected = st["rejected_ops"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        (st["rejected"].as_u64(), rejected.len()),
        (Some(1), 1),
        "{}",
        pretty(&st)
    );
    assert_eq!(rejected[0]["code"], "device_seq_reused", "{}", pretty(&st));
    assert_eq!(rejected[0]["kind"], "venue_upserted", "{}", pretty(&st));
    assert!(
        rejected[0]["reason"]
            .as_str()
            .is_some_and(|r| r.contains("backup")),
        "{}",
        pretty(&st)
    );
    let op_id = rejected[0]["op_id"].clone();
    // Rejected is not lost: the venue is still on the device, and a second sync keeps it.
    assert!(backup.run(&["venues"]).contains("新开电动车充电站"));
    let s = parse_sync(&backup.run(&["sync"]));
    assert_eq!(s.sent, 0, "a rejected op is not resent by itself: {s:?}");
    assert_eq!(backup.status()["rejected"], 1);

    // Logging in again registers the device anew; the op goes through.
    let out = backup.login("zhangwei");
    assert!(
        out.contains("registering it anew") && out.contains("1 op(s)"),
        "login on a restored device:\n{out}"
    );
    let s = parse_sync(&backup.run(&["sync"]));
    assert_eq!(
        (s.sent, s.acked, s.rejected),
        (1, 1, 0),
        "after login: {s:?}"
    );
    let st = backup.status();
    assert_eq!(st["rejected"], 0, "{}", pretty(&st));
    assert_eq!(st["rejected_ops"], Value::Array(vec![]), "{}", pretty(&st));
    assert_ne!(
        st["device"],
        device_before,
        "a new device id: {}",
        pretty(&st)
    );
    assert!(!backup.run(&["status"]).contains("rejected ops"));
    {
        let replica = LocalReplica::open(backup.home()).unwrap();
        let outbox = replica.outbox().unwrap();
        let entry = outbox
            .iter()
            .find(|e| serde_json::to_value(e.op.op_id).unwrap() == op_id)
            .unwrap_or_else(|| panic!("the op {op_id} is gone from the outbox: {outbox:#?}"));
        assert!(
            matches!(entry.state, OutboxState::Acked { .. }),
            "the same op (same id) is acked now: {entry:#?}"
        );
    }

    // Both devices end with the same picture: the original's inspection and the venue.
    phone.run(&["sync"]);
    backup.run(&["sync"]);
    let (a, b) = (phone.status(), backup.status());
    assert_eq!(
        (a["cursor"].clone(), a["local_ops"].clone()),
        (b["cursor"].clone(), b["local_ops"].clone()),
        "original:\n{}\nrestored:\n{}",
        pretty(&a),
        pretty(&b)
    );
    assert_eq!(phone.json(&["venues"]), backup.json(&["venues"]));
    assert!(phone.run(&["venues"]).contains("新开电动车充电站"));
}
