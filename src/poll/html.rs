//! Crawling one `kind = "html"` source: the list page and its `next` pages, then the articles or
//! forum threads its items link to, within the source's budgets. Fetches are sequential, so one
//! source never hammers its host. A followed page that fails is logged and skipped; only the
//! first list page failing fails the poll (the caller fetched it already).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use super::fetch_source::PageDoc;
use crate::config::html::HtmlSource;
use crate::extract::Post;
use crate::extract::html::{self, ListItem, Origin, Origins, SelectorUse};
use crate::fetch::{Document, Fetcher, Outcome, Validators, charset};
use crate::store::Followed;

/// A post and the index of the document (in [`Crawl::docs`]) it was read from.
#[derive(Debug, Clone)]
pub struct CrawledPost {
    pub post: Post,
    pub doc: usize,
    pub floor: Option<u64>,
    /// Where each field came from (empty for feeds), for `trawl sources test`.
    pub origins: Vec<Origin>,
}

/// Everything one crawl produced.
#[derive(Debug, Default)]
pub struct Crawl {
    pub docs: Vec<PageDoc>,
    pub posts: Vec<CrawledPost>,
    pub followed: Vec<Followed>,
    /// What each selector matched on each page, for `trawl sources test`.
    pub uses: Vec<SelectorUse>,
    /// Budgets hit, pages that failed: also logged as warnings.
    pub notes: Vec<String>,
}

struct Crawler<'a> {
    fetcher: &'a Fetcher,
    source: &'a str,
    src: &'a HtmlSource,
    now: DateTime<Utc>,
    out: Crawl,
    /// How many list entries of this crawl had each `text:` identity (see [`Crawler::list_post`]).
    text_ids: HashMap<String, u32>,
}

/// Crawls from `first`, the already fetched list page; `known` is what earlier polls followed.
pub async fn crawl(
    fetcher: &Fetcher,
    source: &str,
    src: &HtmlSource,
    first: Document,
    known: &HashMap<String, Followed>,
    now: DateTime<Utc>,
) -> Crawl {
    let mut c = Crawler { fetcher, source, src, now, out: Crawl::default(), text_ids: HashMap::new() };
    let items = c.list(first).await;
    if src.follow {
        c.follow(items, known).await;
    } else {
        for (item, doc) in items {
            c.list_post(&item, doc);
        }
    }
    c.out
}

