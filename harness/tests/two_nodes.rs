//! The CI-sized two-node run: two real `firecheck-server` processes (debug build, built
//! first if needed) on one PostgreSQL database, killed in turn with SIGKILL while four
//! devices push to both (see `firecheck_harness::two_nodes`).
//!
//! It needs a database: `FIRECHECK_TEST_DATABASE` (`.ci/run` sets it for its PostgreSQL
//! pass). Without it the test says so on stderr and checks nothing — there is no second
//! node on sled, which one process owns.

use firecheck_harness::{bins, two_nodes};

#[test]
fn two_nodes_on_one_database_store_every_acked_op_once_and_answer_alike() {
    let Ok(database) = std::env::var(two_nodes::DATABASE_VAR) else {
        eprintln!(
            "two_nodes: SKIPPED — set {} to a PostgreSQL database to run two nodes on it",
            two_nodes::DATABASE_VAR
        );
        return;
    };
    let server = bins::build_for_tests(&["firecheck-server"])
        .expect("building firecheck-server")
        .remove(0);
    let opts = two_nodes::Options {
        database: Some(database),
        devices: 4,
        batches: 30,
        batch: 25,
        kills: 4,
        seed: 20261129,
        server_bin: Some(server),
        keep: false,
    };
    match two_nodes::run(&opts) {
        Ok(s) => {
            println!("{s}");
            assert_eq!(s.kills, 4, "{s}");
            assert!(
                s.failovers > 0,
                "no push was sent again to the other node: {s}"
            );
            assert!(s.ops_acked >= 4 * 30 * 25, "{s}");
            assert_eq!((s.ops_lost, s.duplicates), (0, 0), "{s}");
            assert_eq!(s.reads_compared, 5, "{s}");
        }
        Err(f) => panic!("{f}"),
    }
}
