//! Rule files: TOML with `[[rule]]` tables, parsed and checked into [`Rule`]s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use super::{Rule, Severity, normalize::normalize_keyword};
use crate::diag::{self, Diagnostic};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: Spanned<String>,
    severity: Spanned<String>,
    owner: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    any: Vec<Spanned<String>>,
    #[serde(default)]
    all: Vec<Spanned<Vec<Spanned<String>>>>,
    #[serde(default)]
    not: Vec<Spanned<String>>,
}

/// Parses one rule file. `seen` holds rule names from earlier files (name → "file:line") so
/// duplicates across files are caught.
pub fn parse_file(
    path: &Path,
    text: &str,
    seen: &mut HashMap<String, String>,
    problems: &mut Vec<Diagnostic>,
) -> Vec<Rule> {
    let raw: RawFile = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => {
            problems.push(diag::from_toml(path, text, &e));
            return Vec::new();
        }
    };
    if raw.rule.is_empty() {
        problems.push(Diagnostic::file(path, "no [[rule]] tables in this file: add one or remove the file"));
    }
    let mut out = Vec::new();
    for r in raw.rule {
        let before = problems.len();
        let mut err =
            |span: std::ops::Range<usize>, msg: String| problems.push(Diagnostic::at(path, text, Some(span), msg));
        let name = r.name.get_ref().trim().to_string();
        if name.is_empty() {
            err(r.name.span(), "rule 'name' must not be empty".into());
        } else {
            let (line, _) = diag::line_col(text, r.name.span().start);
            let here = format!("{}:{line}", path.display());
            if let Some(first) = seen.insert(name.clone(), here.clone()) {
                err(r.name.span(), format!("duplicate rule name '{name}' (first defined at {first})"));
                seen.insert(name.clone(), first);
            }
        }
        let severity = match Severity::parse(r.severity.get_ref()) {
            Some(s) => s,
            None => {
                err(
                    r.severity.span(),
                    format!("unknown severity '{}': expected low, medium, high or critical", r.severity.get_ref()),
                );
                Severity::Low
            }
        };
        let keywords = |list: &[Spanned<String>], err: &mut dyn FnMut(std::ops::Range<usize>, String)| -> Vec<String> {
            list.iter()
                .filter_map(|k| {
                    if normalize_keyword(k.get_ref().trim()).is_empty() {
                        err(k.span(), "empty keyword: remove it or write the word to match".into());
                        None
                    } else {
                        Some(k.get_ref().trim().to_string())
                    }
                })
                .collect()
        };
        let any = keywords(&r.any, &mut err);
        let not = keywords(&r.not, &mut err);
        let mut all = Vec::new();
        for group in &r.all {
            let g = keywords(group.get_ref(), &mut err);
            if group.get_ref().is_empty() {
                err(group.span(), "empty group in 'all': each group needs at least one keyword".into());
            }
            all.push(g);
        }
        if r.any.is_empty() && r.all.is_empty() {
            err(r.name.span(), format!("rule '{name}' has no keywords: give it 'any = [...]' or 'all = [[...]]'"));
        }
        if problems.len() == before {
            let line = diag::line_col(text, r.name.span().start).0;
            out.push(Rule {
                name,
                severity,
                owner: r.owner,
                tags: r.tags,
                any,
                all,
                not,
                file: PathBuf::from(path),
                line,
            });
        }
    }
    out
}
