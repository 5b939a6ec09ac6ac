//! Which language `firecheck` speaks, and its command line in that language.
//!
//! The language: `--lang zh|en`, else `FIRECHECK_LANG`, else the locale (`LC_ALL`, then
//! `LC_MESSAGES`, then `LANG`, the first one set: `zh*` is Chinese, anything else English).
//! It must be known before clap parses, since `--help` is printed while parsing: [`detect`]
//! reads it from the raw arguments.
//!
//! The help of the command and of every subcommand and argument comes from the catalog
//! (`shared/locales/*/help.ftl`): [`command`] takes clap's tree as the derive builds it and
//! sets each text from a key made of the command's path — `cli-about` for `firecheck` itself,
//! `cli-inspect` for `firecheck inspect`, `cli-hazard-dispatch--due` for its `--due`,
//! `cli--home` for a global flag — plus `cli-…-long` for a longer description where the
//! catalog has one. The test below checks both ways that every command and argument has its
//! key and every key its command or argument. Headings, the help flag and the `help`
//! subcommand are translated too; clap's own usage errors are rendered from the catalog
//! ([`usage_error`]).

use std::ffi::OsString;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};
use firecheck_shared::i18n::{self, Lang};
use firecheck_shared::t;

use crate::Cli;

/// The language from `--lang` among `args` (the first is the program name), else from the
/// environment ([`from_env`]).
pub fn detect<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Lang {
    let mut it = args.iter().skip(1).map(|a| a.as_ref().to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let value = if a == "--lang" {
            it.next().map(|v| v.into_owned())
        } else {
            a.strip_prefix("--lang=").map(str::to_string)
        };
        if let Some(l) = value.as_deref().and_then(Lang::parse) {
            return l;
        }
    }
    from_env(|name| std::env::var_os(name))
}

/// `FIRECHECK_LANG`, else the locale: `LC_ALL`, `LC_MESSAGES`, `LANG` (the first set and not
/// empty decides, as POSIX has it); English when none is set.
pub fn from_env(var: impl Fn(&str) -> Option<OsString>) -> Lang {
    let set = |name: &str| {
        var(name)
            .map(|v| v.to_string_lossy().into_owned())
            .filter(|v| !v.is_empty())
    };
    if let Some(l) = set("FIRECHECK_LANG").as_deref().and_then(Lang::parse) {
        return l;
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|n| set(n))
        .map(|l| Lang::from_locale(&l))
        .unwrap_or(Lang::En)
}

/// The command line, every text in `lang`.
pub fn command(lang: Lang) -> Command {
    let mut cmd = localize(Cli::command(), "", lang)
        .disable_version_flag(true)
        .arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(t!(lang, "cli-version-flag"))
                .help_heading(t!(lang, "cli-heading-options")),
        )
        .after_help(t!(lang, "cli-exit-codes"));
    cmd.build();
    help_subcommands(cmd, lang)
}

/// The key of the command at `path` (`""` for `firecheck`, `"hazard-dispatch"`).
fn about_key(path: &str) -> String {
    if path.is_empty() {
        "cli-about".into()
    } else {
        format!("cli-{path}")
    }
}

fn arg_key(path: &str, id: &str) -> String {
    if path.is_empty() {
        format!("cli--{id}")
    } else {
        format!("cli-{path}--{id}")
    }
}

/// `key` in `lang`, if the catalog has it.
fn lookup(lang: Lang, key: &str) -> Option<String> {
    i18n::has(lang, key).then(|| i18n::text(lang, key, &[]))
}

fn localize(mut cmd: Command, path: &str, lang: Lang) -> Command {
    let key = about_key(path);
    cmd = cmd.about(i18n::text(lang, &key, &[]));
    if let Some(long) = lookup(lang, &format!("{key}-long")) {
        cmd = cmd.long_about(long);
    }
    cmd = cmd
        .disable_help_flag(true)
        .subcommand_help_heading(t!(lang, "cli-heading-commands"))
        .subcommand_value_name(t!(lang, "cli-command-placeholder"))
        .help_template(format!(
            "{{before-help}}{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
            usage_label(lang)
        ));
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    for id in ids {
        let help = i18n::text(lang, &arg_key(path, &id), &[]);
        let (positional, options) = (
            t!(lang, "cli-heading-arguments"),
            t!(lang, "cli-heading-options"),
        );
        cmd = cmd.mut_arg(id.as_str(), move |a| {
            let heading = if a.is_positional() {
                positional
            } else {
                options
            };
            // Environment variables and defaults are named in the catalog's text, in words.
            let mut a = a.help(help).help_heading(heading).hide_env(true);
            if a.is_global_set() {
                // The global flags after each command's own.
                a = a.display_order(1000);
            }
            if a.get_action().takes_values() {
                a.hide_default_value(true)
            } else {
                a
            }
        });
    }
    cmd = cmd.arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(t!(lang, "cli-help-flag"))
            .help_heading(t!(lang, "cli-heading-options")),
    );
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        let sub_path = if path.is_empty() {
            name.clone()
        } else {
            format!("{path}-{name}")
        };
        cmd = cmd.mut_subcommand(name.as_str(), |s| localize(s, &sub_path, lang));
    }
    cmd
}

