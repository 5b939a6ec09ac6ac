//! Finding the real binaries the harness drives: `firecheck-server` and `firecheck`.
//!
//! They live in the same target directory as the harness (`target/<profile>/`); a test
//! executable sits one level deeper, in `target/<profile>/deps/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};

/// The directory the workspace's binaries are built into, next to the running executable.
pub fn target_dir() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe().context("where is this executable?")?;
    let mut dir = exe
        .parent()
        .context("the executable has no directory")?
        .to_path_buf();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    Ok(dir)
}

/// Whether `dir` is a release build directory (`target/release`).
fn is_release(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| n == "release")
}

/// The binary `name`: `explicit` when given, else next to this executable.
pub fn find(name: &str, explicit: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(p) = explicit {
        if p.is_file() {
            return Ok(p.to_path_buf());
        }
        bail!("{} does not exist or is not a file", p.display());
    }
    let dir = target_dir()?;
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if path.is_file() {
        return Ok(path);
    }
    let release = if is_release(&dir) { " --release" } else { "" };
    bail!(
        "{} is missing: build it first with `cargo build{release} --bin {name}` (or point at it with --{}-bin PATH)",
        path.display(),
        if name == "firecheck" { "client" } else { "server" }
    )
}

/// For tests: build `names` with the cargo that runs the tests (`$CARGO`), in the profile of
/// the test executable, so the binaries match the code under test; then find them.
///
/// Set `FIRECHECK_HARNESS_NO_BUILD=1` to use whatever binaries are there.
pub fn build_for_tests(names: &[&str]) -> anyhow::Result<Vec<PathBuf>> {
    let dir = target_dir()?;
    let missing = names.iter().any(|n| {
        !dir.join(format!("{n}{}", std::env::consts::EXE_SUFFIX))
            .is_file()
    });
    let skip = std::env::var_os("FIRECHECK_HARNESS_NO_BUILD").is_some_and(|v| v == "1");
    if missing || !skip {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(&cargo);
        cmd.arg("build").arg("--quiet");
        if is_release(&dir) {
            cmd.arg("--release");
        }
        for n in names {
            cmd.args(["--bin", n]);
        }
        // The workspace root: the harness crate's parent.
        cmd.current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."));
        let status = cmd
            .status()
            .with_context(|| format!("running {cargo} build"))?;
        if !status.success() {
            bail!(
                "`{cargo} build --bin {}` failed ({status})",
                names.join(" --bin ")
            );
        }
    }
    names.iter().map(|n| find(n, None)).collect()
}
