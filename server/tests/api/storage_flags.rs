//! The binary's storage flags: `--store`, `--blobs`, `--node`, `--db-connections` (and their
//! `FIRECHECK_*` variables) refuse what they cannot use with a message naming it, before
//! anything is written; a store or bucket that cannot be reached is named with the cause.

use firecheck_server::testing::TEST_DATABASE_VAR;
use firecheck_server::{BlobsAt, StoreAt};

use crate::util::{refused, server_command};

#[test]
fn store_and_blobs_settings_parse_or_say_what_is_wrong() {
    assert_eq!(StoreAt::parse("sled").unwrap(), (StoreAt::Sled, None));
    assert_eq!(
        StoreAt::parse("sled:/srv/firecheck").unwrap(),
        (StoreAt::Sled, Some("/srv/firecheck".into()))
    );
    assert_eq!(
        StoreAt::parse("postgres://u:p@db/firecheck").unwrap().0,
        StoreAt::Postgres("postgres://u:p@db/firecheck".into())
    );
    let err = StoreAt::parse("mysql://db/firecheck").unwrap_err();
    assert!(
        err.contains("expected sled, sled:DIR or postgres://"),
        "{err}"
    );
    // The password never shows in what is logged of the setting.
    let shown = format!("{:?}", StoreAt::Postgres("postgres://u:secret@db/x".into()));
    assert!(!shown.contains("secret"), "{shown}");

    assert_eq!(
        BlobsAt::parse("file:/mnt/photos").unwrap(),
        BlobsAt::Files("/mnt/photos".into())
    );
    match BlobsAt::parse("s3://firecheck-photos/xietu/2026/").unwrap() {
        BlobsAt::S3(s3) => {
            assert_eq!(s3.bucket, "firecheck-photos");
            assert_eq!(s3.prefix, "xietu/2026");
            assert_eq!(s3.url(), "s3://firecheck-photos/xietu/2026");
        }
        other => panic!("{other:?}"),
    }
    match BlobsAt::parse("s3://photos").unwrap() {
        BlobsAt::S3(s3) => assert_eq!((s3.bucket.as_str(), s3.prefix.as_str()), ("photos", "")),
        other => panic!("{other:?}"),
    }
    for (bad, says) in [
        ("ftp://host/x", "expected file:DIR or s3://bucket/prefix"),
        ("file:", "needs a directory"),
        ("s3://", "is not a bucket name"),
        ("s3://Upper_Case/x", "is not a bucket name"),
        ("s3://ok-bucket/../up", "plain path segments"),
        ("s3://ok-bucket/a//b", "plain path segments"),
    ] {
        let err = BlobsAt::parse(bad).unwrap_err();
        assert!(err.contains(says), "{bad}: {err}");
    }
}

#[test]
fn the_binary_refuses_storage_flags_it_cannot_use_before_touching_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    for (args, says) in [
        (
            vec!["--store", "mysql://db/x"],
            "expected sled, sled:DIR or postgres://",
        ),
        (vec!["--blobs", "s3://No_Such"], "is not a bucket name"),
        (vec!["--node", "a b"], "a node name is 1 to 64 letters"),
        (vec!["--db-connections", "1"], "--db-connections"),
        (
            vec!["--store", "sled:/elsewhere"],
            "name two data dirs; give one",
        ),
    ] {
        let stderr = refused(server_command(&data, &args, &[]));
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    let mut cmd = server_command(&data, &[], &[]);
    cmd.env("FIRECHECK_BLOBS", "gopher://x");
    let stderr = refused(cmd);
    assert!(stderr.contains("expected file:DIR or s3://"), "{stderr}");
    assert!(!data.exists(), "nothing was written");
}

#[test]
fn a_database_or_bucket_that_cannot_be_reached_is_named_with_the_cause() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    // Nothing listens on port 1 of this machine.
    let stderr = refused(server_command(
        &data,
        &["--store", "postgres://firecheck:x@127.0.0.1:1/firecheck"],
        &[],
    ));
    assert!(
        stderr.contains("cannot connect to the database"),
        "{stderr}"
    );
    assert!(stderr.contains("Connection refused"), "{stderr}");
    assert!(
        !stderr.contains(":x@"),
        "the password is not shown: {stderr}"
    );

    let mut cmd = server_command(&data, &["--blobs", "s3://photos/x"], &[]);
    cmd.env("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
        .env("AWS_ALLOW_HTTP", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1");
    let stderr = refused(cmd);
    assert!(
        stderr.contains("attachments at s3://photos/x: cannot be listed"),
        "{stderr}"
    );

    // A wrong password, when a database is at hand: the database's own words.
    if let Ok(url) = std::env::var(TEST_DATABASE_VAR) {
        if let Some((_, host)) = url.rsplit_once('@') {
            let wrong = format!("postgres://firecheck:not-the-password@{host}");
            let stderr = refused(server_command(&data, &["--store", &wrong], &[]));
            assert!(
                stderr.contains("password authentication failed"),
                "{stderr}"
            );
        }
    }
}
