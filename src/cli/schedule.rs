//! `trawl schedule`: the next poll times, with the schedule that fires and what kind of day it is.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{UsageError, exit};
use crate::config::Config;
use crate::schedule::{DayKind, upcoming};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Start from this time (RFC 3339, "YYYY-MM-DD HH:MM" or "YYYY-MM-DD" in the schedule's zone) [default: now]
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,
    /// How many fire times to list
    #[arg(long, default_value_t = 10)]
    pub count: usize,
    /// Only this source's schedule
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    #[arg(long, value_enum, default_value_t = TextOrJson::Text)]
    pub format: TextOrJson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// One upcoming fire time.
#[derive(Debug, Serialize)]
pub struct Row {
    /// RFC 3339 in the schedule's time zone.
    pub at: String,
    pub schedules: Vec<String>,
    pub day: DayKind,
    pub sources: Vec<String>,
}

pub fn run(config: &Path, args: Args) -> anyhow::Result<u8> {
    let cfg = super::load_config(config)?;
    let tz = cfg.schedule.timezone;
    let from = match &args.from {
        None => Utc::now(),
        Some(s) => parse_time(s, tz)?,
    };
    let sources: Vec<_> = match &args.source {
        None => cfg.sources.iter().collect(),
        Some(n) => vec![cfg.source(n).ok_or_else(|| UsageError(format!("no source named '{n}' in the config")))?],
    };
    // Inclusive: a fire exactly at --from is listed.
    let rows = rows(&cfg, &sources, from - chrono::Duration::seconds(1), args.count);
    match args.format {
        TextOrJson::Json => println!("{}", serde_json::to_string_pretty(&rows)?),
        TextOrJson::Text => print!("{}", render(&rows, tz, cfg.sources.len())),
    }
    Ok(exit::OK)
}

/// The first `count` distinct fire times of `sources` after `from`.
pub fn rows(cfg: &Config, sources: &[&crate::config::Source], from: DateTime<Utc>, count: usize) -> Vec<Row> {
    let tz = cfg.schedule.timezone;
    let cal = &cfg.schedule.calendar;
    let mut by_time: BTreeMap<DateTime<Utc>, (Vec<String>, Vec<String>)> = BTreeMap::new();
    for s in sources {
        for sched in &s.schedules {
            for f in upcoming(std::slice::from_ref(sched), from, count, tz, cal) {
                let e = by_time.entry(f.at).or_default();
                if !e.0.contains(&f.schedule) {
                    e.0.push(f.schedule);
                }
                if !e.1.contains(&s.name) {
                    e.1.push(s.name.clone());
                }
            }
        }
    }
    by_time
        .into_iter()
        .take(count)
        .map(|(at, (mut schedules, sources))| {
            schedules.sort();
            let local = at.with_timezone(&tz);
            Row { at: local.to_rfc3339(), schedules, day: cal.day_kind(local.date_naive()), sources }
        })
        .collect()
}

fn render(rows: &[Row], tz: Tz, total: usize) -> String {
    if rows.is_empty() {
        return "no upcoming polls: no schedule fires (check [schedules] and the sources' schedules)\n".into();
    }
    let cols = [
        super::table::Column { header: "TIME", max: Some(24) },
        super::table::Column { header: "DAY", max: Some(36) },
        super::table::Column { header: "SCHEDULE", max: Some(16) },
        super::table::Column { header: "SOURCES", max: None },
    ];
    let times: Vec<_> = rows.iter().filter_map(|r| DateTime::parse_from_rfc3339(&r.at).ok()).collect();
    // Seconds only when a schedule uses them.
    let fmt = if times.iter().any(|t| t.second() != 0) { "%Y-%m-%d %a %H:%M:%S" } else { "%Y-%m-%d %a %H:%M" };
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let t = DateTime::parse_from_rfc3339(&r.at).map(|t| t.format(fmt).to_string()).unwrap_or_default();
            let sources = if r.sources.len() == total && total > 1 {
                format!("all {total} sources")
            } else {
                r.sources.join(", ")
            };
            vec![t, r.day.label(), r.schedules.join(","), sources]
        })
        .collect();
    format!("times in {tz}\n{}", super::table::render(&cols, &cells, 100))
}

/// RFC 3339, or a local date / date-time in `tz`.
pub fn parse_time(s: &str, tz: Tz) -> anyhow::Result<DateTime<Utc>> {
    super::when::parse_time(s, tz).ok_or_else(|| {
        UsageError(format!("invalid time '{s}': write 2026-10-01, \"2026-10-01 08:00\" or an RFC 3339 time")).into()
    })
}

/// Warnings about configured calendars that have no entries for this year or the next.
pub fn calendar_warnings(cfg: &Config, now: DateTime<Utc>) -> Vec<String> {
    let cal = &cfg.schedule.calendar;
    let year = now.with_timezone(&cfg.schedule.timezone).year();
    if cal.files.is_empty() {
        // No calendar is a choice (weekends only), stated in `check`'s summary, not a warning.
        return Vec::new();
    }
    [year, year + 1]
        .into_iter()
        .filter(|y| !cal.covers_year(*y))
        .map(|y| {
            format!(
                "the holiday calendar has no entries for {y}: add that year's holidays and make-up workdays to {}",
                display_files(cal)
            )
        })
        .collect()
}

fn display_files(cal: &crate::schedule::Calendar) -> String {
    cal.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(", ")
}
