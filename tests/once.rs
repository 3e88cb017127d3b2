//! `trawl once` end to end: real binary, loopback server, real SQLite file and archive.

mod common;

use std::time::Duration;

use common::{Route, Server, Workspace, fixture, refused_url};
use sha2::Digest;

const RSS: &str = "application/rss+xml";

/// A server with every well-formed fixture, and a workspace watching them.
fn good_feeds() -> (Server, Workspace) {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml; charset=utf-8", fixture("rss2.xml")));
    s.route("/rss1.xml", Route::ok("application/rdf+xml", fixture("rss1.xml")));
    s.route("/atom.xml", Route::ok("application/atom+xml", fixture("atom.xml")));
    s.route("/feed.json", Route::ok("application/feed+json", fixture("feed.json")));
    // No charset anywhere: not in the header, not in the XML declaration.
    s.route("/gb2312.xml", Route::ok(RSS, fixture("gb2312.xml")));
    // Declared only in the XML prolog.
    s.route("/big5.xml", Route::ok("text/xml", fixture("big5.xml")));
    let ws = Workspace::new(&[
        ("rss2", s.url("/rss2.xml")),
        ("rss1", s.url("/rss1.xml")),
        ("atom", s.url("/atom.xml")),
        ("jsonfeed", s.url("/feed.json")),
        ("gb2312", s.url("/gb2312.xml")),
        ("big5", s.url("/big5.xml")),
    ]);
    (s, ws)
}

fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

