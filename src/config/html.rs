//! `kind = "html"` sources: selectors (own or from a preset), follow, budgets, time zone.
//!
//! Presets are TOML shipped in `presets/` and embedded at build time; a source's own keys override
//! its preset's. Every selector is parsed here, so a bad one is a `trawl check` error at its line.

use std::sync::Arc;

use chrono_tz::Tz;
use serde::Deserialize;
use toml::Spanned;

use super::raw::RawSource;
use super::validate::Checker;
use crate::extract::html::select::Sel;

/// The presets trawl ships, by name.
pub const PRESETS: &[(&str, &str)] = &[
    ("discuz", include_str!("../../presets/discuz.toml")),
    ("phpbb", include_str!("../../presets/phpbb.toml")),
    ("discourse", include_str!("../../presets/discourse.toml")),
];

/// Budget defaults: enough for a busy list page, small enough that a wrong selector cannot crawl
/// a site.
pub const DEFAULT_MAX_PAGES: u32 = 3;
pub const DEFAULT_MAX_ITEMS: u32 = 50;
pub const DEFAULT_MAX_FOLLOW: u32 = 20;

/// Selectors applied to a followed page (article or forum thread): `[source.article]`.
#[derive(Debug, Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub title: Option<Spanned<String>>,
    pub content: Option<Spanned<String>>,
    pub author: Option<Spanned<String>>,
    pub time: Option<Spanned<String>>,
    pub floor: Option<Spanned<String>>,
    pub permalink: Option<Spanned<String>>,
    pub next: Option<Spanned<String>>,
}

/// A preset file: the selector keys of a source.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Preset {
    item: Option<String>,
    link: Option<String>,
    title: Option<String>,
    author: Option<String>,
    time: Option<String>,
    summary: Option<String>,
    replies: Option<String>,
    next: Option<String>,
    follow: Option<bool>,
    post: Option<String>,
    #[serde(default)]
    article: PresetArticle,
}

#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PresetArticle {
    title: Option<String>,
    content: Option<String>,
    author: Option<String>,
    time: Option<String>,
    floor: Option<String>,
    permalink: Option<String>,
    next: Option<String>,
}

/// A validated `html` source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlSource {
    pub preset: Option<String>,
    /// Zone of dates printed without an offset.
    pub timezone: Tz,
    pub list: ListSelectors,
    /// Fetch each new item's link and read it with `article`.
    pub follow: bool,
    pub article: ArticleSelectors,
    pub max_pages: u32,
    pub max_items: u32,
    pub max_follow: u32,
    /// Query parameters removed from links (`utm_*` matches by prefix).
    pub strip_query: Vec<String>,
}

/// Selectors on the list page (news list or forum board).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListSelectors {
    pub item: Sel,
    pub link: Option<Sel>,
    pub title: Option<Sel>,
    pub author: Option<Sel>,
    pub time: Option<Sel>,
    pub summary: Option<Sel>,
    /// A forum thread's reply count on the board: unchanged means the thread is not re-read.
    pub replies: Option<Sel>,
    pub next: Option<Sel>,
}

/// Selectors on a followed page; `post` splits a thread page into replies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSelectors {
    pub post: Option<Sel>,
    pub title: Option<Sel>,
    pub content: Option<Sel>,
    pub author: Option<Sel>,
    pub time: Option<Sel>,
    pub floor: Option<Sel>,
    pub permalink: Option<Sel>,
    pub next: Option<Sel>,
}

impl HtmlSource {
    /// The selector behind a config key (`"title"`, `"article.content"`, …), if it is set.
    ///
    /// ```
    /// # use std::path::Path;
    /// let toml = "[[source]]\nname = \"b\"\nkind = \"html\"\nurl = \"http://x/\"\npreset = \"discuz\"\n";
    /// let cfg = trawl::config::Config::parse(Path::new("trawl.toml"), toml).unwrap();
    /// let html = cfg.sources[0].html.as_ref().unwrap();
    /// assert_eq!(html.selector("link").unwrap().source, "a.xst@href");
    /// assert!(html.selector("summary").is_none());
    /// ```
    pub fn selector(&self, key: &str) -> Option<&Sel> {
        let (l, a) = (&self.list, &self.article);
        match key {
            "item" => Some(&l.item),
            "link" => l.link.as_ref(),
            "title" => l.title.as_ref(),
            "author" => l.author.as_ref(),
            "time" => l.time.as_ref(),
            "summary" => l.summary.as_ref(),
            "replies" => l.replies.as_ref(),
            "next" => l.next.as_ref(),
            "post" => a.post.as_ref(),
            "article.title" => a.title.as_ref(),
            "article.content" => a.content.as_ref(),
            "article.author" => a.author.as_ref(),
            "article.time" => a.time.as_ref(),
            "article.floor" => a.floor.as_ref(),
            "article.permalink" => a.permalink.as_ref(),
            "article.next" => a.next.as_ref(),
            _ => None,
        }
    }
}

/// The names of the keys only `html` sources take, if `s` sets any (for a helpful error).
pub fn html_only_key(s: &RawSource) -> Option<(&'static str, std::ops::Range<usize>)> {
    let strs = [
        ("preset", &s.preset),
        ("timezone", &s.timezone),
        ("item", &s.item),
        ("link", &s.link),
        ("title", &s.title),
        ("author", &s.author),
        ("time", &s.time),
        ("summary", &s.summary),
        ("replies", &s.replies),
        ("next", &s.next),
        ("post", &s.post),
    ];
    if let Some((k, v)) = strs.into_iter().find_map(|(k, v)| v.as_ref().map(|v| (k, v.span()))) {
        return Some((k, v));
    }
    let nums = [("max_pages", &s.max_pages), ("max_items", &s.max_items), ("max_follow", &s.max_follow)];
    if let Some(kv) = nums.into_iter().find_map(|(k, v)| v.as_ref().map(|v| (k, v.span()))) {
        return Some(kv);
    }
    s.follow
        .as_ref()
        .map(|f| ("follow", f.span()))
        .or_else(|| s.strip_query.as_ref().map(|_| ("strip_query", s.kind.span())))
}

