//! `trawl check` and `trawl hits list` through the real binary.

mod common;

use common::{Route, Server, Workspace, fixture};

#[test]
fn check_accepts_a_valid_config() {
    let ws = Workspace::new(&[("a", "http://127.0.0.1:9/feed.xml".into())]);
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("ok: ") && out.contains("(1 sources), 1 rule files, 4 rules"), "{out}");
}

#[test]
fn check_reports_every_config_problem_with_line_and_column() {
    let ws = Workspace::new(&[]);
    let cfg = r#"[fetch]
timeout = "forever"
concurrency = 0

[[source]]
name = "a"
kind = "feed"
url = "ftp://example.org/feed"

[[source]]
name = "a"
kind = "blog"
url = "not a url"
"#;
    std::fs::write(ws.config(), cfg).unwrap();
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 2, "{out}");
    let p = ws.config().display().to_string();
    let want = [
        format!("{p}:2:11: invalid duration 'forever': write it like \"30s\", \"5m\" or \"2h\""),
        format!("{p}:3:15: 'concurrency' must be a positive whole number, not 0"),
        format!(
            "{p}:8:7: bad URL 'ftp://example.org/feed': only http:// and https:// URLs with a host can be watched (got scheme 'ftp')"
        ),
        format!("{p}:11:8: duplicate source name 'a' (first defined on line 6)"),
        format!("{p}:12:8: unknown source kind 'blog': expected \"feed\" or \"html\""),
        format!("{p}:13:7: bad URL 'not a url': relative URL without a base"),
    ];
    assert_eq!(err.lines().collect::<Vec<_>>(), want.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn check_reports_unknown_keys_with_position() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.config(), "[storage]\ndatabse = \"x.db\"\n").unwrap();
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    let p = ws.config().display().to_string();
    assert!(err.starts_with(&format!("{p}:2:1: unknown field `databse`, expected `database` or `archive`")), "{err}");
}

