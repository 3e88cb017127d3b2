//! The workday calendar: holidays (a date or a range, with a name) and make-up workdays (调休: a
//! Saturday or Sunday that is a workday), from TOML files or iCalendar (.ics) files.
//!
//! Workday = (Monday–Friday and not a holiday) or a listed make-up workday.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{Datelike, NaiveDate, Weekday};
use serde::Deserialize;
use serde::Serialize;

use crate::diag::{self, Diagnostic};

/// What kind of day a date is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "kebab-case")]
pub enum DayKind {
    /// Monday–Friday, no holiday.
    Workday,
    /// Saturday or Sunday, no entry.
    Weekend,
    /// A listed holiday (whatever the weekday), with its name.
    Holiday(String),
    /// A listed make-up workday (usually a weekend day), with its name.
    MakeupWorkday(String),
}

impl DayKind {
    pub fn is_workday(&self) -> bool {
        matches!(self, DayKind::Workday | DayKind::MakeupWorkday(_))
    }

    /// Short label for tables: `workday`, `weekend`, `holiday (国庆节)`, `make-up workday (…)`.
    pub fn label(&self) -> String {
        match self {
            DayKind::Workday => "workday".into(),
            DayKind::Weekend => "weekend".into(),
            DayKind::Holiday(n) => format!("holiday ({n})"),
            DayKind::MakeupWorkday(n) => format!("make-up workday ({n})"),
        }
    }
}

/// Holidays and make-up workdays by date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    holidays: BTreeMap<NaiveDate, String>,
    workdays: BTreeMap<NaiveDate, String>,
    /// The files this was loaded from.
    pub files: Vec<PathBuf>,
}

impl Calendar {
    /// What kind of day `d` is. A date listed as both holiday and workday counts as a workday.
    pub fn day_kind(&self, d: NaiveDate) -> DayKind {
        if let Some(n) = self.workdays.get(&d) {
            return DayKind::MakeupWorkday(n.clone());
        }
        if let Some(n) = self.holidays.get(&d) {
            return DayKind::Holiday(n.clone());
        }
        match d.weekday() {
            Weekday::Sat | Weekday::Sun => DayKind::Weekend,
            _ => DayKind::Workday,
        }
    }

    pub fn is_workday(&self, d: NaiveDate) -> bool {
        self.day_kind(d).is_workday()
    }

    /// Marks `from..=until` as holidays named `name`.
    pub fn add_holiday(&mut self, from: NaiveDate, until: NaiveDate, name: &str) {
        for d in from.iter_days().take_while(|d| *d <= until) {
            self.holidays.insert(d, name.to_string());
        }
    }

    /// Marks `d` as a make-up workday named `name`.
    pub fn add_workday(&mut self, from: NaiveDate, until: NaiveDate, name: &str) {
        for d in from.iter_days().take_while(|d| *d <= until) {
            self.workdays.insert(d, name.to_string());
        }
    }

    /// True if any entry falls in `year`.
    pub fn covers_year(&self, year: i32) -> bool {
        self.holidays.keys().chain(self.workdays.keys()).any(|d| d.year() == year)
    }

    pub fn is_empty(&self) -> bool {
        self.holidays.is_empty() && self.workdays.is_empty()
    }

    /// Loads and merges calendar files (`.ics` as iCalendar, anything else as TOML).
    pub fn load(paths: &[PathBuf], problems: &mut Vec<Diagnostic>) -> Calendar {
        let mut cal = Calendar { files: paths.to_vec(), ..Calendar::default() };
        for p in paths {
            match std::fs::read_to_string(p) {
                Err(e) => problems.push(Diagnostic::file(p, format!("cannot read calendar: {e}"))),
                Ok(text) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("ics")) => {
                    super::ics::parse(p, &text, &mut cal, problems)
                }
                Ok(text) => parse_toml(p, &text, &mut cal, problems),
            }
        }
        cal
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCalendar {
    #[serde(default)]
    holiday: Vec<RawEntry>,
    #[serde(default)]
    workday: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    date: toml::Spanned<toml::value::Datetime>,
    until: Option<toml::Spanned<toml::value::Datetime>>,
    name: String,
}

fn parse_toml(path: &Path, text: &str, cal: &mut Calendar, problems: &mut Vec<Diagnostic>) {
    let raw: RawCalendar = match toml::from_str(text) {
        Ok(r) => r,
        Err(e) => return problems.push(diag::from_toml(path, text, &e)),
    };
    let mut date = |v: &toml::Spanned<toml::value::Datetime>| -> Option<NaiveDate> {
        let d = v.get_ref().date.filter(|_| v.get_ref().time.is_none());
        let parsed = d.and_then(|d| NaiveDate::from_ymd_opt(d.year as i32, d.month as u32, d.day as u32));
        if parsed.is_none() {
            problems.push(Diagnostic::at(
                path,
                text,
                Some(v.span()),
                format!("'{}' is not a date: write it like 2026-10-01", v.get_ref()),
            ));
        }
        parsed
    };
    let mut entries = Vec::new();
    for (is_holiday, list) in [(true, &raw.holiday), (false, &raw.workday)] {
        for e in list {
            let from = date(&e.date);
            let until = e.until.as_ref().map(&mut date).unwrap_or(from);
            if let (Some(f), Some(u)) = (from, until) {
                entries.push((is_holiday, f, u, e.name.clone(), e.until.as_ref().map(|u| u.span())));
            }
        }
    }
    for (is_holiday, from, until, name, span) in entries {
        if until < from {
            problems.push(Diagnostic::at(path, text, span, format!("'until' {until} is before 'date' {from}")));
        } else if is_holiday {
            cal.add_holiday(from, until, &name);
        } else {
            cal.add_workday(from, until, &name);
        }
    }
}
