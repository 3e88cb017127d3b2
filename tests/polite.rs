//! Politeness through the real binary: robots.txt and the per-host spacing of requests.

mod common;

use std::time::{Duration, Instant};

use common::{Route, Server, Workspace, fixture};

const RSS: &str = "application/rss+xml";

fn server(robots: Option<Route>) -> Server {
    let s = Server::start();
    if let Some(r) = robots {
        s.route("/robots.txt", r);
    }
    s.route("/private/feed.xml", Route::ok(RSS, fixture("rss2.xml")));
    s.route("/public.xml", Route::ok(RSS, fixture("rss1.xml")));
    s
}

fn line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| l.split_whitespace().nth(1) == Some(name))
        .unwrap_or_else(|| panic!("no line for {name}: {out}"))
}

#[test]
fn robots_txt_disallow_is_obeyed_per_agent_group() {
    let cases = [
        ("all agents", "User-agent: *\nDisallow: /private/\n", true),
        ("trawl's own group", "User-agent: trawl\nDisallow: /private\n\nUser-agent: *\nAllow: /\n", true),
        ("another agent only", "User-agent: otherbot\nDisallow: /\n", false),
        ("allow overrides", "User-agent: *\nDisallow: /private/\nAllow: /private/feed.xml\n", false),
    ];
    for (case, robots, blocked) in cases {
        let s = server(Some(Route::ok("text/plain", robots)));
        let ws = Workspace::new(&[("private", s.url("/private/feed.xml")), ("public", s.url("/public.xml"))]);
        let (code, out, _) = ws.run(&["once"]);
        assert!(line(&out, "public").starts_with("ok"), "{case}: {out}");
        if blocked {
            assert_eq!(code, 1, "{case}: {out}");
            let want = format!(
                "robots.txt at '{}' disallows '{}' for trawl",
                s.url("/robots.txt"),
                s.url("/private/feed.xml")
            );
            assert!(line(&out, "private").contains(&want), "{case}: {out}");
            assert_eq!(s.requests("/private/feed.xml"), 0, "{case}: a disallowed URL is never requested");
        } else {
            assert_eq!(code, 0, "{case}: {out}");
            assert_eq!(s.requests("/private/feed.xml"), 1, "{case}");
        }
        assert_eq!(s.requests("/robots.txt"), 1, "{case}: robots.txt is read once per run and origin");
    }
}

#[test]
fn missing_robots_txt_allows_everything_and_robots_false_ignores_it() {
    let s = server(None);
    let ws = Workspace::new(&[("private", s.url("/private/feed.xml"))]);
    assert_eq!(ws.run(&["once"]).0, 0);

    let s = server(Some(Route::ok("text/plain", "User-agent: *\nDisallow: /\n")));
    let ws = Workspace::new(&[]);
    ws.write_config(&[("private", s.url("/private/feed.xml"))], "robots = false");
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(s.requests("/robots.txt"), 0);
}

#[test]
fn robots_txt_server_error_keeps_away_until_it_answers() {
    let s = server(Some(Route::status(503)));
    let ws = Workspace::new(&[("public", s.url("/public.xml"))]);
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 1);
    assert!(line(&out, "public").contains("answered HTTP 503: not fetching"), "{out}");
    assert_eq!(s.requests("/public.xml"), 0);
    // The next poll asks again, and goes ahead once robots.txt is back.
    s.route("/robots.txt", Route::status(404));
    assert_eq!(ws.run(&["once"]).0, 0);
    assert_eq!(s.requests("/public.xml"), 1);
}

#[test]
fn requests_to_one_host_are_spaced_by_host_delay() {
    let s = server(None);
    let sources = [("a", s.url("/public.xml")), ("b", s.url("/public.xml")), ("c", s.url("/public.xml"))];
    // robots.txt, then a, b, c: four request starts at least 0.5 s apart.
    let ws = Workspace::new(&[]);
    ws.write_config(&sources, "host_delay = \"500ms\"");
    let t = Instant::now();
    assert_eq!(ws.run(&["once"]).0, 0);
    assert!(t.elapsed() >= Duration::from_millis(1500), "took {:?}", t.elapsed());

    // Crawl-delay in robots.txt widens the spacing.
    s.route("/robots.txt", Route::ok("text/plain", "User-agent: *\nCrawl-delay: 1\n"));
    let ws = Workspace::new(&[]);
    ws.write_config(&sources, "host_delay = \"0s\"");
    let t = Instant::now();
    assert_eq!(ws.run(&["once"]).0, 0);
    assert!(t.elapsed() >= Duration::from_secs(2), "Crawl-delay: 1 over three requests took {:?}", t.elapsed());
}
