//! Keyword rules: rule files, text normalisation, the compiled matcher, and rule evaluation.
//!
//! [`RuleSet::load`] reads every file matched by `[rules] paths`, checks them all and compiles one
//! aho-corasick automaton over every keyword of every rule ([`Matcher`]). The matcher hands
//! [`RuleHit`]s (rule, matched keywords with byte spans, snippet) to the poll stage.

mod file;
mod matcher;
pub mod normalize;

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

pub use matcher::{KeywordMatch, Matcher, RuleHit};

use crate::diag::{Diagnostic, Diagnostics};

/// How serious a hit on a rule is; ordered from `Low` to `Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Parses `low`, `medium`, `high` or `critical` (case-insensitive).
    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "low" => Some(Severity::Low),
            "medium" => Some(Severity::Medium),
            "high" => Some(Severity::High),
            "critical" => Some(Severity::Critical),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// One rule as written in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub severity: Severity,
    pub owner: Option<String>,
    pub tags: Vec<String>,
    /// At least one of these must occur (ignored when empty).
    pub any: Vec<String>,
    /// Each group must have at least one keyword occurring.
    pub all: Vec<Vec<String>>,
    /// None of these may occur.
    pub not: Vec<String>,
    /// Where the rule is defined, for messages.
    pub file: PathBuf,
    pub line: usize,
}

/// Why rules could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A rule path glob matched no file; trawl would run without rules and find nothing.
    #[error(
        "no rule files match {patterns:?}: create one (see rules/ in the repository) or fix [rules] paths in the config"
    )]
    NoFiles { patterns: Vec<String> },
    /// One or more rule files are invalid.
    #[error("{0}")]
    Invalid(Diagnostics),
    /// The compiled automaton could not be built (too many keywords for memory).
    #[error("cannot compile rules: {0}")]
    Build(String),
}

/// Every loaded rule plus the compiled matcher.
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub files: Vec<PathBuf>,
    pub matcher: Matcher,
}

impl RuleSet {
    /// Loads and compiles every rule file matched by `patterns`.
    pub fn load(patterns: &[String]) -> Result<RuleSet, RulesError> {
        let mut files = Vec::new();
        let mut problems = Vec::new();
        for p in patterns {
            match glob::glob(p) {
                Ok(paths) => files.extend(paths.filter_map(Result::ok).filter(|p| p.is_file())),
                Err(e) => problems.push(Diagnostic::file(std::path::Path::new(p), format!("invalid glob: {e}"))),
            }
        }
        files.sort();
        files.dedup();
        if files.is_empty() && problems.is_empty() {
            return Err(RulesError::NoFiles { patterns: patterns.to_vec() });
        }
        let mut seen = HashMap::new();
        let mut rules = Vec::new();
        for f in &files {
            match std::fs::read_to_string(f) {
                Ok(text) => rules.extend(file::parse_file(f, &text, &mut seen, &mut problems)),
                Err(e) => problems.push(Diagnostic::file(f, format!("cannot read rule file: {e}"))),
            }
        }
        if !problems.is_empty() {
            problems.sort_by(|a, b| (&a.path, a.line, a.col).cmp(&(&b.path, b.line, b.col)));
            return Err(RulesError::Invalid(Diagnostics(problems)));
        }
        Self::from_rules(rules, files)
    }

    /// Compiles an already-parsed list of rules.
    pub fn from_rules(rules: Vec<Rule>, files: Vec<PathBuf>) -> Result<RuleSet, RulesError> {
        let matcher = Matcher::build(&rules)?;
        Ok(RuleSet { rules, files, matcher })
    }

    /// Parses rules from TOML text (used by tests and `rules test`).
    pub fn parse_str(path: &std::path::Path, text: &str) -> Result<RuleSet, RulesError> {
        let mut problems = Vec::new();
        let rules = file::parse_file(path, text, &mut HashMap::new(), &mut problems);
        if !problems.is_empty() {
            return Err(RulesError::Invalid(Diagnostics(problems)));
        }
        Self::from_rules(rules, vec![path.to_path_buf()])
    }
}
