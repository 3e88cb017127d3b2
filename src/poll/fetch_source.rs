//! The network half of a poll: fetch one source, decode, extract posts, match rules. Touches no
//! database, so any number can run at once (bounded by the caller).

use std::collections::HashMap;
use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::config::{Source, SourceKind};
use crate::extract::{self, Post};
use crate::fetch::{Document, Fetcher, Outcome, Validators, charset};
use crate::rules::{RuleHit, RuleSet};
use crate::store::Followed;

/// What to poll: a configured source with its database id and conditional-GET validators.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Position in the config, so reports come out in config order.
    pub order: usize,
    pub source_id: i64,
    pub source: Source,
    pub validators: Validators,
    /// What an html source followed in earlier polls, by URL (empty for feeds).
    pub followed: HashMap<String, Followed>,
}

/// A post with what the matcher found in it.
#[derive(Debug, Clone)]
pub struct MatchedPost {
    pub post: Post,
    pub text_hash: String,
    pub hits: Vec<RuleHit>,
    /// Index into [`Page::Document`]'s `docs` of the page the post was read from: the evidence
    /// for its hits. 0 is the source's own URL.
    pub doc: usize,
    /// A forum reply's floor.
    pub floor: Option<u64>,
}

/// A fetched document and the charset it was decoded with.
#[derive(Debug)]
pub struct PageDoc {
    pub doc: Document,
    pub charset: &'static str,
}

/// What fetching produced, ready for the writer.
#[derive(Debug)]
pub enum Page {
    NotModified {
        status: u16,
    },
    /// `docs[0]` is the source's URL; an html source adds list pages, articles and thread pages.
    Document {
        docs: Vec<PageDoc>,
        posts: Vec<MatchedPost>,
        /// Articles and threads followed by this poll, to remember for the next.
        followed: Vec<Followed>,
    },
}

/// One source's fetch result, handed to [`super::commit`].
#[derive(Debug)]
pub struct Fetched {
    pub plan: Plan,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub elapsed: std::time::Duration,
    /// The page, or why the poll failed plus the HTTP status if there was one.
    pub result: Result<Page, (String, Option<u16>)>,
}

/// Fetches, extracts and matches one source. Never fails: a failure is carried in `result`.
pub async fn fetch_source(fetcher: &Fetcher, rules: &RuleSet, plan: Plan) -> Fetched {
    let started_at = Utc::now();
    let clock = Instant::now();
    let result = poll_page(fetcher, rules, &plan).await;
    Fetched { plan, started_at, finished_at: Utc::now(), elapsed: clock.elapsed(), result }
}

async fn poll_page(fetcher: &Fetcher, rules: &RuleSet, plan: &Plan) -> Result<Page, (String, Option<u16>)> {
    let url = plan.source.url.as_str();
    let doc = match fetcher.fetch(url, &plan.validators).await {
        Ok(Outcome::NotModified { status }) => return Ok(Page::NotModified { status }),
        Ok(Outcome::Fetched(doc)) => doc,
        Err(e) => return Err((e.to_string(), e.status())),
    };
    if let (SourceKind::Html, Some(html)) = (plan.source.kind, &plan.source.html) {
        let c = super::html::crawl(fetcher, &plan.source.name, html, doc, &plan.followed, Utc::now()).await;
        let posts = c.posts.into_iter().map(|p| matched(rules, p.post, p.doc, p.floor)).collect();
        return Ok(Page::Document { docs: c.docs, posts, followed: c.followed });
    }
    let decoded = charset::decode(&doc.body, doc.content_type.as_deref());
    let mut posts =
        extract::feed::extract(&doc.final_url, &decoded.text).map_err(|e| (e.to_string(), Some(doc.status)))?;
    distinct_guids(&mut posts);
    let posts = posts.into_iter().map(|post| matched(rules, post, 0, None)).collect();
    Ok(Page::Document { docs: vec![PageDoc { charset: decoded.encoding.name(), doc }], posts, followed: Vec::new() })
}

/// Feeds that repeat an id (a broken CMS, blank Atom ids) would otherwise fold several entries
/// into one post that "changes" on every poll: the second and later ones get `#2`, `#3`, … in
/// feed order, which is stable as long as the feed is.
fn distinct_guids(posts: &mut [Post]) {
    let mut seen: HashMap<String, u32> = HashMap::new();
    for p in posts {
        let n = seen.entry(p.guid.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            p.guid = format!("{}#{n}", p.guid);
        }
    }
}

fn matched(rules: &RuleSet, post: Post, doc: usize, floor: Option<u64>) -> MatchedPost {
    MatchedPost { text_hash: post.text_hash(), hits: rules.matcher.match_text(&post.text), post, doc, floor }
}
