//! `trawl run` over an html source: the daemon remembers what it followed between polls, so a
//! forum thread is re-read only when its reply count moves, and only its new replies are stored.

mod common;

use std::time::Duration;

use common::html::*;
use common::{Daemon, Route, Server, Workspace, daemon_config_with, wait_until};

fn bbs_posts(ws: &Workspace) -> i64 {
    ws.count_or_zero("SELECT COUNT(*) FROM posts")
}

fn polls(ws: &Workspace) -> i64 {
    ws.count_or_zero("SELECT COUNT(*) FROM polls WHERE outcome = 'ok'")
}

#[test]
fn run_picks_up_only_the_new_reply_of_a_discuz_thread() {
    let srv = Server::start();
    srv.route("/bbs/forum-2-1.html", Route::ok(HTML, discuz_board(2)));
    srv.route("/bbs/thread-101-1-1.html", Route::ok(HTML, html("discuz_thread_p1.html")));
    srv.route("/bbs/thread-101-2-1.html", Route::ok(HTML, html("discuz_thread_p2.html")));
    let ws = Workspace::new(&[]);
    let source = format!(
        "\n[[source]]\nname = \"bbs\"\nkind = \"html\"\nurl = \"{}\"\npreset = \"discuz\"\ntimezone = \"Asia/Shanghai\"\n",
        srv.url("/bbs/forum-2-1.html")
    );
    ws.write_raw_config(&daemon_config_with("*/1 * * * * *", "", &source));
    let mut d = Daemon::start(&ws, &[]);
    assert!(wait_until(Duration::from_secs(10), || bbs_posts(&ws) == 3), "{}", d.log());
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), 2);

    // Later slots with the same reply count do not read the thread again.
    let before = polls(&ws);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws) >= before + 2), "{}", d.log());
    assert_eq!(srv.requests("/bbs/thread-101-2-1.html"), 1, "{}", d.log());

    // A new reply on page 2, and the board's count moves.
    let floor4 = r#"<div id="post_1004"><table><tr><td class="pls"><div class="authi"><a class="xw1">新人</a></div></td><td class="plc"><div class="pi"><strong><a href="forum.php?mod=redirect&amp;goto=findpost&amp;ptid=101&amp;pid=1004" id="postnum1004"><em>4</em></a></strong><div class="authi"><em id="authorposton1004">发表于 刚刚</em></div></div><div class="pct"><table><tr><td class="t_f">实验中学的食堂上个月换了承包商。</td></tr></table></div></td></tr></table></div>"#;
    let p2 = String::from_utf8(html("discuz_thread_p2.html")).unwrap().replace("<!--FLOOR4-->", floor4);
    srv.route("/bbs/thread-101-2-1.html", Route::ok(HTML, p2));
    srv.route("/bbs/forum-2-1.html", Route::ok(HTML, discuz_board(3)));
    assert!(wait_until(Duration::from_secs(10), || bbs_posts(&ws) == 4), "{}", d.log());
    let newest: (String, i64) = ws
        .db()
        .query_row("SELECT guid, floor FROM posts ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(newest, (srv.url("/bbs/forum.php?mod=redirect&goto=findpost&ptid=101&pid=1004"), 4));

    // More slots pass: still one post per reply, one hit per matching reply.
    let before = polls(&ws);
    assert!(wait_until(Duration::from_secs(10), || polls(&ws) >= before + 2), "{}", d.log());
    assert_eq!(bbs_posts(&ws), 4);
    assert_eq!(ws.count("SELECT COUNT(*) FROM hits"), 3, "floors 1, 3 and 4 hit once each");
    assert_eq!(ws.count("SELECT COALESCE(SUM(posts_new), 0) FROM polls"), 4, "3 posts, then the one new reply");
    assert_eq!(ws.count("SELECT COALESCE(SUM(posts_changed), 0) FROM polls"), 0);
    assert_eq!(srv.requests("/bbs/thread-101-1-1.html"), 1, "page 1 was not read again");

    d.signal("TERM");
    assert_eq!(d.wait(Duration::from_secs(5)), Some(0), "{}", d.log());
}
