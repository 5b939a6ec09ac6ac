//! The demo story: the CIIE night campaign on 小木桥路, told end to end.
//!
//! Two inspectors work offline, the safety office online; each step is a real command on a
//! real replica (its own home dir), against a given server or a [`TestServer`] started
//! in-process on a temp dir. It ends by checking that every replica shows the same hazards.

use std::io::Write;

use firecheck_cli::CliError;
use firecheck_server::testing::TestServer;
use firecheck_shared::fixtures::{demo_password, ids};

use crate::Device;

/// Why the story could not be told to its end.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A command failed on one of the devices.
    #[error("{who}: firecheck {command} failed (exit {}): {source}", source.exit_code())]
    Command {
        who: &'static str,
        command: String,
        /// Boxed: the client's error carries its typed cause, and this enum stays small.
        source: Box<CliError>,
    },
    #[error("writing the story: {0}")]
    Io(#[from] std::io::Error),
    /// The office's hazard listing lacks a hazard the story relies on.
    #[error("the office's hazard list shows no {item} hazard:\n{listing}")]
    MissingHazard { item: &'static str, listing: String },
    /// A fixture account has no demo password (the fixtures changed).
    #[error("the fixtures have no demo account {0}")]
    NoAccount(&'static str),
    /// The point of the demo failed: after a full sync the replicas show different hazards.
    #[error("the replicas disagree after a full sync:\n{0}")]
    Disagree(String),
}

/// The first hazard id (short) in a `hazards` listing whose line contains `needle`.
pub fn hazard_id(listing: &str, needle: &str) -> Option<String> {
    listing
        .lines()
        .find(|l| l.contains(needle))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_string)
}

/// One of the story's devices, named for the person holding it.
struct Person {
    name: &'static str,
    device: Device,
}

impl Person {
    fn run(&self, args: &[&str]) -> Result<String, DemoError> {
        self.device.run(args).map_err(|source| DemoError::Command {
            who: self.name,
            command: args.join(" "),
            source: Box::new(source),
        })
    }

    fn login(&self, username: &'static str) -> Result<String, DemoError> {
        let password = demo_password(username).ok_or(DemoError::NoAccount(username))?;
        self.device
            .login(username, &password)
            .map_err(|source| DemoError::Command {
                who: self.name,
                command: format!("login {username}"),
                source: Box::new(source),
            })
    }
}

/// Tell the story against `server`, or against a demo [`TestServer`] started here on a temp
/// dir when `None`, writing every command's output to `out`.
pub fn tell(server: Option<&str>, out: &mut dyn Write) -> Result<(), DemoError> {
    let own;
    let url = match server {
        Some(s) => s.to_string(),
        None => {
            own = TestServer::demo();
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
    let person = |name: &'static str, home: &str| Person {
        name,
        device: Device::new(&tmp.path().join(home), &url),
    };
    let zhang = person("张伟", "zhangwei");
    let li = person("李娜", "lina");
    let office = person("王芳", "wangfang");
    let ebike = ids::LAOWANG_EBIKE.to_string();
    let corner_shop = ids::XIAOMUQIAO_SHOP.to_string();
    let three_in_one = ids::AFANG_THREE_IN_ONE.to_string();
    let metro = ids::LONGHUA_METRO.to_string();
    let say = |out: &mut dyn Write, s: &str| writeln!(out, "\n» {s}");
    let show = |out: &mut dyn Write, who: &Person, text: &str| -> std::io::Result<()> {
        for line in text.lines() {
            writeln!(out, "  {:<8}│ {line}", who.name)?;
        }
        Ok(())
    };

    say(
        out,
        "张伟 and 李娜 (inspectors) and 王芳 (safety office) log in and sync the venue list",
    )?;
    for (p, user) in [(&zhang, "zhangwei"), (&li, "lina"), (&office, "wangfang")] {
        show(out, p, &p.login(user)?)?;
        show(out, p, &p.run(&["sync"])?)?;
    }

    say(
        out,
        "Night inspection on 小木桥路. The network is down: both inspectors work offline",
    )?;
    show(
        out,
        &zhang,
        &zhang.run(&[
            "inspect",
            &ebike,
            "--fail",
            "EB-CHARGE:电池在店内楼梯下充电",
            "--fail",
            "EB-EXIT:后门被电池箱堵住",
            "--pass-all",
        ])?,
    )?;
    show(
        out,
        &zhang,
        &zhang.run(&["inspect", &corner_shop, "--pass-all"])?,
    )?;
    show(
        out,
        &li,
        &li.run(&[
            "inspect",
            &ebike,
            "--fail",
            "EB-EXIT:后门堆放纸箱，无法打开",
            "--pass-all",
        ])?,
    )?;
    show(
        out,
        &li,
        &li.run(&["inspect", &three_in_one, "--pass-all"])?,
    )?;

    say(
        out,
        "Back online, both sync. The blocked exit they both found becomes one hazard",
    )?;
    show(out, &zhang, &zhang.run(&["sync"])?)?;
    show(out, &li, &li.run(&["sync"])?)?;
    show(out, &office, &office.run(&["sync"])?)?;
    let listing = office.run(&["hazards", "--open"])?;
    show(out, &office, &listing)?;
    let missing = |item: &'static str| DemoError::MissingHazard {
        item,
        listing: listing.clone(),
    };
    let charging = hazard_id(&listing, "EB-CHARGE").ok_or_else(|| missing("EB-CHARGE"))?;
    let exit = hazard_id(&listing, "EB-EXIT").ok_or_else(|| missing("EB-EXIT"))?;

    say(
        out,
        "The office dispatches the charging hazard to 城管斜土中队 with a week's deadline",
    )?;
    show(
        out,
        &office,
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
    show(out, &office, &office.run(&["sync"])?)?;
    show(out, &zhang, &zhang.run(&["sync"])?)?;
    show(out, &li, &li.run(&["sync"])?)?;

    say(out, "Offline again: 张伟 reports the charging fixed, with a photo; the office closes the exit hazard; 李娜, offline, re-inspects: charging fixed (verified), exit still blocked")?;
    show(
        out,
        &zhang,
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
        &office,
        &office.run(&[
            "hazard",
            "close",
            &exit,
            "--reason",
            "店主承诺当晚清理，暂予销项",
        ])?,
    )?;
    show(out, &office, &office.run(&["sync"])?)?;
    show(
        out,
        &li,
        &li.run(&[
            "inspect",
            &ebike,
            "--fail",
            "EB-EXIT:后门仍被纸箱堵住",
            "--pass-all",
        ])?,
    )?;

    say(out, "Everyone syncs: the close and the new finding are both kept; the hazard is reopened with a conflict note")?;
    for _ in 0..2 {
        for p in [&zhang, &li, &office] {
            show(out, p, &p.run(&["sync"])?)?;
        }
    }
    show(out, &office, &office.run(&["hazard", "show", &exit])?)?;

    say(
        out,
        "李娜 logs the 龙华中路站 “四长联动” drill offline; it reaches the office on sync",
    )?;
    show(
        out,
        &li,
        &li.run(&[
            "drill",
            "log",
            "--place",
            "龙华中路站",
            "--venue",
            &metro,
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
    show(out, &li, &li.run(&["sync"])?)?;
    show(out, &office, &office.run(&["sync"])?)?;
    show(out, &office, &office.run(&["drills"])?)?;
    show(out, &li, &li.run(&["sync"])?)?;
    show(out, &zhang, &zhang.run(&["sync"])?)?;

    say(
        out,
        "Campaign coverage: which targets nobody has inspected yet (no blind spots)",
    )?;
    let cov = office.run(&["campaign", "coverage"])?;
    show(
        out,
        &office,
        &cov.lines().take(8).collect::<Vec<_>>().join("\n"),
    )?;

    say(out, "Every replica shows the same hazards")?;
    let views: Vec<String> = [&zhang, &li, &office]
        .iter()
        .map(|p| p.run(&["--json", "hazards"]))
        .collect::<Result<_, _>>()?;
    let same = views.windows(2).all(|w| w[0] == w[1]);
    show(out, &office, &office.run(&["hazards"])?)?;
    writeln!(
        out,
        "\n» {} replicas agree: {}",
        views.len(),
        if same { "yes" } else { "NO" }
    )?;
    if !same {
        return Err(DemoError::Disagree(views.join("\n")));
    }
    Ok(())
}
