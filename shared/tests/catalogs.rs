//! The message catalogs agree with each other and with the code.
//!
//! Technique: the catalogs are parsed with `fluent-syntax` (the parser the runtime uses), so
//! a syntax error, a duplicate key, a key one language lacks or a message whose two
//! languages take different values fails here, not in front of a person. Then the sources of
//! every crate that speaks to people are scanned for the keys they name — the first string
//! literal inside `t!(…)` or `msg!(…)`, the only two ways code names a message — and every
//! named key must exist, and every catalog entry must be named somewhere. The clap help texts
//! (`help.ftl`, keys `cli-…`) are named by the command tree rather than by literals; the
//! client's own test (`cli-client/src/help.rs`) checks those both ways.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use firecheck_shared::i18n::{self, Lang, FILES};
use fluent_syntax::ast;
use fluent_syntax::parser;

/// Key → (file, the variables its message takes).
type Catalog = BTreeMap<String, (&'static str, BTreeSet<String>)>;

fn catalog(lang: Lang) -> Catalog {
    let mut out = Catalog::new();
    for (file, src) in FILES.iter().zip(i18n::sources(lang)) {
        let res = match parser::parse(src) {
            Ok(r) => r,
            Err((_, errors)) => panic!("{}/{file}.ftl does not parse: {errors:?}", lang.dir()),
        };
        for entry in res.body {
            if let ast::Entry::Message(m) = entry {
                let mut vars = BTreeSet::new();
                if let Some(p) = &m.value {
                    pattern_vars(p, &mut vars);
                }
                assert!(
                    m.value.is_some(),
                    "{}/{file}.ftl: {} has no value",
                    lang.dir(),
                    m.id.name
                );
                let previous = out.insert(m.id.name.to_string(), (*file, vars));
                assert!(
                    previous.is_none(),
                    "{}: {} is defined twice ({file}.ftl and {}.ftl)",
                    lang.dir(),
                    m.id.name,
                    previous.map(|p| p.0).unwrap_or_default()
                );
            }
        }
    }
    out
}

fn pattern_vars(p: &ast::Pattern<&str>, vars: &mut BTreeSet<String>) {
    for e in &p.elements {
        if let ast::PatternElement::Placeable { expression } = e {
            expression_vars(expression, vars);
        }
    }
}

fn expression_vars(e: &ast::Expression<&str>, vars: &mut BTreeSet<String>) {
    match e {
        ast::Expression::Select { selector, variants } => {
            inline_vars(selector, vars);
            for v in variants {
                pattern_vars(&v.value, vars);
            }
        }
        ast::Expression::Inline(i) => inline_vars(i, vars),
    }
}

fn inline_vars(i: &ast::InlineExpression<&str>, vars: &mut BTreeSet<String>) {
    match i {
        ast::InlineExpression::VariableReference { id } => {
            vars.insert(id.name.to_string());
        }
        ast::InlineExpression::FunctionReference { arguments, .. } => {
            for a in &arguments.positional {
                inline_vars(a, vars);
            }
        }
        ast::InlineExpression::Placeable { expression } => expression_vars(expression, vars),
        _ => {}
    }
}

#[test]
fn both_languages_have_the_same_keys_in_the_same_files_taking_the_same_values() {
    let zh = catalog(Lang::Zh);
    let en = catalog(Lang::En);
    let only_zh: Vec<&String> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
    let only_en: Vec<&String> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
    assert!(
        only_zh.is_empty() && only_en.is_empty(),
        "keys missing from en: {only_zh:?}\nkeys missing from zh-CN: {only_en:?}"
    );
    for (key, (file, vars)) in &zh {
        let (en_file, en_vars) = &en[key];
        assert_eq!(
            file, en_file,
            "{key} is in {file}.ftl in zh-CN, {en_file}.ftl in en"
        );
        assert_eq!(
            vars, en_vars,
            "{key} takes different values in zh-CN and en"
        );
    }
    // The runtime loads what the parser reads.
    for key in zh.keys() {
        assert!(
            i18n::has(Lang::Zh, key) && i18n::has(Lang::En, key),
            "{key} not loaded"
        );
    }
}

/// Every `.rs` file under the crates that speak to people.
fn sources() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    let mut dirs: Vec<PathBuf> = ["shared/src", "server/src", "cli-client/src"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The keys a source names: the first string literal inside each `t!(` or `msg!(`.
fn named_keys(src: &str) -> Vec<String> {
    let mut keys = Vec::new();
    for mac in ["t!(", "msg!("] {
        let mut from = 0;
        while let Some(at) = src[from..].find(mac) {
            let start = from + at;
            from = start + mac.len();
            // `format!(` ends in `t!(`: only a macro name of its own counts.
            let before = src[..start].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                continue;
            }
            let Some(q) = src[from..].find('"') else {
                continue;
            };
            let open = from + q + 1;
            let Some(len) = src[open..].find('"') else {
                continue;
            };
            keys.push(src[open..open + len].to_string());
        }
    }
    keys
}

#[test]
fn every_key_the_code_names_exists_and_every_entry_is_used() {
    let en = catalog(Lang::En);
    let mut used = BTreeSet::new();
    let mut missing = Vec::new();
    for path in sources() {
        let src = std::fs::read_to_string(&path).unwrap();
        for key in named_keys(&src) {
            if !en.contains_key(&key) {
                missing.push(format!("{}: {key}", path.display()));
            }
            used.insert(key);
        }
    }
    let orphans: Vec<&String> = en
        .iter()
        .filter(|(k, (file, _))| *file != "help" && !used.contains(*k))
        .map(|(k, _)| k)
        .collect();
    assert!(
        missing.is_empty() && orphans.is_empty(),
        "named in code but not in the catalogs:\n  {}\nin the catalogs but named nowhere:\n  {}",
        missing.join("\n  "),
        orphans
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

#[test]
fn the_scan_finds_keys_and_skips_other_macros() {
    let src = r#"let a = t!(lang, "one", n = 1); let b = msg!(
        "two"); format!("not-a-key {x}"); let c = crate::msg!("three");"#;
    assert_eq!(named_keys(src), ["one", "two", "three"]);
}

#[test]
fn no_message_carries_isolation_marks() {
    for lang in Lang::ALL {
        for (key, _) in catalog(lang) {
            // Render with every value a placeholder: no message may come out with FSI/PDI.
            let out = i18n::text(lang, &key, &[]);
            assert!(
                !out.contains('\u{2068}') && !out.contains('\u{2069}'),
                "{}: {key} has isolation marks",
                lang.dir()
            );
        }
    }
}
