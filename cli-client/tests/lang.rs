//! The `firecheck` binary speaks the person's language: Chinese for a `zh_*` locale, English
//! for `C` and anything else, `FIRECHECK_LANG` over the locale and `--lang` over both — in
//! `--help`, every subcommand's help, its output, its errors and clap's usage errors. Each
//! case runs the real binary in a scratch environment (no server needed) and checks known
//! Chinese sentences are there and the English ones are not (and the other way round).

use std::path::Path;
use std::process::{Command, Output};

/// Run `firecheck ARGS…` with only these locale variables set, the replica in `home`.
fn firecheck(env: &[(&str, &str)], home: &Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_firecheck"));
    cmd.args(args)
        .env("FIRECHECK_HOME", home)
        .env_remove("FIRECHECK_SERVER")
        .env_remove("FIRECHECK_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running firecheck")
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every `present` in `shown`, no `absent`.
fn says(what: &str, shown: &str, present: &[&str], absent: &[&str]) {
    for p in present {
        assert!(shown.contains(p), "{what}: {p:?} missing from:\n{shown}");
    }
    for a in absent {
        assert!(!shown.contains(a), "{what}: {a:?} in:\n{shown}");
    }
}

const ZH: (&str, &str) = ("LANG", "zh_CN.UTF-8");
const C: (&str, &str) = ("LANG", "C");

#[test]
fn help_follows_the_locale() {
    let home = tempfile::tempdir().unwrap();
    let zh_help = [
        "firecheck：离线记录消防安全检查",
        "用法：",
        "命令",
        "选项",
        "按检查表记录对 场所",
        "显示帮助",
        "退出码",
    ];
    let en_help = [
        "record fire-safety inspections offline",
        "Usage:",
        "Commands:",
        "Options:",
        "Print help",
        "Exit codes",
    ];

    let out = firecheck(&[ZH], home.path(), &["--help"]);
    assert!(out.status.success());
    says("zh --help", &text(&out).0, &zh_help, &en_help);

    let out = firecheck(&[ZH], home.path(), &["inspect", "--help"]);
    assert!(out.status.success());
    says(
        "zh inspect --help",
        &text(&out).0,
        &[
            "通过 p / 不合格 f / 不适用 n / 返回上一项 b",
            "场所编号、编号开头或名称",
            "未用 --fail 或 --na 指定的检查项一律记为合格",
            "参数",
        ],
        &[
            "Record an inspection",
            "Venue id, id prefix, or name",
            "Pass every item",
            "Print help",
            "Arguments:",
        ],
    );

    let out = firecheck(&[C], home.path(), &["--help"]);
    assert!(out.status.success());
    says("C --help", &text(&out).0, &en_help, &zh_help);

    // --lang over the locale, FIRECHECK_LANG over the locale, LC_ALL over LANG.
    let out = firecheck(&[ZH], home.path(), &["--lang", "en", "--help"]);
    says("zh --lang en --help", &text(&out).0, &en_help, &zh_help);
    let out = firecheck(&[C], home.path(), &["--lang=zh", "--help"]);
    says("C --lang=zh --help", &text(&out).0, &zh_help, &en_help);
    let out = firecheck(&[ZH, ("FIRECHECK_LANG", "en")], home.path(), &["--help"]);
    says("FIRECHECK_LANG=en", &text(&out).0, &en_help, &zh_help);
    let out = firecheck(&[C, ("LC_ALL", "zh_CN.UTF-8")], home.path(), &["--help"]);
    says("LC_ALL=zh", &text(&out).0, &zh_help, &en_help);
    // Nothing set at all: English.
    let out = firecheck(&[], home.path(), &["--help"]);
    says("no locale", &text(&out).0, &en_help, &zh_help);
}

#[test]
fn output_and_errors_follow_the_locale_and_exit_codes_do_not_change() {
    let home = tempfile::tempdir().unwrap();

    let out = firecheck(&[ZH], home.path(), &["status"]);
    assert!(out.status.success(), "{:?}", text(&out));
    says(
        "zh status",
        &text(&out).0,
        &["未登录", "发件箱：", "上次成功同步：从未", "本地副本："],
        &[
            "not logged in",
            "outbox:",
            "last successful sync",
            "local replica",
        ],
    );
    let out = firecheck(&[C], home.path(), &["status"]);
    says(
        "C status",
        &text(&out).0,
        &["not logged in", "outbox:", "last successful sync: never"],
        &["未登录", "发件箱"],
    );

    // A value the rules refuse: exit 6, in either language.
    let out = firecheck(&[ZH], home.path(), &["venues", "--kind", "bogus"]);
    assert_eq!(out.status.code(), Some(6), "{:?}", text(&out));
    says(
        "zh bad kind",
        &text(&out).1,
        &["错误：", "未知的场所类型“bogus”", "可选值："],
        &["error:", "unknown"],
    );
    let out = firecheck(&[C], home.path(), &["venues", "--kind", "bogus"]);
    assert_eq!(out.status.code(), Some(6));
    says(
        "C bad kind",
        &text(&out).1,
        &["error: unknown venue kind \"bogus\"; expected one of:"],
        &["错误"],
    );

    // Not logged in: exit 3.
    let out = firecheck(&[ZH], home.path(), &["inspect", "老王"]);
    assert_eq!(out.status.code(), Some(3));
    says(
        "zh not logged in",
        &text(&out).1,
        &["本设备尚未登录", "firecheck login 用户名"],
        &["not logged in"],
    );

    // clap's usage errors: exit 2, in Chinese too.
    let out = firecheck(&[ZH], home.path(), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    says(
        "zh usage",
        &text(&out).1,
        &["错误：不认识的参数 --bogus", "用法：", "--help"],
        &["unexpected argument", "Usage:"],
    );
    let out = firecheck(&[ZH], home.path(), &["hazard", "dispatch", "abcd"]);
    assert_eq!(out.status.code(), Some(2));
    says(
        "zh missing",
        &text(&out).1,
        &["缺少必需的参数", "--to"],
        &["required"],
    );
    let out = firecheck(&[C], home.path(), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    says(
        "C usage",
        &text(&out).1,
        &["unexpected argument"],
        &["错误"],
    );

    // --json keys are the same whatever the language.
    let zh = firecheck(&[ZH], home.path(), &["status", "--json"]);
    let en = firecheck(&[C], home.path(), &["status", "--json"]);
    let keys = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v.as_object().unwrap().keys().cloned().collect()
    };
    assert_eq!(keys(&zh), keys(&en));
}
