//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.

use super::{ExtractError, Post, text::html_to_text};
use crate::fetch::charset;

/// Parses a decoded feed document fetched from `url` into posts, in feed order.
pub fn extract(url: &str, text: &str) -> Result<Vec<Post>, ExtractError> {
    let xml = charset::xml_as_utf8(text);
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(url))
        // An entry without an id is identified by its link alone, so an edited title is seen as
        // a change to the same post rather than a new post.
        .id_generator(|links, title, _| match links.first() {
            Some(l) => l.href.clone(),
            None => format!("title:{}", title.as_ref().map_or("", |t| t.content.as_str())),
        })
        .build();
    let feed =
        parser.parse(xml.as_bytes()).map_err(|e| ExtractError::Feed { url: url.to_string(), reason: e.to_string() })?;
    Ok(feed.entries.into_iter().map(post).collect())
}

fn post(e: feed_rs::model::Entry) -> Post {
    let url = e
        .links
        .iter()
        .find(|l| l.rel.as_deref().is_none_or(|r| r == "alternate"))
        .or(e.links.first())
        .map(|l| l.href.clone());
    let title = e.title.map(|t| html_to_text(&t.content)).filter(|t| !t.is_empty());
    let body = e
        .content
        .and_then(|c| c.body)
        .filter(|b| !b.trim().is_empty())
        .or(e.summary.map(|s| s.content))
        .map(|b| html_to_text(&b))
        .unwrap_or_default();
    let author = e.authors.into_iter().filter_map(|a| a.name).find(|n| !n.trim().is_empty());
    let text = match (&title, body.is_empty()) {
        (Some(t), false) => format!("{t}\n\n{body}"),
        (Some(t), true) => t.clone(),
        (None, _) => body,
    };
    Post { guid: e.id, url, title, author, published_at: e.published.or(e.updated), text }
}
