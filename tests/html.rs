//! `kind = "html"` sources end to end: real binary, loopback server, real SQLite and archive.
//! News lists with follow (UTF-8 and undeclared GBK), relative links and <base>, a Discuz-like
//! board with a two-page thread, a phpBB-like board, a selector that matches nothing,
//! `sources test` and `check`.

mod common;

use common::html::*;
use common::{Route, Server, fixture};

#[test]
fn news_list_followed_in_utf8_and_undeclared_gbk() {
    let srv = Server::start();
    srv.route("/news/index.html", Route::ok("text/html; charset=utf-8", html("news_list.html")));
    srv.route("/news/a1.html", Route::ok(HTML, html("news_a1.html")));
    srv.route("/news/a2.html", Route::ok(HTML, html("news_a2.html")));
    // GBK bytes, declared nowhere: not in the header, not in the page.
    let gbk = |name: &str| encoding_rs::GBK.encode(std::str::from_utf8(&html(name)).unwrap()).0.into_owned();
    let (gbk_list, gbk_a1) = (gbk("gbk_list.html"), gbk("gbk_a1.html"));
    srv.route("/edu/list.html", Route::ok(HTML, gbk_list));
    srv.route("/edu/gbk_a1.html", Route::ok(HTML, gbk_a1.clone()));
    let ws = workspace(&format!(
        "{}\n{}",
        news_source("city", &srv.url("/news/index.html")),
        news_source("edu", &srv.url("/edu/list.html"))
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("total: 2 sources, 2 ok, 0 failed; 3 new posts; 2 new hits"), "{out}");

    let city = posts(&ws, "city");
    assert_eq!(city.len(), 2);
    // <base href="/news/"> and relative links resolve; utm_* and spm are stripped.
    assert_eq!(city[0].0, srv.url("/news/a1.html?id=1"));
    assert_eq!(city[1].1, Some(srv.url("/news/a2.html")));
    assert_eq!(city[0].2.as_deref(), Some("实验中学举办科技节"));
    assert_eq!(city[0].4.as_deref(), Some("2026-03-05T06:30:00Z"), "2026年3月5日 14:30 in Shanghai");
    assert!(city[1].4.is_some(), "昨天 10:20 parsed");
    // Only the selected content: no navigation, no script.
    assert_eq!(city[0].6, "实验中学举办科技节\n\n本报讯 3月5日，实验中学举办第十届科技节。\n\n学生展示了机器人作品。");

    let edu = posts(&ws, "edu");
    assert_eq!(edu.len(), 1);
    assert_eq!(edu[0].2.as_deref(), Some("关于学校消防安全检查的通知"));
    assert_eq!(edu[0].3.as_deref(), Some("区教育局"));
    assert_eq!(edu[0].4.as_deref(), Some("2026-03-05T01:00:00Z"));
    assert!(edu[0].6.contains("某学校附近发生火灾"), "{}", edu[0].6);

    // Each hit's evidence is the article page it was read from, not the list page.
    assert_eq!(
        hits(&ws),
        vec![
            (
                s("city"),
                s("school"),
                srv.url("/news/a1.html?id=1"),
                s("实验中学举办科技节"),
                sha256(&html("news_a1.html"))
            ),
            (
                s("edu"),
                s("fire-at-school"),
                srv.url("/edu/gbk_a1.html"),
                s("关于学校消防安全检查的通知"),
                sha256(&gbk_a1)
            ),
        ]
    );
    let charset: String =
        ws.db().query_row("SELECT charset FROM snapshots WHERE sha256 = ?1", [sha256(&gbk_a1)], |r| r.get(0)).unwrap();
    assert_eq!(charset, "GBK");

    // Nothing changed on the lists: articles are not fetched again, nothing new is stored.
    srv.route("/news/a1.html", Route::status(500));
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 new posts; 0 new hits"), "{out}");
}

#[test]
fn discuz_thread_replies_across_two_pages_and_only_new_replies_later() {
    let srv = Server::start();
    srv.route("/bbs/forum-2-1.html", Route::ok(HTML, discuz_board(2)));
    srv.route("/bbs/thread-101-1-1.html", Route::ok(HTML, html("discuz_thread_p1.html")));
    srv.route("/bbs/thread-101-2-1.html", Route::ok(HTML, html("discuz_thread_p2.html")));
    let ws = workspace(&format!(
        "[[source]]\nname = \"bbs\"\nkind = \"html\"\nurl = \"{}\"\npreset = \"discuz\"\ntimezone = \"Asia/Shanghai\"\n",
        srv.url("/bbs/forum-2-1.html")
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("3 posts, 3 new, 0 changed, 2 new hits"), "{out}");
    let p = posts(&ws, "bbs");
    let permalink = |pid: u32| srv.url(&format!("/bbs/forum.php?mod=redirect&goto=findpost&ptid=101&pid={pid}"));
    let got: Vec<_> = p.iter().map(|r| (r.0.clone(), r.3.clone(), r.5)).collect();
    assert_eq!(
        got,
        vec![
            (permalink(1001), Some(s("小明家长")), Some(1)),
            (permalink(1002), Some(s("老师甲")), Some(2)),
            (permalink(1003), Some(s("路人")), Some(3)),
        ]
    );
    assert_eq!(p[0].4.as_deref(), Some("2026-03-05T06:30:00Z"), "发表于 2026-3-5 14:30");
    assert_eq!(p[0].6, "实验中学食堂怎么样？\n\n孩子下学期要去，想问问食堂的情况。", "floor 1 has the title");
    assert_eq!(p[2].6, "听说实验中学上周有学生食物中毒？", "replies are matched on their own text");
    // The opening post's hit points at page 1, the reply's at page 2.
    let title = s("实验中学食堂怎么样？");
    assert_eq!(
        hits(&ws),
        vec![
            (s("bbs"), s("school"), permalink(1001), title.clone(), sha256(&html("discuz_thread_p1.html"))),
            (s("bbs"), s("school"), permalink(1003), title.clone(), sha256(&html("discuz_thread_p2.html"))),
        ]
    );

    // Same reply count on the board: the thread is not read at all.
    srv.route("/bbs/thread-101-1-1.html", Route::status(404));
    srv.route("/bbs/thread-101-2-1.html", Route::status(404));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 posts, 0 new"), "{out}");
    assert!(!err.contains("skipped a page"), "{err}");

    // A new reply: reading resumes at page 2 (page 1 is gone and not needed), floor 3 is skipped.
    srv.route("/bbs/forum-2-1.html", Route::ok(HTML, discuz_board(3)));
    let floor4 = r#"<div id="post_1004"><table><tr><td class="pls"><div class="authi"><a class="xw1">新人</a></div></td><td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid=101&amp;pid=1004" id="postnum1004"><em>4</em></a></strong><div class="authi"><em id="authorposton1004">发表于 刚刚</em></div></div><div class="pct"><table><tr><td class="t_f">实验中学的食堂上个月换了承包商。</td></tr></table></div></td></tr></table></div>"#;
    let p2 = String::from_utf8(html("discuz_thread_p2.html")).unwrap().replace("<!--FLOOR4-->", floor4);
    srv.route("/bbs/thread-101-2-1.html", Route::ok(HTML, p2.clone()));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("1 posts, 1 new, 0 changed, 1 new hits"), "{out}\n{err}");
    let p = posts(&ws, "bbs");
    assert_eq!((p[3].0.clone(), p[3].5), (permalink(1004), Some(4)));
    let h = hits(&ws);
    assert!(h.contains(&(s("bbs"), s("school"), permalink(1004), title, sha256(p2.as_bytes()))), "{h:?}");
}

#[test]
fn phpbb_board_with_preset() {
    let srv = Server::start();
    srv.route("/forum/viewforum.php", Route::ok(HTML, html("phpbb_board.html")));
    srv.route("/forum/viewtopic.php", Route::ok(HTML, html("phpbb_topic.html")));
    let ws = workspace(&format!(
        "[[source]]\nname = \"php\"\nkind = \"html\"\nurl = \"{}\"\npreset = \"phpbb\"\nstrip_query = [\"sid\"]\n",
        srv.url("/forum/viewforum.php?f=2")
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let p = posts(&ws, "php");
    let topic = srv.url("/forum/viewtopic.php?t=55");
    let got: Vec<_> = p.iter().map(|r| (r.0.clone(), r.3.clone(), r.4.clone(), r.5)).collect();
    assert_eq!(
        got,
        vec![
            (format!("{topic}#p551"), Some(s("parent42")), Some(s("2026-03-05T06:30:00Z")), Some(1)),
            (format!("{topic}#p552"), Some(s("teacher_b")), Some(s("2026-03-05T07:10:00Z")), Some(2)),
        ]
    );
    let sha = sha256(&html("phpbb_topic.html"));
    let title = s("Kitchen fire at Riverside School?");
    assert_eq!(
        hits(&ws),
        vec![
            (s("php"), s("fire-at-school"), format!("{topic}#p551"), title.clone(), sha.clone()),
            (s("php"), s("school"), format!("{topic}#p551"), title, sha),
        ]
    );
}

#[test]
fn sources_test_shows_fields_hits_and_selectors_that_matched_nothing_and_stores_nothing() {
    let srv = Server::start();
    srv.route("/news/index.html", Route::ok(HTML, html("news_list.html")));
    srv.route("/news/a1.html", Route::ok(HTML, html("news_a1.html")));
    srv.route("/news/a2.html", Route::ok(HTML, html("news_a2.html")));
    let broken = format!(
        "[[source]]\nname = \"broken\"\nkind = \"html\"\nurl = \"{}\"\nitem = \"div.headlines li\"\nlink = \"a@href\"\n",
        srv.url("/news/index.html")
    );
    let ws = workspace(&format!("{}\n{broken}", news_source("city", &srv.url("/news/index.html"))));
    let (code, out, err) = ws.run(&["sources", "test", "broken"]);
    assert_eq!(code, 0, "{err}");
    let want = format!(
        "selector 'item' = \"div.headlines li\" matched 0 elements on {}  <- matched nothing",
        srv.url("/news/index.html")
    );
    assert!(out.contains(&want), "{out}");
    assert!(out.contains("1 pages fetched, 0 posts"), "{out}");

    let (code, out, err) = ws.run(&["sources", "test", "city"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "selector 'item' = \"div.news li\" matched 2 elements on",
        "selector 'link' = \"a.t@href\" matched in 2 of 2 on",
        "selector 'article.content' = \"div.article\" matched in 1 of 1 on",
        "3 pages fetched, 2 posts",
        "  title         实验中学举办科技节",
        "  published_at  2026-03-05T06:30:00Z",
        "  hit           school [high] keywords: 实验中学",
        "  hits          none",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let (code, out, _) = ws.run(&["sources", "test", "city", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["posts"][0]["url"], srv.url("/news/a1.html?id=1"));
    assert_eq!(v["posts"][0]["page"], srv.url("/news/a1.html?id=1"));
    assert_eq!(v["posts"][0]["hits"][0]["rule"], "school");
    assert_eq!(v["selectors"][0]["key"], "item");
    assert_eq!(v["selectors"][0]["matched"], 2);
    assert!(!ws.path("data/trawl.db").exists(), "sources test stores nothing");

    // The empty list page polls fine, with no posts.
    let (code, out, _) = ws.run(&["once", "--source", "broken"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 posts, 0 new"), "{out}");
}

#[test]
fn budgets_stop_the_crawl_and_are_logged() {
    let srv = Server::start();
    srv.route("/news/index.html", Route::ok(HTML, html("news_list.html")));
    srv.route("/news/a1.html", Route::ok(HTML, html("news_a1.html")));
    srv.route("/news/a2.html", Route::ok(HTML, html("news_a2.html")));
    let ws = workspace(&format!("{}max_follow = 1\n", news_source("city", &srv.url("/news/index.html"))));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 posts, 1 new"), "{out}");
    assert!(err.contains("budget max_follow = 1 reached") && err.contains("city"), "{err}");
}

#[test]
fn check_reports_bad_selectors_presets_zones_and_html_keys_on_feeds() {
    let ws = workspace("");
    let cfg = r#"[[source]]
name = "a"
kind = "html"
url = "http://127.0.0.1:9/list"
item = "div.news li["
preset = "vbulletin"

[[source]]
name = "b"
kind = "html"
url = "http://127.0.0.1:9/list"
timezone = "Asia/Shanghia"
article.content = "p:nth-child(x)"

[[source]]
name = "c"
kind = "feed"
url = "http://127.0.0.1:9/feed"
item = "li"
"#;
    std::fs::write(ws.config(), cfg).unwrap();
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 2, "{out}");
    let p = ws.config().display().to_string();
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 6, "{err}");
    assert!(lines[0].starts_with(&format!("{p}:5:8: 'item': invalid selector 'div.news li[': ")), "{err}");
    assert_eq!(
        lines[1],
        format!("{p}:6:10: unknown preset 'vbulletin': expected one of \"discuz\", \"phpbb\", \"discourse\"")
    );
    assert!(lines[2].starts_with(&format!("{p}:10:8: an html source needs an 'item' selector")), "{err}");
    assert!(lines[3].starts_with(&format!("{p}:12:12: unknown time zone 'Asia/Shanghia'")), "{err}");
    assert!(lines[4].starts_with(&format!("{p}:13:19: 'article.content': invalid selector 'p:nth-child(x)'")), "{err}");
    assert_eq!(lines[5], format!("{p}:19:8: 'item' only applies to sources with kind = \"html\""));

    std::fs::write(ws.config(), "[[source]]\nname = \"d\"\nkind = \"html\"\nurl = \"http://127.0.0.1:9/\"\npreset = \"discuz\"\nitem = \"li.thread\"\n").unwrap();
    let (code, out, err) = ws.run(&["check"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(1 sources)"), "{out}");
}

#[test]
fn sources_test_works_for_feeds_and_html_with_a_wrong_charset_header() {
    let srv = Server::start();
    srv.route("/rss2.xml", Route::ok("application/rss+xml", fixture("rss2.xml")));
    // GBK bytes declared in <meta http-equiv> but served as UTF-8: decoded the way browsers do.
    let page = "<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=gbk\"></head><body><div class=\"news\"><ul><li><a class=\"t\" href=\"x.html\">实验中学通知</a></li></ul></div></body></html>";
    srv.route("/gbk.html", Route::ok("text/html; charset=utf-8", encoding_rs::GBK.encode(page).0.into_owned()));
    let ws = workspace(&format!(
        "[[source]]\nname = \"feed\"\nkind = \"feed\"\nurl = \"{}\"\n\n[[source]]\nname = \"gbk\"\nkind = \"html\"\nurl = \"{}\"\nitem = \"div.news li\"\nlink = \"a@href\"\ntitle = \"a\"\n",
        srv.url("/rss2.xml"),
        srv.url("/gbk.html")
    ));
    let (code, out, err) = ws.run(&["sources", "test", "feed", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let school = v["posts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "Riverside School closes after kitchen fire")
        .unwrap();
    let rules: Vec<&str> = school["hits"].as_array().unwrap().iter().map(|h| h["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["school", "fire-at-school"]);
    let (code, out, err) = ws.run(&["sources", "test", "gbk"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("  title         实验中学通知") && out.contains("hit           school [high] keywords: 实验中学"),
        "{out}"
    );
    let (code, _, err) = ws.run(&["sources", "test", "nope"]);
    assert_eq!(code, 2, "{err}");
}
