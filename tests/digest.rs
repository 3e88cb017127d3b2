//! `trawl digest` end to end: digests with hits, honest zero reports (clean and with a failing
//! source), scheduled digests on a holiday calendar with a make-up workday, and the delivery
//! worker retrying across a restart.

mod common;

use common::sinks::HookReceiver;
use common::{Route, Server, Workspace, fixture};

const QUIET: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title>
<item><title>Weather is mild</title><guid>q-1</guid><description>Nothing to see.</description></item>
</channel></rss>"#;

fn digest(ws: &Workspace, args: &[&str]) -> String {
    let mut all = vec!["digest"];
    all.extend_from_slice(args);
    let (code, out, err) = ws.run(&all);
    assert_eq!(code, 0, "{out}\n{err}");
    out
}

#[test]
fn digest_of_a_period_with_hits_lists_totals_hits_and_coverage() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    s.route("/quiet.xml", Route::ok("application/rss+xml", QUIET));
    let ws = Workspace::new(&[]);
    ws.write_config(&[("rss2", s.url("/rss2.xml")), ("quiet", s.url("/quiet.xml"))], "[digest]\nlanguage = \"en\"\n");
    ws.run(&["once"]);
    let md = digest(&ws, &[]);
    let first = md.lines().next().unwrap();
    assert!(first.starts_with("Digest — 2 hits from "), "{md}");
    assert!(md.contains("All 2 sources were polled successfully"), "{md}");
    assert!(md.contains("- By severity: critical 1, high 1"), "{md}");
    assert!(md.contains("[CRITICAL] fire-at-school — Riverside School closes after kitchen fire"), "{md}");
    assert!(md.contains("published 2026-03-05"), "{md}");
    assert!(md.contains("http://news.example/2026/03/school-fire"), "{md}");
    assert!(md.contains("**fire**"), "keywords are marked: {md}");
    assert!(md.contains("| quiet | 1 | 0 |"), "{md}");
    assert!(md.contains("| rss2 | 1 | 0 |"), "{md}");

    let json: serde_json::Value = serde_json::from_str(&digest(&ws, &["--format", "json"])).unwrap();
    assert_eq!(json["total"], 2);
    assert_eq!(json["zero"], false);
    assert_eq!(json["coverage"].as_array().unwrap().len(), 2);
    let html = digest(&ws, &["--format", "html"]);
    assert!(html.contains("<mark>fire</mark>") && html.contains("<table"), "{html}");
}

#[test]
fn zero_report_with_every_source_healthy_says_so_on_its_first_line() {
    let s = Server::start();
    s.route("/quiet.xml", Route::ok("application/rss+xml", QUIET));
    let ws = Workspace::new(&[]);
    ws.write_config(&[("quiet", s.url("/quiet.xml"))], "[schedule]\ntimezone = \"Asia/Shanghai\"\n");
    ws.run(&["once"]);
    ws.run(&["once"]);
    let text = digest(&ws, &["--format", "text"]);
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    assert!(first.starts_with("零报告 Zero report — "), "{text}");
    assert!(first.contains("（Asia/Shanghai）未发现命中"), "{text}");
    assert!(!first.contains("不完整"), "{text}");
    assert!(text.contains("全部 1 个来源在本期均抓取成功"), "{text}");
    assert!(text.contains("| quiet | 2 | 0 |"), "coverage proves both polls: {text}");
}

#[test]
fn zero_report_with_a_failing_source_never_looks_clean() {
    let s = Server::start();
    s.route("/quiet.xml", Route::ok("application/rss+xml", QUIET));
    s.route("/broken.xml", Route::status(503));
    let ws = Workspace::new(&[]);
    ws.write_config(
        &[("quiet", s.url("/quiet.xml")), ("broken", s.url("/broken.xml"))],
        "[schedule]\ntimezone = \"UTC\"\n[digest]\nlanguage = \"en\"\n",
    );
    ws.run(&["once"]);
    let text = digest(&ws, &["--format", "text"]);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("Zero report — no hits from ") && lines[0].ends_with("(UTC) — COVERAGE INCOMPLETE"),
        "{text}"
    );
    assert!(lines[1].starts_with("WARNING: coverage was incomplete") && lines[1].contains("Failed: broken."), "{text}");
    assert!(text.contains("| broken | 0 | 1 | never |"), "{text}");
    assert!(text.contains("HTTP 503") || text.contains("503"), "{text}");
}

