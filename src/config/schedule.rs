//! Validation of `[schedule]`, `[schedules.NAME]`, `[daemon]`, `[log]` and per-source schedules.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use toml::Spanned;

use super::raw::{RawNamedSchedule, RawSchedule, RawSource};
use super::validate::Checker;
use super::{Daemon, Log, Schedule};
use crate::schedule::{Calendar, Cron, NamedSchedule, On};

pub(super) fn schedule(
    c: &mut Checker,
    base: &Path,
    raw: &RawSchedule,
    named: &Option<BTreeMap<String, Spanned<RawNamedSchedule>>>,
) -> Schedule {
    let timezone = match &raw.timezone {
        None => crate::schedule::system_timezone(),
        Some(tz) => tz.get_ref().parse().unwrap_or_else(|_| {
            c.error::<()>(
                tz.span(),
                format!("unknown time zone '{}': use an IANA name like \"Asia/Shanghai\"", tz.get_ref()),
            );
            chrono_tz::Tz::UTC
        }),
    };
    let files: Vec<_> = raw.calendar.iter().flatten().map(|p| base.join(p.get_ref())).collect();
    let calendar = Calendar::load(&files, &mut c.problems);
    let jitter = c.duration_or_zero(&raw.jitter);
    let named = match named {
        None => crate::schedule::default_schedules(),
        Some(map) => map.iter().filter_map(|(name, s)| named_schedule(c, name, s)).collect(),
    };
    Schedule { timezone, calendar, jitter, named }
}

fn named_schedule(c: &mut Checker, name: &str, s: &Spanned<RawNamedSchedule>) -> Option<NamedSchedule> {
    let raw = s.get_ref();
    if raw.cron.is_empty() {
        c.error::<()>(s.span(), format!("schedule '{name}' has no cron expressions"));
    }
    // Kept even when invalid (the errors are recorded), so sources naming it get no second error.
    let crons = crons(c, &raw.cron).unwrap_or_default();
    let on = on(c, &raw.on).unwrap_or(On::EveryDay);
    Some(NamedSchedule { name: name.to_string(), crons, on })
}

fn crons(c: &mut Checker, list: &[Spanned<String>]) -> Option<Vec<Cron>> {
    let parsed: Vec<Option<Cron>> =
        list.iter().map(|e| Cron::parse(e.get_ref()).map_err(|msg| c.error::<()>(e.span(), msg)).ok()).collect();
    parsed.into_iter().collect()
}

/// `on = "workdays" | "non-workdays" | "every-day"` (default every day).
pub(super) fn on(c: &mut Checker, raw: &Option<Spanned<String>>) -> Option<On> {
    match raw {
        None => Some(On::EveryDay),
        Some(v) => On::parse(v.get_ref()).or_else(|| {
            c.error(
                v.span(),
                format!(
                    "unknown 'on' value '{}': expected \"workdays\", \"non-workdays\" or \"every-day\"",
                    v.get_ref()
                ),
            )
        }),
    }
}

/// A source's schedules: the named ones it lists (default: all), plus its own `cron`.
pub(super) fn source_schedules(c: &mut Checker, s: &RawSource, named: &[NamedSchedule]) -> Vec<NamedSchedule> {
    let mut out = Vec::new();
    match &s.schedules {
        None if s.cron.is_some() => {}
        None => out.extend(named.iter().cloned()),
        Some(names) => {
            for n in names {
                match named.iter().find(|s| &s.name == n.get_ref()) {
                    Some(found) => out.push(found.clone()),
                    None => {
                        let known: Vec<&str> = named.iter().map(|s| s.name.as_str()).collect();
                        c.error::<()>(
                            n.span(),
                            format!("unknown schedule '{}' (defined: {})", n.get_ref(), known.join(", ")),
                        );
                    }
                }
            }
        }
    }
    if let Some(list) = &s.cron {
        let on = on(c, &s.on);
        if let (Some(crons), Some(on)) = (crons(c, list), on) {
            out.push(NamedSchedule { name: format!("{}:own", s.name.get_ref().trim()), crons, on });
        }
    } else if let Some(on) = &s.on {
        c.error::<()>(on.span(), "'on' applies to the source's own 'cron': add cron = [...] or remove 'on'");
    }
    out
}

pub(super) fn daemon(c: &mut Checker, raw: &super::raw::RawDaemon) -> Daemon {
    Daemon { shutdown_grace: c.duration(&raw.shutdown_grace, Duration::from_secs(30)) }
}

pub(super) fn log(c: &mut Checker, raw: &super::raw::RawLog) -> Log {
    let level = raw.level.as_ref().and_then(|l| match tracing_subscriber::EnvFilter::try_new(l.get_ref()) {
        Ok(_) => Some(l.get_ref().clone()),
        Err(e) => c.error(
            l.span(),
            format!("invalid log level '{}': {e} (try \"info\", \"debug\" or \"trawl=debug\")", l.get_ref()),
        ),
    });
    Log { level }
}
