//! Errors for people: each mistake gets its exit code and one line that says what to do,
//! and nothing is queued by a command that failed.

use firecheck_cli::CliError;

use crate::util::*;

/// The message is one line and mentions every `needle`.
fn says(e: &CliError, needles: &[&str]) {
    let msg = e.to_string();
    assert!(
        !msg.trim().contains('\n'),
        "the message should be one line:\n{msg}"
    );
    for n in needles {
        assert!(msg.contains(n), "the message should mention {n:?}: {msg}");
    }
}

#[test]
fn mistakes_get_exit_codes_and_one_line_messages() {
    let mut w = World::demo();
    let zhang = w.phone("zhangwei", "zhangwei");
    let office = w.phone("wangfang", "wangfang");

    // Not logged in on this device: exit 3.
    let stranger = Phone::new(w.dir.path(), "stranger", &w.server.url);
    let e = stranger.fail(&["inspect", &LAOWANG_EBIKE.to_string(), "--pass-all"], 3);
    says(&e, &["firecheck login"]);

    // A venue that does not exist: exit 5.
    let missing = "0193a000-0000-7000-8000-0000000000ff";
    let e = zhang.fail(&["inspect", missing, "--pass-all"], 5);
    says(&e, &[missing, "firecheck venues"]);

    // A checklist item the template does not have: exit 6, naming the valid ones.
    let e = zhang.fail(
        &[
            "inspect",
            &LAOWANG_EBIKE.to_string(),
            "--fail",
            "NOPE-01:看不懂",
            "--pass-all",
        ],
        6,
    );
    says(
        &e,
        &["NOPE-01", "ebike-point", "EB-CHARGE", "EB-EXIT", "EB-09"],
    );
    assert_eq!(zhang.waiting(), 0, "a refused inspection queues nothing");

    // A hazard to act on.
    zhang.run(&[
        "inspect",
        &LAOWANG_EBIKE.to_string(),
        "--fail",
        "EB-EXIT:后门被电池箱堵住",
        "--pass-all",
    ]);
    zhang.run(&["sync"]);
    office.run(&["sync"]);
    let hz = office.hazards();
    let exit = only_hazard(&hz, "EB-EXIT", "office").clone();
    let id = exit["hazard"]["id"].as_str().unwrap();

    // A deadline that does not parse: exit 6, saying how to write it.
    let e = office.fail(
        &[
            "hazard",
            "dispatch",
            id,
            "--to",
            "城管斜土中队",
            "--due",
            "tomorrow-ish",
        ],
        6,
    );
    says(&e, &["tomorrow-ish", "YYYY-MM-DD"]);
    assert_eq!(office.waiting(), 0, "a refused dispatch queues nothing");

    // An inspector may not close a hazard: exit 6 (role), nothing queued.
    let e = zhang.fail(&["hazard", "close", id, "--reason", "已清理"], 6);
    says(&e, &["inspector", "hazard_closed"]);
    assert_eq!(zhang.waiting(), 0, "a refused close queues nothing");
    assert_eq!(
        only_hazard(&zhang.hazards(), "EB-EXIT", "zhangwei")["hazard"]["status"],
        "open"
    );

    // A hazard id that does not exist: exit 5.
    let e = office.fail(&["hazard", "show", "deadbeef"], 5);
    says(&e, &["deadbeef"]);

    // The server is down: exit 4, and the work stays queued.
    w.server.stop();
    zhang.run(&["inspect", &XIAOMUQIAO_SHOP.to_string(), "--pass-all"]);
    let e = zhang.fail(&["sync"], 4);
    says(&e, &[&w.server.url, "queued"]);
    assert_eq!(zhang.waiting(), 1, "{}", pretty(&zhang.status()));
}
