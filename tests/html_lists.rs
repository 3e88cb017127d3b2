//! `kind = "html"` sources, continued: the Discourse preset, the list budgets (`max_items`,
//! `max_pages`), the identity of list entries without link or title, and what `sources test`
//! says about where each field came from.

mod common;

use common::html::*;
use common::{Route, Server, Workspace};

/// A list page of `ul.news li` entries linking to `links`, and a `next` link if given.
fn list_page(links: &[&str], next: Option<&str>) -> String {
    let items: String =
        links.iter().map(|l| format!("<li><a class=\"t\" href=\"{l}\">实验中学 story {l}</a></li>\n")).collect();
    let next =
        next.map_or(String::new(), |n| format!("<div class=\"pg\"><a class=\"next\" href=\"{n}\">下一页</a></div>"));
    format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body><ul class=\"news\">\n{items}</ul>{next}</body></html>"
    )
}

/// A list source read without following, with `extra` keys.
fn list_source(name: &str, url: &str, extra: &str) -> String {
    format!(
        "[[source]]\nname = \"{name}\"\nkind = \"html\"\nurl = \"{url}\"\nitem = \"ul.news li\"\nlink = \"a.t@href\"\ntitle = \"a.t\"\nnext = \"div.pg a.next@href\"\n{extra}"
    )
}

fn guids(ws: &Workspace, source: &str) -> Vec<String> {
    posts(ws, source).into_iter().map(|p| p.0).collect()
}

#[test]
fn discourse_preset_reads_topics_replies_across_pages_and_skips_the_page_links() {
    let srv = Server::start();
    let latest = String::from_utf8(html("discourse_latest.html")).unwrap().replace("POSTS77", "3");
    let p2 = String::from_utf8(html("discourse_topic_p2.html"))
        .unwrap()
        .replace("Lunch will", "Lunch at Riverside School will");
    let t77 = "/t/smoke-in-the-riverside-school-kitchen/77";
    srv.route("/latest", Route::ok(HTML, latest));
    srv.route(t77, Route::ok(HTML, html("discourse_topic_p1.html")));
    srv.route(&format!("{t77}?page=2"), Route::ok(HTML, p2.clone()));
    srv.route("/t/bake-sale-on-saturday/78", Route::ok(HTML, html("discourse_topic_78.html")));
    let ws = workspace(&format!(
        "[[source]]\nname = \"disc\"\nkind = \"html\"\nurl = \"{}\"\npreset = \"discourse\"\n",
        srv.url("/latest")
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("4 posts, 4 new, 0 changed, 3 new hits"), "{out}\n{err}");

    let topic = srv.url(t77);
    let bake = srv.url("/t/bake-sale-on-saturday/78");
    let got: Vec<_> = posts(&ws, "disc").into_iter().map(|r| (r.0, r.2, r.3, r.4, r.5)).collect();
    let title = Some(s("Smoke in the Riverside School kitchen"));
    let t = |x: &str| Some(s(x));
    assert_eq!(
        got,
        vec![
            (format!("{topic}#post_1"), title.clone(), t("maria"), t("2026-03-05T06:30:00Z"), Some(1)),
            (format!("{topic}#post_2"), title.clone(), t("tom_k"), t("2026-03-05T07:10:00Z"), Some(2)),
            (format!("{topic}?page=2#post_3"), title.clone(), t("jo"), t("2026-03-05T08:00:00Z"), Some(3)),
            (format!("{bake}#post_1"), t("Bake sale on Saturday"), t("pta"), t("2026-03-04T09:00:00Z"), Some(1)),
        ],
        "the page-link div (also a div.crawler-post) is not a reply"
    );
    let p = posts(&ws, "disc");
    assert_eq!(
        p[0].6,
        "Smoke in the Riverside School kitchen\n\nDid anyone else get the message about smoke in the kitchen this morning?\n\nThe pupils were sent to the playground.",
        "floor 1: title and the post's text only, no likes or metadata"
    );
    assert_eq!(p[1].6, "Yes, the school says it was a small fire in an oven, nobody hurt.");

    let title = s("Smoke in the Riverside School kitchen");
    let (sha1, sha2) = (sha256(&html("discourse_topic_p1.html")), sha256(p2.as_bytes()));
    assert_eq!(
        hits(&ws),
        vec![
            (s("disc"), s("fire-at-school"), format!("{topic}#post_2"), title.clone(), sha1.clone()),
            (s("disc"), s("school"), format!("{topic}#post_1"), title.clone(), sha1),
            (s("disc"), s("school"), format!("{topic}?page=2#post_3"), title, sha2.clone()),
        ]
    );
    let snap: String =
        ws.db().query_row("SELECT final_url FROM snapshots WHERE sha256 = ?1", [sha2], |r| r.get(0)).unwrap();
    assert_eq!(snap, format!("{topic}?page=2"), "the reply on page 2 has page 2 as its evidence");

    // The post counts on /latest did not move: no topic is read again.
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 posts, 0 new"), "{out}");
    assert_eq!((srv.requests(t77), srv.requests(&format!("{t77}?page=2"))), (1, 1));
}

#[test]
fn max_items_keeps_the_first_items_and_warns_with_source_and_budget() {
    let srv = Server::start();
    srv.route("/list.html", Route::ok(HTML, list_page(&["n1.html", "n2.html", "n3.html", "n4.html", "n5.html"], None)));
    let ws = workspace(&list_source("wire", &srv.url("/list.html"), "max_items = 3\n"));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("3 posts, 3 new"), "{out}");
    assert_eq!(guids(&ws, "wire"), ["/n1.html", "/n2.html", "/n3.html"].map(|p| srv.url(p)));
    let warning = err.lines().find(|l| l.contains("budget max_items = 3 reached")).unwrap_or_else(|| panic!("{err}"));
    assert!(warning.contains("WARN") && warning.contains("wire") && warning.contains("5 items found"), "{warning}");
}

