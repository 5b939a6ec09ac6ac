//! `firecheck template load FILE`: checklist templates from a JSON or TOML file, each version
//! an ordinary `template_defined` op (an officer's), pushed by the next `firecheck sync`.
//!
//! A file holds one template or several: JSON as one object, an array of them, or
//! `{"template": […]}`; TOML as `[[template]]` tables (see `fixtures/import/templates.toml`).
//! Each has a `code`, a `name`, a `version`, the venue `kinds` it is for, and its `items`
//! (`code`, `text`, `severity`: critical, major or minor); `id` is optional (see
//! `firecheck_shared::listing` for the id a template gets without one).
//!
//! Versions are never rewritten: an inspection names the template version it was made
//! against, so a version already defined loads as unchanged when the file says the same and
//! is refused when it says something else — a change is a new, higher version, and
//! inspections made against the old one keep it.

use std::io::Write;
use std::path::{Path, PathBuf};

use firecheck_shared::i18n::Arg;
use firecheck_shared::listing::venue_kind;
use firecheck_shared::*;
use serde::{Deserialize, Serialize};

use super::Ctx;
use crate::CliError;

/// One template as a file writes it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateSpec {
    #[serde(default)]
    id: Option<TemplateId>,
    code: String,
    name: String,
    version: u32,
    #[serde(default)]
    kinds: Vec<String>,
    items: Vec<ItemSpec>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemSpec {
    code: String,
    text: String,
    severity: String,
}

/// The shapes a template file may take.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum TemplateFile {
    Many(Vec<TemplateSpec>),
    Tables { template: Vec<TemplateSpec> },
    One(Box<TemplateSpec>),
}

/// What became (or would become) of one template version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Loaded {
    pub template: TemplateId,
    pub code: String,
    pub version: u32,
    pub items: usize,
    /// `new` (a first version), `new version` or `unchanged`.
    pub outcome: &'static str,
}

fn bad_file(path: &Path, detail: impl Into<Arg>) -> CliError {
    let detail: Arg = detail.into();
    CliError::Invalid(msg!(
        "file-problem",
        path = path.display().to_string(),
        detail = detail
    ))
}

fn read_file(path: &Path) -> Result<Vec<TemplateSpec>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|source| CliError::Unreadable {
        path: PathBuf::from(path),
        source,
    })?;
    let toml = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let file: TemplateFile = if toml {
        toml::from_str(&text).map_err(|e| bad_file(path, e.to_string()))?
    } else {
        serde_json::from_str(&text).map_err(|e| bad_file(path, e.to_string()))?
    };
    let specs = match file {
        TemplateFile::Many(v) | TemplateFile::Tables { template: v } => v,
        TemplateFile::One(t) => vec![*t],
    };
    if specs.is_empty() {
        return Err(bad_file(path, msg!("template-file-empty")));
    }
    Ok(specs)
}

/// The definition a spec makes, its kinds and severities checked.
fn definition(path: &Path, spec: &TemplateSpec) -> Result<TemplateDefinition, CliError> {
    let kinds = spec
        .kinds
        .iter()
        .map(|k| venue_kind(k))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            bad_file(
                path,
                msg!("template-spec-error", code = &spec.code, detail = e.msg()),
            )
        })?;
    let items = spec
        .items
        .iter()
        .map(|i| {
            Ok(ChecklistItem {
                code: i.code.trim().to_string(),
                text: i.text.trim().to_string(),
                severity: i.severity.parse().map_err(|e: validate::ValidationError| {
                    bad_file(
                        path,
                        msg!(
                            "template-item-error",
                            code = &spec.code,
                            item = &i.code,
                            detail = e.msg()
                        ),
                    )
                })?,
            })
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    Ok(TemplateDefinition {
        code: spec.code.trim().to_string(),
        name: spec.name.trim().to_string(),
        version: spec.version,
        kinds,
        items,
    })
}

/// `firecheck template load FILE [--dry-run]`.
pub fn load(ctx: &Ctx, file: &Path, dry_run: bool, out: &mut dyn Write) -> Result<(), CliError> {
    let me = ctx.me()?;
    let specs = read_file(file)?;
    let states = ctx.states()?;
    // Every version this device holds, by template.
    let held: Vec<&std::collections::BTreeMap<u32, ChecklistTemplate>> = states
        .iter()
        .map(|f| &f.state.templates)
        .filter(|t| !t.is_empty())
        .collect();
    let mut plan: Vec<(TemplateId, TemplateDefinition, Loaded)> = Vec::new();
    for spec in &specs {
        let def = definition(file, spec)?;
        let id = spec
            .id
            .or_else(|| {
                held.iter()
                    .filter_map(|v| v.values().next_back())
                    .find(|t| t.code == def.code)
                    .map(|t| t.id)
            })
            .unwrap_or_else(|| TemplateId::for_code(me.org.id, &def.code));
        if plan
            .iter()
            .any(|(i, d, _)| *i == id && d.version == def.version)
        {
            return Err(bad_file(
                file,
                msg!(
                    "template-version-twice",
                    code = &def.code,
                    version = def.version
                ),
            ));
        }
        let versions = held
            .iter()
            .find(|v| v.values().any(|t| t.id == id))
            .copied();
        let outcome = match versions.and_then(|v| v.get(&def.version)) {
            Some(t)
                if t.code == def.code
                    && t.name == def.name
                    && t.kinds == def.kinds
                    && t.items == def.items =>
            {
                "unchanged"
            }
            Some(_) => {
                return Err(bad_file(
                    file,
                    msg!(
                        "template-version-taken",
                        code = &def.code,
                        version = def.version,
                        next = versions
                            .and_then(|v| v.keys().next_back())
                            .map_or(def.version + 1, |n| n + 1)
                    ),
                ))
            }
            None => match versions.and_then(|v| v.keys().next_back()) {
                Some(newest) if *newest > def.version => {
                    return Err(bad_file(
                        file,
                        msg!(
                            "template-version-behind",
                            code = &def.code,
                            newest = *newest,
                            version = def.version
                        ),
                    ))
                }
                Some(_) => "new version",
                None => "new",
            },
        };
        let loaded = Loaded {
            template: id,
            code: def.code.clone(),
            version: def.version,
            items: def.items.len(),
            outcome,
        };
        plan.push((id, def, loaded));
    }
    let mut report = Vec::with_capacity(plan.len());
    for (id, def, loaded) in plan {
        if loaded.outcome != "unchanged" && !dry_run {
            ctx.record(EntityRef::Template(id), OpBody::TemplateDefined(def))?;
        } else if loaded.outcome != "unchanged" {
            // A dry run still checks what the record would: role, bounds, shape.
            validate::authorize(me.user.role, &OpBody::TemplateDefined(def.clone()))?;
        }
        report.push(loaded);
    }
    if ctx.json {
        return ctx.print_json(&report, out);
    }
    for l in &report {
        let outcome = match l.outcome {
            "unchanged" => msg!("template-outcome-unchanged"),
            "new version" => msg!("template-outcome-new-version"),
            _ => msg!("template-outcome-new"),
        };
        let line = t!(
            ctx.lang,
            "template-loaded",
            code = &l.code,
            version = l.version,
            items = l.items,
            outcome = outcome
        );
        if dry_run && l.outcome != "unchanged" {
            writeln!(out, "{}", t!(ctx.lang, "dry-run-line", line = line))?;
        } else {
            writeln!(out, "{line}")?;
        }
    }
    if !dry_run && report.iter().any(|l| l.outcome != "unchanged") {
        ctx.saved(out)?;
    }
    Ok(())
}
