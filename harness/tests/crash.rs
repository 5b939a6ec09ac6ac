//! The CI-sized crash loop: the real `firecheck-server` (debug build, built first if needed)
//! killed with SIGKILL 20+ times while three client replicas push and pull; every invariant
//! checked after every cycle (see `firecheck_harness::crash`).

use firecheck_harness::{bins, crash};

#[test]
fn twenty_kill_cycles_lose_and_double_nothing() {
    let server = bins::build_for_tests(&["firecheck-server"])
        .expect("building firecheck-server")
        .remove(0);
    let opts = crash::Options {
        cycles: 20,
        clients: 3,
        seed: 20261125,
        server_bin: Some(server),
        rebuild_every: 5,
        fresh_every: 2,
        burst: 20,
        keep: false,
        quiet: false,
    };
    match crash::run(&opts) {
        Ok(s) => {
            for w in &s.warnings {
                eprintln!("warning: {w}");
            }
            println!("{s}");
            assert!(s.kills >= 20, "only {} kills: {s}", s.kills);
            assert_eq!((s.ops_lost, s.duplicates), (0, 0), "{s}");
            assert!(s.ops_acked > 0, "nothing was acked: {s}");
        }
        Err(f) => panic!("{f}"),
    }
}
