//! Reading list, article and thread pages with a source's selectors.

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html};
use url::Url;

use super::select::Sel;
use super::{Origin, Origins, SelectorUse};
use crate::config::html::HtmlSource;
use crate::extract::{dates, text, urls};

/// One entry of a list page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListItem {
    /// Absolute URL (tracking parameters stripped), if the `link` selector found one.
    pub link: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    /// The date as printed, and as understood (None if unparseable).
    pub time_text: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    /// Reply count on a forum board.
    pub replies: Option<u64>,
    /// The entry's whole visible text: the post's text when it has neither title nor summary.
    pub text: String,
}

/// What a list page holds.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub items: Vec<ListItem>,
    /// The next list page, if the `next` selector found one.
    pub next: Option<String>,
    pub uses: Vec<SelectorUse>,
}

/// An article a list item links to.
#[derive(Debug, Clone, Default)]
pub struct ArticlePage {
    pub title: Option<String>,
    pub author: Option<String>,
    pub time_text: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// `article.content`'s text, or the visible text of the whole page without navigation.
    pub content: String,
    pub uses: Vec<SelectorUse>,
}

/// One reply (floor) of a forum thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub floor: u64,
    /// Identity and link: the `article.permalink`, else the page URL with the reply's `id` as
    /// anchor, else `thread_url#floor-N`.
    pub permalink: String,
    pub author: Option<String>,
    pub time_text: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    pub text: String,
    /// Where each field came from, for `trawl sources test`.
    pub origins: Vec<Origin>,
}

/// One page of a forum thread.
#[derive(Debug, Clone, Default)]
pub struct ThreadPage {
    pub title: Option<String>,
    pub replies: Vec<Reply>,
    pub next: Option<String>,
    pub uses: Vec<SelectorUse>,
}

/// Shared context while reading one page.
struct Reader<'s> {
    src: &'s HtmlSource,
    page: String,
    base: Url,
    now: DateTime<Utc>,
    uses: Vec<SelectorUse>,
}