#[test]
fn check_reports_rule_problems_across_files() {
    let ws = Workspace::new(&[]);
    std::fs::write(
        ws.path("rules/more.toml"),
        "[[rule]]\nname = \"school\"\nseverity = \"low\"\nany = [\"x\"]\n\n[[rule]]\nname = \"empty\"\nseverity = \"severe\"\n",
    )
    .unwrap();
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    let more = ws.path("rules/more.toml").display().to_string();
    let test = ws.path("rules/test.toml").display().to_string();
    let want = [
        format!("{more}:7:8: rule 'empty' has no keywords: give it 'any = [...]' or 'all = [[...]]'"),
        format!("{more}:8:12: unknown severity 'severe': expected low, medium, high or critical"),
        format!("{test}:4:8: duplicate rule name 'school' (first defined at {more}:2)"),
    ];
    assert_eq!(err.lines().collect::<Vec<_>>(), want.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn check_fails_when_no_rule_file_exists() {
    let ws = Workspace::new(&[]);
    std::fs::remove_file(ws.path("rules/test.toml")).unwrap();
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule files match"), "{err}");
}

fn polled() -> (Server, Workspace) {
    let s = Server::start();
    s.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    s.route("/feed.json", Route::ok("application/feed+json", fixture("feed.json")));
    s.route("/rss1.xml", Route::ok("application/rss+xml", fixture("rss1.xml")));
    let ws = Workspace::new(&[
        ("riverside", s.url("/rss2.xml")),
        ("harbour-forum", s.url("/feed.json")),
        ("city", s.url("/rss1.xml")),
    ]);
    assert_eq!(ws.run(&["once"]).0, 0);
    (s, ws)
}

#[test]
fn hits_list_table_fits_100_columns() {
    let (_s, ws) = polled();
    let (code, out, _) = ws.run(&["hits", "list"]);
    assert_eq!(code, 0);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert!(lines[0].starts_with("ID") && lines[0].contains("SEVERITY") && lines[0].contains("TITLE"), "{out}");
    assert!(out.contains("学校附近发生火灾") && out.contains("实验中学家长会通知"), "{out}");
    for l in &lines {
        assert!(unicode_width::UnicodeWidthStr::width(*l) <= 100, "{l:?} is wider than 100 columns");
    }
}

#[test]
fn hits_list_filters_by_rule_source_and_time() {
    let (_s, ws) = polled();
    let ids = |args: &[&str]| -> Vec<(String, String)> {
        let mut a = vec!["hits", "list", "--format", "json"];
        a.extend_from_slice(args);
        let (code, out, err) = ws.run(&a);
        assert_eq!(code, 0, "{err}");
        let v: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
        let mut r: Vec<_> = v
            .iter()
            .map(|h| (h["rule"].as_str().unwrap().to_string(), h["source"].as_str().unwrap().to_string()))
            .collect();
        r.sort();
        r
    };
    let s = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(ids(&["--rule", "school"]), vec![s("school", "city"), s("school", "riverside")]);
    assert_eq!(ids(&["--source", "harbour-forum"]), vec![s("fire-at-school", "harbour-forum")]);
    assert_eq!(
        ids(&["--severity", "critical"]),
        vec![s("fire-at-school", "harbour-forum"), s("fire-at-school", "riverside")]
    );
    assert_eq!(ids(&["--since", "2000-01-01"]).len(), 4);
    assert_eq!(ids(&["--since", "2999-01-01"]), vec![]);
    assert_eq!(ids(&["--since", "2999-01-01T00:00:00+08:00"]), vec![]);
    let (code, _, err) = ws.run(&["hits", "list", "--since", "yesterday-ish"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid --since 'yesterday-ish'"), "{err}");
}

#[test]
fn hits_list_csv_has_a_header_and_one_row_per_hit() {
    let (_s, ws) = polled();
    let (code, out, _) = ws.run(&["hits", "list", "--format", "csv", "--rule", "fire-at-school"]);
    assert_eq!(code, 0);
    let mut r = csv::Reader::from_reader(out.as_bytes());
    let headers = r.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert!(headers.iter().any(|h| h == "snapshot_sha256"));
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    let kw = headers.iter().position(|h| h == "keywords").unwrap();
    let mut kws: Vec<&str> = rows.iter().map(|r| &r[kw]).collect();
    kws.sort();
    assert_eq!(kws, vec!["school; fire", "学校; 火灾"]);
}

#[test]
fn hits_show_prints_matches_and_snapshot() {
    let (_s, ws) = polled();
    let id = ws.hits()[0]["id"].as_i64().unwrap().to_string();
    let (code, out, _) = ws.run(&["hits", "show", &id]);
    assert_eq!(code, 0);
    assert!(out.contains("snapshot:") && out.contains("matches:") && out.contains("bytes "), "{out}");
    let (code, _, err) = ws.run(&["hits", "show", "99999"]);
    assert_eq!(code, 1);
    assert!(err.contains("no hit with id 99999"), "{err}");
}

#[test]
fn rules_test_reads_stdin_and_reports_spans() {
    let ws = Workspace::new(&[]);
    let out =
        ws.trawl().args(["rules", "test", "-"]).write_stdin("通知：实验中学 and Riverside School").output().unwrap();
    assert!(out.status.success());
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.starts_with("school [high]"), "{out}");
    assert!(out.contains("实验中学") && out.contains("bytes 9..21"), "{out}");
}

#[test]
fn hits_list_shows_times_in_the_configured_time_zone() {
    // Kiritimati is UTC+14: a display in UTC or the machine's zone would differ from it.
    let (s, ws) = polled();
    let cfg = std::fs::read_to_string(ws.config()).unwrap();
    ws.write_raw_config(&format!("[schedule]\ntimezone = \"Pacific/Kiritimati\"\n{cfg}"));
    let hit = &ws.hits()[0];
    let discovered = chrono::DateTime::parse_from_rfc3339(hit["discovered_at"].as_str().unwrap()).unwrap();
    let want = (discovered + chrono::Duration::hours(14)).format("%Y-%m-%d %H:%M").to_string();
    let (_, out, _) = ws.run(&["hits", "list", "--rule", hit["rule"].as_str().unwrap()]);
    assert!(out.contains(&want), "want {want} in\n{out}");
    // --since DATE is midnight in that zone: the day after the discovery (there) lists nothing.
    let next_day = (discovered + chrono::Duration::hours(14)).date_naive().succ_opt().unwrap().to_string();
    let (_, out, _) = ws.run(&["hits", "list", "--since", &next_day]);
    assert_eq!(out, "no hits\n");
    drop(s);
}

#[test]
fn check_rejects_absurd_limits() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.config(), "[fetch]\nconcurrency = 100000\nhost_delay = \"300years\"\n").unwrap();
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    let p = ws.config().display().to_string();
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        vec![
            format!("{p}:2:15: 'concurrency' must be at most 256, not 100000"),
            format!("{p}:3:14: duration '300years' is too long: at most 7 days"),
        ]
    );
}

#[test]
fn traditional_text_matches_a_simplified_keyword() {
    let ws = Workspace::new(&[]);
    let out = ws.trawl().args(["rules", "test"]).write_stdin("通知：實驗中學明日停課").output().unwrap();
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(out.starts_with("school [high]"), "{out}");
    assert!(out.contains("实验中学") && out.contains("bytes 9..21") && out.contains("\"實驗中學\""), "{out}");
}

