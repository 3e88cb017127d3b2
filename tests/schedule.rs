//! `trawl schedule` and the calendar checks through the real binary.

mod common;

use common::Workspace;

fn workspace(extra: &str) -> Workspace {
    let ws = Workspace::new(&[]);
    std::fs::write(
        ws.path("holidays.toml"),
        "[[holiday]]\ndate = 2026-10-01\nuntil = 2026-10-07\nname = \"国庆节\"\n\n[[workday]]\ndate = 2026-10-10\nname = \"国庆节调休\"\n",
    )
    .unwrap();
    ws.write_raw_config(&format!(
        r#"[schedule]
timezone = "Asia/Shanghai"
calendar = ["holidays.toml"]
{extra}
[[source]]
name = "city"
kind = "feed"
url = "http://127.0.0.1:9/a.xml"

[[source]]
name = "forum"
kind = "feed"
url = "http://127.0.0.1:9/b.xml"
schedules = ["night"]
"#
    ));
    ws
}

#[test]
fn schedule_lists_fires_with_day_kinds() {
    let ws = workspace("");
    let (code, out, err) = ws.run(&["schedule", "--from", "2026-10-07 19:00", "--count", "5"]);
    assert_eq!(code, 0, "{err}");
    let want = "times in Asia/Shanghai
TIME                  DAY      SCHEDULE  SOURCES
2026-10-08 Thu 00:00  workday  night     all 2 sources
2026-10-08 Thu 05:00  workday  night     all 2 sources
2026-10-08 Thu 08:00  workday  daytime   city
2026-10-08 Thu 10:00  workday  daytime   city
2026-10-08 Thu 12:00  workday  daytime   city
";
    assert_eq!(out, want);
    let (_, out, _) = ws.run(&["schedule", "--from", "2026-10-10T07:00:00+08:00", "--count", "1", "--source", "city"]);
    assert!(out.contains("2026-10-10 Sat 08:00  make-up workday (国庆节调休)  daytime   city"), "{out}");
}

#[test]
fn schedule_json_names_the_holiday() {
    let ws = workspace("");
    let (code, out, _) = ws.run(&["schedule", "--from", "2026-10-01", "--count", "2", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["at"], "2026-10-01T00:00:00+08:00");
    assert_eq!(v[0]["schedules"], serde_json::json!(["night"]));
    assert_eq!(v[0]["day"], serde_json::json!({"kind": "holiday", "name": "国庆节"}));
    assert_eq!(v[0]["sources"], serde_json::json!(["city", "forum"]));
    assert_eq!(v[1]["at"], "2026-10-01T05:00:00+08:00");
}

#[test]
fn check_warns_when_the_calendar_lacks_this_or_next_year() {
    let ws = workspace("");
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "a calendar gap is a warning, not an error");
    let this_year = chrono::Utc::now().format("%Y").to_string();
    if this_year != "2026" {
        assert!(err.contains(&format!("no entries for {this_year}")), "{err}");
    }
    let next: i32 = this_year.parse::<i32>().unwrap() + 1;
    assert!(err.contains(&format!("warning: the holiday calendar has no entries for {next}")), "{err}");
}

#[test]
fn bad_schedule_config_is_reported_with_positions() {
    let ws = workspace("jitter = \"soonish\"\n[schedules.daytime]\ncron = [\"0 8 * *\"]\non = \"weekdays\"\n");
    let cfg = std::fs::read_to_string(ws.config()).unwrap().replace("Asia/Shanghai", "Mars/Olympus");
    ws.write_raw_config(&cfg);
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    let p = ws.config().display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        vec![
            format!("{p}:2:12: unknown time zone 'Mars/Olympus': use an IANA name like \"Asia/Shanghai\""),
            format!("{p}:4:10: invalid duration 'soonish': write it like \"30s\", \"5m\" or \"2h\""),
            format!(
                "{p}:6:9: cron expression '0 8 * *' has 4 fields: write 5 (min hour day month weekday) or 6 (with seconds first)"
            ),
            format!("{p}:7:6: unknown 'on' value 'weekdays': expected \"workdays\", \"non-workdays\" or \"every-day\""),
            format!("{p}:18:14: unknown schedule 'night' (defined: daytime)"),
        ]
    );
}