/// `default_tz` is `[schedule] timezone`, used when the source sets none.
pub(super) fn validate(c: &mut Checker, s: &RawSource, default_tz: Tz) -> Option<Arc<HtmlSource>> {
    let preset = match &s.preset {
        None => Preset::default(),
        Some(name) => match PRESETS.iter().find(|(n, _)| *n == name.get_ref().as_str()) {
            // Presets are tested to parse (see the tests below), so this cannot fail.
            Some((_, text)) => toml::from_str(text).expect("shipped presets are valid TOML"),
            None => {
                let names: Vec<String> = PRESETS.iter().map(|(n, _)| format!("\"{n}\"")).collect();
                let msg = format!("unknown preset '{}': expected one of {}", name.get_ref(), names.join(", "));
                c.err::<()>(name.span(), msg);
                // Go on without it, so the source's own keys are checked too.
                Preset::default()
            }
        },
    };
    let at = s.preset.as_ref().map_or(s.kind.span(), |p| p.span());
    let mut sel = |own: &Option<Spanned<String>>, preset: &Option<String>, key: &str| -> Option<Sel> {
        let (text, span) = match (own, preset) {
            (Some(v), _) => (v.get_ref().clone(), v.span()),
            (None, Some(p)) => (p.clone(), at.clone()),
            (None, None) => return None,
        };
        Sel::parse(&text).map_err(|e| c.err::<()>(span, format!("'{key}': {e}"))).ok()
    };
    let a = s.article.clone().unwrap_or_default();
    let pa = &preset.article;
    let list_item = sel(&s.item, &preset.item, "item");
    let list = (
        sel(&s.link, &preset.link, "link"),
        sel(&s.title, &preset.title, "title"),
        sel(&s.author, &preset.author, "author"),
        sel(&s.time, &preset.time, "time"),
        sel(&s.summary, &preset.summary, "summary"),
        sel(&s.replies, &preset.replies, "replies"),
        sel(&s.next, &preset.next, "next"),
    );
    let article = ArticleSelectors {
        post: sel(&s.post, &preset.post, "post"),
        title: sel(&a.title, &pa.title, "article.title"),
        content: sel(&a.content, &pa.content, "article.content"),
        author: sel(&a.author, &pa.author, "article.author"),
        time: sel(&a.time, &pa.time, "article.time"),
        floor: sel(&a.floor, &pa.floor, "article.floor"),
        permalink: sel(&a.permalink, &pa.permalink, "article.permalink"),
        next: sel(&a.next, &pa.next, "article.next"),
    };
    let follow = s.follow.as_ref().map(|f| *f.get_ref()).or(preset.follow).unwrap_or(false);
    if !follow && let Some(p) = &s.post {
        c.err::<()>(p.span(), "'post' splits followed thread pages into replies: it needs 'follow = true'");
    }
    let timezone = timezone(c, &s.timezone, default_tz);
    let budget = |c: &mut Checker, v: &Option<Spanned<i64>>, key: &str, d: u32| c.positive(v, key, d.into()) as u32;
    let (max_pages, max_items, max_follow) = (
        budget(c, &s.max_pages, "max_pages", DEFAULT_MAX_PAGES),
        budget(c, &s.max_items, "max_items", DEFAULT_MAX_ITEMS),
        budget(c, &s.max_follow, "max_follow", DEFAULT_MAX_FOLLOW),
    );
    let strip_query = s.strip_query.iter().flatten().map(|q| q.get_ref().trim().to_string()).collect();
    let Some(item) = list_item else {
        if s.item.is_none() && preset.item.is_none() {
            c.err::<()>(s.kind.span(), "an html source needs an 'item' selector (or a 'preset')");
        }
        return None;
    };
    let (link, title, author, time, summary, replies, next) = list;
    Some(Arc::new(HtmlSource {
        preset: s.preset.as_ref().map(|p| p.get_ref().clone()),
        timezone: timezone?,
        list: ListSelectors { item, link, title, author, time, summary, replies, next },
        follow,
        article,
        max_pages,
        max_items,
        max_follow,
        strip_query,
    }))
}

fn timezone(c: &mut Checker, tz: &Option<Spanned<String>>, default_tz: Tz) -> Option<Tz> {
    let Some(tz) = tz else { return Some(default_tz) };
    match tz.get_ref().parse::<Tz>() {
        Ok(z) => Some(z),
        Err(_) => c.err(
            tz.span(),
            format!(
                "unknown time zone '{}': use an IANA name like \"Asia/Shanghai\" or \"Europe/London\"",
                tz.get_ref()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_preset_parses_with_valid_selectors() {
        for (name, text) in PRESETS {
            let p: Preset = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
            let a = &p.article;
            let all = [&p.item, &p.link, &p.title, &p.author, &p.time, &p.summary, &p.replies, &p.next, &p.post];
            let art = [&a.title, &a.content, &a.author, &a.time, &a.floor, &a.permalink, &a.next];
            for s in all.into_iter().chain(art).flatten() {
                Sel::parse(s).unwrap_or_else(|e| panic!("{name}: {e}"));
            }
            assert!(p.item.is_some() && p.link.is_some() && p.post.is_some(), "{name}");
        }
    }
}
