//! Where each field of a post came from: which selector produced it, or how it was made when no
//! selector did (a fallback), or which selectors were tried and matched nothing. `trawl sources
//! test` prints this on each field's line.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::html::HtmlSource;

/// The origin of one field of one post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// `url`, `title`, `author`, `published_at`, `floor` or `text`.
    pub field: &'static str,
    /// The config key whose selector produced the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<&'static str>,
    /// That selector, as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selector: Option<String>,
    /// How the value was made when no selector gave it, why it is missing, or a remark.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Origin {
    /// For people: `article.author = "span.by"`, or the note.
    pub fn describe(&self) -> String {
        match (self.key, &self.selector, &self.note) {
            (Some(k), Some(s), None) => format!("{k} = {s:?}"),
            (Some(k), Some(s), Some(n)) => format!("{k} = {s:?} ({n})"),
            (_, _, Some(n)) => n.clone(),
            (k, _, None) => k.unwrap_or_default().to_string(),
        }
    }
}

/// Collects the origins of one post's fields while they are chosen.
pub struct Origins<'s> {
    src: &'s HtmlSource,
    pub list: Vec<Origin>,
}

impl<'s> Origins<'s> {
    pub fn new(src: &'s HtmlSource) -> Origins<'s> {
        Origins { src, list: Vec::new() }
    }

    /// The first of `candidates` (config key, value) that has a value; records which key gave it,
    /// or which were tried.
    pub fn pick<T>(&mut self, field: &'static str, candidates: Vec<(&'static str, Option<T>)>) -> Option<T> {
        let keys: Vec<&'static str> = candidates.iter().map(|(k, _)| *k).collect();
        for (key, v) in candidates {
            if v.is_some() {
                self.key(field, key, None);
                return v;
            }
        }
        self.missing(field, &keys);
        None
    }

    /// Like [`Origins::pick`] for dates: candidates are (key, text as printed, text as understood).
    /// A date printed but not understood is named, since that is a different fix than a selector
    /// that matched nothing.
    pub fn pick_date(
        &mut self,
        field: &'static str,
        candidates: Vec<(&'static str, &Option<String>, Option<DateTime<Utc>>)>,
    ) -> Option<DateTime<Utc>> {
        if let Some((key, _, d)) = candidates.iter().find(|(_, _, d)| d.is_some()) {
            self.key(field, key, None);
            return *d;
        }
        match candidates.iter().find_map(|(k, t, _)| t.as_ref().map(|t| (k, t))) {
            Some((key, text)) => {
                let sel = self.selector(key).unwrap_or_default();
                self.made(field, format!("{key} = {sel:?} matched {text:?}, which is not a date trawl can read"));
            }
            None => self.missing(field, &candidates.iter().map(|(k, _, _)| *k).collect::<Vec<_>>()),
        }
        None
    }

    /// Records that `key`'s selector produced `field`.
    pub fn key(&mut self, field: &'static str, key: &'static str, note: Option<&str>) {
        let selector = self.selector(key);
        self.list.push(Origin { field, key: Some(key), selector, note: note.map(str::to_string) });
    }

    /// Records that `field` was made without a selector, and how.
    pub fn made(&mut self, field: &'static str, note: impl Into<String>) {
        self.list.push(Origin { field, key: None, selector: None, note: Some(note.into()) });
    }

    fn missing(&mut self, field: &'static str, keys: &[&'static str]) {
        let set: Vec<String> = keys.iter().filter_map(|k| self.selector(k).map(|s| format!("{k} = {s:?}"))).collect();
        let note = if set.is_empty() {
            format!("no selector set ({})", keys.join(", "))
        } else {
            format!("nothing matched: {}", set.join(", "))
        };
        self.made(field, note);
    }

    fn selector(&self, key: &str) -> Option<String> {
        self.src.selector(key).map(|s| s.source.clone())
    }
}
