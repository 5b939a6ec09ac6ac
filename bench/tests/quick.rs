//! The benchmark tool works end to end at tiny sizes: ingest in both encodings, the sled
//! ceiling, a separate server process for pull, memory and start-up, and the byte counts.
//! Asserts that every part ran and reported, never how fast.

use std::process::Command;

#[test]
fn tiny_run_writes_every_section() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("results.md");
    let status = Command::new(env!("CARGO_BIN_EXE_firecheck-bench"))
        .arg("--tiny")
        .arg("--out")
        .arg(&out)
        .arg("--dir")
        .arg(dir.path())
        .status()
        .expect("running firecheck-bench");
    assert!(status.success(), "firecheck-bench --tiny failed: {status}");
    let md = std::fs::read_to_string(&out).expect("the report was written");
    for section in [
        "## Targets (issue 6)",
        "## 1. Ingest",
        "## 2. The ceiling",
        "## 3. Pull into a fresh client replica",
        "## 4. Bytes",
        "## 5. Memory and disk",
        "## Office reads",
        "**Commit**",
        "**Machine**",
    ] {
        assert!(md.contains(section), "no {section:?} in the report:\n{md}");
    }
    // Tiny sizes leave out the 64- and 256-client rows the ingest targets name; the others
    // are all measured.
    assert_eq!(
        md.matches("not run").count(),
        3,
        "a part did not run:\n{md}"
    );
    assert!(!md.contains("Errors during the run"), "{md}");
    // Every ingest configuration acked something.
    let ingest_rows = md
        .lines()
        .filter(|l| l.starts_with("| 1 |") || l.starts_with("| 4 |"))
        .count();
    assert_eq!(ingest_rows, 8, "{md}");
}
