//! `trawl run` end to end: the real binary on a seconds-level schedule against a loopback server.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use common::{Daemon, Route, Server, Workspace, daemon_config, fixture, wait_until};

const RSS: &str = "application/rss+xml";

fn polls(ws: &Workspace, source: &str) -> i64 {
    ws.count_or_zero(&format!(
        "SELECT COUNT(*) FROM polls p JOIN sources s ON s.id = p.source_id WHERE s.name = '{source}'"
    ))
}

#[test]
fn run_polls_on_schedule_and_stops_on_sigterm() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok(RSS, fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    ws.write_raw_config(&daemon_config(&[("news", s.url("/rss2.xml"))], "*/2 * * * * *", ""));
    let mut d = Daemon::start(&ws, &[]);
    // First poll right away (never polled before), then every two seconds.
    assert!(
        wait_until(Duration::from_secs(10), || polls(&ws, "news") >= 3),
        "polls: {}\n{}",
        polls(&ws, "news"),
        d.log()
    );
    let times: Vec<String> = {
        let db = ws.db();
        let mut st = db.prepare("SELECT started_at FROM polls ORDER BY id").unwrap();
        st.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    // Scheduled polls start on even seconds.
    for t in &times[1..] {
        let sec: u32 = t[17..19].parse().unwrap();
        assert_eq!(sec % 2, 0, "poll at {t} is off the schedule: {times:?}");
    }
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), 2, "re-polls add no duplicate hits");
    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(5)), Some(0), "{}", d.log());
    let log = d.log();
    assert!(log.contains("poll finished") && log.contains("source=news") && log.contains("duration_ms="), "{log}");
    assert!(log.contains("stopped"), "{log}");
}

#[test]
fn sighup_reloads_rules_and_refuses_a_broken_config() {
    let s = Server::start();
    s.route("/feed.xml", Route::ok(RSS, fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    ws.write_raw_config(&daemon_config(&[("news", s.url("/feed.xml"))], "*/1 * * * * *", ""));
    let sock_path = ws.path("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_nonblocking(true).unwrap();
    let d = Daemon::start(&ws, &[("NOTIFY_SOCKET", sock_path.to_str().unwrap())]);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws, "news") >= 1), "{}", d.log());

    // A new rule, and a new story that only it matches.
    std::fs::write(
        ws.path("rules/new.toml"),
        "[[rule]]\nname = \"buses\"\nseverity = \"low\"\nany = [\"bus timetable\"]\n",
    )
    .unwrap();
    d.signal("HUP");
    assert!(
        wait_until(Duration::from_secs(5), || d.log().contains("reloaded: watching 1 sources with 5 rules")),
        "{}",
        d.log()
    );
    let with_item = String::from_utf8(fixture("rss2.xml")).unwrap().replace(
        "</channel>",
        "<item><title>New bus timetable</title><link>http://news.example/bus</link><guid>rd-2000</guid><description>From May.</description></item></channel>",
    );
    s.route("/feed.xml", Route::ok(RSS, with_item));
    assert!(
        wait_until(Duration::from_secs(10), || ws.count_or_zero("SELECT COUNT(*) FROM hits WHERE rule = 'buses'") == 1),
        "{}",
        d.log()
    );

    // A broken rule file: the old rules keep running and the log names file and line.
    std::fs::write(ws.path("rules/broken.toml"), "[[rule]]\nname = \"x\"\nseverity = \"urgent\"\nany = [\"y\"]\n")
        .unwrap();
    d.signal("HUP");
    assert!(wait_until(Duration::from_secs(5), || d.log().contains("reload refused")), "{}", d.log());
    let log = d.log();
    assert!(log.contains("broken.toml:3:12: unknown severity 'urgent'"), "{log}");
    let mut buf = [0u8; 4096];
    let mut statuses = Vec::new();
    while let Ok(n) = sock.recv(&mut buf) {
        statuses.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    assert!(
        statuses.iter().any(|m| m.contains("STATUS=reload refused, still running the previous config:")
            && m.contains("unknown severity 'urgent'")),
        "{statuses:?}"
    );
    let before = polls(&ws, "news");
    assert!(
        wait_until(Duration::from_secs(5), || polls(&ws, "news") > before + 1),
        "still polling after a refused reload\n{log}"
    );
}

#[test]
fn sigterm_during_a_slow_poll_exits_within_the_grace_period() {
    let s = Server::start();
    s.route("/slow.xml", Route::ok(RSS, fixture("rss2.xml")).delayed(Duration::from_secs(30)));
    s.route("/fast.xml", Route::ok(RSS, fixture("rss1.xml")));
    let ws = Workspace::new(&[]);
    ws.write_raw_config(&daemon_config(&[("slow", s.url("/slow.xml")), ("fast", s.url("/fast.xml"))], "0 0 1 1 *", ""));
    let mut d = Daemon::start(&ws, &[]);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws, "fast") == 1), "{}", d.log());
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(6)), Some(0), "{}", d.log());
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(1500) && took < Duration::from_secs(5),
        "stopped after {took:?} with a 2s grace"
    );
    assert!(d.log().contains("cancelling the remaining polls"), "{}", d.log());
    // The cancelled poll left nothing behind; the database is consistent.
    assert_eq!(polls(&ws, "slow"), 0);
    assert_eq!(ws.count("SELECT COUNT(*) FROM posts p JOIN sources s ON s.id = p.source_id WHERE s.name = 'slow'"), 0);
    let check: String = ws.db().query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn kill_9_mid_poll_then_restart_catches_up_once_without_duplicates() {
    let s = Server::start();
    s.route("/a.xml", Route::ok(RSS, fixture("rss2.xml")));
    s.route("/b.xml", Route::ok(RSS, fixture("feed.json")).delayed(Duration::from_secs(30)));
    let ws = Workspace::new(&[]);
    // A yearly schedule: the only polls are the start-up ones and catch-ups.
    ws.write_raw_config(&daemon_config(&[("a", s.url("/a.xml")), ("b", s.url("/b.xml"))], "0 0 1 1 *", ""));
    let mut d = Daemon::start(&ws, &[]);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws, "a") == 1), "{}", d.log());
    d.signal("KILL");
    d.wait(Duration::from_secs(5));
    let hits_a = ws.count("SELECT COUNT(*) FROM hits");
    assert_eq!(polls(&ws, "b"), 0, "b was killed mid-poll");

    // While trawl was down, a's slot passed (several times over); b's poll never committed.
    ws.db().execute("UPDATE sources SET next_due_at = '2020-01-01T00:00:00Z' WHERE name = 'a'", []).unwrap();
    s.route("/b.xml", Route::ok("application/feed+json", fixture("feed.json")));
    let d2 = Daemon::start(&ws, &[]);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws, "a") == 2 && polls(&ws, "b") == 1), "{}", d2.log());
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!((polls(&ws, "a"), polls(&ws, "b")), (2, 1), "one catch-up poll each, not one per missed slot");
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), hits_a + 1, "b's hit once, a's hits not duplicated");
    let next: String = ws.db().query_row("SELECT next_due_at FROM sources WHERE name = 'a'", [], |r| r.get(0)).unwrap();
    assert!(next.as_str() > "2026-01-01", "next slot recorded after the catch-up: {next}");
}