#[test]
fn date_is_a_calendar_day_in_the_configured_zone_with_its_holiday() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.path("holidays.toml"), "[[holiday]]\ndate = 2026-10-01\nuntil = 2026-10-07\nname = \"国庆节\"\n")
        .unwrap();
    ws.write_config(&[], "[schedule]\ntimezone = \"Asia/Shanghai\"\ncalendar = [\"holidays.toml\"]\n");
    let json: serde_json::Value =
        serde_json::from_str(&digest(&ws, &["--date", "2026-10-01", "--format", "json"])).unwrap();
    assert_eq!(json["from_utc"], "2026-09-30T16:00:00Z");
    assert_eq!(json["to_utc"], "2026-10-01T16:00:00Z");
    assert_eq!(json["days"].as_array().unwrap().len(), 1);
    assert_eq!(json["days"][0]["kind"], "holiday");
    let text = digest(&ws, &["--date", "2026-10-01"]);
    assert!(text.starts_with("零报告 Zero report — 2026-10-01 00:00 至 2026-10-02 00:00（Asia/Shanghai）"), "{text}");
    assert!(text.contains("节假日（国庆节）"), "{text}");
}

/// Files the file channel wrote, by name.
fn outbox(ws: &Workspace) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = std::fs::read_dir(ws.path("outbox"))
        .map(|d| {
            d.map(|e| {
                let e = e.unwrap();
                (e.file_name().to_string_lossy().into_owned(), std::fs::read_to_string(e.path()).unwrap())
            })
            .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn scheduled_digests_follow_the_holiday_calendar_and_never_leave_a_gap() {
    let ws = Workspace::new(&[]);
    std::fs::write(
        ws.path("cn.toml"),
        "[[holiday]]\ndate = 2026-10-01\nuntil = 2026-10-07\nname = \"国庆节\"\n\
         [[workday]]\ndate = 2026-10-10\nname = \"国庆节调休\"\n",
    )
    .unwrap();
    ws.write_config(
        &[],
        "[schedule]\ntimezone = \"Asia/Shanghai\"\ncalendar = [\"cn.toml\"]\n\
         [[digest.schedule]]\nname = \"daily\"\ncron = [\"30 8 * * *\"]\non = \"workdays\"\n\
         [[digest.schedule]]\nname = \"holiday\"\ncron = [\"0 9 * * *\"]\non = \"non-workdays\"\n\
         [[channel]]\nname = \"folder\"\ntype = \"file\"\npath = \"outbox\"\n",
    );
    let at = |now: &str| {
        let (code, _, err) = ws.run(&["digest", "--scheduled", "--now", now]);
        assert_eq!(code, 0, "{err}");
    };
    at("2026-09-30T12:00:00+08:00"); // first sight: periods start now
    assert!(outbox(&ws).is_empty());

    at("2026-10-01T10:00:00+08:00"); // a holiday: only the holiday digest
    let files = outbox(&ws);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].0.starts_with("digest_holiday_"), "{files:?}");
    let body = &files[0].1;
    assert!(body.starts_with("零报告 Zero report — 2026-09-30 12:00 至 2026-10-01 09:00（Asia/Shanghai）"), "{body}");
    assert!(body.contains("2026-10-01 节假日（国庆节）"), "{body}");

    at("2026-10-01T10:30:00+08:00"); // a restart later the same morning repeats nothing
    assert_eq!(outbox(&ws).len(), 1);

    // Down until the make-up Saturday: one catch-up per kind, each covering since its previous one.
    at("2026-10-10T09:00:00+08:00");
    let files = outbox(&ws);
    assert_eq!(files.len(), 3, "{files:?}");
    let daily: Vec<_> = files.iter().filter(|f| f.0.starts_with("digest_daily_")).collect();
    assert_eq!(daily.len(), 1);
    assert!(daily[0].1.contains("2026-09-30 12:00 至 2026-10-10 08:30"), "{}", daily[0].1);
    assert!(daily[0].1.contains("2026-10-10 调休上班（国庆节调休）"), "{}", daily[0].1);
    let holiday: Vec<_> = files.iter().filter(|f| f.0.starts_with("digest_holiday_")).collect();
    assert!(holiday.iter().any(|f| f.1.contains("2026-10-01 09:00 至 2026-10-07 09:00")), "{holiday:?}");
}