/// (rule, source, title, keywords with spans as "kw@start..end") of every hit, sorted.
fn hit_summary(hits: &[serde_json::Value]) -> Vec<(String, String, String, Vec<String>)> {
    let mut v: Vec<_> = hits
        .iter()
        .map(|h| {
            let spans = h["matches"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| format!("{}@{}..{}", m["keyword"].as_str().unwrap(), m["start"], m["end"]))
                .collect();
            (
                h["rule"].as_str().unwrap().to_string(),
                h["source"].as_str().unwrap().to_string(),
                h["title"].as_str().unwrap_or("").to_string(),
                spans,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn once_polls_every_feed_format_and_stores_exact_hits() {
    let (_s, ws) = good_feeds();
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("total: 6 sources, 6 ok, 0 failed; 9 new posts; 7 new hits"), "{out}");
    for name in ["rss2", "rss1", "atom", "jsonfeed", "gb2312", "big5"] {
        assert!(out.lines().any(|l| l.starts_with("ok") && l.contains(name)), "no ok line for {name}: {out}");
    }
    let s = |x: &str| x.to_string();
    let want = vec![
        (
            s("fire-at-school"),
            s("jsonfeed"),
            s("学校附近发生火灾"),
            vec![s("学校@0..6"), s("火灾@18..24"), s("学校@38..44"), s("火灾@56..62")],
        ),
        (
            s("fire-at-school"),
            s("rss2"),
            s("Riverside School closes after kitchen fire"),
            vec![s("school@10..16"), s("fire@38..42"), s("fire@52..56"), s("school@85..91")],
        ),
        (
            s("recall"),
            s("atom"),
            s("Part ＡＢＣ１２３ recalled"),
            vec![s("abc123@5..23"), s("recall@24..30"), s("recall@44..50"), s("abc123@59..77")],
        ),
        (s("school"), s("gb2312"), s("实验中学食堂通过卫生检查"), vec![s("实验中学@0..12"), s("实验中学@62..74")]),
        (s("school"), s("rss1"), s("实验中学家长会通知"), vec![s("实验中学@0..12"), s("实验中学@29..41")]),
        (
            s("school"),
            s("rss2"),
            s("Riverside School closes after kitchen fire"),
            vec![s("Riverside School@0..16"), s("Riverside School@75..91")],
        ),
        (s("university"), s("big5"), s("臺灣大學舉辦開放日"), vec![s("臺灣大學@0..12"), s("臺灣大學@29..41")]),
    ];
    let hits = ws.hits();
    assert_eq!(hit_summary(&hits), want);

    // Every span points at the keyword's text in the stored post text.
    let db = ws.db();
    for h in &hits {
        let text: String = db
            .query_row("SELECT text FROM posts WHERE id = ?1", [h["post_id"].as_i64().unwrap()], |r| r.get(0))
            .unwrap();
        for m in h["matches"].as_array().unwrap() {
            let (a, b) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
            let found = &text[a..b];
            let kw = m["keyword"].as_str().unwrap();
            assert!(
                trawl::rules::normalize::normalize_keyword(found) == trawl::rules::normalize::normalize_keyword(kw),
                "{found:?} vs {kw:?}"
            );
        }
    }
}

#[test]
fn hit_json_has_the_documented_fields() {
    let (_s, ws) = good_feeds();
    ws.run(&["once"]);
    let hits = ws.hits();
    let h = hits.iter().find(|h| h["rule"] == "school" && h["source"] == "rss2").unwrap();
    assert_eq!(h["severity"], "high");
    assert_eq!(h["url"], "http://news.example/2026/03/school-fire");
    assert_eq!(h["author"], "Mei Chen");
    assert_eq!(h["published_at"], "2026-03-05T06:30:00Z");
    assert_eq!(h["status"], "new");
    assert_eq!(h["keywords"], serde_json::json!(["Riverside School"]));
    assert_eq!(h["owner"], "press-office");
    assert_eq!(h["snippet"], "Riverside School closes after kitchen fire A small fire in…");
    assert_eq!(h["snapshot_sha256"], sha256(&fixture("rss2.xml")));
    let discovered = h["discovered_at"].as_str().unwrap();
    assert!(chrono::DateTime::parse_from_rfc3339(discovered).is_ok(), "{discovered}");
    assert!(h["id"].as_i64().unwrap() > 0);
}

#[test]
fn snapshots_are_zstd_files_named_by_sha256_with_fetch_metadata() {
    let (s, ws) = good_feeds();
    ws.run(&["once"]);
    for name in ["rss2.xml", "rss1.xml", "atom.xml", "feed.json", "gb2312.xml", "big5.xml"] {
        let raw = fixture(name);
        let sha = sha256(&raw);
        let blob = ws.path(&format!("data/archive/{}/{sha}.zst", &sha[..2]));
        let stored = zstd::decode_all(
            std::fs::read(&blob).unwrap_or_else(|e| panic!("{name}: {}: {e}", blob.display())).as_slice(),
        )
        .unwrap();
        assert_eq!(stored, raw, "{name}: archived bytes are the raw bytes");
        let (url, final_url, status, size, headers): (String, String, i64, i64, String) = ws
            .db()
            .query_row("SELECT url, final_url, status, size, headers FROM snapshots WHERE sha256 = ?1", [&sha], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        assert_eq!(
            (url.as_str(), final_url.as_str(), status, size),
            (s.url(&format!("/{name}")).as_str(), s.url(&format!("/{name}")).as_str(), 200, raw.len() as i64)
        );
        assert!(headers.contains("content-type"), "{headers}");
    }
    // Every hit references a snapshot that exists.
    assert_eq!(
        ws.count(
            "SELECT COUNT(*) FROM hits h LEFT JOIN snapshots s ON s.sha256 = h.snapshot_sha256 WHERE s.sha256 IS NULL"
        ),
        0
    );
}

#[test]
fn rerun_on_unchanged_feeds_adds_nothing_and_changed_post_is_matched_again() {
    let (s, ws) = good_feeds();
    assert_eq!(ws.run(&["once"]).0, 0);
    let (posts, hits, versions) = (
        ws.count("SELECT COUNT(*) FROM posts"),
        ws.count("SELECT COUNT(*) FROM hits"),
        ws.count("SELECT COUNT(*) FROM post_versions"),
    );

    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 new posts; 0 new hits"), "{out}");
    assert_eq!(ws.count("SELECT COUNT(*) FROM posts"), posts);
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), hits);
    assert_eq!(ws.count("SELECT COUNT(*) FROM polls"), 12, "each run records one poll per source");

    // The bus-route story is edited to mention the school: matched again, one new hit.
    let edited = String::from_utf8(fixture("rss2.xml"))
        .unwrap()
        .replace("Three new routes start in April.", "Three new routes, one past Riverside School, start in April.");
    s.route("/rss2.xml", Route::ok("application/rss+xml", edited.clone()));
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0);
    assert!(out.contains("0 new posts; 1 new hits"), "{out}");
    assert!(out.lines().any(|l| l.contains("rss2") && l.contains("1 changed")), "{out}");
    assert_eq!(ws.count("SELECT COUNT(*) FROM posts"), posts);
    assert_eq!(ws.count("SELECT COUNT(*) FROM post_versions"), versions + 1);
    let new_hit = ws
        .hits()
        .into_iter()
        .find(|h| h["title"] == "Council approves new bus routes")
        .expect("hit on the edited post");
    assert_eq!(new_hit["rule"], "school");
    assert_eq!(new_hit["snapshot_sha256"], sha256(edited.as_bytes()));
}

#[test]
fn same_bytes_from_two_urls_are_archived_once() {
    let s = Server::start();
    s.route("/a.xml", Route::ok(RSS, fixture("rss1.xml")));
    s.route("/b.xml", Route::ok(RSS, fixture("rss1.xml")));
    let ws = Workspace::new(&[("a", s.url("/a.xml")), ("b", s.url("/b.xml"))]);
    assert_eq!(ws.run(&["once"]).0, 0);
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), 2);
    assert_eq!(ws.count("SELECT COUNT(*) FROM snapshots"), 1);
    assert_eq!(ws.count("SELECT COUNT(DISTINCT snapshot_sha256) FROM hits"), 1);
    let files: Vec<_> = walk(&ws.path("data/archive"));
    assert_eq!(files.len(), 1, "{files:?}");
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn failing_sources_are_recorded_and_do_not_stop_the_others() {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok(RSS, fixture("rss2.xml")));
    s.route("/malformed.xml", Route::ok(RSS, fixture("malformed.xml")));
    s.route("/500", Route::status(500));
    s.route("/slow.xml", Route::ok(RSS, fixture("rss1.xml")).delayed(Duration::from_secs(5)));
    let refused = refused_url();
    let ws = Workspace::new(&[
        ("good", s.url("/rss2.xml")),
        ("broken", s.url("/malformed.xml")),
        ("error500", s.url("/500")),
        ("refused", refused.clone()),
        ("slow", s.url("/slow.xml")),
    ]);
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 1, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("total: 5 sources, 1 ok, 4 failed; 2 new posts; 2 new hits"), "{out}");
    let line = |name: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(name))
            .unwrap_or_else(|| panic!("no line for {name}: {out}"))
            .to_string()
    };
    assert!(line("good").starts_with("ok"));
    assert!(
        line("broken").starts_with("FAILED")
            && line("broken").contains(&format!("cannot parse feed from '{}'", s.url("/malformed.xml"))),
        "{out}"
    );
    assert!(line("error500").contains(&format!("cannot fetch '{}': HTTP 500", s.url("/500"))), "{out}");
    assert!(line("refused").contains(&format!("cannot fetch '{refused}'")), "{out}");
    assert!(line("slow").contains("timed out after 2s"), "{out}");
    // Logged with URL and reason too.
    assert!(err.contains("poll failed") && err.contains("/500"), "{err}");

    let db = ws.db();
    let mut stmt = db.prepare("SELECT s.name, p.outcome, p.http_status, p.error IS NOT NULL FROM polls p JOIN sources s ON s.id = p.source_id ORDER BY s.name").unwrap();
    let rows: Vec<(String, String, Option<i64>, bool)> =
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))).unwrap().map(Result::unwrap).collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        rows,
        vec![
            (s("broken"), s("failed"), Some(200), true),
            (s("error500"), s("failed"), Some(500), true),
            (s("good"), s("ok"), Some(200), false),
            (s("refused"), s("failed"), None, true),
            (s("slow"), s("failed"), None, true),
        ]
    );
    assert_eq!(ws.count("SELECT consecutive_failures FROM sources WHERE name = 'error500'"), 1);
}

