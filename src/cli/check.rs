//! `trawl check`: validate config and rules; exit 0 when valid, 2 with one line per problem.

use std::path::Path;

use super::exit;
use crate::config::{Config, ConfigError};
use crate::rules::{RuleSet, RulesError};

pub fn run(config: &Path) -> anyhow::Result<u8> {
    let cfg = match Config::load(config) {
        Ok(cfg) => cfg,
        Err(e @ ConfigError::Read { .. }) => {
            eprintln!("{e}");
            return Ok(exit::USAGE);
        }
        Err(e @ ConfigError::Invalid(_)) => {
            eprintln!("{e}");
            // The rule files too, so one `check` lists every problem.
            if let Err(RulesError::Invalid(d)) = RuleSet::load(&crate::config::lenient_rule_paths(config)) {
                eprintln!("{d}");
            }
            return Ok(exit::USAGE);
        }
    };
    for w in super::schedule::calendar_warnings(&cfg, chrono::Utc::now()) {
        eprintln!("warning: {w}");
    }
    match RuleSet::load(&cfg.rules.paths) {
        Ok(rules) => {
            let keywords: usize =
                rules.rules.iter().map(|r| r.any.len() + r.all.iter().map(Vec::len).sum::<usize>() + r.not.len()).sum();
            let calendar = match cfg.schedule.calendar.files.len() {
                0 => "no holiday calendar (Monday–Friday are workdays)".to_string(),
                n => format!("{n} calendar files"),
            };
            println!(
                "ok: {} ({} sources), {} rule files, {} rules, {} keywords, {calendar}, times in {}",
                cfg.path.display(),
                cfg.sources.len(),
                rules.files.len(),
                rules.rules.len(),
                keywords,
                cfg.schedule.timezone
            );
            Ok(exit::OK)
        }
        Err(e @ (RulesError::Invalid(_) | RulesError::NoFiles { .. })) => {
            eprintln!("{e}");
            Ok(exit::USAGE)
        }
        Err(e) => Err(e.into()),
    }
}
