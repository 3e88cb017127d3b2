//! Helpers for the `kind = "html"` tests: fixtures, workspaces with html sources, and the posts
//! and hits they stored.

use sha2::Digest;

use super::{Workspace, fixture};

pub const HTML: &str = "text/html";

pub fn sha256(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

pub fn html(name: &str) -> Vec<u8> {
    fixture(&format!("html/{name}"))
}

/// A workspace whose config is `[fetch]` plus `sources` (TOML text).
pub fn workspace(sources: &str) -> Workspace {
    let ws = Workspace::new(&[]);
    std::fs::write(ws.config(), format!("[fetch]\ntimeout = \"2s\"\nhost_delay = \"0s\"\n\n{sources}")).unwrap();
    ws
}

/// (source, rule, url, title, snapshot sha) of every hit, sorted.
pub fn hits(ws: &Workspace) -> Vec<(String, String, String, String, String)> {
    let mut v: Vec<_> = ws
        .hits()
        .iter()
        .map(|h| {
            let s = |k: &str| h[k].as_str().unwrap_or("").to_string();
            (s("source"), s("rule"), s("url"), s("title"), s("snapshot_sha256"))
        })
        .collect();
    v.sort();
    v
}

/// (guid, url, title, author, published_at, floor, text) of every post of `source`, by id.
pub type PostRow = (String, Option<String>, Option<String>, Option<String>, Option<String>, Option<i64>, String);
pub fn posts(ws: &Workspace, source: &str) -> Vec<PostRow> {
    let db = ws.db();
    let mut stmt = db
        .prepare(
            "SELECT p.guid, p.url, p.title, p.author, p.published_at, p.floor, p.text FROM posts p
             JOIN sources s ON s.id = p.source_id WHERE s.name = ?1 ORDER BY p.id",
        )
        .unwrap();
    stmt.query_map([source], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn news_source(name: &str, url: &str) -> String {
    format!(
        r#"[[source]]
name = "{name}"
kind = "html"
url = "{url}"
timezone = "Asia/Shanghai"
item = "div.news li"
link = "a.t@href"
title = "a.t"
time = "span.time"
summary = "p.sum"
follow = true
article.content = "div.article"
article.time = "span.pub"
article.author = "span.by"
strip_query = ["utm_*", "spm"]
"#
    )
}

pub fn s(x: &str) -> String {
    x.to_string()
}

pub fn discuz_board(replies: u32) -> Vec<u8> {
    String::from_utf8(html("discuz_board.html")).unwrap().replace("REPLIES", &replies.to_string()).into_bytes()
}
