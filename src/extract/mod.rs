//! Extraction: turns a fetched document into [`Post`]s (url, guid, title, author, time, text).
//!
//! `feed` sources go through [`feed::extract`]; markup in titles and bodies is reduced to plain
//! text by [`text::html_to_text`]. The poll stage matches and stores the posts.

pub mod dates;
pub mod feed;
pub mod html;
pub mod text;
pub mod urls;

use chrono::{DateTime, Utc};

/// One item published by a source, as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    /// Stable identity within the source (the feed's id/guid, else the link).
    pub guid: String,
    pub url: Option<String>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub published_at: Option<DateTime<Utc>>,
    /// Title and body as plain text; this is what rules match and what hit spans point into.
    pub text: String,
}

impl Post {
    /// Hex SHA-256 of the text: decides whether a post changed since it was last seen.
    pub fn text_hash(&self) -> String {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(self.text.as_bytes()))
    }
}

/// Why a document could not be turned into posts.
#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    /// The bytes are not a feed feed-rs understands.
    #[error("cannot parse feed from '{url}': {reason}")]
    Feed { url: String, reason: String },
}