#[test]
fn digest_send_delivers_and_the_worker_retries_after_a_restart() {
    let hooks = HookReceiver::start();
    hooks.set_status(500);
    let ws = Workspace::new(&[]);
    ws.write_config(
        &[],
        &format!(
            "[delivery]\nretry_initial = \"1s\"\nretry_max = \"1s\"\n\
             [[channel]]\nname = \"hook\"\ntype = \"webhook\"\nurl = \"{}\"\n",
            hooks.url("/d")
        ),
    );
    let (code, _, err) = ws.run(&["digest", "--send"]);
    assert_eq!(code, 1, "the failed delivery is reported: {err}");
    assert!(err.contains("0 sent, 1 failed"), "{err}");
    hooks.set_status(200);

    // The daemon's worker, started fresh (a restart), picks the pending digest up after backoff.
    let cfg = std::sync::Arc::new(trawl::config::Config::load(&ws.config()).unwrap());
    let (_tx, rx) = tokio::sync::watch::channel(cfg);
    let token = tokio_util::sync::CancellationToken::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let worker = tokio::spawn(trawl::digest::run_worker(rx, token.clone()));
        for _ in 0..100 {
            if !hooks.hooks("/d").is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        token.cancel();
        tokio::time::timeout(std::time::Duration::from_secs(5), worker).await.expect("worker stops promptly").unwrap();
    });
    let got = hooks.hooks("/d");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].body["subject"].as_str().unwrap().starts_with("零报告 Zero report"));
    assert_eq!(ws.count("SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"), 1);
}

#[test]
fn check_reports_digest_alert_and_channel_problems_with_line_and_column() {
    let ws = Workspace::new(&[]);
    let cfg = r#"[digest]
language = "fr"

[[digest.schedule]]
name = "daily"
cron = ["8 * * *"]
on = "holidays"

[alerts]
min_severity = "urgent"

[[channel]]
name = "x"
type = "pigeon"

[[channel]]
name = "m"
type = "smtp"
host = "mail.example.org"
from = "trawl@example.org"
to = ["not an address"]
kinds = ["alerts"]
"#;
    std::fs::write(ws.config(), cfg).unwrap();
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 2, "{out}");
    let p = ws.config().display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    let want_prefixes = [
        format!("{p}:2:12: unknown language 'fr'"),
        format!("{p}:6:9: cron expression '8 * * *' has 4 fields"),
        format!("{p}:7:6: unknown 'on' value 'holidays'"),
        format!("{p}:10:16: unknown severity 'urgent'"),
        format!("{p}:14:8: unknown channel type 'pigeon'"),
        format!("{p}:21:7: invalid mail address 'not an address'"),
        format!("{p}:22:10: unknown message kind 'alerts'"),
    ];
    assert_eq!(lines.len(), want_prefixes.len(), "{err}");
    for (l, w) in lines.iter().zip(&want_prefixes) {
        assert!(l.starts_with(w.as_str()), "{l}\n  should start with\n{w}");
    }
}
