//! Table-driven schedule tests over a calendar with holidays and make-up workdays.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::*;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// National Day 2026-10-01..07 (Thu–Wed) with make-up workdays Sun 09-27 and Sat 10-10; New Year 2027-01-01.
fn calendar() -> Calendar {
    let mut c = Calendar::default();
    c.add_holiday(d("2026-10-01"), d("2026-10-07"), "国庆节");
    c.add_workday(d("2026-09-27"), d("2026-09-27"), "国庆节调休");
    c.add_workday(d("2026-10-10"), d("2026-10-10"), "国庆节调休");
    c.add_holiday(d("2027-01-01"), d("2027-01-01"), "元旦");
    c
}

#[test]
fn day_kinds() {
    let c = calendar();
    let cases = [
        ("2026-09-25", DayKind::Workday),
        ("2026-09-26", DayKind::Weekend),
        ("2026-09-27", DayKind::MakeupWorkday("国庆节调休".into())),
        ("2026-10-01", DayKind::Holiday("国庆节".into())),
        ("2026-10-07", DayKind::Holiday("国庆节".into())),
        ("2026-10-08", DayKind::Workday),
        ("2026-10-10", DayKind::MakeupWorkday("国庆节调休".into())),
        ("2026-10-11", DayKind::Weekend),
        ("2027-01-01", DayKind::Holiday("元旦".into())),
    ];
    for (day, want) in cases {
        assert_eq!(c.day_kind(d(day)), want, "{day}");
    }
}

#[test]
fn next_fire_with_default_schedules() {
    let c = calendar();
    let sh: Tz = "Asia/Shanghai".parse().unwrap();
    let ny: Tz = "America/New_York".parse().unwrap();
    let cases = [
        // (case, zone, from, expected fire, schedule)
        ("friday night to saturday midnight", sh, "2026-09-25T21:00:00+08:00", "2026-09-26T00:00:00+08:00", "night"),
        ("weekend has no daytime polls", sh, "2026-09-26T05:00:00+08:00", "2026-09-27T00:00:00+08:00", "night"),
        ("make-up sunday is a workday", sh, "2026-09-27T05:00:00+08:00", "2026-09-27T08:00:00+08:00", "daytime"),
        ("every two hours in the day", sh, "2026-09-28T08:00:00+08:00", "2026-09-28T10:00:00+08:00", "daytime"),
        ("last daytime slot is 20:00", sh, "2026-09-28T18:30:00+08:00", "2026-09-28T20:00:00+08:00", "daytime"),
        ("one second before midnight", sh, "2026-09-29T23:59:59+08:00", "2026-09-30T00:00:00+08:00", "night"),
        ("workday evening to holiday midnight", sh, "2026-09-30T20:00:00+08:00", "2026-10-01T00:00:00+08:00", "night"),
        ("holiday thursday: night polls only", sh, "2026-10-01T05:00:00+08:00", "2026-10-02T00:00:00+08:00", "night"),
        ("first workday after the holiday", sh, "2026-10-08T05:00:00+08:00", "2026-10-08T08:00:00+08:00", "daytime"),
        ("make-up saturday is a workday", sh, "2026-10-10T05:00:00+08:00", "2026-10-10T08:00:00+08:00", "daytime"),
        ("new year's eve to new year", sh, "2026-12-31T20:00:00+08:00", "2027-01-01T00:00:00+08:00", "night"),
        ("new year's day: no daytime", sh, "2027-01-01T05:00:00+08:00", "2027-01-02T00:00:00+08:00", "night"),
        ("first monday of the year", sh, "2027-01-04T05:00:00+08:00", "2027-01-04T08:00:00+08:00", "daytime"),
        (
            "daylight saving: friday before, EST",
            ny,
            "2026-03-06T05:00:00-05:00",
            "2026-03-06T08:00:00-05:00",
            "daytime",
        ),
        ("daylight saving: night of the change", ny, "2026-03-07T20:00:00-05:00", "2026-03-08T00:00:00-05:00", "night"),
        (
            "daylight saving: 05:00 right after the change is EDT",
            ny,
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T05:00:00-04:00",
            "night",
        ),
        ("daylight saving: monday after, EDT", ny, "2026-03-09T05:00:00-04:00", "2026-03-09T08:00:00-04:00", "daytime"),
        (
            "daylight saving ends: 05:00 is EST again",
            ny,
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T05:00:00-05:00",
            "night",
        ),
    ];
    let schedules = default_schedules();
    for (case, tz, from, want, sched) in cases {
        let f = next_fire(&schedules, t(from), tz, &c).expect(case);
        assert_eq!((f.at, f.schedule.as_str()), (t(want), sched), "{case}");
    }
}

#[test]
fn upcoming_lists_fires_in_order() {
    let sh: Tz = "Asia/Shanghai".parse().unwrap();
    let fires = upcoming(&default_schedules(), t("2026-09-30T17:00:00+08:00"), 4, sh, &calendar());
    let got: Vec<(DateTime<Utc>, &str)> = fires.iter().map(|f| (f.at, f.schedule.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (t("2026-09-30T18:00:00+08:00"), "daytime"),
            (t("2026-09-30T20:00:00+08:00"), "daytime"),
            (t("2026-10-01T00:00:00+08:00"), "night"),
            (t("2026-10-01T05:00:00+08:00"), "night"),
        ]
    );
}

#[test]
fn cron_accepts_five_or_six_fields() {
    let cases = [
        ("0 8 * * *", true),
        ("*/2 * * * * *", true),
        ("0 0 8-20/2 * * * 2026", true),
        ("0 8 * *", false),
        ("61 * * * *", false),
        ("every day", false),
    ];
    for (expr, ok) in cases {
        assert_eq!(Cron::parse(expr).is_ok(), ok, "{expr}: {:?}", Cron::parse(expr).err());
    }
}

