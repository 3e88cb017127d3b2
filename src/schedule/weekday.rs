//! The weekday field of a cron expression, numbered as crontab(5) numbers it and as trawl
//! documents it: 0 or 7 = Sunday, 1 = Monday … 6 = Saturday. The `cron` crate counts
//! 1 = Sunday … 7 = Saturday, so `0 9 * * 1` given to it unchanged fires on Sundays and
//! `1-5` means Sunday to Thursday. [`to_cron_crate`] rewrites the field into the crate's numbering.

use std::collections::BTreeSet;

/// Weekday names the `cron` crate also accepts, by Unix number.
const NAMES: [&[&str]; 7] = [
    &["sun", "sunday"],
    &["mon", "monday"],
    &["tue", "tues", "tuesday"],
    &["wed", "wednesday"],
    &["thu", "thurs", "thursday"],
    &["fri", "friday"],
    &["sat", "saturday"],
];

/// Rewrites a Unix weekday field (`1`, `1-5`, `0,6`, `mon-fri`, `*/2`, `5-7`) into the `cron`
/// crate's numbering, as an explicit list of days. `*` and `?` stay as they are.
///
/// ```
/// use trawl::schedule::weekday::to_cron_crate;
/// assert_eq!(to_cron_crate("1-5").unwrap(), "2,3,4,5,6"); // Monday to Friday
/// assert_eq!(to_cron_crate("0").unwrap(), "1"); // Sunday
/// ```
pub fn to_cron_crate(field: &str) -> Result<String, String> {
    if field == "*" || field == "?" {
        return Ok(field.to_string());
    }
    let mut days = BTreeSet::new();
    for item in field.split(',') {
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => {
                (b, Some(s.parse::<usize>().ok().filter(|s| *s > 0).ok_or(format!("bad step in '{item}'"))?))
            }
            None => (item, None),
        };
        let (lo, hi) = match base.split_once('-') {
            _ if base == "*" => (0, 6),
            Some((a, b)) => (day(a)?, day(b)?),
            // `N/step` runs from N to the end of the week.
            None => (day(base)?, if step.is_some() { 6 } else { day(base)? }),
        };
        if lo > hi {
            return Err(format!("weekday range '{base}' runs backwards"));
        }
        days.extend((lo..=hi).step_by(step.unwrap_or(1)).map(|d| d % 7));
    }
    Ok(days.iter().map(|d| (d + 1).to_string()).collect::<Vec<_>>().join(","))
}

/// A weekday by Unix number (0–7) or name.
fn day(s: &str) -> Result<usize, String> {
    if let Ok(n) = s.parse::<usize>() {
        return if n <= 7 { Ok(n) } else { Err(format!("weekday {n} is out of range: use 0-7 (0 and 7 are Sunday)")) };
    }
    let lower = s.to_ascii_lowercase();
    NAMES
        .iter()
        .position(|names| names.contains(&lower.as_str()))
        .ok_or_else(|| format!("'{s}' is not a weekday: use 0-7 (0 and 7 are Sunday) or mon, tue, …"))
}
