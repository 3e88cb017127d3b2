//! Scheduled digests over whole weeks and quiet days, driven through `trawl digest --scheduled
//! --now T`: a weekly cron fires on its weekday only and covers the week since the previous one;
//! `zero_report = false` skips a period without hits and still moves on, so nothing repeats.
//! Hits are recorded at the real time, so every `--now` is placed around the real clock.

mod common;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc, Weekday};
use chrono_tz::Asia::Shanghai;
use chrono_tz::Tz;
use common::{Route, Server, Workspace, fixture};

/// A workspace watching a feed with two hits (already polled once, so the hits are recorded now)
/// whose file channel takes digests only.
fn polled(schedules: &str) -> Workspace {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    ws.write_config(
        &[("rss2", s.url("/rss2.xml"))],
        &format!(
            "[schedule]\ntimezone = \"Asia/Shanghai\"\n[digest]\nlanguage = \"en\"\n{schedules}\n\
             [[channel]]\nname = \"folder\"\ntype = \"file\"\npath = \"outbox\"\nkinds = [\"digest\"]\n"
        ),
    );
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(ws.hits().len(), 2);
    ws
}

/// `trawl digest --scheduled` as if it were `now`. A digest decided at a pretend time later than
/// the real one is only due then, so `deliveries retry --all` sends it at once.
fn fire_at(ws: &Workspace, now: DateTime<Tz>) {
    let (code, out, err) = ws.run(&["digest", "--scheduled", "--now", &now.to_rfc3339()]);
    assert_eq!(code, 0, "at {now}: {out}\n{err}");
    let (code, out, err) = ws.run(&["deliveries", "retry", "--all"]);
    assert_eq!(code, 0, "at {now}: {out}\n{err}");
}

/// The first lines of the files the channel wrote for schedule `name`, oldest first.
fn sent(ws: &Workspace, name: &str) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(ws.path("outbox")) else { return Vec::new() };
    let mut files: Vec<(String, String)> = dir
        .map(|e| e.unwrap())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&format!("digest_{name}_")))
        .map(|e| {
            let body = std::fs::read_to_string(e.path()).unwrap();
            (e.file_name().to_string_lossy().into_owned(), body.lines().next().unwrap_or("").to_string())
        })
        .collect();
    files.sort(); // names carry the fire time
    files.into_iter().map(|f| f.1).collect()
}

/// The first `hour`:00 in Shanghai strictly after `t`, on `day` if given.
fn next_local(t: DateTime<Utc>, hour: u32, day: Option<Weekday>) -> DateTime<Tz> {
    let mut date = t.with_timezone(&Shanghai).date_naive();
    loop {
        // Shanghai has no daylight saving time: every local hour exists once.
        let at = Shanghai.from_local_datetime(&date.and_hms_opt(hour, 0, 0).unwrap()).unwrap();
        if at > t && day.is_none_or(|d| date.weekday() == d) {
            return at;
        }
        date = date.succ_opt().unwrap();
    }
}

fn local(t: DateTime<Tz>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

#[test]
fn weekly_digest_fires_on_mondays_only_and_covers_the_week_since_the_previous_one() {
    let before = Utc::now();
    let ws = polled("[[digest.schedule]]\nname = \"weekly\"\ncron = [\"0 9 * * 1\"]\n");
    // The hits fall in the week that ends on `monday`.
    let monday = next_local(before, 9, Some(Weekday::Mon));
    let prev_monday = monday - Duration::days(7);
    let start = prev_monday - Duration::days(7) + Duration::hours(1);
    fire_at(&ws, start); // first sight: the first period starts here

    // Tuesday to Sunday, each after 09:00, and Monday just before: nothing.
    for day in 1..=6 {
        let at = start + Duration::days(day);
        fire_at(&ws, at);
        assert_eq!(sent(&ws, "weekly"), Vec::<String>::new(), "fired on {}", at.format("%A %F"));
    }
    fire_at(&ws, prev_monday - Duration::minutes(1));
    assert!(sent(&ws, "weekly").is_empty());

    fire_at(&ws, prev_monday);
    let want_first = format!("Zero report — no hits from {} to {} (Asia/Shanghai)", local(start), local(prev_monday));
    assert_eq!(sent(&ws, "weekly").len(), 1);
    assert!(sent(&ws, "weekly")[0].starts_with(&want_first), "{:?}", sent(&ws, "weekly"));

    for day in 1..=6 {
        fire_at(&ws, prev_monday + Duration::days(day) + Duration::hours(1));
    }
    assert_eq!(sent(&ws, "weekly").len(), 1, "{:?}", sent(&ws, "weekly"));

    // Run late on Monday (cron at 09:30): the digest covers Monday 09:00 to Monday 09:00.
    fire_at(&ws, monday + Duration::minutes(30));
    let got = sent(&ws, "weekly");
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[1], format!("Digest — 2 hits from {} to {} (Asia/Shanghai)", local(prev_monday), local(monday)));

    fire_at(&ws, monday + Duration::hours(2));
    assert_eq!(sent(&ws, "weekly").len(), 2, "nothing repeats later that Monday");
}