#[test]
fn weekdays_are_numbered_as_in_crontab() {
    let cases = [
        ("1", Ok("2")),
        ("0", Ok("1")),
        ("7", Ok("1")),
        ("1-5", Ok("2,3,4,5,6")),
        ("5-7", Ok("1,6,7")),
        ("0,6", Ok("1,7")),
        ("mon-fri", Ok("2,3,4,5,6")),
        ("SAT,Sunday", Ok("1,7")),
        ("*/2", Ok("1,3,5,7")),
        ("1-5/2", Ok("2,4,6")),
        ("3/2", Ok("4,6")),
        ("*", Ok("*")),
        ("?", Ok("?")),
        ("8", Err("weekday 8 is out of range: use 0-7 (0 and 7 are Sunday)")),
        ("5-1", Err("weekday range '5-1' runs backwards")),
        ("*/0", Err("bad step in '*/0'")),
        ("moon", Err("'moon' is not a weekday: use 0-7 (0 and 7 are Sunday) or mon, tue, …")),
    ];
    for (field, want) in cases {
        assert_eq!(weekday::to_cron_crate(field).as_deref(), want.map_err(str::to_string).as_deref(), "{field}");
    }
}

// Regression: the `cron` crate counts 1 = Sunday, so the documented weekly digest
// `0 9 * * 1` fired on Sundays.
#[test]
fn weekly_cron_on_weekday_one_fires_on_mondays() {
    let sh: Tz = "Asia/Shanghai".parse().unwrap();
    let mk = |e: &str| NamedSchedule { name: "w".into(), crons: vec![Cron::parse(e).unwrap()], on: On::EveryDay };
    let cases = [
        ("0 9 * * 1", ["2026-09-28T09:00:00+08:00", "2026-10-05T09:00:00+08:00"]),
        ("0 0 9 * * 1", ["2026-09-28T09:00:00+08:00", "2026-10-05T09:00:00+08:00"]),
        ("0 9 * * 0", ["2026-09-27T09:00:00+08:00", "2026-10-04T09:00:00+08:00"]),
        ("0 9 * * 7", ["2026-09-27T09:00:00+08:00", "2026-10-04T09:00:00+08:00"]),
        ("0 9 * * 5-7", ["2026-09-25T09:00:00+08:00", "2026-09-26T09:00:00+08:00"]),
    ];
    for (expr, want) in cases {
        let fires: Vec<DateTime<Utc>> =
            upcoming(&[mk(expr)], t("2026-09-24T12:00:00+08:00"), 2, sh, &Calendar::default())
                .into_iter()
                .map(|f| f.at)
                .collect();
        assert_eq!(fires, want.map(t), "{expr}");
    }
}

#[test]
fn non_workday_schedule_fires_on_weekends_and_holidays_only() {
    let sh: Tz = "Asia/Shanghai".parse().unwrap();
    let s =
        NamedSchedule { name: "holiday".into(), crons: vec![Cron::parse("30 8 * * *").unwrap()], on: On::NonWorkdays };
    let c = calendar();
    let fires: Vec<DateTime<Utc>> =
        upcoming(&[s], t("2026-09-25T12:00:00+08:00"), 4, sh, &c).into_iter().map(|f| f.at).collect();
    // Sat 26th; Sun 27th is a make-up workday; then the holiday from Thu 1st.
    assert_eq!(
        fires,
        vec![
            t("2026-09-26T08:30:00+08:00"),
            t("2026-10-01T08:30:00+08:00"),
            t("2026-10-02T08:30:00+08:00"),
            t("2026-10-03T08:30:00+08:00")
        ]
    );
}

#[test]
fn toml_and_ics_calendars_load() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("cn.toml");
    std::fs::write(
        &toml,
        "[[holiday]]\ndate = 2026-10-01\nuntil = 2026-10-07\nname = \"国庆节\"\n\n[[workday]]\ndate = 2026-09-27\nname = \"国庆节调休\"\n",
    )
    .unwrap();
    let ics = dir.path().join("cn.ics");
    std::fs::write(
        &ics,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270101\r\nDTEND;VALUE=DATE:20270104\r\nSUMMARY:元旦\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20270104\r\nSUMMARY:元旦 补\r\n 班\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .unwrap();
    let mut problems = Vec::new();
    let c = Calendar::load(&[toml, ics], &mut problems);
    assert!(problems.is_empty(), "{problems:?}");
    let cases = [
        ("2026-10-03", DayKind::Holiday("国庆节".into())),
        ("2026-09-27", DayKind::MakeupWorkday("国庆节调休".into())),
        ("2027-01-01", DayKind::Holiday("元旦".into())),
        ("2027-01-03", DayKind::Holiday("元旦".into())),
        ("2027-01-04", DayKind::MakeupWorkday("元旦 补班".into())),
        ("2027-01-05", DayKind::Workday),
    ];
    for (day, want) in cases {
        assert_eq!(c.day_kind(d(day)), want, "{day}");
    }
    assert!(c.covers_year(2026) && c.covers_year(2027) && !c.covers_year(2028));
}

#[test]
fn bad_calendar_entries_point_at_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.toml");
    std::fs::write(&p, "[[holiday]]\ndate = 2026-10-07\nuntil = 2026-10-01\nname = \"x\"\n").unwrap();
    let mut problems = Vec::new();
    Calendar::load(std::slice::from_ref(&p), &mut problems);
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].line, problems[0].col), (3, 9));
    assert!(problems[0].message.contains("before"), "{}", problems[0].message);
    let _ = Path::new("");
}