#[test]
fn wrong_declared_charset_does_not_break_the_poll() {
    let s = Server::start();
    // GB2312 bytes served as UTF-8.
    s.route("/gb.xml", Route::ok("application/rss+xml; charset=utf-8", fixture("gb2312.xml")));
    let ws = Workspace::new(&[("gb", s.url("/gb.xml"))]);
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    let hits = ws.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["title"], "实验中学食堂通过卫生检查");
}

#[test]
fn config_error_exits_2_and_polls_nothing() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.config(), "[fetch]\ntimeout = \"soon\"\n").unwrap();
    let (code, _, err) = ws.run(&["once"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("trawl.toml:2:11: invalid duration 'soon'"), "{err}");
    assert!(!ws.path("data/trawl.db").exists());
}

#[test]
fn once_with_source_filter_polls_only_that_source() {
    let (_s, ws) = good_feeds();
    let (code, out, _) = ws.run(&["once", "--source", "atom"]);
    assert_eq!(code, 0);
    assert!(out.contains("total: 1 sources, 1 ok"), "{out}");
    let (code, _, err) = ws.run(&["once", "--source", "nope"]);
    assert_eq!(code, 2);
    assert!(err.contains("no source named 'nope'"), "{err}");
}

/// Regression: two entries sharing one guid were folded into one post that "changed" on every poll.
#[test]
fn entries_repeating_a_guid_stay_distinct_and_rerun_adds_nothing() {
    let s = Server::start();
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>First notice</title><guid>same</guid><description>实验中学 one</description></item>
<item><title>Second notice</title><guid>same</guid><description>实验中学 two</description></item>
</channel></rss>"#;
    s.route("/dup.xml", Route::ok(RSS, feed));
    let ws = Workspace::new(&[("dup", s.url("/dup.xml"))]);
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0);
    assert!(out.contains("2 new posts; 2 new hits"), "{out}");
    let (_, out, _) = ws.run(&["once"]);
    assert!(out.contains("2 posts, 0 new, 0 changed, 0 new hits"), "{out}");
    assert_eq!(ws.count("SELECT COUNT(*) FROM post_versions"), 2);
}
