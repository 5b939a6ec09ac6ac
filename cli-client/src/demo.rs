//! `firecheck demo`: the CIIE night campaign on 小木桥路, told end to end.
//!
//! Two inspectors work offline, the safety office online; each step is a real command on a
//! real replica (its own home dir), against `--server` or a server started in-process on a
//! temp dir. It ends by checking that every replica shows the same hazards.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{run_args, session, CliError};

/// A device: a home dir with a replica, talking to one server. Each call runs one command
/// exactly as the binary would.
#[derive(Debug, Clone)]
pub struct Device {
    pub home: PathBuf,
    pub server: String,
    /// Passed as `--ca-cert` when set.
    pub ca_cert: Option<PathBuf>,
}

impl Device {
    pub fn new(home: &Path, server: &str) -> Self {
        Self {
            home: home.to_path_buf(),
            server: server.to_string(),
            ca_cert: None,
        }
    }

    /// The same device, trusting the CA certificate in `ca_cert` (`--ca-cert`).
    pub fn with_ca_cert(mut self, ca_cert: &Path) -> Self {
        self.ca_cert = Some(ca_cert.to_path_buf());
        self
    }

    /// Run `firecheck --home HOME --server SERVER ARGS…` and return what it printed.
    pub fn run(&self, args: &[&str]) -> Result<String, CliError> {
        let mut all: Vec<String> = vec![
            "firecheck".into(),
            "--home".into(),
            self.home.display().to_string(),
            "--server".into(),
            self.server.clone(),
        ];
        if let Some(ca) = &self.ca_cert {
            all.extend(["--ca-cert".into(), ca.display().to_string()]);
        }
        all.extend(args.iter().map(|s| s.to_string()));
        let mut out = Vec::new();
        run_args(all, &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Log in with a password given directly (what `--password-stdin` does for scripts).
    pub fn login(&self, username: &str, password: &str) -> Result<String, CliError> {
        let replica = crate::replica::LocalReplica::open(&self.home)?;
        let ctx = crate::commands::Ctx {
            replica: &replica,
            json: false,
            server: Some(self.server.clone()),
            ca_cert: self.ca_cert.clone(),
        };
        let mut out = Vec::new();
        session::login_with_password(&ctx, username, password.to_string(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}

pub const EBIKE_SHOP: &str = "0193a000-0000-7000-8000-000000000001";
pub const CORNER_SHOP: &str = "0193a000-0000-7000-8000-000000000002";
pub const THREE_IN_ONE: &str = "0193a000-0000-7000-8000-000000000003";
pub const METRO_STATION: &str = "0193a000-0000-7000-8000-000000000004";

/// The first hazard id (short) in a `hazards` listing whose line contains `needle`.
pub fn hazard_id(listing: &str, needle: &str) -> Option<String> {
    listing
        .lines()
        .find(|l| l.contains(needle))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
}

pub fn run(server: Option<&str>, out: &mut dyn Write) -> Result<(), CliError> {
    let own;
    let url = match server {
        Some(s) => s.to_string(),
        None => {
            own = firecheck_server::testing::TestServer::demo();
            writeln!(
                out,
                "» started a demo server at {} (temp data dir)",
                own.url
            )?;
            own.url.clone()
        }
    };
    let tmp = tempfile::tempdir()?;
    // A stand-in for the photo of the new outdoor charging cabinet (a JPEG header and bytes).
    let photo = tmp.path().join("charging-cabinet.jpg");
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0];
    jpeg.extend(std::iter::repeat_n(0x5A, 64 * 1024));
    std::fs::write(&photo, &jpeg)?;
    let zhang = Device::new(&tmp.path().join("zhangwei"), &url);
    let li = Device::new(&tmp.path().join("lina"), &url);
    let office = Device::new(&tmp.path().join("wangfang"), &url);
    let say = |out: &mut dyn Write, s: &str| writeln!(out, "\n» {s}");
    let show = |out: &mut dyn Write, who: &str, text: &str| -> std::io::Result<()> {
        for line in text.lines() {
            writeln!(out, "  {who:<8}│ {line}")?;
        }
        Ok(())
    };

    say(
        out,
        "张伟 and 李娜 (inspectors) and 王芳 (safety office) log in and sync the venue list",
    )?;
    for (d, u, name) in [
        (&zhang, "zhangwei", "张伟"),
        (&li, "lina", "李娜"),
        (&office, "wangfang", "王芳"),
    ] {
        show(out, name, &d.login(u, &format!("demo-{u}-2026"))?)?;
        show(out, name, &d.run(&["sync"])?)?;
    }

    say(
        out,
        "Night inspection on 小木桥路. The network is down: both inspectors work offline",
    )?;
    show(
        out,
        "张伟",
        &zhang.run(&[
            "inspect",
            EBIKE_SHOP,
            "--fail",
            "EB-CHARGE:电池在店内楼梯下充电",
            "--fail",
            "EB-EXIT:后门被电池箱堵住",
            "--pass-all",
        ])?,
    )?;
    show(
        out,
        "张伟",
        &zhang.run(&["inspect", CORNER_SHOP, "--pass-all"])?,
    )?;
    show(
        out,
        "李娜",
        &li.run(&[
            "inspect",
            EBIKE_SHOP,
            "--fail",
            "EB-EXIT:后门堆放纸箱，无法打开",
            "--pass-all",
        ])?,
    )?;
    show(
        out,
        "李娜",
        &li.run(&["inspect", THREE_IN_ONE, "--pass-all"])?,
    )?;

    say(
        out,
        "Back online, both sync. The blocked exit they both found becomes one hazard",
    )?;
    show(out, "张伟", &zhang.run(&["sync"])?)?;
    show(out, "李娜", &li.run(&["sync"])?)?;
    show(out, "王芳", &office.run(&["sync"])?)?;
    let listing = office.run(&["hazards", "--open"])?;
    show(out, "王芳", &listing)?;
    let charging = hazard_id(&listing, "EB-CHARGE")
        .ok_or_else(|| CliError::Failed("no charging hazard".into()))?;
    let exit =
        hazard_id(&listing, "EB-EXIT").ok_or_else(|| CliError::Failed("no exit hazard".into()))?;

    say(
        out,
        "The office dispatches the charging hazard to 城管斜土中队 with a week's deadline",
    )?;
    show(
        out,
        "王芳",
        &office.run(&[
            "hazard",
            "dispatch",
            &charging,
            "--to",
            "城管斜土中队",
            "--due",
            "+7",
        ])?,
    )?;
    show(out, "王芳", &office.run(&["sync"])?)?;
    show(out, "张伟", &zhang.run(&["sync"])?)?;
    show(out, "李娜", &li.run(&["sync"])?)?;

    say(out, "Offline again: 张伟 reports the charging fixed, with a photo; the office closes the exit hazard; 李娜, offline, re-inspects: charging fixed (verified), exit still blocked")?;
    show(
        out,
        "张伟",
        &zhang.run(&[
            "hazard",
            "fixed",
            &charging,
            "--note",
            "电池已移至室外充电柜",
            "--photo",
            &photo.display().to_string(),
        ])?,
    )?;
    show(
        out,
        "王芳",
        &office.run(&[
            "hazard",
            "close",
            &exit,
            "--reason",
            "店主承诺当晚清理，暂予销项",
        ])?,
    )?;
    show(out, "王芳", &office.run(&["sync"])?)?;
    show(
        out,
        "李娜",
        &li.run(&[
            "inspect",
            EBIKE_SHOP,
            "--fail",
            "EB-EXIT:后门仍被纸箱堵住",
            "--pass-all",
        ])?,
    )?;

    say(out, "Everyone syncs: the close and the new finding are both kept; the hazard is reopened with a conflict note")?;
    for _ in 0..2 {
        show(out, "张伟", &zhang.run(&["sync"])?)?;
        show(out, "李娜", &li.run(&["sync"])?)?;
        show(out, "王芳", &office.run(&["sync"])?)?;
    }
    show(out, "王芳", &office.run(&["hazard", "show", &exit])?)?;

    say(
        out,
        "李娜 logs the 龙华中路站 “四长联动” drill offline; it reaches the office on sync",
    )?;
    show(
        out,
        "李娜",
        &li.run(&[
            "drill",
            "log",
            "--place",
            "龙华中路站",
            "--venue",
            METRO_STATION,
            "--scenario",
            "轨道交通运营突发事件乘客疏散",
            "--units",
            "斜土街道社区平安办,龙华中路站,斜土路派出所,安全志愿者",
            "--participants",
            "56",
            "--evacuation-secs",
            "275",
        ])?,
    )?;
    show(out, "李娜", &li.run(&["sync"])?)?;
    show(out, "王芳", &office.run(&["sync"])?)?;
    show(out, "王芳", &office.run(&["drills"])?)?;
    show(out, "李娜", &li.run(&["sync"])?)?;
    show(out, "张伟", &zhang.run(&["sync"])?)?;

    say(
        out,
        "Campaign coverage: which targets nobody has inspected yet (no blind spots)",
    )?;
    let cov = office.run(&["campaign", "coverage"])?;
    show(
        out,
        "王芳",
        &cov.lines().take(8).collect::<Vec<_>>().join("\n"),
    )?;

    say(out, "Every replica shows the same hazards")?;
    let views: Vec<String> = [&zhang, &li, &office]
        .iter()
        .map(|d| d.run(&["--json", "hazards"]))
        .collect::<Result<_, _>>()?;
    let same = views.windows(2).all(|w| w[0] == w[1]);
    show(out, "王芳", &office.run(&["hazards"])?)?;
    writeln!(
        out,
        "\n» {} replicas agree: {}",
        views.len(),
        if same { "yes" } else { "NO" }
    )?;
    if !same {
        return Err(CliError::Failed(
            "replicas disagree after a full sync".into(),
        ));
    }
    Ok(())
}