/// clap adds a `help` subcommand to every command with subcommands when it builds the tree:
/// its description, in `lang`.
fn help_subcommands(mut cmd: Command, lang: Lang) -> Command {
    let subs: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .collect();
    for name in subs {
        cmd = if name == "help" {
            cmd.mut_subcommand("help", |h| h.about(t!(lang, "cli-help-command")))
        } else {
            cmd.mut_subcommand(name.as_str(), |s| help_subcommands(s, lang))
        };
    }
    cmd
}

/// "Usage: " / "用法：" before a usage line (no space after a full-width colon).
fn usage_label(lang: Lang) -> String {
    let label = t!(lang, "cli-usage");
    if label.ends_with('：') {
        label
    } else {
        format!("{label} ")
    }
}

/// A usage error in `lang`: what was wrong, and where to read how to write it.
pub fn usage_error(e: &clap::Error, lang: Lang) -> String {
    let ctx = |kind: ContextKind| -> String {
        match e.get(kind) {
            Some(ContextValue::String(s)) => s.clone(),
            Some(ContextValue::Strings(v)) => v.join(", "),
            Some(other) => other.to_string(),
            None => String::new(),
        }
    };
    let what = match e.kind() {
        ErrorKind::UnknownArgument => {
            t!(
                lang,
                "usage-unknown-argument",
                arg = ctx(ContextKind::InvalidArg)
            )
        }
        ErrorKind::InvalidSubcommand => t!(
            lang,
            "usage-unknown-command",
            command = ctx(ContextKind::InvalidSubcommand)
        ),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => t!(
            lang,
            "usage-invalid-value",
            arg = ctx(ContextKind::InvalidArg),
            value = ctx(ContextKind::InvalidValue)
        ),
        ErrorKind::MissingRequiredArgument => t!(
            lang,
            "usage-missing-argument",
            arg = ctx(ContextKind::InvalidArg)
        ),
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            t!(lang, "usage-missing-command")
        }
        ErrorKind::ArgumentConflict => t!(
            lang,
            "usage-conflict",
            arg = ctx(ContextKind::InvalidArg),
            other = ctx(ContextKind::PriorArg)
        ),
        ErrorKind::TooManyValues | ErrorKind::WrongNumberOfValues | ErrorKind::TooFewValues => {
            t!(
                lang,
                "usage-wrong-number",
                arg = ctx(ContextKind::InvalidArg)
            )
        }
        _ => t!(lang, "usage-other"),
    };
    let usage = match e.get(ContextKind::Usage) {
        Some(u) => u
            .to_string()
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(|l| {
                l.split_once(' ')
                    .map(|(_, rest)| rest)
                    .unwrap_or(l)
                    .to_string()
            })
            .unwrap_or_default(),
        None => String::new(),
    };
    if usage.is_empty() {
        format!("{what}\n{}", t!(lang, "usage-see-help"))
    } else {
        format!(
            "{what}\n\n{}{usage}\n\n{}",
            usage_label(lang),
            t!(lang, "usage-see-help")
        )
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The keys the command tree needs: its commands' and its arguments'.
    fn tree_keys(cmd: &Command, path: &str, keys: &mut BTreeSet<String>) {
        keys.insert(about_key(path));
        for a in cmd.get_arguments() {
            let id = a.get_id().as_str();
            if !matches!(id, "help" | "version") && (path.is_empty() || !a.is_global_set()) {
                keys.insert(arg_key(path, id));
            }
        }
        for s in cmd.get_subcommands() {
            if s.get_name() == "help" {
                continue;
            }
            let sub = if path.is_empty() {
                s.get_name().to_string()
            } else {
                format!("{path}-{}", s.get_name())
            };
            tree_keys(s, &sub, keys);
        }
    }

    /// The `cli-` keys of the help catalog that name a command or an argument.
    fn catalog_keys(lang: Lang) -> BTreeSet<String> {
        let help = i18n::sources(lang)[i18n::FILES
            .iter()
            .position(|f| *f == "help")
            .expect("a help catalog")];
        help.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
            .filter(|k| k.starts_with("cli-"))
            .filter(|k| !k.ends_with("-long"))
            .filter(|k| {
                !matches!(
                    *k,
                    "cli-version-flag"
                        | "cli-help-flag"
                        | "cli-help-command"
                        | "cli-exit-codes"
                        | "cli-usage"
                        | "cli-command-placeholder"
                        | "cli-heading-arguments"
                        | "cli-heading-options"
                        | "cli-heading-commands"
                )
            })
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_command_and_argument_has_its_help_in_both_languages_and_no_more() {
        let mut want = BTreeSet::new();
        tree_keys(&Cli::command(), "", &mut want);
        for lang in Lang::ALL {
            let have = catalog_keys(lang);
            let missing: Vec<&String> = want.difference(&have).collect();
            let orphans: Vec<&String> = have.difference(&want).collect();
            assert!(
                missing.is_empty() && orphans.is_empty(),
                "{lang}: help missing for {missing:?}; help for nothing: {orphans:?}"
            );
        }
        // `-long` texts belong to a command that exists.
        for lang in Lang::ALL {
            let help = i18n::sources(lang)[2];
            for key in help
                .lines()
                .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
                .filter(|k| k.ends_with("-long"))
            {
                assert!(
                    want.contains(key.trim_end_matches("-long")),
                    "{lang}: {key}"
                );
            }
        }
    }

    #[test]
    fn the_language_comes_from_the_flag_then_firecheck_lang_then_the_locale() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| OsString::from(*v))
            }
        };
        assert_eq!(from_env(env(&[])), Lang::En);
        assert_eq!(from_env(env(&[("LANG", "zh_CN.UTF-8")])), Lang::Zh);
        assert_eq!(from_env(env(&[("LANG", "C")])), Lang::En);
        assert_eq!(
            from_env(env(&[("LANG", "zh_CN.UTF-8"), ("LC_ALL", "C")])),
            Lang::En
        );
        assert_eq!(
            from_env(env(&[("LANG", "C"), ("LC_MESSAGES", "zh_CN.UTF-8")])),
            Lang::Zh
        );
        assert_eq!(
            from_env(env(&[("LC_ALL", "zh_CN.UTF-8"), ("FIRECHECK_LANG", "en")])),
            Lang::En
        );
        assert_eq!(
            from_env(env(&[("LC_ALL", ""), ("LANG", "zh_TW")])),
            Lang::Zh
        );
        assert_eq!(detect(&["firecheck", "--lang", "zh", "status"]), Lang::Zh);
        assert_eq!(detect(&["firecheck", "status", "--lang=en"]), Lang::En);
    }

    #[test]
    fn help_is_in_the_language_asked_for() {
        let zh = command(Lang::Zh).render_long_help().to_string();
        assert!(
            zh.contains("用法") && zh.contains("命令") && zh.contains("退出码"),
            "{zh}"
        );
        assert!(!zh.contains("Usage:") && !zh.contains("Print help"), "{zh}");
        let mut inspect = command(Lang::Zh);
        let inspect = inspect
            .find_subcommand_mut("inspect")
            .expect("inspect")
            .render_long_help()
            .to_string();
        assert!(
            inspect.contains("场所") && inspect.contains("选项"),
            "{inspect}"
        );
        let en = command(Lang::En).render_long_help().to_string();
        assert!(en.contains("Usage:") && en.contains("Exit codes"), "{en}");
    }

    #[test]
    fn usage_errors_are_in_the_language_asked_for() {
        let e = command(Lang::Zh)
            .try_get_matches_from(["firecheck", "--bogus"])
            .unwrap_err();
        let text = usage_error(&e, Lang::Zh);
        assert!(
            text.contains("--bogus") && text.contains("不认识"),
            "{text}"
        );
        let e = command(Lang::Zh)
            .try_get_matches_from(["firecheck", "hazard", "dispatch", "abcd"])
            .unwrap_err();
        let text = usage_error(&e, Lang::Zh);
        assert!(text.contains("--to") && text.contains("缺少"), "{text}");
    }
}
