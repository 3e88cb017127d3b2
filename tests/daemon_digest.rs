//! `trawl run` with digests and alerts: the daemon's worker delivers the alerts its polls decide and
//! fires scheduled digests, through a file channel.

mod common;

use std::time::Duration;

use common::{Daemon, Route, Server, Workspace, daemon_config, fixture, wait_until};

fn outbox(ws: &Workspace) -> Vec<String> {
    let Ok(dir) = std::fs::read_dir(ws.path("outbox")) else { return Vec::new() };
    let mut files: Vec<String> =
        dir.filter_map(Result::ok).filter_map(|e| std::fs::read_to_string(e.path()).ok()).collect();
    files.sort();
    files
}

#[test]
fn run_delivers_alerts_and_scheduled_digests() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    let extra = "[digest]\nlanguage = \"en\"\n\n[[digest.schedule]]\nname = \"often\"\ncron = [\"*/2 * * * * *\"]\n\n\
                 [[channel]]\nname = \"folder\"\ntype = \"file\"\npath = \"outbox\"\n";
    ws.write_raw_config(&daemon_config(&[("riverside", s.url("/rss2.xml"))], "*/1 * * * * *", extra));
    let mut d = Daemon::start(&ws, &[]);

    // The first poll finds a critical and a high hit: one alert, delivered by the daemon.
    assert!(
        wait_until(Duration::from_secs(15), || outbox(&ws)
            .iter()
            .any(|f| f.starts_with("ALERT — 2 serious hits on riverside"))),
        "{:?}\n{}",
        outbox(&ws),
        d.log()
    );
    // A scheduled digest follows, covering the period since the schedule was first seen.
    assert!(
        wait_until(Duration::from_secs(15), || outbox(&ws)
            .iter()
            .any(|f| f.starts_with("Digest —") || f.starts_with("Zero report —"))),
        "{:?}\n{}",
        outbox(&ws),
        d.log()
    );
    // Later polls find nothing new: still exactly one alert.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(outbox(&ws).iter().filter(|f| f.starts_with("ALERT")).count(), 1, "{:?}", outbox(&ws));
    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(8)), Some(0), "{}", d.log());
    assert_eq!(ws.count("SELECT COUNT(*) FROM deliveries WHERE status != 'sent'"), 0);
}

/// Regression: the daemon's digests read rule tags from disk, so a rule file broken mid-edit held
/// up every tag-routed digest although the daemon kept running its previous rules.
#[test]
fn tag_routed_digests_use_the_running_rules_while_a_rule_file_is_broken() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    let ws = Workspace::new(&[]);
    std::fs::write(
        ws.path("rules/tagged.toml"),
        "[[rule]]\nname = \"tagged\"\nseverity = \"low\"\ntags = [\"safety\"]\nany = [\"kitchen\"]\n",
    )
    .unwrap();
    let extra = "[digest]\nlanguage = \"en\"\n\n[[digest.schedule]]\nname = \"often\"\ncron = [\"*/2 * * * * *\"]\n\n\
                 [[channel]]\nname = \"safety\"\ntype = \"file\"\npath = \"outbox\"\nkinds = [\"digest\"]\ntags = [\"safety\"]\n";
    ws.write_raw_config(&daemon_config(&[("riverside", s.url("/rss2.xml"))], "*/1 * * * * *", extra));
    let mut d = Daemon::start(&ws, &[]);
    assert!(
        wait_until(Duration::from_secs(10), || ws.count_or_zero("SELECT COUNT(*) FROM hits WHERE rule = 'tagged'")
            == 1),
        "{}",
        d.log()
    );
    // Mid-edit: the file on disk no longer parses; the daemon keeps its rules (no reload asked).
    std::fs::write(ws.path("rules/tagged.toml"), "[[rule]\nname = ").unwrap();
    assert!(
        wait_until(Duration::from_secs(15), || outbox(&ws).iter().any(|f| f.starts_with("Digest — 1 hit"))),
        "{:?}\n{}",
        outbox(&ws),
        d.log()
    );
    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(8)), Some(0), "{}", d.log());
}