impl Reader<'_> {
    fn new<'s>(src: &'s HtmlSource, doc: &Html, page_url: &Url, now: DateTime<Utc>) -> Reader<'s> {
        Reader { src, page: page_url.to_string(), base: urls::base_url(page_url, doc), now, uses: Vec::new() }
    }

    fn record(&mut self, key: &str, sel: &Sel, matched: usize, of: Option<usize>) {
        let page = self.page.clone();
        self.uses.push(SelectorUse { key: key.into(), selector: sel.source.clone(), page, matched, of });
    }

    /// Applies `sel` in every scope; records how many produced a value.
    fn each<T>(
        &mut self,
        key: &str,
        sel: Option<&Sel>,
        scopes: &[ElementRef<'_>],
        f: impl Fn(&Sel, ElementRef<'_>) -> Option<T>,
    ) -> Vec<Option<T>> {
        let Some(sel) = sel else { return scopes.iter().map(|_| None).collect() };
        let out: Vec<Option<T>> = scopes.iter().map(|s| f(sel, *s)).collect();
        let n = out.iter().filter(|v| v.is_some()).count();
        self.record(key, sel, n, Some(scopes.len()));
        out
    }

    fn date(&self, text: &Option<String>) -> Option<DateTime<Utc>> {
        text.as_deref().and_then(|t| dates::parse_date(t, self.src.timezone, self.now))
    }

    /// The `next` page link, recorded as a whole-page selector.
    fn next(&mut self, key: &str, sel: Option<&Sel>, root: ElementRef<'_>) -> Option<String> {
        let sel = sel?;
        let next = r_link(&self.base, self.src, sel, root);
        self.record(key, sel, usize::from(next.is_some()), None);
        next
    }
}

/// Reads a list page (news list or forum board) fetched from `page_url`.
pub fn list_page(html: &str, page_url: &Url, src: &HtmlSource, now: DateTime<Utc>) -> ListPage {
    let doc = Html::parse_document(html);
    let mut r = Reader::new(src, &doc, page_url, now);
    let l = &src.list;
    let items = l.item.all(doc.root_element());
    r.record("item", &l.item, items.len(), None);
    let base = r.base.clone();
    let links = r.each("link", l.link.as_ref(), &items, |s, e| r_link(&base, src, s, e));
    let titles = r.each("title", l.title.as_ref(), &items, |s, e| s.value(e));
    let authors = r.each("author", l.author.as_ref(), &items, |s, e| s.value(e));
    let times = r.each("time", l.time.as_ref(), &items, |s, e| s.value(e));
    let summaries = r.each("summary", l.summary.as_ref(), &items, |s, e| s.text(e));
    let replies =
        r.each("replies", l.replies.as_ref(), &items, |s, e| s.value(e).and_then(|v| super::first_number(&v)));
    let next = r.next("next", l.next.as_ref(), doc.root_element());
    let mut out = Vec::new();
    for i in 0..items.len() {
        let time_text = times[i].clone();
        out.push(ListItem {
            link: links[i].clone(),
            title: titles[i].clone(),
            author: authors[i].clone(),
            published_at: r.date(&time_text),
            time_text,
            summary: summaries[i].clone(),
            replies: replies[i],
            text: text::element_text(items[i], false),
        });
    }
    ListPage { items: out, next, uses: r.uses }
}

fn r_link(base: &Url, src: &HtmlSource, sel: &Sel, scope: ElementRef<'_>) -> Option<String> {
    urls::resolve(base, &sel.value(scope)?, &src.strip_query)
}

/// Reads an article page (a followed list item).
pub fn article_page(html: &str, page_url: &Url, src: &HtmlSource, now: DateTime<Utc>) -> ArticlePage {
    let doc = Html::parse_document(html);
    let mut r = Reader::new(src, &doc, page_url, now);
    let a = &src.article;
    let root = [doc.root_element()];
    let title = r.each("article.title", a.title.as_ref(), &root, |s, e| s.value(e)).remove(0);
    let author = r.each("article.author", a.author.as_ref(), &root, |s, e| s.value(e)).remove(0);
    let time_text = r.each("article.time", a.time.as_ref(), &root, |s, e| s.value(e)).remove(0);
    let content = match &a.content {
        Some(_) => r.each("article.content", a.content.as_ref(), &root, |s, e| s.text(e)).remove(0),
        None => Some(text::element_text(doc.root_element(), true)),
    };
    ArticlePage {
        title,
        author,
        published_at: r.date(&time_text),
        time_text,
        content: content.unwrap_or_default(),
        uses: r.uses,
    }
}

/// Reads one page of a forum thread. `thread_url` is the thread's first page (the identity of
/// replies without a permalink); `first_floor` is the floor number of this page's first reply
/// when the page does not print floor numbers.
pub fn thread_page(
    html: &str,
    page_url: &Url,
    thread_url: &str,
    first_floor: u64,
    src: &HtmlSource,
    now: DateTime<Utc>,
) -> ThreadPage {
    let doc = Html::parse_document(html);
    let mut r = Reader::new(src, &doc, page_url, now);
    let a = &src.article;
    let root = doc.root_element();
    let Some(post) = &a.post else { return ThreadPage::default() };
    let posts = post.all(root);
    r.record("post", post, posts.len(), None);
    let title = a.title.as_ref().and_then(|s| s.value(root));
    let base = r.base.clone();
    let authors = r.each("article.author", a.author.as_ref(), &posts, |s, e| s.value(e));
    let times = r.each("article.time", a.time.as_ref(), &posts, |s, e| s.value(e));
    let floors =
        r.each("article.floor", a.floor.as_ref(), &posts, |s, e| s.value(e).and_then(|v| super::first_number(&v)));
    let links = r.each("article.permalink", a.permalink.as_ref(), &posts, |s, e| r_link(&base, src, s, e));
    let texts = match &a.content {
        Some(_) => r.each("article.content", a.content.as_ref(), &posts, |s, e| s.text(e)),
        None => posts.iter().map(|p| Some(text::element_text(*p, false))).collect(),
    };
    let next = r.next("article.next", a.next.as_ref(), root);
    let mut replies = Vec::new();
    for (i, el) in posts.iter().enumerate() {
        let mut o = Origins::new(src);
        let floor = match floors[i] {
            Some(f) => {
                o.key("floor", "article.floor", None);
                f
            }
            None => {
                let why = a
                    .floor
                    .as_ref()
                    .map_or(String::new(), |s| format!(": article.floor = {:?} matched nothing", s.source));
                o.made("floor", format!("position in the thread{why}"));
                first_floor + i as u64
            }
        };
        let permalink = match (&links[i], el.value().id()) {
            (Some(l), _) => {
                o.key("url", "article.permalink", None);
                l.clone()
            }
            (None, Some(id)) => {
                o.made("url", format!("the page URL with the reply's id #{id}"));
                with_fragment(page_url, id)
            }
            (None, None) => {
                o.made("url", "the thread URL with #floor-N");
                format!("{thread_url}#floor-{floor}")
            }
        };
        let author = o.pick("author", vec![("article.author", authors[i].clone())]);
        let time_text = times[i].clone();
        let published_at = o.pick_date("published_at", vec![("article.time", &time_text, r.date(&time_text))]);
        let text = match (&a.content, &texts[i]) {
            (Some(_), t) => o.pick("text", vec![("article.content", t.clone())]),
            (None, t) => {
                o.made("text", "the reply's whole text (no article.content set)");
                t.clone()
            }
        };
        replies.push(Reply {
            floor,
            permalink,
            author,
            published_at,
            time_text,
            text: text.unwrap_or_default(),
            origins: o.list,
        });
    }
    ThreadPage { title, replies, next, uses: r.uses }
}

fn with_fragment(page: &Url, id: &str) -> String {
    let mut u = page.clone();
    u.set_fragment(Some(id));
    u.to_string()
}