#[test]
fn max_pages_stops_the_list_before_the_third_page_and_warns() {
    let srv = Server::start();
    srv.route("/list/1.html", Route::ok(HTML, list_page(&["a1.html", "a2.html"], Some("2.html"))));
    srv.route("/list/2.html", Route::ok(HTML, list_page(&["b1.html", "b2.html"], Some("3.html"))));
    srv.route("/list/3.html", Route::ok(HTML, list_page(&["c1.html", "c2.html"], None)));
    let ws = workspace(&list_source("paged", &srv.url("/list/1.html"), "max_pages = 2\n"));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        guids(&ws, "paged"),
        ["/list/a1.html", "/list/a2.html", "/list/b1.html", "/list/b2.html"].map(|p| srv.url(p))
    );
    assert_eq!((srv.requests("/list/1.html"), srv.requests("/list/2.html"), srv.requests("/list/3.html")), (1, 1, 0));
    let warning =
        err.lines().find(|l| l.contains("budget max_pages = 2 reached on the list")).unwrap_or_else(|| panic!("{err}"));
    assert!(warning.contains("paged") && warning.contains(&srv.url("/list/3.html")), "{warning}");

    // With the default budget (3 pages) the third page is read.
    let ws = workspace(&list_source("paged", &srv.url("/list/1.html"), ""));
    let (code, out, _) = ws.run(&["once"]);
    assert_eq!(code, 0);
    assert!(out.contains("6 posts, 6 new"), "{out}");
}

/// Notices without link or title: only a text (two of them the same), or not even a `p`.
fn notices(order: &[usize]) -> String {
    let all = [
        "<div class=\"notice\"><p>实验中学停课一天</p></div>",
        "<div class=\"notice\"><p>Riverside School opens late</p></div>",
        "<div class=\"notice\"><p>实验中学停课一天</p></div>",
        "<div class=\"notice\"><span>实验中学 canteen closed</span></div>",
    ];
    let items: String = order.iter().map(|i| all[*i]).collect();
    format!("<html><body><div class=\"board\">{items}</div></body></html>")
}