#[test]
fn systemd_notifications_arrive_in_order() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok(RSS, fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    ws.write_raw_config(&daemon_config(&[("news", s.url("/rss2.xml"))], "*/1 * * * * *", ""));
    let sock_path = ws.path("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let mut d = Daemon::start(&ws, &[("NOTIFY_SOCKET", sock_path.to_str().unwrap()), ("WATCHDOG_USEC", "1000000")]);
    let mut msgs: Vec<String> = Vec::new();
    let mut buf = [0u8; 4096];
    let mut collect = |msgs: &mut Vec<String>, until: Instant| {
        while Instant::now() < until {
            if let Ok(n) = sock.recv(&mut buf) {
                msgs.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            }
        }
    };
    collect(&mut msgs, Instant::now() + Duration::from_secs(3));
    d.signal("TERM");
    collect(&mut msgs, Instant::now() + Duration::from_secs(1));
    assert_eq!(d.wait(Duration::from_secs(5)), Some(0));
    assert!(msgs[0].contains("READY=1") && msgs[0].contains("STATUS=watching 1 sources"), "{msgs:?}");
    let pos = |needle: &str| msgs.iter().position(|m| m.contains(needle));
    let cycle = pos("STATUS=last cycle").unwrap_or_else(|| panic!("no cycle status: {msgs:?}"));
    assert!(msgs[cycle].contains("1 sources, 1 ok, 0 failed"), "{msgs:?}");
    assert!(pos("WATCHDOG=1").is_some(), "{msgs:?}");
    let stopping = pos("STOPPING=1").expect("STOPPING=1");
    assert_eq!(stopping, msgs.len() - 1, "STOPPING=1 comes last: {msgs:?}");
}

#[test]
fn a_poll_still_running_at_its_next_slot_is_not_started_twice() {
    let s = Server::start();
    s.route("/slow.xml", Route::ok(RSS, fixture("rss2.xml")).delayed(Duration::from_millis(3500)));
    let ws = Workspace::new(&[]);
    ws.write_raw_config(&daemon_config(&[("slow", s.url("/slow.xml"))], "*/1 * * * * *", ""));
    let mut d = Daemon::start(&ws, &[]);
    std::thread::sleep(Duration::from_millis(5000));
    // One poll in flight for 3.5 s spans three or four one-second slots: those are skipped.
    assert!(s.requests("/slow.xml") <= 2, "{} requests in 5 s", s.requests("/slow.xml"));
    assert!(d.log().contains("previous poll still running; skipping this slot"), "{}", d.log());
    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(6)), Some(0));
    assert!(polls(&ws, "slow") <= 2);
}
