//! The client crash rounds: the real `firecheck` CLI (debug build, built first if needed)
//! killed with SIGKILL mid-`inspect` and mid-`sync`; nothing saved is gone, the outbox
//! resumes, the server holds each op once (see `firecheck_harness::client_crash`).

use firecheck_harness::{bins, client_crash};

#[test]
fn killed_inspects_and_syncs_lose_and_double_nothing() {
    let mut bins = bins::build_for_tests(&["firecheck-server", "firecheck"])
        .expect("building firecheck-server and firecheck");
    let client = bins.pop();
    let server = bins.pop();
    let opts = client_crash::Options {
        rounds: 40,
        seed: 20261125,
        server_bin: server,
        client_bin: client,
        outbox: 550,
        keep: false,
        quiet: false,
    };
    match client_crash::run(&opts) {
        Ok(s) => {
            println!("{s}");
            assert!(s.inspect_kills > 0, "no inspect was killed: {s}");
            assert!(s.sync_kills > 0, "no sync was killed: {s}");
            assert_eq!((s.ops_lost, s.duplicates), (0, 0), "{s}");
            assert_eq!(s.ops_acked, s.ops, "{s}");
        }
        Err(f) => panic!("{f}"),
    }
}
