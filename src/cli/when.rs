//! Times on the command line: reading `--since`/`--from`/`--date` and showing stored UTC times,
//! both in the config's `[schedule] timezone`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// An RFC 3339 time, or `YYYY-MM-DD HH:MM` / `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD` (midnight) in `tz`.
pub fn parse_time(s: &str, tz: Tz) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_hms_opt(0, 0, 0).expect("midnight exists"))
        })?;
    Some(at_local(naive, tz))
}

/// Midnight at the start of `date` in `tz`.
pub fn midnight(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    at_local(date.and_hms_opt(0, 0, 0).expect("midnight exists"), tz)
}

fn at_local(naive: NaiveDateTime, tz: Tz) -> DateTime<Utc> {
    tz.from_local_datetime(&naive).earliest().map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// A stored RFC 3339 time shown in `tz` with `fmt`; text that is not a time is shown as is.
pub fn show(t: &str, tz: Tz, fmt: &str) -> String {
    DateTime::parse_from_rfc3339(t).map_or_else(|_| t.to_string(), |t| t.with_timezone(&tz).format(fmt).to_string())
}