#[test]
fn zero_report_false_skips_quiet_periods_and_the_next_digest_starts_at_the_skipped_fire() {
    let before = Utc::now();
    let ws = polled(
        "[[digest.schedule]]\nname = \"quiet-days\"\ncron = [\"0 9 * * *\"]\nzero_report = false\n\
         [[digest.schedule]]\nname = \"every-day\"\ncron = [\"0 9 * * *\"]\n",
    );
    // The hits fall in the day that ends at `day`.
    let day = next_local(before, 9, None);
    let d = Duration::days(1);
    fire_at(&ws, day - d * 3 + Duration::hours(1)); // first sight
    fire_at(&ws, day - d * 2);
    fire_at(&ws, day - d);
    assert!(sent(&ws, "quiet-days").is_empty(), "{:?}", sent(&ws, "quiet-days"));
    assert_eq!(sent(&ws, "every-day").len(), 2, "the same schedule with zero reports sends them");

    fire_at(&ws, day);
    let want = format!("Digest — 2 hits from {} to {} (Asia/Shanghai)", local(day - d), local(day));
    assert_eq!(sent(&ws, "quiet-days"), std::slice::from_ref(&want), "the skipped days are not covered again");

    fire_at(&ws, day + d);
    fire_at(&ws, day + d + Duration::hours(1));
    assert_eq!(
        sent(&ws, "quiet-days"),
        std::slice::from_ref(&want),
        "quiet again: skipped, and the digest is not repeated"
    );
    let every = sent(&ws, "every-day");
    assert_eq!(every.len(), 4, "{every:?}");
    assert_eq!(every[2], want);
    assert!(every[3].starts_with("Zero report — no hits from "), "{every:?}");
}

#[test]
fn scheduled_digest_is_not_a_false_zero_report_for_a_tag_channel_while_rules_do_not_load() {
    // Regression: with a rule file broken, a channel routed by rule tag received a clean zero
    // report (every hit dropped for want of the rules' tags) and the period was marked as done.
    let before = Utc::now();
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    let tagged =
        std::fs::read_to_string(ws.path("rules/test.toml")).unwrap().replace("[[rule]]", "[[rule]]\ntags = [\"desk\"]");
    std::fs::write(ws.path("rules/test.toml"), &tagged).unwrap();
    ws.write_config(
        &[("rss2", s.url("/rss2.xml"))],
        "[schedule]\ntimezone = \"Asia/Shanghai\"\n[digest]\nlanguage = \"en\"\n\
         [[digest.schedule]]\nname = \"daily\"\ncron = [\"0 9 * * *\"]\n\
         [[channel]]\nname = \"folder\"\ntype = \"file\"\npath = \"outbox\"\nkinds = [\"digest\"]\ntags = [\"desk\"]\n",
    );
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(ws.hits().len(), 2);
    let day = next_local(before, 9, None);
    let d = Duration::days(1);
    fire_at(&ws, day - d * 2 + Duration::hours(1)); // first sight

    std::fs::write(ws.path("rules/test.toml"), "[[rule]]\nname = \"half-edited\"\n").unwrap();
    let (code, _, err) = ws.run(&["digest", "--scheduled", "--now", &day.to_rfc3339()]);
    assert_eq!(code, 1, "the digest cannot be routed: {err}");
    assert!(err.contains("folder") && err.contains("rule"), "{err}");
    let _ = ws.run(&["deliveries", "retry", "--all"]);
    assert!(sent(&ws, "daily").is_empty(), "nothing is sent while it cannot be routed: {:?}", sent(&ws, "daily"));

    std::fs::write(ws.path("rules/test.toml"), &tagged).unwrap();
    fire_at(&ws, day + Duration::hours(1));
    let want =
        format!("Digest — 2 hits from {} to {} (Asia/Shanghai)", local(day - d * 2 + Duration::hours(1)), local(day));
    assert_eq!(sent(&ws, "daily"), [want], "once the rules load, the digest covers the whole period");
}
