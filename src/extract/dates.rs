//! Dates as news sites and forums print them, in the source's time zone.
//!
//! [`parse_date`] understands RFC 2822/3339, ISO 8601, numeric dates (`2026-03-05 14:30`,
//! `2026/3/5`, `2026年3月5日 14:30`), dates without a year (`3月5日`, `03-05 14:30`: the current
//! year, or the previous one when that would be in the future) and relative times (`刚刚`,
//! `3分钟前`, `2小时前`, `昨天 10:20`, `前天 08:00`, `5 minutes ago`, `yesterday`). Text around the
//! date (`发表于 …`, `Posted: …`) is skipped. What it cannot read is `None`, never an error.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Parses a date as printed on a page; `tz` is the zone of times without an offset and `now` the
/// reference for relative dates.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// let now = Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap();
/// let t = trawl::extract::dates::parse_date("昨天 10:20", chrono_tz::Asia::Shanghai, now);
/// assert_eq!(t, Some(Utc.with_ymd_and_hms(2026, 3, 9, 2, 20, 0).unwrap()));
/// ```
pub fn parse_date(s: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if s.is_empty() {
        return None;
    }
    // Try the whole text, then from each place a date could start, so prefixes are skipped.
    let mut prev = ' ';
    let starts = s.char_indices().filter(|&(i, c)| {
        let start = i == 0 || (c.is_ascii_digit() && !prev.is_ascii_digit()) || "刚今昨前yYjJ".contains(c);
        prev = c;
        start
    });
    for (i, _) in starts {
        if let Some(t) = parse_exact(s[i..].trim(), tz, now) {
            return Some(t);
        }
    }
    tracing::debug!(value = %s, "unparseable date");
    None
}

fn parse_exact(s: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    absolute_with_offset(s).or_else(|| relative(s, tz, now)).or_else(|| numeric(s, tz, now))
}

fn absolute_with_offset(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.to_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.to_utc());
    }
    ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S %z"]
        .iter()
        .find_map(|f| DateTime::parse_from_str(s, f).ok())
        .map(|t| t.to_utc())
}

/// A wall-clock time in `tz`; one that falls in a spring-forward gap (02:30 on the day clocks
/// jump to 03:00) is read as the same time an hour later, as clocks on the page would have shown.
fn local(tz: Tz, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + Duration::hours(1))).earliest())
        .map(|t| t.to_utc())
}

/// `刚刚`, `3分钟前`, `昨天 10:20`, `5 minutes ago`, `yesterday`, …
fn relative(s: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let lower = s.to_lowercase();
    if matches!(lower.as_str(), "刚刚" | "just now" | "now") {
        return Some(now);
    }
    if let Some(d) = ago(&lower) {
        return now.checked_sub_signed(d);
    }
    let today = now.with_timezone(&tz).date_naive();
    let (day, rest) = [("今天", 0), ("today", 0), ("昨天", 1), ("yesterday", 1), ("前天", 2)]
        .iter()
        .find_map(|(word, back)| lower.strip_prefix(word).map(|rest| (today - Duration::days(*back), rest.trim())))?;
    let time = if rest.is_empty() { NaiveTime::MIN } else { time_of_day(rest)? };
    local(tz, day.and_time(time))
}

/// `N秒前`, `N分钟前`, `N小时前`, `N天前`, `N seconds/minutes/hours/days/weeks ago`.
fn ago(s: &str) -> Option<Duration> {
    let body = s.strip_suffix('前').or_else(|| s.strip_suffix("ago"))?.trim();
    let digits_end = body.find(|c: char| !c.is_ascii_digit()).unwrap_or(body.len());
    let (n, unit) = match &body[..digits_end] {
        "" if body.starts_with("an ") || body.starts_with("a ") => (1, body.split_once(' ')?.1),
        "" => return None,
        d => (d.parse::<i64>().ok()?, body[digits_end..].trim()),
    };
    let unit = unit.trim_end_matches('s');
    let secs = match unit {
        "秒" | "秒钟" | "second" | "sec" => 1,
        "分钟" | "分" | "minute" | "min" => 60,
        "小时" | "个小时" | "hour" | "hr" => 3600,
        "天" | "day" => 86_400,
        "周" | "星期" | "week" => 7 * 86_400,
        _ => return None,
    };
    Duration::try_seconds(n.checked_mul(secs)?)
}

/// Numeric dates with or without a year and time: `2026-03-05 14:30`, `2026/3/5`,
/// `2026年3月5日 14:30`, `3月5日`, `03-05 14:30`, `2026-03-05T14:30:00`.
fn numeric(s: &str, tz: Tz, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mapped: String = s
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' => '-',
            '日' | '号' | 'T' => ' ',
            c => c,
        })
        .collect();
    let mut parts = mapped.split_whitespace();
    let date = parts.next()?.trim_end_matches('-');
    let rest: Vec<&str> = parts.collect();
    let time = match rest.as_slice() {
        [] => NaiveTime::MIN,
        [t] => time_of_day(t)?,
        _ => return None,
    };
    let nums: Vec<&str> = date.split('-').collect();
    if nums.iter().any(|n| n.is_empty() || !n.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let num = |i: usize| nums[i].parse::<u32>().ok();
    match nums.len() {
        3 if nums[0].len() == 4 => {
            let d = NaiveDate::from_ymd_opt(nums[0].parse().ok()?, num(1)?, num(2)?)?;
            local(tz, d.and_time(time))
        }
        2 => {
            let (m, d) = (num(0)?, num(1)?);
            let year = now.with_timezone(&tz).year_ce().1 as i32;
            let this_year = local(tz, NaiveDate::from_ymd_opt(year, m, d)?.and_time(time));
            // A date without a year is never in the future: "12-25" read in March is last December.
            match this_year {
                Some(t) if t <= now + Duration::minutes(5) => Some(t),
                _ => local(tz, NaiveDate::from_ymd_opt(year - 1, m, d)?.and_time(time)),
            }
        }
        _ => None,
    }
}

fn time_of_day(s: &str) -> Option<NaiveTime> {
    ["%H:%M:%S", "%H:%M", "%H:%M:%S%.f"].iter().find_map(|f| NaiveTime::parse_from_str(s, f).ok())
}

#[cfg(test)]
mod tests;
