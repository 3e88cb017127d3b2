//! The network half of a poll: fetch one source, decode, extract posts, match rules. Touches no
//! database, so any number can run at once (bounded by the caller).

use std::time::Instant;

use chrono::{DateTime, Utc};

use crate::config::{Source, SourceKind};
use crate::extract::{self, Post};
use crate::fetch::{Document, Fetcher, Outcome, Validators, charset};
use crate::rules::{RuleHit, RuleSet};

/// What to poll: a configured source with its database id and conditional-GET validators.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Position in the config, so reports come out in config order.
    pub order: usize,
    pub source_id: i64,
    pub source: Source,
    pub validators: Validators,
}

/// A post with what the matcher found in it.
#[derive(Debug, Clone)]
pub struct MatchedPost {
    pub post: Post,
    pub text_hash: String,
    pub hits: Vec<RuleHit>,
}

/// What fetching produced, ready for the writer.
#[derive(Debug)]
pub enum Page {
    NotModified { status: u16 },
    Document { doc: Box<Document>, charset: &'static str, posts: Vec<MatchedPost> },
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
    let decoded = charset::decode(&doc.body, doc.content_type.as_deref());
    let posts = match plan.source.kind {
        SourceKind::Feed => extract::feed::extract(&doc.final_url, &decoded.text),
    }
    .map_err(|e| (e.to_string(), Some(doc.status)))?;
    let posts = posts
        .into_iter()
        .map(|post| MatchedPost { text_hash: post.text_hash(), hits: rules.matcher.match_text(&post.text), post })
        .collect();
    Ok(Page::Document { charset: decoded.encoding.name(), doc: Box::new(doc), posts })
}