// Regression: entries with neither link nor title all got the id `title:`, so they collided —
// each overwrote the one before, and every poll stored "changed" posts.
#[test]
fn list_entries_without_link_or_title_do_not_collide() {
    let srv = Server::start();
    srv.route("/notices.html", Route::ok(HTML, notices(&[0, 1, 2, 3])));
    let ws = workspace(&format!(
        "[[source]]\nname = \"notices\"\nkind = \"html\"\nurl = \"{}\"\nitem = \"div.notice\"\nsummary = \"p\"\n",
        srv.url("/notices.html")
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("4 posts, 4 new, 0 changed, 4 new hits"), "{out}");
    let p = posts(&ws, "notices");
    let texts: Vec<&str> = p.iter().map(|r| r.6.as_str()).collect();
    assert_eq!(
        texts,
        ["实验中学停课一天", "Riverside School opens late", "实验中学停课一天", "实验中学 canteen closed"]
    );
    let id = |t: &str| format!("text:{}", sha256(t.as_bytes()));
    assert_eq!(
        guids(&ws, "notices"),
        [id(texts[0]), id(texts[1]), format!("{}#2", id(texts[0])), id(texts[3])],
        "identity is the text's hash; a repeated text is numbered"
    );

    // Polled again, and again after the list re-ordered: nothing is new or changed.
    for order in [[0, 1, 2, 3], [3, 1, 0, 2]] {
        srv.route("/notices.html", Route::ok(HTML, notices(&order)));
        let (code, out, _) = ws.run(&["once"]);
        assert_eq!(code, 0, "{out}");
        assert!(out.contains("4 posts, 0 new, 0 changed, 0 new hits"), "{order:?}: {out}");
    }
}

#[test]
fn sources_test_names_the_selector_behind_each_field_of_each_post() {
    let srv = Server::start();
    srv.route("/news/index.html", Route::ok(HTML, html("news_list.html")));
    srv.route("/news/a1.html", Route::ok(HTML, html("news_a1.html")));
    srv.route("/news/a2.html", Route::ok(HTML, html("news_a2.html")));
    srv.route("/bbs/forum-2-1.html", Route::ok(HTML, discuz_board(2)));
    srv.route("/bbs/thread-101-1-1.html", Route::ok(HTML, html("discuz_thread_p1.html")));
    srv.route("/bbs/thread-101-2-1.html", Route::ok(HTML, html("discuz_thread_p2.html")));
    let bbs = format!(
        "[[source]]\nname = \"bbs\"\nkind = \"html\"\nurl = \"{}\"\npreset = \"discuz\"\ntimezone = \"Asia/Shanghai\"\n",
        srv.url("/bbs/forum-2-1.html")
    );
    let ws = workspace(&format!("{}\n{bbs}", news_source("city", &srv.url("/news/index.html"))));
    let (code, out, err) = ws.run(&["sources", "test", "city"]);
    assert_eq!(code, 0, "{err}");
    let u = |p: &str| srv.url(p);
    let post1 = format!(
        "post 1 of 2
  guid          {a1}
  url           {a1}   <- link = \"a.t@href\"
  title         实验中学举办科技节   <- title = \"a.t\"
  author        记者 王芳   <- article.author = \"span.by\"
  published_at  2026-03-05T06:30:00Z   <- article.time = \"span.pub\"
  page          {a1}
  text          实验中学举办科技节 /  / 本报讯 3月5日，实验中学举办第十届科技节。 /  / 学生展示了机器人作品。   <- article.content = \"div.article\" (after the title)
  hit           school [high] keywords: 实验中学
",
        a1 = u("/news/a1.html?id=1")
    );
    assert!(out.contains(&post1), "want:\n{post1}\nin:\n{out}");
    // A field no selector produced says which matched nothing.
    assert!(out.contains("  author        (none)   <- nothing matched: article.author = \"span.by\"\n"), "{out}");

    let (code, out, err) = ws.run(&["sources", "test", "bbs"]);
    assert_eq!(code, 0, "{err}");
    for line in [
        "  title         实验中学食堂怎么样？   <- title = \"a.xst\"\n",
        "  author        路人   <- article.author = \"div.authi a.xw1\"\n",
        "  published_at  2026-03-05T08:00:00Z   <- article.time = \"em[id^=\\\"authorposton\\\"]\"\n",
        "  floor         3   <- article.floor = \"a[id^=\\\"postnum\\\"] em\"\n",
        "  text          听说实验中学上周有学生食物中毒？   <- article.content = \"td.t_f\"\n",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let permalink = u("/bbs/forum.php?mod=redirect&goto=findpost&ptid=101&pid=1003");
    assert!(
        out.contains(&format!(
            "  url           {permalink}   <- article.permalink = \"a[id^=\\\"postnum\\\"]@href\"\n"
        )),
        "{out}"
    );

    let (code, out, _) = ws.run(&["sources", "test", "bbs", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let floor = v["posts"][2]["origins"].as_array().unwrap().iter().find(|o| o["field"] == "floor").unwrap().clone();
    assert_eq!(
        floor,
        serde_json::json!({"field": "floor", "key": "article.floor", "selector": "a[id^=\"postnum\"] em"})
    );
}

/// Regression: a forum that numbers the opening post 0 never had it stored (floors had to be
/// above a "last seen" that started at 0).
#[test]
fn thread_numbering_from_zero_keeps_the_opening_post() {
    let s = Server::start();
    let board = r#"<html><body><ul><li class="t"><a class="x" href="/t/9">校园通知</a></li></ul></body></html>"#;
    let thread = r#"<html><body>
<div class="p"><span class="n">0</span><div class="b">实验中学明天停课</div></div>
<div class="p"><span class="n">1</span><div class="b">收到，谢谢</div></div>
</body></html>"#;
    s.route("/board", Route::ok(HTML, board));
    s.route("/t/9", Route::ok(HTML, thread));
    let ws = workspace(&format!(
        "[[source]]\nname = \"bbs\"\nkind = \"html\"\nurl = \"{}\"\nitem = \"li.t\"\nlink = \"a.x@href\"\ntitle = \"a.x\"\n\
         follow = true\npost = \"div.p\"\narticle.floor = \"span.n\"\narticle.content = \"div.b\"\n",
        s.url("/board")
    ));
    let (code, out, err) = ws.run(&["once"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let floors: Vec<(Option<i64>, String)> = posts(&ws, "bbs").into_iter().map(|p| (p.5, p.6)).collect();
    assert_eq!(
        floors,
        vec![(Some(0), "校园通知\n\n实验中学明天停课".to_string()), (Some(1), "收到，谢谢".to_string())]
    );
    assert_eq!(hits(&ws).len(), 1, "the opening post's keyword hits");
}