#[test]
fn sources_lists_the_health_of_every_source() {
    let (s, ws) = polled();
    // One more source that is configured but has never been polled, and one that fails.
    let cfg = std::fs::read_to_string(ws.config()).unwrap();
    ws.write_raw_config(&format!(
        "{cfg}\n[[source]]\nname = \"new-one\"\nkind = \"feed\"\nurl = \"{}\"\n",
        s.url("/missing.xml")
    ));
    let (code, out, _) = ws.run(&["sources"]);
    assert_eq!(code, 0);
    let line =
        |name: &str| out.lines().find(|l| l.starts_with(name)).unwrap_or_else(|| panic!("{name}: {out}")).to_string();
    assert!(line("riverside").contains(" ok ") && line("riverside").contains("1/1"), "{out}");
    assert!(line("new-one").contains("never polled"), "{out}");
    ws.run(&["once", "--source", "new-one"]);
    let (_, out, _) = ws.run(&["sources", "--format", "json"]);
    let v: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    let new_one = v.iter().find(|h| h["name"] == "new-one").unwrap();
    assert_eq!(new_one["last_status"], "failed");
    assert_eq!(new_one["consecutive_failures"], 1);
    assert_eq!((new_one["polls_24h"].as_i64(), new_one["failed_24h"].as_i64()), (Some(1), Some(1)));
    assert!(new_one["last_error"].as_str().unwrap().contains("HTTP 404"), "{new_one}");
    assert_eq!(
        v.iter().map(|h| h["name"].as_str().unwrap()).collect::<Vec<_>>(),
        vec!["riverside", "harbour-forum", "city", "new-one"]
    );
}

#[test]
fn check_reports_rule_problems_even_when_the_config_is_invalid() {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.config(), "[fetch]\ntimeout = \"soon\"\n").unwrap();
    std::fs::write(ws.path("rules/bad.toml"), "[[rule]]\nname = \"x\"\nseverity = \"severe\"\nany = [\"y\"]\n")
        .unwrap();
    let (code, _, err) = ws.run(&["check"]);
    assert_eq!(code, 2);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].ends_with("trawl.toml:2:11: invalid duration 'soon': write it like \"30s\", \"5m\" or \"2h\""),
        "{err}"
    );
    assert!(
        lines[1].ends_with("bad.toml:3:12: unknown severity 'severe': expected low, medium, high or critical"),
        "{err}"
    );
}

#[test]
fn hits_review_walks_the_review_path_and_keeps_every_step() {
    let (_s, ws) = polled();
    let id = ws.hits()[0]["id"].as_i64().unwrap().to_string();
    let review = |args: &[&str]| {
        let mut a = vec!["hits", "review", id.as_str()];
        a.extend_from_slice(args);
        ws.run(&a)
    };
    // (args, exit code, stdout or stderr must contain)
    let cases: Vec<(Vec<&str>, i32, String)> = vec![
        (
            vec!["--status", "resolved"],
            2,
            format!("hit {id} is 'new' and can go to confirmed or dismissed, not 'resolved'"),
        ),
        (vec!["--status", "closed"], 2, "unknown status 'closed'".into()),
        (
            vec!["--status", "confirmed", "--by", "alice", "--note", "called the school"],
            0,
            format!("hit {id}: new → confirmed by alice"),
        ),
        (vec!["--status", "reported", "--by", "alice"], 0, format!("hit {id}: confirmed → reported by alice")),
        (
            vec!["--status", "resolved", "--by", "bob", "--result", "statement issued"],
            0,
            format!("hit {id}: reported → resolved by bob"),
        ),
        (vec!["--status", "dismissed"], 2, "can go to nowhere: it is closed".into()),
    ];
    for (args, code, want) in cases {
        let (got, out, err) = review(&args);
        assert_eq!(got, code, "{args:?}: {out}{err}");
        assert!(out.contains(&want) || err.contains(&want), "{args:?}: want {want:?} in {out}{err}");
    }
    let (code, out, err) = ws.run(&["hits", "review", "99999", "--status", "confirmed"]);
    assert_eq!(code, 1, "{out}{err}");

    let (_, out, _) = ws.run(&["hits", "show", &id, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["status"], "resolved");
    let steps: Vec<(String, String, String)> = v["reviews"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["from_status"].as_str().unwrap().into(),
                r["to_status"].as_str().unwrap().into(),
                r["by"].as_str().unwrap().into(),
            )
        })
        .collect();
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(
        steps,
        vec![s("new", "confirmed", "alice"), s("confirmed", "reported", "alice"), s("reported", "resolved", "bob")]
    );
    let (reported, resolved, result): (Option<String>, Option<String>, Option<String>) = ws
        .db()
        .query_row(&format!("SELECT reported_at, resolved_at, result FROM hits WHERE id = {id}"), [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert!(reported.is_some() && resolved.is_some(), "{reported:?} {resolved:?}");
    assert_eq!(result.as_deref(), Some("statement issued"));
    let (_, out, _) = ws.run(&["hits", "list", "--status", "resolved", "--format", "json"]);
    assert_eq!(serde_json::from_str::<Vec<serde_json::Value>>(&out).unwrap().len(), 1);
    let (_, out, _) = ws.run(&["hits", "show", &id]);
    assert!(out.contains("reviews:") && out.contains("new → confirmed by alice: called the school"), "{out}");
}
