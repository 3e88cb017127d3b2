//! `trawl sources test NAME`: fetch one source now and show what would be extracted and which
//! rules would hit — each selector's matches, each post's fields — storing nothing.

use std::path::Path;

use serde::Serialize;

use super::{UsageError, exit};
use crate::config::{Source, SourceKind};
use crate::extract::html::{Origin, SelectorUse};
use crate::fetch::{Fetcher, Outcome, Validators, charset};
use crate::poll::html::{Crawl, CrawledPost};
use crate::rules::RuleSet;

#[derive(Debug, clap::Subcommand)]
pub enum SourcesCommand {
    /// Fetch one source now and print what would be extracted and which rules would hit (stores nothing)
    Test {
        /// The source's name in the config
        name: String,
        #[arg(long, value_enum, default_value_t = TestFormat::Text)]
        format: TestFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestFormat {
    Text,
    Json,
}

/// The whole report; `--format json` prints exactly this.
#[derive(Debug, Serialize)]
struct Report {
    source: String,
    kind: &'static str,
    url: String,
    /// Where each field of a post comes from.
    fields: Vec<(&'static str, String)>,
    selectors: Vec<SelectorUse>,
    notes: Vec<String>,
    pages_fetched: usize,
    posts: Vec<PostOut>,
}

#[derive(Debug, Serialize)]
struct PostOut {
    guid: String,
    url: Option<String>,
    title: Option<String>,
    author: Option<String>,
    published_at: Option<String>,
    floor: Option<u64>,
    /// The page the post was read from (its evidence).
    page: String,
    text: String,
    /// Where each field came from: the selector, or how it was made (html sources only).
    origins: Vec<Origin>,
    hits: Vec<HitOut>,
}

#[derive(Debug, Serialize)]
struct HitOut {
    rule: String,
    severity: &'static str,
    keywords: Vec<String>,
}

pub fn run(config: &Path, cmd: SourcesCommand) -> anyhow::Result<u8> {
    let SourcesCommand::Test { name, format } = cmd;
    let cfg = super::load_config(config)?;
    let rules = super::load_rules(&cfg)?;
    let source = cfg.source(&name).ok_or_else(|| UsageError(format!("no source named '{name}' in the config")))?;
    let fetcher = Fetcher::new(&cfg.fetch)?;
    let rt = tokio::runtime::Runtime::new()?;
    let crawl = match rt.block_on(test(&fetcher, source)) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(exit::FAILURE);
        }
    };
    let report = report(source, &rules, crawl);
    match format {
        TestFormat::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        TestFormat::Text => print!("{}", render(&report)),
    }
    Ok(exit::OK)
}

async fn test(fetcher: &Fetcher, source: &Source) -> Result<Crawl, String> {
    let doc = match fetcher.fetch(source.url.as_str(), &Validators::default()).await {
        Ok(Outcome::Fetched(doc)) => doc,
        Ok(Outcome::NotModified { status }) => return Err(format!("HTTP {status} without a body")),
        Err(e) => return Err(e.to_string()),
    };
    if let Some(html) = &source.html {
        let known = Default::default();
        return Ok(crate::poll::html::crawl(fetcher, &source.name, html, doc, &known, chrono::Utc::now()).await);
    }
    let decoded = charset::decode(&doc.body, doc.content_type.as_deref());
    let posts = crate::extract::feed::extract(&doc.final_url, &decoded.text).map_err(|e| e.to_string())?;
    let posts = posts.into_iter().map(|post| CrawledPost { post, doc: 0, floor: None, origins: Vec::new() }).collect();
    let docs = vec![crate::poll::PageDoc { doc, charset: decoded.encoding.name() }];
    Ok(Crawl { docs, posts, ..Default::default() })
}

fn fields(source: &Source) -> Vec<(&'static str, String)> {
    let f = |a: &str, b: &str| format!("{a}, else {b}");
    match &source.html {
        None => vec![("all", "the feed's entries (feed-rs)".into())],
        Some(h) if h.follow && h.article.post.is_some() => vec![
            ("url", "article.permalink, else the reply's id as #anchor, else #floor-N".into()),
            ("title", "title (on the board)".into()),
            ("author", "article.author".into()),
            ("published_at", "article.time".into()),
            ("floor", "article.floor, else position in the thread".into()),
            ("text", "article.content, else the reply's text (title too on floor 1)".into()),
        ],
        Some(h) if h.follow => vec![
            ("url", "link".into()),
            ("title", f("article.title", "title")),
            ("author", f("article.author", "author")),
            ("published_at", f("article.time", "time")),
            ("text", "title + article.content, else the whole article page without navigation".into()),
        ],
        Some(_) => vec![
            ("url", "link".into()),
            ("title", "title".into()),
            ("author", "author".into()),
            ("published_at", "time".into()),
            ("text", "title + summary".into()),
        ],
    }
}

fn report(source: &Source, rules: &RuleSet, c: Crawl) -> Report {
    let posts = c
        .posts
        .iter()
        .map(|p| {
            let hits = rules
                .matcher
                .match_text(&p.post.text)
                .into_iter()
                .map(|h| {
                    let r = &rules.rules[h.rule];
                    let mut keywords: Vec<String> = Vec::new();
                    for m in &h.matches {
                        if !keywords.contains(&m.keyword) {
                            keywords.push(m.keyword.clone());
                        }
                    }
                    HitOut { rule: r.name.clone(), severity: r.severity.as_str(), keywords }
                })
                .collect();
            PostOut {
                guid: p.post.guid.clone(),
                url: p.post.url.clone(),
                title: p.post.title.clone(),
                author: p.post.author.clone(),
                published_at: p.post.published_at.map(crate::store::ts),
                floor: p.floor,
                page: c.docs[p.doc].doc.final_url.clone(),
                text: p.post.text.clone(),
                origins: p.origins.clone(),
                hits,
            }
        })
        .collect();
    Report {
        source: source.name.clone(),
        kind: source.kind.as_str(),
        url: source.url.to_string(),
        fields: fields(source),
        selectors: c.uses,
        notes: c.notes,
        pages_fetched: c.docs.len(),
        posts,
    }
}

fn render(r: &Report) -> String {
    let mut o = format!("source {} ({}) {}\n", r.source, r.kind, r.url);
    o += &format!("{} pages fetched, {} posts\n", r.pages_fetched, r.posts.len());
    if r.kind == SourceKind::Html.as_str() {
        o += "\nselectors:\n";
        for u in &r.selectors {
            o += &format!("  {}\n", u.describe());
        }
    }
    for n in &r.notes {
        o += &format!("note: {n}\n");
    }
    o += "\nfields come from:\n";
    for (k, v) in &r.fields {
        o += &format!("  {k:<13} {v}\n");
    }
    for (i, p) in r.posts.iter().enumerate() {
        o += &format!("\npost {} of {}\n", i + 1, r.posts.len());
        let none = "(none)".to_string();
        // Each field's line ends with where the value came from: `<- key = "selector"`.
        let from = |k: &str| match p.origins.iter().find(|o| o.field == k) {
            Some(o) => format!("   <- {}", o.describe()),
            None => String::new(),
        };
        let line = |k: &str, v: Option<&String>| format!("  {k:<13} {}{}\n", v.unwrap_or(&none), from(k));
        o += &line("guid", Some(&p.guid));
        o += &line("url", p.url.as_ref());
        o += &line("title", p.title.as_ref());
        o += &line("author", p.author.as_ref());
        o += &line("published_at", p.published_at.as_ref());
        if let Some(f) = p.floor {
            o += &line("floor", Some(&f.to_string()));
        }
        o += &line("page", Some(&p.page));
        let text: String = p.text.chars().take(200).collect::<String>().replace('\n', " / ");
        let more = if p.text.chars().count() > 200 { "…" } else { "" };
        o += &format!("  {:<13} {text}{more}{}\n", "text", from("text"));
        if p.hits.is_empty() {
            o += "  hits          none\n";
        }
        for h in &p.hits {
            o += &format!("  hit           {} [{}] keywords: {}\n", h.rule, h.severity, h.keywords.join(", "));
        }
    }
    o
}
