//! The demo story runs to its end: on a server it starts itself, and through the binary
//! against a server given with `--server`. Its last step checks that every replica shows the
//! same hazards; here the output must also show the steps that make the story.

use std::process::Command;

use firecheck_demo::story;
use firecheck_server::testing::TestServer;

/// The story's step (the text after its `» ` heading) that starts with `heading`.
fn step<'a>(out: &'a str, heading: &str) -> &'a str {
    out.split("\n» ")
        .find(|s| s.starts_with(heading))
        .unwrap_or_else(|| panic!("the story has no step {heading:?}; all it printed:\n{out}"))
}

/// The lines of `text` that contain every one of `words`.
fn lines_with(text: &str, words: &[&str]) -> usize {
    text.lines()
        .filter(|l| words.iter().all(|w| l.contains(w)))
        .count()
}

/// What the story must show: both inspectors found the blocked exit, and the office sees one
/// hazard for it; the close and the later finding both stay in the history, reopened with a
/// conflict note; the drill reaches the office; and at the end the replicas agree.
fn assert_told(out: &str) {
    let offline = step(out, "Night inspection on 小木桥路");
    assert_eq!(
        lines_with(offline, &["opens hazard", "EB-EXIT"]),
        2,
        "both inspectors open an exit hazard offline:\n{offline}"
    );
    let merged = step(out, "Back online, both sync");
    for item in ["EB-EXIT", "EB-CHARGE"] {
        assert_eq!(
            lines_with(merged, &["王芳", "open", item]),
            1,
            "the office sees one {item} hazard:\n{merged}"
        );
    }
    let conflict = step(out, "Everyone syncs");
    for words in [
        &["[reopened]"][..],
        &["closed:", "店主承诺当晚清理"],
        &["reopened", "found again: 后门仍被纸箱堵住"],
        &["CONFLICT"],
    ] {
        assert_eq!(
            lines_with(conflict, words),
            1,
            "the exit hazard's history shows {words:?}:\n{conflict}"
        );
    }
    let drill = step(out, "李娜 logs the 龙华中路站");
    assert_eq!(
        lines_with(drill, &["王芳", "龙华中路站", "56", "275 s"]),
        1,
        "the office lists the drill:\n{drill}"
    );
    let end = step(out, "Every replica shows the same hazards");
    assert_eq!(lines_with(end, &["verified", "EB-CHARGE"]), 1, "{end}");
    assert_eq!(
        lines_with(end, &["reopened", "EB-EXIT", "1 conflict"]),
        1,
        "{end}"
    );
    assert!(
        out.trim_end().ends_with("» 3 replicas agree: yes"),
        "the story must end with the replicas agreeing:\n{out}"
    );
}

#[test]
fn the_story_runs_on_a_server_of_its_own() {
    let mut out = Vec::new();
    let told = story::tell(None, &mut out);
    let out = String::from_utf8_lossy(&out);
    if let Err(e) = told {
        panic!("the demo failed: {e}\nit printed:\n{out}");
    }
    assert!(
        out.starts_with("» started a demo server at http://127.0.0.1:"),
        "{out}"
    );
    assert_told(&out);
}

#[test]
fn the_binary_tells_it_against_a_given_server() {
    let server = TestServer::demo();
    let run = Command::new(env!("CARGO_BIN_EXE_firecheck-demo"))
        .args(["--server", &server.url])
        .env_remove("FIRECHECK_SERVER")
        .output()
        .expect("running firecheck-demo");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "firecheck-demo --server {} exited {:?}\nstdout:\n{out}\nstderr:\n{err}",
        server.url,
        run.status
    );
    assert!(!out.contains("started a demo server"), "{out}");
    assert_told(&out);
}
