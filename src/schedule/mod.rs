//! When to poll: cron expressions in a time zone, limited to workdays, non-workdays or every day
//! by the holiday calendar, and the next fire times that follow.
//!
//! The config stage compiles `[schedules.*]` and per-source `cron` into [`NamedSchedule`]s; the
//! daemon asks [`next_fire`] when each source is next due, and `trawl schedule` lists upcoming
//! fires.

pub mod calendar;
pub mod ics;
pub mod weekday;

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

pub use calendar::{Calendar, DayKind};

/// Which days a schedule fires on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum On {
    Workdays,
    NonWorkdays,
    EveryDay,
}

impl On {
    /// Parses `workdays`, `non-workdays` or `every-day`.
    pub fn parse(s: &str) -> Option<On> {
        match s {
            "workdays" => Some(On::Workdays),
            "non-workdays" => Some(On::NonWorkdays),
            "every-day" => Some(On::EveryDay),
            _ => None,
        }
    }

    pub fn allows(self, day: &DayKind) -> bool {
        match self {
            On::Workdays => day.is_workday(),
            On::NonWorkdays => !day.is_workday(),
            On::EveryDay => true,
        }
    }
}

/// A parsed cron expression, keeping the text as written.
#[derive(Debug, Clone)]
pub struct Cron {
    pub text: String,
    schedule: cron::Schedule,
}

impl PartialEq for Cron {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}
impl Eq for Cron {}

impl Cron {
    /// Accepts the classic five fields (`min hour dom month dow`), or six/seven with seconds first
    /// (and a year last). Weekdays are numbered as in crontab(5): 0 or 7 is Sunday, 1 Monday.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let mut fields: Vec<String> = text.split_whitespace().map(str::to_string).collect();
        match fields.len() {
            5 => fields.insert(0, "0".into()),
            6 | 7 => {}
            n => {
                return Err(format!(
                    "cron expression '{text}' has {n} fields: write 5 (min hour day month weekday) or 6 (with seconds first)"
                ));
            }
        }
        fields[5] = weekday::to_cron_crate(&fields[5]).map_err(|e| format!("invalid cron expression '{text}': {e}"))?;
        let full = fields.join(" ");
        cron::Schedule::from_str(&full)
            .map(|schedule| Cron { text: text.to_string(), schedule })
            .map_err(|e| format!("invalid cron expression '{text}': {e}"))
    }

    /// Fire times strictly after `after`, in `tz`.
    fn after(&self, after: DateTime<Utc>, tz: Tz) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.schedule.after(&after.with_timezone(&tz)).map(|t| t.with_timezone(&Utc))
    }
}

/// A named list of cron expressions limited to some days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedSchedule {
    pub name: String,
    pub crons: Vec<Cron>,
    pub on: On,
}

/// How far ahead a schedule is searched for an allowed day before giving up.
const SEARCH_LIMIT: usize = 4000;

impl NamedSchedule {
    /// The first fire strictly after `after` on an allowed day.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz, cal: &Calendar) -> Option<DateTime<Utc>> {
        self.crons
            .iter()
            .filter_map(|c| {
                c.after(after, tz)
                    .take(SEARCH_LIMIT)
                    .find(|t| self.on.allows(&cal.day_kind(t.with_timezone(&tz).date_naive())))
            })
            .min()
    }
}

/// One upcoming poll slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fire {
    pub at: DateTime<Utc>,
    /// The schedule that fires (the first by name when several fire at once).
    pub schedule: String,
}

/// The earliest fire of any of `schedules` strictly after `after`.
pub fn next_fire(schedules: &[NamedSchedule], after: DateTime<Utc>, tz: Tz, cal: &Calendar) -> Option<Fire> {
    schedules
        .iter()
        .filter_map(|s| s.next_after(after, tz, cal).map(|at| Fire { at, schedule: s.name.clone() }))
        .min_by(|a, b| (a.at, &a.schedule).cmp(&(b.at, &b.schedule)))
}

/// The next `count` fires of `schedules` after `after`.
pub fn upcoming(schedules: &[NamedSchedule], after: DateTime<Utc>, count: usize, tz: Tz, cal: &Calendar) -> Vec<Fire> {
    let mut out = Vec::with_capacity(count);
    let mut t = after;
    while out.len() < count {
        let Some(f) = next_fire(schedules, t, tz, cal) else { break };
        t = f.at;
        out.push(f);
    }
    out
}

/// The system's time zone ($TZ, else /etc/localtime), or UTC when it cannot be told.
pub fn system_timezone() -> Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|s| s.trim_start_matches(':').parse().ok())
        .or_else(|| iana_time_zone::get_timezone().ok().and_then(|s| s.parse().ok()))
        .unwrap_or(Tz::UTC)
}

/// The shipped default schedules: `daytime` every two hours 08:00–20:00 on workdays, and
/// `night` at 00:00 and 05:00 every day.
pub fn default_schedules() -> Vec<NamedSchedule> {
    let cron = |s: &str| Cron::parse(s).expect("built-in cron expressions are valid");
    vec![
        NamedSchedule { name: "daytime".into(), crons: vec![cron("0 8-20/2 * * *")], on: On::Workdays },
        NamedSchedule { name: "night".into(), crons: vec![cron("0 0,5 * * *")], on: On::EveryDay },
    ]
}

#[cfg(test)]
mod tests;