impl Crawler<'_> {
    fn note(&mut self, msg: String) {
        tracing::warn!(source = %self.source, "{msg}");
        self.out.notes.push(msg);
    }

    /// Decodes and keeps `doc`; returns its index and text.
    fn keep(&mut self, doc: Document) -> (usize, String, Url) {
        let decoded = charset::decode(&doc.body, doc.content_type.as_deref());
        let url = Url::parse(&doc.final_url).or_else(|_| Url::parse(&doc.url)).expect("fetched URLs are valid");
        self.out.docs.push(PageDoc { doc, charset: decoded.encoding.name() });
        (self.out.docs.len() - 1, decoded.text, url)
    }

    async fn get(&mut self, url: &str) -> Option<Document> {
        match self.fetcher.fetch(url, &Validators::default()).await {
            Ok(Outcome::Fetched(doc)) => Some(doc),
            Ok(Outcome::NotModified { .. }) => None,
            Err(e) => {
                self.note(format!("skipped a page: {e}"));
                None
            }
        }
    }

    /// The list page and its `next` pages: items (at most `max_items`) with their page index.
    async fn list(&mut self, first: Document) -> Vec<(ListItem, usize)> {
        let mut items = Vec::new();
        let mut doc = Some(first);
        let mut pages = 0;
        while let Some(d) = doc.take() {
            pages += 1;
            let (i, text, url) = self.keep(d);
            let page = html::list_page(&text, &url, self.src, self.now);
            self.out.uses.extend(page.uses);
            items.extend(page.items.into_iter().map(|it| (it, i)));
            if items.len() > self.src.max_items as usize {
                let n = items.len();
                items.truncate(self.src.max_items as usize);
                self.note(format!(
                    "budget max_items = {} reached ({n} items found so far); the rest is left for later",
                    self.src.max_items
                ));
                break;
            }
            let Some(next) = page.next.filter(|n| *n != url.as_str()) else { break };
            if pages >= self.src.max_pages {
                self.note(format!("budget max_pages = {} reached on the list; not reading {next}", self.src.max_pages));
                break;
            }
            doc = self.get(&next).await;
        }
        items
    }

    async fn follow(&mut self, items: Vec<(ListItem, usize)>, known: &HashMap<String, Followed>) {
        let mut fetched = 0u32;
        for (item, list_doc) in items {
            let Some(link) = item.link.clone() else {
                // Nothing to follow: the list entry is the post.
                self.list_post(&item, list_doc);
                continue;
            };
            let before = known.get(&link);
            let hash = item_hash(&item);
            let thread = self.src.article.post.is_some();
            let unchanged = match (thread, before) {
                (true, Some(b)) => item.replies.is_some() && b.reply_count == item.replies,
                (false, Some(b)) => b.item_hash.as_deref() == Some(hash.as_str()),
                (_, None) => false,
            };
            if unchanged {
                continue;
            }
            if fetched >= self.src.max_follow {
                self.note(format!(
                    "budget max_follow = {} reached; not following {link} and later items",
                    self.src.max_follow
                ));
                break;
            }
            fetched += 1;
            if thread {
                self.thread(&item, &link, before).await;
            } else {
                self.article(&item, &link, hash).await;
            }
        }
    }

    async fn article(&mut self, item: &ListItem, link: &str, item_hash: String) {
        let Some(doc) = self.get(link).await else { return };
        let (i, text, url) = self.keep(doc);
        let a = html::article_page(&text, &url, self.src, self.now);
        self.out.uses.extend(a.uses);
        let mut o = Origins::new(self.src);
        o.key("url", "link", None);
        let title = o.pick("title", vec![("article.title", a.title), ("title", item.title.clone())]);
        let author = o.pick("author", vec![("article.author", a.author), ("author", item.author.clone())]);
        let published_at = o.pick_date(
            "published_at",
            vec![("article.time", &a.time_text, a.published_at), ("time", &item.time_text, item.published_at)],
        );
        match &self.src.article.content {
            Some(_) if a.content.is_empty() => o.made("text", "the title only: article.content matched nothing"),
            Some(_) => o.key("text", "article.content", Some("after the title")),
            None => o.made("text", "title + the whole article page without navigation (no article.content set)"),
        }
        let post = Post {
            guid: link.to_string(),
            url: Some(link.to_string()),
            text: join(title.as_deref(), &a.content),
            title,
            author,
            published_at,
        };
        self.out.posts.push(CrawledPost { post, doc: i, floor: None, origins: o.list });
        self.out.followed.push(Followed { url: link.to_string(), item_hash: Some(item_hash), ..Default::default() });
    }

    /// Reads a thread from where the last poll stopped, keeping only floors not seen before.
    async fn thread(&mut self, item: &ListItem, link: &str, before: Option<&Followed>) {
        // None: never read, so every floor is new (forums that number the opening post 0 too).
        let seen = before.and_then(|b| b.last_floor);
        let mut page_url = before.and_then(|b| b.last_page_url.clone()).unwrap_or_else(|| link.to_string());
        let mut first_floor = before.and_then(|b| b.last_page_first_floor).unwrap_or(1);
        let mut state =
            Followed { url: link.to_string(), reply_count: item.replies, ..before.cloned().unwrap_or_default() };
        state.item_hash = Some(item_hash(item));
        for n in 1..=self.src.max_pages {
            let Some(doc) = self.get(&page_url).await else { break };
            let (i, text, url) = self.keep(doc);
            let t = html::thread_page(&text, &url, link, first_floor, self.src, self.now);
            self.out.uses.extend(t.uses);
            let title = item.title.clone().or(t.title.clone());
            state.last_page_url = Some(page_url.clone());
            state.last_page_first_floor = Some(first_floor);
            // The opening post is the first reply on the thread's first page, whatever its number.
            let opening = (page_url == link).then(|| t.replies.first().map(|r| r.floor)).flatten();
            for r in t.replies.iter().filter(|r| seen.is_none_or(|s| r.floor > s)) {
                let body = if Some(r.floor) == opening { join(title.as_deref(), &r.text) } else { r.text.clone() };
                let mut o = Origins::new(self.src);
                o.pick("title", vec![("title", item.title.clone()), ("article.title", t.title.clone())]);
                o.list.extend(r.origins.iter().cloned());
                let post = Post {
                    guid: r.permalink.clone(),
                    url: Some(r.permalink.clone()),
                    title: title.clone(),
                    author: r.author.clone(),
                    published_at: r.published_at,
                    text: body,
                };
                self.out.posts.push(CrawledPost { post, doc: i, floor: Some(r.floor), origins: o.list });
            }
            let top = t.replies.iter().map(|r| r.floor).max();
            state.last_floor = state.last_floor.max(top);
            first_floor = top.map_or(first_floor, |f| f + 1);
            let Some(next) = t.next.filter(|n| *n != url.as_str() && *n != page_url) else { break };
            if n == self.src.max_pages {
                self.note(format!(
                    "budget max_pages = {} reached in thread {link}; the rest is read next poll",
                    self.src.max_pages
                ));
                break;
            }
            page_url = next;
        }
        self.out.followed.push(state);
    }

    /// Keeps a list entry read without following it as a post.
    ///
    /// Its identity is its link, else its title (`title:…`, as stored since html sources exist).
    /// An entry with neither is identified by a hash of its text (`text:SHA256`), not by its place
    /// on the page: a new entry on top shifts every place below it, so a positional id would make
    /// every entry look changed (new versions, repeated hits) each time the list moves, while the
    /// hash stays with the text wherever it moves, across pages too. Entries with the very same
    /// text in one crawl are numbered in page order (`#2`, `#3`); being identical, which one gets
    /// which number does not matter.
    fn list_post(&mut self, item: &ListItem, doc: usize) {
        let mut o = Origins::new(self.src);
        let url = o.pick("url", vec![("link", item.link.clone())]);
        let title = o.pick("title", vec![("title", item.title.clone())]);
        let author = o.pick("author", vec![("author", item.author.clone())]);
        let published_at = o.pick_date("published_at", vec![("time", &item.time_text, item.published_at)]);
        let text = match (&item.title, &item.summary) {
            (_, Some(summary)) => {
                o.key("text", "summary", item.title.is_some().then_some("after the title"));
                join(item.title.as_deref(), summary)
            }
            (Some(t), None) => {
                o.made("text", "the title only: no summary");
                t.clone()
            }
            (None, None) => {
                o.made("text", "the entry's whole text (no title, no summary)");
                item.text.clone()
            }
        };
        let guid = match (&item.link, &item.title) {
            (Some(l), _) => l.clone(),
            (None, Some(t)) => format!("title:{t}"),
            (None, None) => {
                let id = format!("text:{}", crate::archive::sha256_hex(text.as_bytes()));
                let n = self.text_ids.entry(id.clone()).or_insert(0);
                *n += 1;
                if *n == 1 { id } else { format!("{id}#{n}") }
            }
        };
        let post = Post { guid, url, title, author, published_at, text };
        self.out.posts.push(CrawledPost { post, doc, floor: None, origins: o.list });
    }
}

/// Title, a blank line, then the body: what rules match.
fn join(title: Option<&str>, body: &str) -> String {
    match (title.filter(|t| !t.is_empty()), body.is_empty()) {
        (Some(t), false) => format!("{t}\n\n{body}"),
        (Some(t), true) => t.to_string(),
        (None, _) => body.to_string(),
    }
}

fn item_hash(item: &ListItem) -> String {
    let parts = [&item.link, &item.title, &item.time_text, &item.summary];
    let joined: Vec<&str> = parts.iter().map(|p| p.as_deref().unwrap_or("")).collect();
    crate::archive::sha256_hex(joined.join("\u{1f}").as_bytes())
}
