//! Where the `firecheck` binary keeps its replica when no `--home` is given: the platform's
//! data folder (on Linux `$XDG_DATA_HOME/firecheck`, else `~/.local/share/firecheck`), and
//! `--home` / `FIRECHECK_HOME` over both. Each case runs the real binary in a scratch
//! environment and looks for the replica it made.

use std::path::Path;
use std::process::Command;

/// Run `firecheck status ARGS…` with exactly these variables among HOME, XDG_DATA_HOME and
/// FIRECHECK_HOME; it must succeed (no server or login is needed).
fn status(env: &[(&str, &Path)], args: &[&str]) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_firecheck"));
    cmd.arg("status")
        .args(args)
        .env_remove("HOME")
        .env_remove("XDG_DATA_HOME")
        .env_remove("FIRECHECK_HOME")
        .env_remove("FIRECHECK_SERVER");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("running firecheck");
    assert!(
        out.status.success(),
        "firecheck status {args:?} with {env:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn has_replica(dir: &Path) -> bool {
    dir.join("replica").is_dir()
}

#[cfg(target_os = "linux")]
#[test]
fn the_replica_lives_in_the_xdg_data_folder_unless_told_otherwise() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let xdg = tmp.path().join("xdg");
    std::fs::create_dir_all(&home).unwrap();

    // $XDG_DATA_HOME wins over the home folder.
    status(&[("HOME", &home), ("XDG_DATA_HOME", &xdg)], &[]);
    assert!(
        has_replica(&xdg.join("firecheck")),
        "not under $XDG_DATA_HOME"
    );
    assert!(!home.join(".local").exists(), "written under HOME as well");

    // Without it: ~/.local/share/firecheck.
    status(&[("HOME", &home)], &[]);
    assert!(has_replica(&home.join(".local/share/firecheck")));

    // FIRECHECK_HOME and --home win over both.
    let by_env = tmp.path().join("by-env");
    status(
        &[
            ("HOME", &home),
            ("XDG_DATA_HOME", &xdg),
            ("FIRECHECK_HOME", &by_env),
        ],
        &[],
    );
    assert!(has_replica(&by_env));
    let by_flag = tmp.path().join("by-flag");
    status(
        &[("HOME", &home), ("FIRECHECK_HOME", &by_env)],
        &["--home", by_flag.to_str().unwrap()],
    );
    assert!(has_replica(&by_flag));
}
