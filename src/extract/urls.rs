//! Links found on pages: resolved against the page URL and its `<base href>`, fragments kept (a
//! forum floor's permalink is an anchor), and tracking parameters dropped on request.

use url::Url;

/// The URL relative links on a page resolve against: `<base href>` (itself resolved against the
/// page URL) if present and valid, else the page URL.
pub fn base_url(page_url: &Url, doc: &scraper::Html) -> Url {
    let sel = scraper::Selector::parse("base[href]").expect("a constant, valid selector");
    doc.select(&sel)
        .next()
        .and_then(|b| b.value().attr("href"))
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone())
}

/// Resolves `href` against `base`, keeping only http(s) results, and removes query parameters
/// matching `strip` (`"utm_*"` matches by prefix, anything else by name).
///
/// ```
/// let base = url::Url::parse("http://bbs.example/forum/list.html").unwrap();
/// let u = trawl::extract::urls::resolve(&base, "../t/1.html?utm_source=x&id=2#pid7", &["utm_*".into()]);
/// assert_eq!(u.as_deref(), Some("http://bbs.example/t/1.html?id=2#pid7"));
/// ```
pub fn resolve(base: &Url, href: &str, strip: &[String]) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with("javascript:") {
        return None;
    }
    let mut u = base.join(href).ok()?;
    if !matches!(u.scheme(), "http" | "https") {
        return None;
    }
    if !strip.is_empty() && u.query().is_some() {
        let kept: Vec<(String, String)> = u
            .query_pairs()
            .filter(|(k, _)| !strip.iter().any(|p| matches(p, k)))
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        if kept.is_empty() {
            u.set_query(None);
        } else {
            u.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    Some(u.to_string())
}

fn matches(pattern: &str, key: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => key.starts_with(prefix),
        None => key == pattern,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_links_base_and_strips_tracking() {
        let page = Url::parse("http://news.example/city/index.html").unwrap();
        let strip = vec!["utm_*".to_string(), "spm".to_string()];
        let cases = [
            ("a.html", Some("http://news.example/city/a.html")),
            ("/b.html", Some("http://news.example/b.html")),
            ("../c.html#p3", Some("http://news.example/c.html#p3")),
            ("//cdn.example/d", Some("http://cdn.example/d")),
            ("e.html?spm=1.2&id=9&utm_medium=rss", Some("http://news.example/city/e.html?id=9")),
            ("f.html?utm_source=x", Some("http://news.example/city/f.html")),
            ("javascript:void(0)", None),
            ("mailto:a@b.example", None),
            ("", None),
        ];
        for (href, want) in cases {
            assert_eq!(resolve(&page, href, &strip).as_deref(), want, "{href}");
        }
        let doc = scraper::Html::parse_document(r#"<head><base href="/archive/2026/"></head>"#);
        let base = base_url(&page, &doc);
        assert_eq!(resolve(&base, "x.html", &[]).as_deref(), Some("http://news.example/archive/2026/x.html"));
    }
}
