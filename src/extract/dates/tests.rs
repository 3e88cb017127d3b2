use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::parse_date;

/// 2026-03-10 12:00 in Shanghai.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 10, 4, 0, 0).unwrap()
}

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> Option<DateTime<Utc>> {
    Some(Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap())
}

#[test]
fn every_documented_format_in_shanghai() {
    let sh: Tz = chrono_tz::Asia::Shanghai;
    let m = |mins: i64| Some(now() - chrono::Duration::minutes(mins));
    let cases: &[(&str, Option<DateTime<Utc>>)] = &[
        ("Thu, 05 Mar 2026 14:30:00 +0800", utc(2026, 3, 5, 6, 30)),
        ("Thu, 05 Mar 2026 06:30:00 GMT", utc(2026, 3, 5, 6, 30)),
        ("2026-03-05T14:30:00+08:00", utc(2026, 3, 5, 6, 30)),
        ("2026-03-05T06:30:00Z", utc(2026, 3, 5, 6, 30)),
        (
            "2026-03-05T14:30:00.250+08:00",
            Some(Utc.with_ymd_and_hms(2026, 3, 5, 6, 30, 0).unwrap() + chrono::Duration::milliseconds(250)),
        ),
        ("2026-03-05T14:30:00", utc(2026, 3, 5, 6, 30)),
        ("2026-03-05 14:30", utc(2026, 3, 5, 6, 30)),
        ("2026-03-05 14:30:00", utc(2026, 3, 5, 6, 30)),
        ("2026-03-05", utc(2026, 3, 4, 16, 0)),
        ("2026/3/5", utc(2026, 3, 4, 16, 0)),
        ("2026/03/05 14:30", utc(2026, 3, 5, 6, 30)),
        ("2026.3.5", utc(2026, 3, 4, 16, 0)),
        ("2026年3月5日 14:30", utc(2026, 3, 5, 6, 30)),
        ("2026年3月5日", utc(2026, 3, 4, 16, 0)),
        ("3月5日", utc(2026, 3, 4, 16, 0)),
        ("03-05 14:30", utc(2026, 3, 5, 6, 30)),
        // Later today, or later this year, would be in the future: it is last year's.
        ("03-10 14:30", utc(2025, 3, 10, 6, 30)),
        ("12-25 09:00", utc(2025, 12, 25, 1, 0)),
        ("12月25日", utc(2025, 12, 24, 16, 0)),
        ("刚刚", Some(now())),
        ("3分钟前", m(3)),
        ("30秒前", Some(now() - chrono::Duration::seconds(30))),
        ("2小时前", m(120)),
        ("2 小时前", m(120)),
        ("4天前", m(4 * 24 * 60)),
        ("昨天 10:20", utc(2026, 3, 9, 2, 20)),
        ("前天 08:00", utc(2026, 3, 8, 0, 0)),
        ("今天 09:15", utc(2026, 3, 10, 1, 15)),
        ("5 minutes ago", m(5)),
        ("1 minute ago", m(1)),
        ("an hour ago", m(60)),
        ("3 days ago", m(3 * 24 * 60)),
        ("just now", Some(now())),
        ("yesterday", utc(2026, 3, 8, 16, 0)),
        ("Yesterday 10:20", utc(2026, 3, 9, 2, 20)),
        // Text around the date, as forums print it.
        ("发表于 2026-3-5 14:30", utc(2026, 3, 5, 6, 30)),
        ("发表于 昨天 10:20", utc(2026, 3, 9, 2, 20)),
        ("Posted: 5 minutes ago", m(5)),
        ("  2026-03-05\n 14:30 ", utc(2026, 3, 5, 6, 30)),
        // Unparseable: None, never a panic.
        ("", None),
        ("soon", None),
        ("2026-13-45", None),
        ("2026-02-30 10:00", None),
        ("25:61", None),
        ("99999999999999999999 minutes ago", None),
        ("第3楼", None),
    ];
    for (input, want) in cases {
        assert_eq!(parse_date(input, sh, now()), *want, "input {input:?}");
    }
}

#[test]
fn zone_decides_wall_clock_times_only() {
    let ny: Tz = chrono_tz::America::New_York;
    let sh: Tz = chrono_tz::Asia::Shanghai;
    // Asia/Shanghai has no DST: summer and winter are both UTC+8.
    assert_eq!(parse_date("2026-07-01 12:00", sh, now()), utc(2026, 7, 1, 4, 0));
    assert_eq!(parse_date("2026-01-01 12:00", sh, now()), utc(2026, 1, 1, 4, 0));
    // New York: EST in January, EDT in July.
    assert_eq!(parse_date("2026-01-01 12:00", ny, now()), utc(2026, 1, 1, 17, 0));
    assert_eq!(parse_date("2026-07-01 12:00", ny, now()), utc(2026, 7, 1, 16, 0));
    // An explicit offset wins over the zone.
    assert_eq!(parse_date("2026-03-05T14:30:00+08:00", ny, now()), utc(2026, 3, 5, 6, 30));
}

/// Regression: a wall-clock time inside New York's spring-forward gap was dropped (no such local time).
#[test]
fn time_in_a_daylight_saving_gap_is_read_an_hour_later() {
    let ny: Tz = chrono_tz::America::New_York;
    // 2026-03-08 02:30 does not exist in New York: 03:30 EDT = 07:30 UTC.
    assert_eq!(parse_date("2026-03-08 02:30", ny, now()), utc(2026, 3, 8, 7, 30));
    // An ambiguous fall-back time takes the earlier (EDT) reading: 01:30 EDT = 05:30 UTC.
    assert_eq!(parse_date("2026-11-01 01:30", ny, now()), utc(2026, 11, 1, 5, 30));
}
